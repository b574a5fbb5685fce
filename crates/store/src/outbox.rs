//! The outbox: every notification to a user with an e-mail address is also
//! queued here, in the same transaction; a delivery adapter (SMTP, or a
//! government-messaging gateway) claims messages, sends them and reports back.
//! Failures are retried with a doubling delay, then given up on.

use crate::error::StoreResult;
use crate::sql::{Sql, insert, v};
use crate::{ActorStore, StoreError, SystemStore, time};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// Attempts before a message is marked failed for good.
pub const MAX_ATTEMPTS: i64 = 6;
/// A claim older than this is presumed lost (the adapter crashed) and retried.
const CLAIM_MINUTES: i64 = 10;
/// Messages not sent within this many days are stale (e.g. queued while no
/// adapter was configured) and are expired rather than sent late.
pub const EXPIRY_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    pub expired: i64,
}

/// Queue the mail copy of a notification, if the user has an address.
pub(crate) async fn enqueue(
    tx: &mut AnyConnection,
    notification_id: i64,
    user_id: i64,
    title: &str,
    link: &str,
) -> StoreResult<()> {
    let mut q = Sql::new("SELECT email FROM users WHERE active = 1 AND email <> '' AND id = ");
    q.bind(user_id);
    let Some(row) = q.fetch_optional(&mut *tx).await? else {
        return Ok(());
    };
    let email: String = row.try_get("email")?;
    let now = time::fmt(time::now_utc());
    insert(
        tx,
        "outbox",
        vec![
            ("notification_id", v(notification_id)),
            ("channel", v("email")),
            ("recipient", v(email)),
            ("subject", v(format!("【行检】{title}"))),
            (
                "body",
                v(format!(
                    "{title}\n\n详情：{link}\n\n（此邮件由行检系统自动发送，请勿直接回复。）"
                )),
            ),
            ("status", v("pending")),
            ("next_attempt_at", v(now.as_str())),
            ("created_at", v(now.as_str())),
        ],
    )
    .await?;
    Ok(())
}

/// The delay before attempt `attempts + 1`: 1, 2, 4, 8 … minutes.
pub fn retry_delay(attempts: i64) -> chrono::Duration {
    chrono::Duration::minutes(1_i64 << attempts.clamp(0, 10))
}

impl SystemStore<'_> {
    /// Claim up to `limit` messages that are due (and those whose earlier
    /// claim was lost). Each is claimed by a conditional update, so two
    /// adapters never send the same message.
    pub async fn claim_outbox(&self, channel: &str, limit: i64) -> StoreResult<Vec<OutboxMessage>> {
        let now = time::now_utc();
        let stale = time::fmt(now - chrono::Duration::minutes(CLAIM_MINUTES));
        let mut expire = Sql::new(
            "UPDATE outbox SET status = 'expired' WHERE status = 'pending' AND created_at < ",
        );
        expire.bind(time::fmt(now - chrono::Duration::days(EXPIRY_DAYS)));
        {
            let mut conn = self.store.db.pool().acquire().await?;
            let n = expire.execute(&mut conn).await?;
            if n > 0 {
                tracing::warn!(
                    expired = n,
                    "outbox messages older than {EXPIRY_DAYS} days expired unsent"
                );
            }
        }
        let now = time::fmt(now);
        let mut q = Sql::new(
            "SELECT id, channel, recipient, subject, body, attempts FROM outbox WHERE channel = ",
        );
        q.bind(channel)
            .push(" AND ((status = 'pending' AND next_attempt_at <= ")
            .bind(now.as_str())
            .push(") OR (status = 'sending' AND claimed_at < ")
            .bind(stale.as_str())
            .push(")) ORDER BY id LIMIT ")
            .bind(limit);
        let rows = q.fetch_all(self.store.db.pool()).await?;
        let mut out = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let mut tx = self.store.db.begin().await?;
            let mut u = Sql::new("UPDATE outbox SET status = 'sending', claimed_at = ");
            u.bind(now.as_str())
                .push(" WHERE id = ")
                .bind(id)
                .push(" AND ((status = 'pending') OR (status = 'sending' AND claimed_at < ")
                .bind(stale.as_str())
                .push("))");
            let claimed = u.execute(&mut tx).await? == 1;
            tx.commit().await?;
            if claimed {
                out.push(OutboxMessage {
                    id,
                    channel: r.try_get("channel")?,
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    attempts: r.try_get("attempts")?,
                });
            }
        }
        Ok(out)
    }

    pub async fn outbox_sent(&self, id: i64) -> StoreResult<()> {
        let mut u =
            Sql::new("UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ");
        u.bind(time::fmt(time::now_utc()))
            .push(", last_error = NULL WHERE status = 'sending' AND id = ")
            .bind(id);
        let mut conn = self.store.db.pool().acquire().await?;
        u.execute(&mut conn).await?;
        Ok(())
    }

    /// A failed attempt: retried later, or failed for good after `MAX_ATTEMPTS`.
    pub async fn outbox_failed(&self, id: i64, error: &str) -> StoreResult<()> {
        let mut q = Sql::new("SELECT attempts FROM outbox WHERE id = ");
        q.bind(id);
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(StoreError::NotFound);
        };
        let attempts: i64 = row.try_get::<i64, _>("attempts")? + 1;
        let status = if attempts >= MAX_ATTEMPTS {
            "failed"
        } else {
            "pending"
        };
        let next = time::fmt(time::now_utc() + retry_delay(attempts - 1));
        let error: String = error.chars().take(500).collect();
        let mut u = Sql::new("UPDATE outbox SET status = ");
        u.bind(status)
            .push(", attempts = ")
            .bind(attempts)
            .push(", next_attempt_at = ")
            .bind(next)
            .push(", last_error = ")
            .bind(error)
            .push(" WHERE status = 'sending' AND id = ")
            .bind(id);
        let mut conn = self.store.db.pool().acquire().await?;
        u.execute(&mut conn).await?;
        Ok(())
    }

    pub async fn outbox_counts(&self) -> StoreResult<OutboxCounts> {
        outbox_counts(self.store.db.pool()).await
    }
}

async fn outbox_counts(pool: &sqlx::AnyPool) -> StoreResult<OutboxCounts> {
    let rows = Sql::new("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        .fetch_all(pool)
        .await?;
    let mut c = OutboxCounts::default();
    for r in &rows {
        let n: i64 = r.try_get("n")?;
        match r.try_get::<String, _>("status")?.as_str() {
            "sent" => c.sent += n,
            "failed" => c.failed += n,
            "expired" => c.expired += n,
            _ => c.pending += n,
        }
    }
    Ok(c)
}

impl ActorStore<'_> {
    /// The outbox's figures, for the administrator.
    pub async fn outbox_counts(&self) -> StoreResult<OutboxCounts> {
        if !self.actor.can_administer() {
            return Err(StoreError::Forbidden("只有系统管理员可以查看发送队列"));
        }
        outbox_counts(self.store.db.pool()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_one_minute() {
        assert_eq!(retry_delay(0), chrono::Duration::minutes(1));
        assert_eq!(retry_delay(1), chrono::Duration::minutes(2));
        assert_eq!(retry_delay(4), chrono::Duration::minutes(16));
        assert_eq!(retry_delay(100), chrono::Duration::minutes(1024));
    }
}
