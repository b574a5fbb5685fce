//! Passwords (argon2id), server-side sessions and login throttling.

use crate::audit::{self, AuditEntry, Outcome, Who};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{SystemStore, time, users};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::sync::OnceLock;
use xingjian_domain::{Actor, UserId};

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Ended after this long without a request.
    pub idle: Duration,
    /// Ended this long after login, whatever the activity.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// When repeated failures slow logins down.
#[derive(Debug, Clone, Copy)]
pub struct LoginPolicy {
    /// Failures an account may have (since its last success, within `window`) before backoff.
    pub account_free_failures: i64,
    /// Failures one address may have within `window` before backoff.
    pub address_free_failures: i64,
    pub window: Duration,
    /// The first wait; it doubles with each further failure, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self {
            account_free_failures: 5,
            address_free_failures: 20,
            window: Duration::minutes(15),
            base_backoff: Duration::seconds(30),
            max_backoff: Duration::minutes(15),
        }
    }
}

impl LoginPolicy {
    /// How long after the last failure the next attempt must wait, if at all.
    pub fn backoff(&self, failures: i64, free: i64) -> Option<Duration> {
        if failures < free {
            return None;
        }
        let doublings = u32::try_from((failures - free).min(20)).unwrap_or(20);
        let wait = self.base_backoff * 2_i32.pow(doublings.min(20));
        Some(wait.min(self.max_backoff))
    }
}

/// A live session and who it belongs to.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The secret sent to the browser (only its hash is stored).
    pub token: String,
    pub csrf_token: String,
    pub actor: Actor,
    pub absolute_expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginFailure {
    /// Unknown user, wrong password or disabled account: never told apart.
    BadCredentials,
    /// Too many failures: try again after this many seconds.
    Throttled { retry_after_secs: i64 },
}

#[derive(Debug, Clone)]
pub enum LoginOutcome {
    Ok(Box<SessionInfo>),
    Failed(LoginFailure),
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

fn token_hash(token: &str) -> String {
    xingjian_domain::hex(&Sha256::digest(token.as_bytes()))
}

/// argon2id with the crate's defaults (19 MiB, 2 passes), off the async threads.
pub(crate) async fn hash_password(password: &str) -> StoreResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| StoreError::Internal(e.to_string()))?
}

pub(crate) async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so timing does not tell.
async fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return h;
    }
    let h = hash_password(&random_token()).await.unwrap_or_default();
    DUMMY.get_or_init(|| h)
}

fn login_entry(action: &str, username: &str, outcome: Outcome, detail: &str) -> AuditEntry {
    AuditEntry::new(action, "session", Some(username.to_owned()), outcome).detail(detail)
}

impl SystemStore<'_> {
    /// Failures and the last failure time since `since` for one column value.
    async fn failures(
        &self,
        column: &str,
        value: &str,
        since: &str,
    ) -> StoreResult<(i64, Option<String>)> {
        let mut q = Sql::new(&format!(
            "SELECT COUNT(*) AS n, MAX(at) AS last FROM login_attempts WHERE success = 0 AND {column} = "
        ));
        q.bind(value).push(" AND at > ").bind(since);
        let row = q.fetch_one(self.store.db.pool()).await?;
        Ok((row.try_get("n")?, row.try_get("last")?))
    }

    /// Seconds to wait before another attempt is allowed, if any.
    async fn throttle(
        &self,
        username: &str,
        ip: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>> {
        let p = self.store.logins;
        let window_start = time::fmt(now - p.window);
        let mut q = Sql::new(
            "SELECT MAX(at) AS last FROM login_attempts WHERE success = 1 AND username = ",
        );
        q.bind(username);
        let last_ok: Option<String> = q.fetch_one(self.store.db.pool()).await?.try_get("last")?;
        let since = match last_ok {
            Some(ok) if ok > window_start => ok,
            _ => window_start.clone(),
        };
        let mut wait = None::<i64>;
        for (n, last, free) in [
            {
                let (n, l) = self.failures("username", username, &since).await?;
                (n, l, p.account_free_failures)
            },
            {
                let (n, l) = self.failures("ip", ip, &window_start).await?;
                (n, l, p.address_free_failures)
            },
        ] {
            if let (Some(backoff), Some(last)) =
                (p.backoff(n, free), last.as_deref().and_then(time::parse))
            {
                let left = (last + backoff - now).num_seconds();
                if left > 0 {
                    wait = Some(wait.map_or(left, |w| w.max(left)));
                }
            }
        }
        Ok(wait)
    }

    async fn record_attempt(&self, username: &str, ip: &str, success: bool) -> StoreResult<()> {
        let mut q = Sql::new("INSERT INTO login_attempts (at, username, ip, success) VALUES (");
        q.bind(time::fmt(time::now_utc()))
            .push(", ")
            .bind(username)
            .push(", ")
            .bind(ip)
            .push(", ")
            .bind(i64::from(success))
            .push(")");
        let mut conn = self.store.db.pool().acquire().await?;
        q.execute(&mut conn).await?;
        Ok(())
    }

    async fn audit_as(&self, who: &Who<'_>, e: AuditEntry) -> StoreResult<()> {
        let mut conn = self.store.db.pool().acquire().await?;
        audit::write(&mut conn, who, self.ctx, &e).await
    }

    /// Check a password and open a new session. Throttled, audited either way.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        user_agent: Option<&str>,
    ) -> StoreResult<LoginOutcome> {
        let username = username.trim().to_lowercase();
        let ip = self.ctx.ip.clone().unwrap_or_else(|| "unknown".into());
        let now = time::now_utc();
        if let Some(secs) = self.throttle(&username, &ip, now).await? {
            self.audit(login_entry(
                "session.login_throttled",
                &username,
                Outcome::Denied,
                &format!("登录失败次数过多，需等待 {secs} 秒"),
            ))
            .await?;
            return Ok(LoginOutcome::Failed(LoginFailure::Throttled {
                retry_after_secs: secs,
            }));
        }
        let mut q = Sql::new("SELECT password_hash, id FROM users WHERE username = ");
        q.bind(username.as_str());
        let row = q.fetch_optional(self.store.db.pool()).await?;
        let (hash, id) = match &row {
            Some(r) => (
                r.try_get::<String, _>("password_hash")?,
                Some(r.try_get::<i64, _>("id")?),
            ),
            None => (dummy_hash().await.to_owned(), None),
        };
        let ok = verify_password(password, &hash).await && id.is_some();
        let user = match id {
            Some(id) if ok => {
                let mut q = Sql::new(
                    "SELECT users.id, users.username, users.display_name, users.role, users.agency_id, \
                    users.active, users.created_at, users.updated_at, users.version FROM users WHERE id = ",
                );
                q.bind(id);
                q.fetch_optional(self.store.db.pool())
                    .await?
                    .as_ref()
                    .map(users::from_row)
                    .transpose()?
            }
            _ => None,
        };
        let Some(user) = user.filter(|u| u.active) else {
            self.record_attempt(&username, &ip, false).await?;
            let detail = if ok {
                "账号已停用"
            } else {
                "用户名或密码错误"
            };
            self.audit(login_entry(
                "session.login_failed",
                &username,
                Outcome::Failed,
                detail,
            ))
            .await?;
            return Ok(LoginOutcome::Failed(LoginFailure::BadCredentials));
        };
        self.record_attempt(&username, &ip, true).await?;
        let actor = Actor {
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            agency_id: user.agency_id,
        };
        let token = random_token();
        let csrf_token = random_token();
        let absolute = now + self.store.sessions.absolute;
        let mut q = Sql::new(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, \
             absolute_expires_at, ip, user_agent) VALUES (",
        );
        q.bind(token_hash(&token))
            .push(", ")
            .bind(actor.user_id.0)
            .push(", ")
            .bind(csrf_token.as_str())
            .push(", ")
            .bind(time::fmt(now))
            .push(", ")
            .bind(time::fmt(now))
            .push(", ")
            .bind(time::fmt(absolute))
            .push(", ")
            .bind(ip.as_str())
            .push(", ")
            .bind(user_agent.map(|s| s.chars().take(300).collect::<String>()))
            .push(")");
        let mut tx = self.store.db.begin().await?;
        q.execute(&mut tx).await?;
        audit::write(
            &mut tx,
            &Who::actor(&actor),
            self.ctx,
            &login_entry("session.login", &actor.username, Outcome::Ok, "登录成功"),
        )
        .await?;
        tx.commit().await?;
        Ok(LoginOutcome::Ok(Box::new(SessionInfo {
            token,
            csrf_token,
            actor,
            absolute_expires_at: absolute,
        })))
    }

    /// The live session for a cookie token, extending its idle timer.
    pub async fn session(&self, token: &str) -> StoreResult<Option<SessionInfo>> {
        let now = time::now_utc();
        let hash = token_hash(token);
        let mut q = Sql::new(
            "SELECT s.csrf_token, s.last_seen_at, s.absolute_expires_at, u.id, u.username, u.display_name, \
             u.role, u.agency_id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.active = 1 AND s.token_hash = ",
        );
        q.bind(hash.as_str());
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Ok(None);
        };
        let last_seen = time::parse(&row.try_get::<String, _>("last_seen_at")?);
        let absolute = time::parse(&row.try_get::<String, _>("absolute_expires_at")?);
        let (Some(last_seen), Some(absolute)) = (last_seen, absolute) else {
            return Ok(None);
        };
        if now >= absolute || now >= last_seen + self.store.sessions.idle {
            self.end_session(token).await?;
            return Ok(None);
        }
        if now - last_seen > Duration::seconds(60) {
            let mut u = Sql::new("UPDATE sessions SET last_seen_at = ");
            u.bind(time::fmt(now))
                .push(" WHERE token_hash = ")
                .bind(hash);
            let mut conn = self.store.db.pool().acquire().await?;
            u.execute(&mut conn).await?;
        }
        let role: String = row.try_get("role")?;
        Ok(Some(SessionInfo {
            token: token.to_owned(),
            csrf_token: row.try_get("csrf_token")?,
            actor: Actor {
                user_id: UserId(row.try_get("id")?),
                username: row.try_get("username")?,
                display_name: row.try_get("display_name")?,
                role: xingjian_domain::Role::from_code(&role)
                    .ok_or_else(|| StoreError::Internal(format!("unknown role {role}")))?,
                agency_id: row
                    .try_get::<Option<i64>, _>("agency_id")?
                    .map(xingjian_domain::AgencyId),
            },
            absolute_expires_at: absolute,
        }))
    }

    async fn end_session(&self, token: &str) -> StoreResult<()> {
        let mut d = Sql::new("DELETE FROM sessions WHERE token_hash = ");
        d.bind(token_hash(token));
        let mut conn = self.store.db.pool().acquire().await?;
        d.execute(&mut conn).await?;
        Ok(())
    }

    /// End a session at the user's request.
    pub async fn logout(&self, session: &SessionInfo) -> StoreResult<()> {
        self.end_session(&session.token).await?;
        self.audit_as(
            &Who::actor(&session.actor),
            login_entry(
                "session.logout",
                &session.actor.username,
                Outcome::Ok,
                "退出登录",
            ),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = LoginPolicy::default();
        assert_eq!(p.backoff(4, 5), None);
        assert_eq!(p.backoff(5, 5), Some(Duration::seconds(30)));
        assert_eq!(p.backoff(6, 5), Some(Duration::seconds(60)));
        assert_eq!(p.backoff(9, 5), Some(Duration::seconds(480)));
        assert_eq!(p.backoff(10, 5), Some(Duration::minutes(15)));
        assert_eq!(p.backoff(1000, 5), Some(Duration::minutes(15)));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
