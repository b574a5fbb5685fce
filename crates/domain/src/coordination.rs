//! Coordination with agencies (the first 加): the vocabulary of campaigns,
//! tasks, exchanges, meetings and agreements, the parsing of what clerks paste
//! (people, numbered items) and when an agreement's obligation falls due.

use crate::ValidationErrors;
use chrono::{Months, NaiveDate};

coded!(
    /// 座谈会 / 联席会议 / 案件会商 / 其他.
    MeetingKind {
        Symposium = "symposium" / "座谈会",
        JointMeeting = "joint_meeting" / "联席会议",
        CaseConsultation = "case_consultation" / "案件会商",
        Other = "other" / "其他会议",
    }
);

coded!(
    /// 信息共享 / 案情通报 / 线索移送.
    ExchangeKind {
        DataShare = "data_share" / "信息共享",
        CaseNotice = "case_notice" / "案情通报",
        ClueTransfer = "clue_transfer" / "线索移送",
    }
);

coded!(
    /// Which way an exchange goes.
    Direction {
        Outbound = "outbound" / "本院发出",
        Inbound = "inbound" / "机关发来",
    }
);

coded!(
    /// An exchange's progress: the receiver acknowledges, then responds.
    ExchangeStatus {
        Sent = "sent" / "待签收",
        Acknowledged = "acknowledged" / "已签收",
        Answered = "answered" / "已反馈",
        Closed = "closed" / "已办结",
    }
);

coded!(
    /// A task's progress.
    TaskStatus {
        Open = "open" / "未开始",
        InProgress = "in_progress" / "推进中",
        Done = "done" / "已完成",
        Cancelled = "cancelled" / "已取消",
    }
);

coded!(
    /// Who a campaign member belongs to.
    Body {
        LeadingGroup = "leading_group" / "领导小组",
        Office = "office" / "领导小组办公室",
    }
);

coded!(
    /// What an agreement obliges the parties to do.
    ObligationKind {
        DataShare = "data_share" / "信息共享",
        CaseNotice = "case_notice" / "案情通报",
        ClueTransfer = "clue_transfer" / "线索移送",
        Liaison = "liaison" / "确定联络员",
        JointMeeting = "joint_meeting" / "联席会议",
        CaseConsultation = "case_consultation" / "案件会商",
        Other = "other" / "其他",
    }
);

coded!(
    /// How often an obligation is to be fulfilled.
    Period {
        None = "" / "不定期",
        Month = "month" / "每月",
        Quarter = "quarter" / "每季度",
        HalfYear = "half_year" / "每半年",
        Year = "year" / "每年",
    }
);

impl Period {
    pub fn months(self) -> Option<u32> {
        match self {
            Period::None => None,
            Period::Month => Some(1),
            Period::Quarter => Some(3),
            Period::HalfYear => Some(6),
            Period::Year => Some(12),
        }
    }
}

impl ObligationKind {
    /// The exchange kind that fulfils this obligation, if any.
    pub fn exchange_kind(self) -> Option<ExchangeKind> {
        match self {
            ObligationKind::DataShare => Some(ExchangeKind::DataShare),
            ObligationKind::CaseNotice => Some(ExchangeKind::CaseNotice),
            ObligationKind::ClueTransfer => Some(ExchangeKind::ClueTransfer),
            _ => None,
        }
    }

    /// The meeting kind that fulfils this obligation, if any.
    pub fn meeting_kind(self) -> Option<MeetingKind> {
        match self {
            ObligationKind::JointMeeting => Some(MeetingKind::JointMeeting),
            ObligationKind::CaseConsultation => Some(MeetingKind::CaseConsultation),
            _ => None,
        }
    }
}

/// Where an obligation with a rhythm stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObligationStanding {
    /// Fulfilled within its period; the next is due on the date.
    Met { next_due: NaiveDate },
    /// Due within 30 days.
    DueSoon { next_due: NaiveDate },
    /// The period has passed without fulfilment.
    Overdue { due: NaiveDate },
}

impl ObligationStanding {
    pub fn label(self) -> &'static str {
        match self {
            ObligationStanding::Met { .. } => "按约履行",
            ObligationStanding::DueSoon { .. } => "即将到期",
            ObligationStanding::Overdue { .. } => "未按约履行",
        }
    }

    pub fn due(self) -> NaiveDate {
        match self {
            ObligationStanding::Met { next_due }
            | ObligationStanding::DueSoon { next_due }
            | ObligationStanding::Overdue { due: next_due } => next_due,
        }
    }
}

/// An obligation with a rhythm of `period`, last fulfilled on `last` (or, if
/// never, counted from the signing day `signed_on`): the next fulfilment is
/// due one period later; on that day it is still in time, the day after it
/// is overdue. `None` when the obligation has no rhythm.
pub fn obligation_standing(
    period: Period,
    signed_on: NaiveDate,
    last: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<ObligationStanding> {
    let months = period.months()?;
    let from = last.map_or(signed_on, |l| l.max(signed_on));
    let due = from.checked_add_months(Months::new(months))?;
    Some(if today > due {
        ObligationStanding::Overdue { due }
    } else if (due - today).num_days() <= 30 {
        ObligationStanding::DueSoon { next_due: due }
    } else {
        ObligationStanding::Met { next_due: due }
    })
}

/// One person from a pasted line: `姓名，职务，第三栏` (the third column is a
/// responsibility for campaign members, the unit for meeting attendees).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonLine {
    pub name: String,
    pub position: String,
    pub third: String,
}

const SEPARATORS: [char; 5] = ['，', ',', '|', '｜', '\t'];

/// People, one per line, columns separated by `，` `,` `|` or a tab. Empty
/// lines are skipped; a line without a name is an error naming the line.
pub fn parse_people(field: &str, text: &str, errors: &mut ValidationErrors) -> Vec<PersonLine> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut cols = line.splitn(3, SEPARATORS).map(str::trim);
        let name = cols.next().unwrap_or_default();
        let position = cols.next().unwrap_or_default();
        let third = cols.next().unwrap_or_default();
        if name.is_empty() {
            errors.add(field, format!("第 {} 行缺少姓名", i + 1));
            continue;
        }
        if name.chars().count() > 40 {
            errors.add(field, format!("第 {} 行的姓名过长：{name}", i + 1));
            continue;
        }
        out.push(PersonLine {
            name: name.to_owned(),
            position: position.to_owned(),
            third: third.to_owned(),
        });
    }
    out
}

/// Numbered items, one per line, with their own numbering removed
/// (`1.` `1、` `（一）` `一、` `(1)`), so the stored order is the numbering.
pub fn parse_items(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| strip_numbering(l.trim()).trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn strip_numbering(s: &str) -> &str {
    const NUMERALS: &str = "0123456789一二三四五六七八九十";
    let bracketed = s.strip_prefix(['（', '(']).and_then(|r| {
        let end = r.find(['）', ')'])?;
        r[..end]
            .chars()
            .all(|c| NUMERALS.contains(c))
            .then(|| &r[end + r[end..].chars().next().map_or(1, char::len_utf8)..])
    });
    if let Some(rest) = bracketed {
        return rest;
    }
    let digits = s
        .char_indices()
        .take_while(|(_, c)| NUMERALS.contains(*c))
        .last()
        .map(|(i, c)| i + c.len_utf8());
    if let Some(end) = digits {
        let rest = &s[end..];
        for sep in ['.', '、', '．', ')', '）', ' '] {
            if let Some(r) = rest.strip_prefix(sep) {
                return r;
            }
        }
    }
    s
}

/// A date field: empty is an error when `required`; a bad date always is.
pub fn parse_date(
    field: &str,
    label: &str,
    s: &str,
    required: bool,
    errors: &mut ValidationErrors,
) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        if required {
            errors.add(field, format!("请填写{label}"));
        }
        return None;
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, format!("{label}格式应为 2026-06-01"));
            None
        }
    }
}

/// A required text field with a maximum length in characters.
pub fn required_text<'a>(
    field: &str,
    label: &str,
    s: &'a str,
    max: usize,
    errors: &mut ValidationErrors,
) -> &'a str {
    let s = s.trim();
    if s.is_empty() {
        errors.add(field, format!("请填写{label}"));
    } else if s.chars().count() > max {
        errors.add(field, format!("{label}不能超过 {max} 字"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn codes_round_trip() {
        for k in MeetingKind::ALL {
            assert_eq!(MeetingKind::from_code(k.code()), Some(*k));
        }
        for k in ObligationKind::ALL {
            assert_eq!(ObligationKind::from_code(k.code()), Some(*k));
        }
        assert_eq!(ExchangeKind::label_of("clue_transfer"), "线索移送");
        assert_eq!(ExchangeKind::label_of("weird"), "weird");
        assert_eq!(Period::from_code(""), Some(Period::None));
    }

    #[test]
    fn a_yearly_joint_meeting_is_in_time_on_the_anniversary_and_overdue_the_day_after() {
        let signed = d("2023-03-01");
        let s = obligation_standing(Period::Year, signed, None, d("2024-03-01"));
        assert_eq!(
            s,
            Some(ObligationStanding::DueSoon {
                next_due: d("2024-03-01")
            })
        );
        let s = obligation_standing(Period::Year, signed, None, d("2024-03-02"));
        assert_eq!(
            s,
            Some(ObligationStanding::Overdue {
                due: d("2024-03-01")
            })
        );
        // A meeting held resets the clock from its date.
        let s = obligation_standing(Period::Year, signed, Some(d("2023-12-20")), d("2024-03-02"));
        assert_eq!(
            s,
            Some(ObligationStanding::Met {
                next_due: d("2024-12-20")
            })
        );
        // 30 days before is "due soon", 31 days before is fine.
        let s = obligation_standing(Period::Year, signed, None, d("2024-01-31"));
        assert_eq!(
            s,
            Some(ObligationStanding::DueSoon {
                next_due: d("2024-03-01")
            })
        );
        let s = obligation_standing(Period::Year, signed, None, d("2024-01-30"));
        assert_eq!(
            s,
            Some(ObligationStanding::Met {
                next_due: d("2024-03-01")
            })
        );
        assert_eq!(
            obligation_standing(Period::None, signed, None, d("2030-01-01")),
            None
        );
    }

    #[test]
    fn a_quarter_from_a_month_end_clamps_to_the_shorter_month() {
        let s = obligation_standing(Period::Quarter, d("2025-11-30"), None, d("2026-02-28"));
        assert_eq!(
            s,
            Some(ObligationStanding::DueSoon {
                next_due: d("2026-02-28")
            })
        );
        let s = obligation_standing(Period::Quarter, d("2025-11-30"), None, d("2026-03-01"));
        assert!(matches!(s, Some(ObligationStanding::Overdue { .. })));
        // A fulfilment dated before the signing counts from the signing day.
        let s = obligation_standing(
            Period::Month,
            d("2026-01-15"),
            Some(d("2025-12-01")),
            d("2026-02-15"),
        );
        assert!(matches!(s, Some(ObligationStanding::DueSoon { .. })));
    }

    #[test]
    fn people_lines_in_any_common_separator() {
        let mut e = ValidationErrors::new();
        let p = parse_people(
            "members",
            "张检，检察长，第一责任人\n\n李副, 分管检察长, 主要责任\n王五|科长\n，无名",
            &mut e,
        );
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].third, "第一责任人");
        assert_eq!(p[1].position, "分管检察长");
        assert_eq!(p[2].third, "");
        assert_eq!(e.errors.len(), 1);
        assert!(e.errors[0].message.contains("第 5 行"), "{e:?}");
    }

    #[test]
    fn numbered_items_lose_their_numbers() {
        let items = parse_items(
            "1. 建立联络员制度\n2、每年召开联席会议\n（三）加强案件会商\n(4) 共享数据\n一、信息共享\n\n10 以上\n2026年内完成",
        );
        assert_eq!(
            items,
            vec![
                "建立联络员制度",
                "每年召开联席会议",
                "加强案件会商",
                "共享数据",
                "信息共享",
                "以上",
                "2026年内完成"
            ]
        );
    }

    #[test]
    fn dates_and_text_are_validated_in_chinese() {
        let mut e = ValidationErrors::new();
        assert_eq!(
            parse_date("held_on", "会议日期", "2026-13-01", true, &mut e),
            None
        );
        assert_eq!(parse_date("due_on", "期限", "", false, &mut e), None);
        assert_eq!(parse_date("x", "日期", "", true, &mut e), None);
        assert_eq!(required_text("title", "标题", "  ", 10, &mut e), "");
        assert_eq!(
            required_text("title", "标题", "一二三四五六七八九十一", 10, &mut e)
                .chars()
                .count(),
            11
        );
        let msgs: Vec<_> = e.errors.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(
            msgs,
            vec![
                "会议日期格式应为 2026-06-01",
                "请填写日期",
                "请填写标题",
                "标题不能超过 10 字"
            ]
        );
    }
}
