//! Timestamps as stored: UTC, RFC 3339, fixed width, so text order is time order.

use chrono::{DateTime, SecondsFormat, Utc};

tokio::task_local! {
    /// The replayed moment, inside `replay`: the demo office re-enacts the
    /// seed's year with every timestamp and "today" at the story's dates.
    static REPLAY: std::cell::Cell<Option<DateTime<Utc>>>;
}

/// Now, or the replayed moment when running inside `replay`.
pub fn now_utc() -> DateTime<Utc> {
    REPLAY
        .try_with(std::cell::Cell::get)
        .ok()
        .flatten()
        .unwrap_or_else(Utc::now)
}

/// Run `f` with a replay clock, moved forward by `replay_at`. Only this task
/// sees it: requests served meanwhile keep the real time.
pub async fn replay<F: std::future::Future>(f: F) -> F::Output {
    REPLAY.scope(std::cell::Cell::new(None), f).await
}

/// Set the replayed moment to `day` at `hh:mm` Beijing time. Outside
/// `replay` it does nothing, so real time can never be bent by accident.
pub fn replay_at(day: chrono::NaiveDate, hh: u32, mm: u32) {
    let t = day
        .and_hms_opt(hh, mm, 0)
        .map(|t| t.and_utc() - chrono::Duration::hours(8));
    let _ = REPLAY.try_with(|c| c.set(t));
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

    #[tokio::test]
    async fn the_replay_clock_is_local_to_its_task() {
        let day = chrono::NaiveDate::from_ymd_opt(2023, 3, 1).unwrap_or_default();
        replay_at(day, 9, 0);
        assert_ne!(today(), day, "outside a replay nothing changes");
        replay(async {
            replay_at(day, 9, 30);
            assert_eq!(today(), day);
            assert_eq!(beijing_minute(now_utc()), "2023-03-01T09:30");
            let other = tokio::spawn(async { today() }).await.unwrap_or(day);
            assert_ne!(other, day, "another task keeps the real time");
        })
        .await;
        assert_ne!(today(), day);
    }
}
