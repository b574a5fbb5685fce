//! Timestamps as stored: UTC, RFC 3339, fixed width, so text order is time order.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn now_utc() -> DateTime<Utc> {
    Utc::now()
}

pub(crate) fn fmt(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
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
