//! 会议纪要: the minutes of a meeting with agencies.

use crate::DocumentError;
use crate::official::{
    body, body_lines, centred, flush, heading, numeral, pack, page, right, title,
};

#[derive(Debug, Clone, Default)]
pub struct MinutesAttendee {
    pub unit: String,
    pub name: String,
    pub position: String,
}

#[derive(Debug, Clone, Default)]
pub struct MinutesFollowUp {
    pub title: String,
    pub owner: String,
    pub due_on: String,
}

/// What goes into the minutes; filled by the caller from a meeting record.
#[derive(Debug, Clone, Default)]
pub struct MinutesDoc {
    /// The procuratorate, e.g. 上街区人民检察院.
    pub office: String,
    /// 座谈会 / 联席会议 / 案件会商 …
    pub kind: String,
    pub title: String,
    /// `YYYY-MM-DD`
    pub held_on: String,
    pub place: String,
    pub attendees: Vec<MinutesAttendee>,
    pub agenda: String,
    pub minutes: String,
    pub consensus: Vec<String>,
    pub follow_ups: Vec<MinutesFollowUp>,
}

/// `2026-03-05` as 2026年3月5日 (other text unchanged).
pub fn chinese_date(d: &str) -> String {
    let parts: Vec<&str> = d.split('-').collect();
    match parts.as_slice() {
        [y, m, day] if y.len() == 4 => format!(
            "{y}年{}月{}日",
            m.trim_start_matches('0'),
            day.trim_start_matches('0')
        ),
        _ => d.to_owned(),
    }
}

/// The minutes as a DOCX: title, the facts of the meeting, those present by
/// unit, agenda, what was discussed, the consensus items numbered, and the
/// follow-up tasks with owner and deadline.
pub fn minutes_docx(m: &MinutesDoc) -> Result<Vec<u8>, DocumentError> {
    let mut doc = page()
        .add_paragraph(title(&format!("{}纪要", m.kind)))
        .add_paragraph(centred(&m.title))
        .add_paragraph(flush(""))
        .add_paragraph(flush(&format!("时间：{}", chinese_date(&m.held_on))));
    if !m.place.is_empty() {
        doc = doc.add_paragraph(flush(&format!("地点：{}", m.place)));
    }
    if !m.attendees.is_empty() {
        // Group by unit, the procuratorate first, in the order given.
        let mut units: Vec<&str> = Vec::new();
        for a in &m.attendees {
            if !units.contains(&a.unit.as_str()) {
                units.push(&a.unit);
            }
        }
        units.sort_by_key(|u| *u != "本院");
        doc = doc.add_paragraph(flush("参会人员："));
        for u in units {
            let people: Vec<String> = m
                .attendees
                .iter()
                .filter(|a| a.unit == u)
                .map(|a| {
                    if a.position.is_empty() {
                        a.name.clone()
                    } else {
                        format!("{}（{}）", a.name, a.position)
                    }
                })
                .collect();
            let unit = if u == "本院" { m.office.as_str() } else { u };
            doc = doc.add_paragraph(body(&format!("{unit}：{}", people.join("、"))));
        }
    }
    let mut n = 0;
    let mut section = |doc: docx_rs::Docx, name: &str| {
        n += 1;
        doc.add_paragraph(heading(&format!("{}、{name}", numeral(n))))
    };
    if !m.agenda.trim().is_empty() {
        doc = section(doc, "会议议题");
        for p in body_lines(&m.agenda) {
            doc = doc.add_paragraph(p);
        }
    }
    if !m.minutes.trim().is_empty() {
        doc = section(doc, "会议情况");
        for p in body_lines(&m.minutes) {
            doc = doc.add_paragraph(p);
        }
    }
    if !m.consensus.is_empty() {
        doc = section(doc, "会议共识");
        for (i, c) in m.consensus.iter().enumerate() {
            doc = doc.add_paragraph(body(&format!("（{}）{c}", numeral(i + 1))));
        }
    }
    if !m.follow_ups.is_empty() {
        doc = section(doc, "后续工作");
        for (i, t) in m.follow_ups.iter().enumerate() {
            doc = doc.add_paragraph(body(&format!(
                "{}. {}（责任人：{}；完成时限：{}）",
                i + 1,
                t.title,
                t.owner,
                chinese_date(&t.due_on)
            )));
        }
    }
    doc = doc
        .add_paragraph(flush(""))
        .add_paragraph(right(&m.office))
        .add_paragraph(right(&chinese_date(&m.held_on)));
    pack(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{part, text_of};
    use std::io::Read;

    fn symposium() -> MinutesDoc {
        MinutesDoc {
            office: "上街区人民检察院".into(),
            kind: "座谈会".into(),
            title: "道路交通安全和运输执法领域行政检察监督座谈会".into(),
            held_on: "2023-04-12".into(),
            place: "本院第一会议室".into(),
            attendees: vec![
                MinutesAttendee {
                    unit: "上街区交通运输局".into(),
                    name: "王某".into(),
                    position: "副局长".into(),
                },
                MinutesAttendee {
                    unit: "本院".into(),
                    name: "张某".into(),
                    position: "检察长".into(),
                },
                MinutesAttendee {
                    unit: "上街区公安局".into(),
                    name: "赵某".into(),
                    position: String::new(),
                },
                MinutesAttendee {
                    unit: "本院".into(),
                    name: "李某".into(),
                    position: "检察官".into(),
                },
            ],
            agenda: "交流执法难点\n研究衔接机制".into(),
            minutes: "各单位通报了非法营运整治情况。".into(),
            consensus: vec![
                "建立联络员制度".into(),
                "每年召开一次联席会议".into(),
                "重大案件及时通报".into(),
            ],
            follow_ups: vec![MinutesFollowUp {
                title: "起草衔接工作意见".into(),
                owner: "李某".into(),
                due_on: "2023-05-31".into(),
            }],
        }
    }

    #[test]
    fn the_minutes_carry_every_part_of_the_meeting_in_order() {
        let bytes = minutes_docx(&symposium()).expect("docx");
        let xml = part(&bytes, "word/document.xml");
        let text = text_of(&xml);
        let order = [
            "座谈会纪要",
            "道路交通安全和运输执法领域行政检察监督座谈会",
            "时间：2023年4月12日",
            "地点：本院第一会议室",
            "上街区人民检察院：张某（检察长）、李某（检察官）",
            "上街区交通运输局：王某（副局长）",
            "上街区公安局：赵某",
            "一、会议议题",
            "二、会议情况",
            "三、会议共识",
            "（一）建立联络员制度",
            "（三）重大案件及时通报",
            "四、后续工作",
            "1. 起草衔接工作意见（责任人：李某；完成时限：2023年5月31日）",
        ];
        let mut at = 0;
        for o in order {
            let i = text[at..]
                .find(o)
                .unwrap_or_else(|| panic!("missing or out of order: {o}\n{text}"));
            at += i + o.len();
        }
        assert!(text.ends_with("上街区人民检察院2023年4月12日"), "{text}");
    }

    #[test]
    fn the_layout_is_the_official_one() {
        let bytes = minutes_docx(&symposium()).expect("docx");
        let xml = part(&bytes, "word/document.xml");
        assert!(
            xml.contains(r#"w:w="11906""#) && xml.contains(r#"w:h="16838""#),
            "A4"
        );
        assert!(
            xml.contains(r#"w:top="2098""#) && xml.contains(r#"w:left="1587""#),
            "公文 margins"
        );
        assert!(
            xml.contains("方正小标宋简体") && xml.contains("仿宋_GB2312") && xml.contains("黑体")
        );
        let footers: Vec<String> = (1..=3)
            .filter_map(|i| {
                let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).ok()?;
                let mut s = String::new();
                zip.by_name(&format!("word/footer{i}.xml"))
                    .ok()?
                    .read_to_string(&mut s)
                    .ok()?;
                Some(s)
            })
            .collect();
        assert!(
            footers.iter().any(|f| f.contains("PAGE")),
            "a page-number field in the footer"
        );
        // And the file reads back as a document.
        assert!(docx_rs::read_docx(&bytes).is_ok());
    }

    #[test]
    fn an_empty_meeting_still_makes_a_valid_document() {
        let m = MinutesDoc {
            office: "本院".into(),
            kind: "其他会议".into(),
            title: "短会".into(),
            held_on: "2026-01-05".into(),
            ..Default::default()
        };
        let bytes = minutes_docx(&m).expect("docx");
        let text = text_of(&part(&bytes, "word/document.xml"));
        assert!(text.contains("其他会议纪要") && !text.contains("一、"));
    }

    #[test]
    fn dates_in_chinese() {
        assert_eq!(chinese_date("2023-04-02"), "2023年4月2日");
        assert_eq!(chinese_date("2023-10-20"), "2023年10月20日");
        assert_eq!(chinese_date("待定"), "待定");
    }
}
