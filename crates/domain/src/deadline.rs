//! The deadline engine's arithmetic: every clock of the office on one calendar.
//!
//! A clock starts on a date and runs for a limit in working days, calendar
//! days or months (legal-reference §2.11). Counting follows 民法典第二百零一条 and
//! 第二百零三条: the start day is not counted, and a period in calendar days or
//! months whose last day is not a working day ends on the next working day.
//! Working-day periods follow 行政处罚法第八十五条. A date the calendar does not
//! know is an error, never a guess.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use xingjian_calendar::{CalendarError, WorkCalendar};

/// The unit a limit is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockUnit {
    WorkingDays,
    Days,
    Months,
}

impl ClockUnit {
    pub fn code(self) -> &'static str {
        match self {
            ClockUnit::WorkingDays => "working_days",
            ClockUnit::Days => "days",
            ClockUnit::Months => "months",
        }
    }

    pub fn from_code(c: &str) -> Option<Self> {
        [Self::WorkingDays, Self::Days, Self::Months]
            .into_iter()
            .find(|u| u.code() == c)
    }

    pub fn label(self) -> &'static str {
        match self {
            ClockUnit::WorkingDays => "个工作日",
            ClockUnit::Days => "日",
            ClockUnit::Months => "个月",
        }
    }
}

/// A limit as written in configuration: `7wd` (working days), `30d` (days), `2m` (months).
pub fn parse_limit(s: &str) -> Option<(u32, ClockUnit)> {
    let s = s.trim();
    let (n, unit) = if let Some(n) = s.strip_suffix("wd") {
        (n, ClockUnit::WorkingDays)
    } else if let Some(n) = s.strip_suffix('d') {
        (n, ClockUnit::Days)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, ClockUnit::Months)
    } else {
        return None;
    };
    n.parse()
        .ok()
        .filter(|n| (1..=3650).contains(n))
        .map(|n| (n, unit))
}

/// A kind of clock with its legal limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub code: &'static str,
    pub label: &'static str,
    pub limit: u32,
    pub unit: ClockUnit,
    pub basis: &'static str,
}

/// The clocks the office runs. A file request's or case stage's own due date
/// is set by the user (`custom`); the others follow the law.
pub const CLOCKS: &[Clock] = &[
    Clock {
        code: "petition_procedural",
        label: "12309 程序性回复",
        limit: 7,
        unit: ClockUnit::WorkingDays,
        basis: "12309 检察服务中心“件件有回复”：7 日内程序性回复",
    },
    Clock {
        code: "petition_substantive",
        label: "12309 实体性答复",
        limit: 3,
        unit: ClockUnit::Months,
        basis: "12309 检察服务中心“件件有回复”：3 个月内答复办理结果",
    },
    Clock {
        code: "file_request",
        label: "调取卷宗",
        limit: 10,
        unit: ClockUnit::WorkingDays,
        basis: "调取卷宗函所定期限",
    },
    Clock {
        code: "case_stage",
        label: "办案阶段期限",
        limit: 30,
        unit: ClockUnit::Days,
        basis: "本院办案期限规定（可配置）",
    },
    Clock {
        code: "recommendation_reply",
        label: "检察建议书面回复",
        limit: 2,
        unit: ClockUnit::Months,
        basis: "被建议单位自收到检察建议书之日起两个月内书面回复",
    },
    Clock {
        code: "task",
        label: "监督任务",
        limit: 30,
        unit: ClockUnit::Days,
        basis: "监督任务清单明确的责任时限",
    },
    Clock {
        code: "exchange_reply",
        label: "协作事项反馈",
        limit: 10,
        unit: ClockUnit::WorkingDays,
        basis: "衔接工作意见约定的反馈期限（可在发出时另定）",
    },
];

pub fn clock(code: &str) -> Option<&'static Clock> {
    CLOCKS.iter().find(|c| c.code == code)
}

/// The last day of a period of `limit` `unit`s starting on `start`.
pub fn due_date(
    cal: &WorkCalendar,
    start: NaiveDate,
    limit: u32,
    unit: ClockUnit,
) -> Result<NaiveDate, CalendarError> {
    match unit {
        ClockUnit::WorkingDays => cal.add_working_days(start, limit),
        ClockUnit::Days => roll_forward(cal, start + Days::new(u64::from(limit))),
        // chrono clamps to the month's last day (31 Jan + 1 month = 28/29 Feb),
        // which is the legal rule for a month without the corresponding day.
        ClockUnit::Months => roll_forward(
            cal,
            start
                .checked_add_months(Months::new(limit))
                .unwrap_or(NaiveDate::MAX),
        ),
    }
}

/// Like [`due_date`], but for a period reaching past the calendar's years
/// the day is counted with weekends only and marked provisional (`true`), to
/// be shown as such and recomputed once the holidays of that year are imported.
pub fn due_date_provisional(
    cal: &WorkCalendar,
    start: NaiveDate,
    limit: u32,
    unit: ClockUnit,
) -> (NaiveDate, bool) {
    match due_date(cal, start, limit, unit) {
        Ok(d) => (d, false),
        Err(_) => {
            let d = match unit {
                ClockUnit::WorkingDays => add_weekdays(start, limit),
                ClockUnit::Days => next_weekday(start + Days::new(u64::from(limit))),
                ClockUnit::Months => next_weekday(
                    start
                        .checked_add_months(Months::new(limit))
                        .unwrap_or(NaiveDate::MAX),
                ),
            };
            (d, true)
        }
    }
}

fn is_weekday(d: NaiveDate) -> bool {
    d.weekday().num_days_from_monday() < 5
}

fn next_weekday(mut d: NaiveDate) -> NaiveDate {
    while !is_weekday(d) {
        d = d + Days::new(1);
    }
    d
}

fn add_weekdays(mut d: NaiveDate, n: u32) -> NaiveDate {
    let mut left = n;
    while left > 0 {
        d = d + Days::new(1);
        if is_weekday(d) {
            left -= 1;
        }
    }
    d
}

/// The first working day on or after `d` (民法典第二百零三条).
pub fn roll_forward(cal: &WorkCalendar, d: NaiveDate) -> Result<NaiveDate, CalendarError> {
    if cal.is_working_day(d)? {
        Ok(d)
    } else {
        cal.add_working_days(d, 1)
    }
}

/// The new last day after a pause from `paused` to `resumed` (exclusive of
/// `paused`): the clock stood still for that long, in its own unit.
pub fn resume(
    cal: &WorkCalendar,
    due: NaiveDate,
    unit: ClockUnit,
    paused: NaiveDate,
    resumed: NaiveDate,
) -> Result<NaiveDate, CalendarError> {
    if resumed <= paused {
        return Ok(due);
    }
    match unit {
        ClockUnit::WorkingDays => {
            let n = cal.working_days_between(paused, resumed)?;
            cal.add_working_days(due, n)
        }
        ClockUnit::Days | ClockUnit::Months => {
            let n = (resumed - paused).num_days().max(0) as u64;
            roll_forward(cal, due + Days::new(n))
        }
    }
}

/// Where a running clock stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// More than `soon` working days left.
    Running,
    /// Due within `soon` working days (today included).
    DueSoon,
    /// Past its last day.
    Overdue,
}

impl Standing {
    pub fn label(self) -> &'static str {
        match self {
            Standing::Running => "进行中",
            Standing::DueSoon => "即将到期",
            Standing::Overdue => "已超期",
        }
    }
}

/// Working days warning before a clock's last day.
pub const DUE_SOON_WORKING_DAYS: u32 = 2;

/// Calendar days left until `due` (0 on the last day, negative when overdue).
pub fn days_left(today: NaiveDate, due: NaiveDate) -> i64 {
    (due - today).num_days()
}

pub fn standing(
    cal: &WorkCalendar,
    today: NaiveDate,
    due: NaiveDate,
) -> Result<Standing, CalendarError> {
    if today > due {
        return Ok(Standing::Overdue);
    }
    if cal.working_days_between(today, due)? <= DUE_SOON_WORKING_DAYS {
        Ok(Standing::DueSoon)
    } else {
        Ok(Standing::Running)
    }
}

/// The day the "due soon" reminder fires: `DUE_SOON_WORKING_DAYS` working
/// days before `due`, or `start` when the clock is shorter than that. Days
/// the calendar does not know count as working when they are weekdays.
pub fn reminder_date(cal: &WorkCalendar, start: NaiveDate, due: NaiveDate) -> NaiveDate {
    let mut d = due;
    let mut left = DUE_SOON_WORKING_DAYS;
    while left > 0 && d > start {
        d = d - Days::new(1);
        if cal.is_working_day(d).unwrap_or_else(|_| is_weekday(d)) {
            left -= 1;
        }
    }
    d.max(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::default_cn()
    }

    #[test]
    fn petition_procedural_reply_skips_the_national_day_holiday() {
        // Received Monday 2025-09-29. 2025: 10-01..10-08 off, 09-28 and 10-11 make-up
        // workdays. Working days after 09-29: 09-30, 10-09, 10-10, 10-11 (Sat, make-up),
        // 10-13, 10-14, 10-15 → the 7th is 10-15.
        let c = clock("petition_procedural").unwrap();
        assert_eq!(
            due_date(&cal(), d("2025-09-29"), c.limit, c.unit).unwrap(),
            d("2025-10-15")
        );
    }

    #[test]
    fn spring_festival_and_make_up_saturday() {
        // 2026 Spring Festival: 02-15..02-23 off, 02-14 (Sat) and 02-28 (Sat) make-up workdays.
        let cal = cal();
        assert!(cal.is_working_day(d("2026-02-14")).unwrap());
        // From Friday 02-13: the 1st working day is the make-up Saturday 02-14.
        assert_eq!(
            due_date(&cal, d("2026-02-13"), 1, ClockUnit::WorkingDays).unwrap(),
            d("2026-02-14")
        );
        // The 2nd is 02-24, after the holiday.
        assert_eq!(
            due_date(&cal, d("2026-02-13"), 2, ClockUnit::WorkingDays).unwrap(),
            d("2026-02-24")
        );
    }

    #[test]
    fn months_end_on_the_corresponding_day_or_the_month_end_then_a_working_day() {
        let cal = cal();
        // 2026-03-16 (Mon) + 2 months = 2026-05-16 (Sat) → Monday 05-18.
        assert_eq!(
            due_date(&cal, d("2026-03-16"), 2, ClockUnit::Months).unwrap(),
            d("2026-05-18")
        );
        // 2025-12-31 + 2 months → 2026-02-28, a make-up Saturday: a working day, kept.
        assert_eq!(
            due_date(&cal, d("2025-12-31"), 2, ClockUnit::Months).unwrap(),
            d("2026-02-28")
        );
        // 2026-07-31 + 2 months = 2026-09-30 (Wed), a working day.
        assert_eq!(
            due_date(&cal, d("2026-07-31"), 2, ClockUnit::Months).unwrap(),
            d("2026-09-30")
        );
        // A three-month clock ending in the National Day holiday moves past it.
        assert_eq!(
            due_date(&cal, d("2026-07-01"), 3, ClockUnit::Months).unwrap(),
            d("2026-10-08")
        );
    }

    #[test]
    fn the_last_day_is_still_in_time_and_the_next_is_overdue() {
        let cal = cal();
        let due = d("2026-06-10");
        assert_eq!(standing(&cal, due, due).unwrap(), Standing::DueSoon);
        assert_eq!(days_left(due, due), 0);
        assert_eq!(
            standing(&cal, d("2026-06-11"), due).unwrap(),
            Standing::Overdue
        );
        assert_eq!(
            standing(&cal, d("2026-06-01"), due).unwrap(),
            Standing::Running
        );
        // Two working days before is "due soon", three is not.
        assert_eq!(
            standing(&cal, d("2026-06-08"), due).unwrap(),
            Standing::DueSoon
        );
        assert_eq!(
            standing(&cal, d("2026-06-05"), due).unwrap(),
            Standing::Running
        );
    }

    #[test]
    fn a_pause_moves_the_last_day_by_the_time_stood_still() {
        let cal = cal();
        // Working-day clock paused Fri 2026-06-05, resumed Fri 06-12: 5 working days.
        assert_eq!(
            resume(
                &cal,
                d("2026-06-10"),
                ClockUnit::WorkingDays,
                d("2026-06-05"),
                d("2026-06-12")
            )
            .unwrap(),
            d("2026-06-17")
        );
        // Calendar clock paused 7 days: 2026-06-10 + 7 = 06-17 (Wed).
        assert_eq!(
            resume(
                &cal,
                d("2026-06-10"),
                ClockUnit::Days,
                d("2026-06-01"),
                d("2026-06-08")
            )
            .unwrap(),
            d("2026-06-17")
        );
    }

    #[test]
    fn limits_read_from_configuration() {
        assert_eq!(parse_limit("7wd"), Some((7, ClockUnit::WorkingDays)));
        assert_eq!(parse_limit("30d"), Some((30, ClockUnit::Days)));
        assert_eq!(parse_limit(" 2m "), Some((2, ClockUnit::Months)));
        for bad in ["", "7", "0d", "x wd", "-1d", "7w"] {
            assert_eq!(parse_limit(bad), None, "{bad}");
        }
    }

    #[test]
    fn reminders_fire_two_working_days_before() {
        let cal = cal();
        // Due Tuesday 2026-06-16: two working days before is Friday 06-12.
        assert_eq!(
            reminder_date(&cal, d("2026-06-01"), d("2026-06-16")),
            d("2026-06-12")
        );
        // A clock shorter than that reminds on its start day.
        assert_eq!(
            reminder_date(&cal, d("2026-06-15"), d("2026-06-16")),
            d("2026-06-15")
        );
    }

    #[test]
    fn a_date_past_the_calendar_is_an_error_or_a_provisional_weekday_count() {
        assert!(matches!(
            due_date(&cal(), d("2026-12-28"), 7, ClockUnit::WorkingDays),
            Err(CalendarError::OutOfRange { .. })
        ));
        // Mon 2026-12-28 + 7 weekdays = Wed 2027-01-06, marked provisional.
        assert_eq!(
            due_date_provisional(&cal(), d("2026-12-28"), 7, ClockUnit::WorkingDays),
            (d("2027-01-06"), true)
        );
        // 2026-11-26 + 3 months = 2027-02-26 (Fri), provisional.
        assert_eq!(
            due_date_provisional(&cal(), d("2026-11-26"), 3, ClockUnit::Months),
            (d("2027-02-26"), true)
        );
        assert_eq!(
            due_date_provisional(&cal(), d("2026-06-01"), 7, ClockUnit::WorkingDays),
            (d("2026-06-10"), false)
        );
    }
}
