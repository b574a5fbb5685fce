//! Clues (问题线索): where they come from, how they are triaged, and the
//! values people type at intake.

use crate::ValidationErrors;
use serde::{Deserialize, Serialize};

/// Where a clue came from (glossary: 12309, field visit, agency notice, screening hit, other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum ClueSource {
    #[serde(rename = "12309")]
    Petition12309,
    #[serde(rename = "field_visit")]
    FieldVisit,
    #[serde(rename = "agency_notice")]
    AgencyNotice,
    #[serde(rename = "clue_transfer")]
    ClueTransfer,
    #[serde(rename = "screening_hit")]
    ScreeningHit,
    #[serde(rename = "other")]
    Other,
}

impl ClueSource {
    pub const ALL: [ClueSource; 6] = [
        Self::Petition12309,
        Self::FieldVisit,
        Self::AgencyNotice,
        Self::ClueTransfer,
        Self::ScreeningHit,
        Self::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Petition12309 => "12309",
            Self::FieldVisit => "field_visit",
            Self::AgencyNotice => "agency_notice",
            Self::ClueTransfer => "clue_transfer",
            Self::ScreeningHit => "screening_hit",
            Self::Other => "other",
        }
    }

    pub fn from_code(c: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == c)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Petition12309 => "12309",
            Self::FieldVisit => "实地走访",
            Self::AgencyNotice => "行政机关通报",
            Self::ClueTransfer => "线索移送",
            Self::ScreeningHit => "数据筛查",
            Self::Other => "其他",
        }
    }
}

/// How a clue was disposed of (线索处置).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// 成案: a supervision case is opened on it.
    Case,
    /// 转办: passed to another body or department.
    Transfer,
    /// 存查: kept on file, no action now.
    Archive,
    /// 不予受理
    Reject,
    /// 合并: the same matter as another clue.
    Merge,
}

impl Disposition {
    pub const ALL: [Disposition; 5] = [
        Self::Case,
        Self::Transfer,
        Self::Archive,
        Self::Reject,
        Self::Merge,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Case => "case",
            Self::Transfer => "transfer",
            Self::Archive => "archive",
            Self::Reject => "reject",
            Self::Merge => "merge",
        }
    }

    pub fn from_code(c: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == c)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Case => "成案",
            Self::Transfer => "转办",
            Self::Archive => "存查",
            Self::Reject => "不予受理",
            Self::Merge => "合并",
        }
    }
}

/// The kinds of people interviewed on a field visit.
pub const INTERVIEWEE_KINDS: [(&str, &str); 3] = [
    ("public", "群众"),
    ("passenger_driver", "司乘人员"),
    ("industry", "运输行业人员"),
];

pub fn interviewee_label(code: &str) -> &'static str {
    INTERVIEWEE_KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("其他", |(_, l)| l)
}

/// A vehicle plate in one canonical form, so "豫A·12345", "豫a 12345" and
/// full-width "豫Ａ１２３４５" are the same plate.
pub fn normalize_plate(raw: &str) -> String {
    raw.chars()
        .filter_map(|c| {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            (!(c.is_whitespace() || matches!(c, '·' | '.' | '-' | '•' | '・' | '\u{3000}')))
                .then(|| c.to_ascii_uppercase())
        })
        .collect()
}

/// What a clerk or prosecutor types at intake.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ClueInput {
    /// A `ClueSource` code.
    pub source: String,
    pub title: String,
    pub content: String,
    pub agency_id: Option<i64>,
    /// When it was received, `YYYY-MM-DDTHH:MM` (Beijing time) or `YYYY-MM-DD`.
    pub received_at: String,
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub reporter_name: String,
    #[serde(default)]
    pub reporter_contact: String,
    #[serde(default)]
    pub plate: String,
    #[serde(default)]
    pub party: String,
    pub field_visit_id: Option<i64>,
}

impl ClueInput {
    pub fn normalized(mut self) -> Self {
        for s in [
            &mut self.title,
            &mut self.content,
            &mut self.received_at,
            &mut self.reporter_name,
            &mut self.reporter_contact,
            &mut self.party,
        ] {
            *s = s.trim().to_owned();
        }
        self.plate = normalize_plate(&self.plate);
        if self.anonymous {
            self.reporter_name.clear();
            self.reporter_contact.clear();
        }
        self
    }

    /// The received time as a date (the clocks start on it), if well formed.
    pub fn received_on(&self) -> Option<chrono::NaiveDate> {
        let date = self.received_at.get(..10)?;
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
    }

    pub fn validate(&self, today: chrono::NaiveDate) -> Result<ClueSource, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let source = ClueSource::from_code(&self.source);
        match source {
            None => e.add("source", "请选择线索来源"),
            Some(ClueSource::ScreeningHit) => {
                e.add("source", "数据筛查线索请在筛查结果中勾选记录生成")
            }
            Some(_) => {}
        }
        if self.title.is_empty() {
            e.add("title", "请填写线索标题（事由摘要）");
        } else if self.title.chars().count() > 200 {
            e.add("title", "标题不能超过 200 字");
        }
        if self.content.is_empty() {
            e.add("content", "请填写线索内容");
        } else if self.content.chars().count() > 20_000 {
            e.add("content", "内容不能超过 20000 字");
        }
        match self.received_on() {
            None => e.add(
                "received_at",
                "请填写接收时间，格式如 2026-06-01 或 2026-06-01T09:30",
            ),
            Some(d) if d > today => e.add("received_at", "接收时间不能晚于今天"),
            Some(_) => {}
        }
        if self.received_at.len() > 10
            && chrono::NaiveDateTime::parse_from_str(&self.received_at, "%Y-%m-%dT%H:%M").is_err()
        {
            e.add("received_at", "接收时间格式应为 2026-06-01T09:30");
        }
        if source == Some(ClueSource::Petition12309) && !self.anonymous {
            if self.reporter_name.is_empty() {
                e.add(
                    "reporter_name",
                    "实名反映须填写反映人姓名；匿名请勾选“匿名”",
                );
            }
            if self.reporter_contact.is_empty() {
                e.add("reporter_contact", "实名反映须填写联系方式，以便按期答复");
            }
        }
        if self.reporter_contact.chars().count() > 50 {
            e.add("reporter_contact", "联系方式不能超过 50 字");
        }
        if !self.plate.is_empty() && !(5..=10).contains(&self.plate.chars().count()) {
            e.add("plate", "车牌号应为 5–10 位，如 豫A12345");
        }
        if source == Some(ClueSource::FieldVisit) && self.field_visit_id.is_none() {
            e.add("field_visit_id", "实地走访线索须从走访记录登记");
        }
        e.into_result()
            .map(|()| source.unwrap_or(ClueSource::Other))
    }
}

/// A triage decision.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TriageInput {
    pub assignee_id: Option<i64>,
    /// A `Disposition` code; empty to only assign.
    #[serde(default)]
    pub disposition: String,
    #[serde(default)]
    pub reason: String,
    /// The clue this one duplicates, for `merge`.
    pub merge_into: Option<i64>,
    /// The version read, for optimistic locking.
    pub version: i64,
}

impl TriageInput {
    pub fn validate(&self) -> Result<Option<Disposition>, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let d = if self.disposition.is_empty() {
            None
        } else {
            let d = Disposition::from_code(&self.disposition);
            if d.is_none() {
                e.add("disposition", "处置方式无效");
            }
            d
        };
        if d.is_some() && self.reason.trim().is_empty() {
            e.add("reason", "请填写处置理由");
        }
        if d == Some(Disposition::Merge) && self.merge_into.is_none() {
            e.add("merge_into", "合并须指明并入的线索编号");
        }
        if d.is_none() && self.assignee_id.is_none() {
            e.add("assignee_id", "请选择承办人或处置方式");
        }
        e.into_result().map(|()| d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_compare_without_dots_spaces_or_full_width() {
        assert_eq!(normalize_plate("豫A·12345"), "豫A12345");
        assert_eq!(normalize_plate(" 豫a 12345 "), "豫A12345");
        assert_eq!(normalize_plate("豫Ａ１２３４５"), "豫A12345");
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
    }

    #[test]
    fn a_named_12309_report_needs_name_and_contact_an_anonymous_one_does_not() {
        let mut c = ClueInput {
            source: "12309".into(),
            title: "黑车".into(),
            content: "某路口有黑车".into(),
            received_at: "2026-06-01T09:30".into(),
            ..Default::default()
        }
        .normalized();
        let e = c.validate(today()).unwrap_err();
        assert!(e.for_field("reporter_name").is_some());
        assert!(e.for_field("reporter_contact").is_some());
        c.anonymous = true;
        assert_eq!(c.validate(today()).unwrap(), ClueSource::Petition12309);
    }

    #[test]
    fn bad_dates_and_sources_are_named() {
        let c = ClueInput {
            source: "x".into(),
            received_at: "2026-07-01".into(),
            ..Default::default()
        };
        let e = c.validate(today()).unwrap_err();
        for f in ["source", "title", "content", "received_at"] {
            assert!(e.for_field(f).is_some(), "{f}");
        }
    }

    #[test]
    fn merging_needs_a_target_and_every_disposition_a_reason() {
        let t = TriageInput {
            disposition: "merge".into(),
            ..Default::default()
        };
        let e = t.validate().unwrap_err();
        assert!(e.for_field("reason").is_some() && e.for_field("merge_into").is_some());
    }
}
