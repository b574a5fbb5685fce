//! The append-only audit log: every change, login and refusal, with who,
//! when, from where, what, before and after.

use crate::error::StoreResult;
use crate::sql::{Sql, like_contains, like_prefix};
use crate::{ActorStore, Page, PageRequest, RequestCtx, SystemStore, scope, time};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use xingjian_domain::Actor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// A permission refusal (including an out-of-scope read).
    Denied,
    /// A failed attempt, e.g. a wrong password.
    Failed,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "成功",
            Outcome::Denied => "拒绝",
            Outcome::Failed => "失败",
        }
    }

    fn from_code(s: &str) -> Self {
        match s {
            "denied" => Outcome::Denied,
            "failed" => Outcome::Failed,
            _ => Outcome::Ok,
        }
    }
}

/// One thing to record.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// `entity.verb`, e.g. `agency.update`, `session.login`, `access.denied`.
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// The agency the record concerns, if any (for scoping the log later).
    pub agency_id: Option<i64>,
    pub outcome: Outcome,
    pub detail: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl AuditEntry {
    pub fn new(action: &str, entity: &str, entity_id: Option<String>, outcome: Outcome) -> Self {
        Self {
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id,
            agency_id: None,
            outcome,
            detail: None,
            before: None,
            after: None,
        }
    }

    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }

    pub(crate) fn change<T: Serialize>(mut self, before: Option<&T>, after: Option<&T>) -> Self {
        self.before = before.and_then(|b| serde_json::to_value(b).ok());
        self.after = after.and_then(|a| serde_json::to_value(a).ok());
        self
    }
}

/// Where the actor identity comes from when writing a row.
pub(crate) struct Who<'a> {
    pub user_id: Option<i64>,
    pub username: Option<&'a str>,
    pub role: Option<&'a str>,
}

impl<'a> Who<'a> {
    pub fn actor(a: &'a Actor) -> Self {
        Who {
            user_id: Some(a.user_id.0),
            username: Some(&a.username),
            role: Some(a.role.code()),
        }
    }

    pub fn system() -> Self {
        Who {
            user_id: None,
            username: Some("system"),
            role: None,
        }
    }
}

/// Append one row to the chain, inside the caller's transaction when there is one.
pub(crate) async fn write(
    conn: &mut AnyConnection,
    who: &Who<'_>,
    ctx: &RequestCtx,
    e: &AuditEntry,
) -> StoreResult<()> {
    let link = crate::audit_chain::Link {
        seq: 0,
        at: time::fmt(time::now_utc()),
        actor_user_id: who.user_id,
        actor_username: who.username.map(str::to_owned),
        actor_role: who.role.map(str::to_owned),
        ip: ctx.ip.clone(),
        request_id: ctx.request_id.clone(),
        action: e.action.clone(),
        entity: e.entity.clone(),
        entity_id: e.entity_id.clone(),
        agency_id: e.agency_id,
        outcome: e.outcome.code().to_owned(),
        detail: e.detail.clone(),
        before_json: e.before.as_ref().map(|v| v.to_string()),
        after_json: e.after.as_ref().map(|v| v.to_string()),
    };
    crate::audit_chain::append(conn, link).await
}

/// An audit row as read back.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub at: String,
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    pub actor_role: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// Filters of the audit page; all optional.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct AuditFilter {
    /// Actor username, exact.
    pub actor: Option<String>,
    /// Action prefix, e.g. `session.` or `agency.update`.
    pub action: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: Option<String>,
    /// Substring of the entity id or detail.
    pub q: Option<String>,
    /// From this date (YYYY-MM-DD), inclusive, UTC.
    pub from: Option<String>,
    /// Up to this date (YYYY-MM-DD), inclusive, UTC.
    pub to: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// One line of an entity's history, as its detail page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    pub actor_username: Option<String>,
    pub action: String,
    pub detail: String,
}

impl ActorStore<'_> {
    /// The successful changes recorded for one entity, oldest first. Callers
    /// read the entity through its own scope first: who may see the entity
    /// may see how it came to be.
    pub(crate) async fn history_of(&self, entity: &str, id: i64) -> StoreResult<Vec<HistoryEntry>> {
        let mut q = Sql::new(
            "SELECT at, actor_username, action, detail FROM audit_log WHERE outcome = 'ok' AND entity = ",
        );
        q.bind(entity)
            .push(" AND entity_id = ")
            .bind(id.to_string())
            .push(" ORDER BY id");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(HistoryEntry {
                    at: r.try_get("at")?,
                    actor_username: r.try_get("actor_username")?,
                    action: r.try_get("action")?,
                    detail: r
                        .try_get::<Option<String>, _>("detail")?
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The audit log, newest first, as far as the actor may read it.
    pub async fn list_audit(
        &self,
        f: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AuditRecord>> {
        let mut w = Sql::new(" WHERE ");
        w.append(scope::audit_log(self.actor));
        if let Some(a) = non_empty(&f.actor) {
            w.push(" AND actor_username = ").bind(a);
        }
        if let Some(a) = non_empty(&f.action) {
            w.push(" AND action LIKE ")
                .bind(like_prefix(a))
                .push(" ESCAPE '\\'");
        }
        if let Some(o) = non_empty(&f.outcome) {
            w.push(" AND outcome = ").bind(o);
        }
        if let Some(q) = non_empty(&f.q) {
            let pat = like_contains(q);
            w.push(" AND (entity_id LIKE ")
                .bind(pat.clone())
                .push(" ESCAPE '\\' OR detail LIKE ");
            w.bind(pat).push(" ESCAPE '\\')");
        }
        if let Some(d) = non_empty(&f.from) {
            w.push(" AND at >= ").bind(d.to_owned());
        }
        if let Some(d) = non_empty(&f.to) {
            // Dates compare as text prefixes: everything on that day sorts before `d` + "U".
            w.push(" AND at < ").bind(format!("{d}U"));
        }
        crate::paged(
            self.store.db.pool(),
            "id, at, actor_user_id, actor_username, actor_role, ip, request_id, action, entity, \
             entity_id, outcome, detail, before_json, after_json",
            "FROM audit_log",
            w,
            " ORDER BY id DESC",
            page,
            |r| {
                Ok(AuditRecord {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    actor_user_id: r.try_get("actor_user_id")?,
                    actor_username: r.try_get("actor_username")?,
                    actor_role: r.try_get("actor_role")?,
                    ip: r.try_get("ip")?,
                    request_id: r.try_get("request_id")?,
                    action: r.try_get("action")?,
                    entity: r.try_get("entity")?,
                    entity_id: r.try_get("entity_id")?,
                    outcome: Outcome::from_code(&r.try_get::<String, _>("outcome")?),
                    detail: r.try_get("detail")?,
                    before_json: r.try_get("before_json")?,
                    after_json: r.try_get("after_json")?,
                })
            },
        )
        .await
    }

    /// Audit a change made by the actor, in the change's own transaction.
    pub(crate) async fn audit_change(
        &self,
        tx: &mut AnyConnection,
        action: &str,
        entity: &str,
        id: i64,
        agency_id: Option<i64>,
        detail: String,
    ) -> StoreResult<()> {
        let mut entry =
            AuditEntry::new(action, entity, Some(id.to_string()), Outcome::Ok).detail(detail);
        entry.agency_id = agency_id;
        write(tx, &Who::actor(self.actor), self.ctx, &entry).await
    }

    /// Record something the actor did outside a store write (e.g. a refused route).
    pub async fn audit(&self, entry: AuditEntry) -> StoreResult<()> {
        let mut conn = self.store.db.pool().acquire().await?;
        write(&mut conn, &Who::actor(self.actor), self.ctx, &entry).await
    }

    /// The answer for a row the actor's scoped read did not return: `NotFound`
    /// either way, but when the row exists (out of scope) the refusal is audited.
    /// `table` is a fixed table name, never input.
    pub(crate) async fn absent_or_refused(
        &self,
        table: &'static str,
        id: i64,
        action: &'static str,
        entity: &str,
    ) -> crate::StoreError {
        let mut exists = Sql::new(&format!("SELECT COUNT(*) AS n FROM {table} WHERE id = "));
        exists.bind(id);
        let found = match exists.fetch_one(self.store.db.pool()).await {
            Ok(row) => sqlx::Row::try_get::<i64, _>(&row, "n").unwrap_or(0) > 0,
            Err(e) => return e.into(),
        };
        if found {
            self.refuse(
                action,
                entity,
                Some(id.to_string()),
                crate::StoreError::NotFound,
            )
            .await
        } else {
            crate::StoreError::NotFound
        }
    }

    /// Record a refusal and return the error to give the caller.
    pub(crate) async fn refuse(
        &self,
        action: &'static str,
        entity: &str,
        id: Option<String>,
        err: crate::StoreError,
    ) -> crate::StoreError {
        let entry = AuditEntry::new("access.denied", entity, id, Outcome::Denied).detail(action);
        if let Err(e) = self.audit(entry).await {
            tracing::error!(error = %e, "could not audit a refusal");
        }
        err
    }
}

impl SystemStore<'_> {
    /// Record something done by the system or by an anonymous caller.
    pub async fn audit(&self, entry: AuditEntry) -> StoreResult<()> {
        let mut conn = self.store.db.pool().acquire().await?;
        write(&mut conn, &Who::system(), self.ctx, &entry).await
    }
}
