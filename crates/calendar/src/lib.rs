//! The working-day calendar (工作日 / 法定节假日 / 调休).
//!
//! A day is a working day when it is a make-up workday, or a Monday–Friday
//! that is not an official holiday. The calendar knows whole years only;
//! asking about a date outside them is an error that says which years are
//! known, never a silent guess. The default calendar is
//! `shared/data/cn-holidays.csv` (2004–2026), shipped in `data/`; later years
//! are merged in with [`WorkCalendar::merge_csv`].
//!
//! Periods count with the start day excluded: "the 7th working day after D"
//! is found by counting working days from D + 1.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};

/// The calendar shipped with Xingjian.
pub const DEFAULT_CSV: &str = include_str!("../data/cn-holidays.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// An official public holiday (day off).
    Holiday,
    /// A make-up workday (调休上班), usually a weekend day.
    Workday,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "工作日历只覆盖 {first}–{last} 年，无法判断 {date} 是否为工作日：请系统管理员导入该年度的节假日安排 / \
         the working-day calendar covers {first}–{last} only; import the holidays of {date}'s year"
    )]
    OutOfRange {
        date: NaiveDate,
        first: i32,
        last: i32,
    },
    #[error("节假日文件第 {line} 行有误：{reason} / holiday file line {line}: {reason}")]
    BadLine { line: usize, reason: String },
    #[error("节假日文件缺少表头 date,kind,name_zh,name_en / missing header")]
    MissingHeader,
}

/// Holidays and make-up workdays for a set of whole years.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    days: BTreeMap<NaiveDate, (DayKind, String)>,
    years: BTreeSet<i32>,
}

fn parse_csv(text: &str) -> Result<Vec<(NaiveDate, DayKind, String)>, CalendarError> {
    let mut lines = text.lines().enumerate();
    let header = lines
        .next()
        .map(|(_, h)| h.trim_start_matches('\u{feff}').trim().to_owned())
        .unwrap_or_default();
    if !header.starts_with("date,kind") {
        return Err(CalendarError::MissingHeader);
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split(',');
        let (Some(date), Some(kind)) = (cols.next(), cols.next()) else {
            return Err(CalendarError::BadLine {
                line: line_no,
                reason: "列数不足".into(),
            });
        };
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| {
            CalendarError::BadLine {
                line: line_no,
                reason: format!("日期“{}”应为 YYYY-MM-DD", date.trim()),
            }
        })?;
        let kind = match kind.trim() {
            "holiday" => DayKind::Holiday,
            "workday" => DayKind::Workday,
            other => {
                return Err(CalendarError::BadLine {
                    line: line_no,
                    reason: format!("类型“{other}”应为 holiday 或 workday"),
                });
            }
        };
        let name = cols.next().unwrap_or_default().trim().to_owned();
        out.push((date, kind, name));
    }
    Ok(out)
}

impl WorkCalendar {
    /// The calendar shipped with Xingjian.
    pub fn default_cn() -> Self {
        let mut c = Self::default();
        // The shipped file is checked by a test; an error here would be a build defect.
        if let Err(e) = c.merge_csv(DEFAULT_CSV) {
            debug_assert!(false, "shipped calendar is invalid: {e}");
        }
        c
    }

    /// Add the years of a `date,kind,name_zh,name_en` file. A year present in the
    /// file replaces that year entirely (a corrected announcement wins).
    pub fn merge_csv(&mut self, text: &str) -> Result<(), CalendarError> {
        let rows = parse_csv(text)?;
        let years: BTreeSet<i32> = rows.iter().map(|r| r.0.year()).collect();
        self.days.retain(|d, _| !years.contains(&d.year()));
        for (date, kind, name) in rows {
            self.days.insert(date, (kind, name));
        }
        self.years.extend(years);
        Ok(())
    }

    /// The first and last year known, if any.
    pub fn years(&self) -> Option<(i32, i32)> {
        Some((*self.years.first()?, *self.years.last()?))
    }

    fn check(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if self.years.contains(&date.year()) {
            return Ok(());
        }
        let (first, last) = self.years().unwrap_or((0, 0));
        Err(CalendarError::OutOfRange { date, first, last })
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.check(date)?;
        Ok(match self.days.get(&date) {
            Some((DayKind::Workday, _)) => true,
            Some((DayKind::Holiday, _)) => false,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        })
    }

    /// The holiday or make-up workday named for `date`, if any.
    pub fn special(&self, date: NaiveDate) -> Option<(DayKind, &str)> {
        self.days.get(&date).map(|(k, n)| (*k, n.as_str()))
    }

    /// The `n`th working day after `date` (the start day excluded); `n = 0` is `date`.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut d = date;
        let mut left = n;
        while left > 0 {
            d = d
                .checked_add_days(Days::new(1))
                .ok_or(CalendarError::OutOfRange {
                    date: d,
                    first: self.years().map_or(0, |y| y.0),
                    last: self.years().map_or(0, |y| y.1),
                })?;
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// Working days in (`from`, `to`]: how many working days after `from` `to` is.
    /// Zero when `to` ≤ `from`.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        let mut count = 0;
        let mut d = from;
        while d < to {
            d = d.checked_add_days(Days::new(1)).unwrap_or(to);
            if self.is_working_day(d)? {
                count += 1;
            }
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_shipped_calendar_matches_shared_and_covers_2004_to_2026() {
        let c = WorkCalendar::default_cn();
        assert_eq!(c.years(), Some((2004, 2026)));
        if let Ok(shared) = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/cn-holidays.csv"
        )) {
            assert_eq!(
                shared, DEFAULT_CSV,
                "data/cn-holidays.csv is a copy of shared/data/cn-holidays.csv"
            );
        }
    }

    #[test]
    fn weekends_holidays_and_make_up_saturdays() {
        let c = WorkCalendar::default_cn();
        assert!(
            c.is_working_day(d("2026-11-25")).unwrap(),
            "an ordinary Wednesday"
        );
        assert!(
            !c.is_working_day(d("2026-11-28")).unwrap(),
            "an ordinary Saturday"
        );
        assert!(!c.is_working_day(d("2026-10-01")).unwrap(), "国庆");
        assert!(
            c.is_working_day(d("2026-10-10")).unwrap(),
            "国庆 make-up Saturday"
        );
        assert!(
            c.is_working_day(d("2026-02-14")).unwrap(),
            "春节 make-up Saturday"
        );
        assert!(!c.is_working_day(d("2026-02-17")).unwrap(), "春节");
        assert_eq!(c.special(d("2026-02-17")), Some((DayKind::Holiday, "春节")));
    }

    #[test]
    fn seventh_working_day_across_national_day_2026() {
        let c = WorkCalendar::default_cn();
        // 10-01..07 off; 10-08 Thu 1, 10-09 Fri 2, 10-10 Sat (make-up) 3, 10-12 Mon 4, 13 5, 14 6, 15 7.
        assert_eq!(
            c.add_working_days(d("2026-09-30"), 7).unwrap(),
            d("2026-10-15")
        );
        assert_eq!(
            c.working_days_between(d("2026-09-30"), d("2026-10-15"))
                .unwrap(),
            7,
            "exactly the 7th: in time"
        );
        assert_eq!(
            c.working_days_between(d("2026-09-30"), d("2026-10-16"))
                .unwrap(),
            8,
            "the 8th: late"
        );
    }

    #[test]
    fn seventh_working_day_across_spring_festival_2026() {
        let c = WorkCalendar::default_cn();
        // 02-14 Sat (make-up) 1; 15..23 off; 24 Tue 2, 25 3, 26 4, 27 5, 28 Sat (make-up) 6, 03-02 Mon 7.
        assert_eq!(
            c.add_working_days(d("2026-02-13"), 7).unwrap(),
            d("2026-03-02")
        );
        assert_eq!(
            c.add_working_days(d("2026-02-13"), 0).unwrap(),
            d("2026-02-13")
        );
        assert_eq!(
            c.working_days_between(d("2026-03-02"), d("2026-02-13"))
                .unwrap(),
            0
        );
    }

    #[test]
    fn dates_past_the_known_years_are_refused_not_guessed() {
        let c = WorkCalendar::default_cn();
        let err = c.add_working_days(d("2026-12-28"), 7).unwrap_err();
        assert!(
            matches!(
                err,
                CalendarError::OutOfRange {
                    first: 2004,
                    last: 2026,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("请系统管理员导入"));
        assert!(c.is_working_day(d("2003-12-31")).is_err());
    }

    #[test]
    fn importing_a_later_year_extends_the_range_and_replaces_a_year() {
        let mut c = WorkCalendar::default_cn();
        c.merge_csv("date,kind,name_zh,name_en\n2027-01-01,holiday,元旦,New Year's Day\n")
            .unwrap();
        assert_eq!(c.years(), Some((2004, 2027)));
        assert!(!c.is_working_day(d("2027-01-01")).unwrap());
        assert_eq!(
            c.add_working_days(d("2026-12-28"), 7).unwrap(),
            d("2027-01-07")
        );
        // A corrected 2026 file replaces 2026 entirely.
        c.merge_csv("date,kind,name_zh,name_en\n2026-10-01,holiday,国庆节,National Day\n")
            .unwrap();
        assert!(c.is_working_day(d("2026-10-02")).unwrap());
    }

    #[test]
    fn bad_files_say_which_line() {
        let mut c = WorkCalendar::default();
        let e = c.merge_csv("date,kind\n2027-13-01,holiday\n").unwrap_err();
        assert_eq!(
            e,
            CalendarError::BadLine {
                line: 2,
                reason: "日期“2027-13-01”应为 YYYY-MM-DD".into()
            }
        );
        assert!(matches!(
            c.merge_csv("x,y\n"),
            Err(CalendarError::MissingHeader)
        ));
        assert!(matches!(
            c.merge_csv("date,kind\n2027-01-01,party\n"),
            Err(CalendarError::BadLine { line: 2, .. })
        ));
        assert_eq!(c.years(), None, "nothing merged from a bad file");
    }
}
