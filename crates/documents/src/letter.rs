//! 检察建议书 and its 送达回证 (legal-reference §3.1).

use crate::DocumentError;
use crate::minutes::chinese_date;
use crate::official::{body, body_lines, centred, flush, heading, pack, page, right, title};

/// What goes into the letter; filled by the caller from a recommendation.
#[derive(Debug, Clone, Default)]
pub struct LetterDoc {
    /// 上街区人民检察院
    pub office: String,
    /// 上检行建〔2023〕1号; empty for a draft (marked 征求意见稿).
    pub doc_number: String,
    /// The recipients' full names.
    pub recipients: Vec<String>,
    pub title: String,
    pub source: String,
    pub facts: String,
    pub problems: String,
    pub items: Vec<String>,
    /// The reply clause, e.g. 请你单位自收到本检察建议书之日起两个月以内……
    pub reply_clause: String,
    pub cc: String,
    /// `YYYY-MM-DD`, the issue date; empty for a draft.
    pub issued_on: String,
}

/// The letter: office and 检察建议书 title, 文号, addressee, 案件来源, 查明的事实,
/// 存在的问题及法律依据, numbered 建议, the reply clause, the office and date, 抄送.
pub fn letter_docx(l: &LetterDoc) -> Result<Vec<u8>, DocumentError> {
    let mut doc = page()
        .add_paragraph(title(&l.office))
        .add_paragraph(title("检察建议书"));
    doc = doc.add_paragraph(centred(if l.doc_number.is_empty() {
        "（征求意见稿）"
    } else {
        &l.doc_number
    }));
    doc = doc
        .add_paragraph(flush(""))
        .add_paragraph(flush(&format!("{}：", l.recipients.join("、"))));
    if !l.source.trim().is_empty() {
        doc = doc.add_paragraph(heading("一、案件来源"));
        for p in body_lines(&l.source) {
            doc = doc.add_paragraph(p);
        }
    }
    doc = doc.add_paragraph(heading("二、查明的事实"));
    for p in body_lines(&l.facts) {
        doc = doc.add_paragraph(p);
    }
    doc = doc.add_paragraph(heading("三、存在的问题及法律依据"));
    for p in body_lines(&l.problems) {
        doc = doc.add_paragraph(p);
    }
    doc = doc
        .add_paragraph(heading("四、检察建议"))
        .add_paragraph(body(
            "根据《中华人民共和国人民检察院组织法》第二十一条、《人民检察院检察建议工作规定》的规定，现提出如下建议：",
        ));
    for (i, item) in l.items.iter().enumerate() {
        doc = doc.add_paragraph(body(&format!("{}. {item}", i + 1)));
    }
    doc = doc
        .add_paragraph(body(&l.reply_clause))
        .add_paragraph(flush(""))
        .add_paragraph(right(&l.office))
        .add_paragraph(right(&if l.issued_on.is_empty() {
            "年  月  日".to_owned()
        } else {
            chinese_date(&l.issued_on)
        }));
    if !l.cc.trim().is_empty() {
        doc = doc
            .add_paragraph(flush(""))
            .add_paragraph(flush(&format!("抄送：{}", l.cc.trim())));
    }
    pack(doc)
}

/// 送达回证: what was delivered to whom, to be signed by the recipient.
#[derive(Debug, Clone, Default)]
pub struct ReceiptDoc {
    pub office: String,
    pub doc_number: String,
    pub title: String,
    pub recipient: String,
    /// `YYYY-MM-DD`, if already delivered.
    pub delivered_on: String,
    /// 书面送达 / 公开宣告送达
    pub mode: String,
    pub place: String,
    pub received_by: String,
}

pub fn receipt_docx(r: &ReceiptDoc) -> Result<Vec<u8>, DocumentError> {
    let blank = |s: &str| {
        if s.trim().is_empty() {
            "＿＿＿＿＿＿＿＿".to_owned()
        } else {
            s.to_owned()
        }
    };
    let date = if r.delivered_on.is_empty() {
        "    年  月  日".to_owned()
    } else {
        chinese_date(&r.delivered_on)
    };
    let doc = page()
        .add_paragraph(title(&r.office))
        .add_paragraph(title("送达回证"))
        .add_paragraph(flush(""))
        .add_paragraph(flush(&format!("送达文书：{}（{}）", r.title, r.doc_number)))
        .add_paragraph(flush(&format!("受送达单位：{}", r.recipient)))
        .add_paragraph(flush(&format!("送达方式：{}", blank(&r.mode))))
        .add_paragraph(flush(&format!("送达地点：{}", blank(&r.place))))
        .add_paragraph(flush(&format!("送达日期：{date}")))
        .add_paragraph(flush(&format!("签收人：{}", blank(&r.received_by))))
        .add_paragraph(flush("签收单位（盖章）："))
        .add_paragraph(flush(""))
        .add_paragraph(flush("送达人："))
        .add_paragraph(flush("备注："))
        .add_paragraph(flush(""))
        .add_paragraph(right(&r.office));
    pack(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{part, text_of};

    fn letter() -> LetterDoc {
        LetterDoc {
            office: "上街区人民检察院".into(),
            doc_number: "上检行建〔2023〕1号".into(),
            recipients: vec!["上街区交通运输局".into()],
            title: "关于规范行政强制措施的检察建议".into(),
            source: "本院在办理区交通运输局扣押车辆程序违法监督案中，经12309来信发现。".into(),
            facts: "经审查查明：扣押车辆 4 件未当场交付决定书。".into(),
            problems: "区交通运输局存在执法不规范问题，不符合《中华人民共和国行政强制法》第二十四条的规定。".into(),
            items: vec!["规范扣押程序，当场交付决定书".into(), "开展以案促改警示教育".into()],
            reply_clause: "请你单位自收到本检察建议书之日起两个月以内将办理情况书面回复本院。".into(),
            cc: "上街区司法局".into(),
            issued_on: "2023-06-20".into(),
        }
    }

    #[test]
    fn the_letter_has_every_section_in_order() {
        let text = text_of(&part(
            &letter_docx(&letter()).expect("docx"),
            "word/document.xml",
        ));
        let order = [
            "上街区人民检察院",
            "检察建议书",
            "上检行建〔2023〕1号",
            "上街区交通运输局：",
            "一、案件来源",
            "二、查明的事实",
            "扣押车辆 4 件未当场交付决定书",
            "三、存在的问题及法律依据",
            "第二十四条",
            "四、检察建议",
            "1. 规范扣押程序，当场交付决定书",
            "2. 开展以案促改警示教育",
            "两个月以内将办理情况书面回复本院",
            "上街区人民检察院",
            "2023年6月20日",
            "抄送：上街区司法局",
        ];
        let mut at = 0;
        for o in order {
            let i = text[at..]
                .find(o)
                .unwrap_or_else(|| panic!("missing or out of order: {o}\n{text}"));
            at += i + o.len();
        }
    }

    #[test]
    fn a_draft_is_marked_and_undated() {
        let mut l = letter();
        l.doc_number.clear();
        l.issued_on.clear();
        let text = text_of(&part(&letter_docx(&l).expect("docx"), "word/document.xml"));
        assert!(
            text.contains("（征求意见稿）") && text.contains("年  月  日"),
            "{text}"
        );
    }

    #[test]
    fn the_receipt_names_the_letter_and_the_recipient() {
        let r = ReceiptDoc {
            office: "上街区人民检察院".into(),
            doc_number: "上检行建〔2023〕1号".into(),
            title: "关于规范行政强制措施的检察建议".into(),
            recipient: "上街区交通运输局".into(),
            delivered_on: "2023-06-21".into(),
            mode: "公开宣告送达".into(),
            place: "区交通运输局会议室".into(),
            received_by: "王某某".into(),
        };
        let text = text_of(&part(&receipt_docx(&r).expect("docx"), "word/document.xml"));
        for want in [
            "送达回证",
            "上检行建〔2023〕1号",
            "受送达单位：上街区交通运输局",
            "公开宣告送达",
            "2023年6月21日",
            "签收人：王某某",
        ] {
            assert!(text.contains(want), "{want}: {text}");
        }
    }
}
