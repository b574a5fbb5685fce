//! Timestamps as stored: UTC, RFC 3339, fixed width, so text order is time order.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn now_utc() -> DateTime<Utc> {
    Utc::now()
}

pub(crate) fn fmt(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Today in Beijing, where every clock of the office runs.
pub fn today() -> chrono::NaiveDate {
    (now_utc() + chrono::Duration::hours(8)).date_naive()
}

/// A moment as the office writes it: Beijing time to the minute, `YYYY-MM-DDTHH:MM`.
pub(crate) fn beijing_minute(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

pub(crate) fn fmt_date(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

pub(crate) fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_order_is_time_order() {
        let a = fmt(DateTime::from_timestamp(1_700_000_000, 5_000).unwrap_or_default());
        let b = fmt(DateTime::from_timestamp(1_700_000_000, 50_000).unwrap_or_default());
        let c = fmt(DateTime::from_timestamp(1_700_000_001, 0).unwrap_or_default());
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_eq!(parse(&a).map(fmt), Some(a));
    }
}
