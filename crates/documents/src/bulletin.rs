//! 简报 (e.g. 上街信息 第73期): masthead, issue, issuer and date, the item's
//! headline and paragraphs, short items from other units (△), distribution
//! and editor lines.

use crate::DocumentError;
use crate::minutes::chinese_date;
use crate::official::{body, centred, flush, pack, page, title};

#[derive(Debug, Clone, Default)]
pub struct BulletinDoc {
    /// The bulletin's name, e.g. 上街信息.
    pub masthead: String,
    /// e.g. 第73期
    pub issue: String,
    /// e.g. 中共上街区委办公室
    pub issuer: String,
    /// `YYYY-MM-DD`
    pub date: String,
    pub headline: String,
    pub paragraphs: Vec<String>,
    /// The office's signature after the item, e.g. （区检察院）.
    pub source: String,
    /// Short items from other units, each printed after a △.
    pub short_items: Vec<String>,
    /// 报送 / 分送 lines.
    pub distribution: String,
    pub editor: String,
}

pub fn bulletin_docx(b: &BulletinDoc) -> Result<Vec<u8>, DocumentError> {
    let mut doc = page()
        .add_paragraph(title(&b.masthead))
        .add_paragraph(centred(&b.issue))
        .add_paragraph(centred(&format!(
            "{}    {}",
            b.issuer,
            chinese_date(&b.date)
        )))
        .add_paragraph(centred("————————————————————————"))
        .add_paragraph(title(&b.headline));
    let last = b.paragraphs.len().saturating_sub(1);
    for (i, p) in b.paragraphs.iter().enumerate() {
        let text = if i == last && !b.source.is_empty() {
            format!("{p}{}", b.source)
        } else {
            p.clone()
        };
        doc = doc.add_paragraph(body(&text));
    }
    for item in b.short_items.iter().filter(|s| !s.trim().is_empty()) {
        doc = doc.add_paragraph(body(&format!(
            "△ {}",
            item.trim().trim_start_matches('△').trim()
        )));
    }
    doc = doc.add_paragraph(centred("————————————————————————"));
    for line in b.distribution.lines().filter(|l| !l.trim().is_empty()) {
        doc = doc.add_paragraph(flush(line.trim()));
    }
    if !b.editor.trim().is_empty() {
        doc = doc.add_paragraph(flush(&format!("责任编辑：{}", b.editor.trim())));
    }
    pack(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{part, text_of};

    #[test]
    fn the_bulletin_has_its_masthead_item_short_items_and_lines() {
        let b = BulletinDoc {
            masthead: "上街信息".into(),
            issue: "第73期".into(),
            issuer: "中共上街区委办公室".into(),
            date: "2023-10-16".into(),
            headline: "区检察院坚持“三个加”工作法".into(),
            paragraphs: vec!["今年以来……".into(), "三、做实……".into()],
            source: "（区检察院）".into(),
            short_items: vec![
                "区总工会积极开展职工互助保障普惠活动。（区总工会）".into(),
                " ".into(),
            ],
            distribution: "报：区委、区人大、区政府、区政协领导\n送：各镇街、区直各单位".into(),
            editor: "王某".into(),
        };
        let text = text_of(&part(
            &bulletin_docx(&b).expect("docx"),
            "word/document.xml",
        ));
        let order = [
            "上街信息",
            "第73期",
            "中共上街区委办公室",
            "2023年10月16日",
            "区检察院坚持“三个加”工作法",
            "今年以来",
            "三、做实……（区检察院）",
            "△ 区总工会",
            "报：区委",
            "送：各镇街",
            "责任编辑：王某",
        ];
        let mut at = 0;
        for o in order {
            let i = text[at..]
                .find(o)
                .unwrap_or_else(|| panic!("missing or out of order: {o}\n{text}"));
            at += i + o.len();
        }
        assert_eq!(
            text.matches('△').count(),
            1,
            "blank short items are skipped"
        );
    }
}
