//! The agency registry.

use crate::audit::{self, AuditEntry, Outcome, Who};
use crate::error::{StoreError, StoreResult};
use crate::sql::{Sql, like_contains};
use crate::{ActorStore, Page, PageRequest, RequestCtx, SystemStore, scope, time};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use xingjian_domain::{Agency, AgencyId, AgencyInput, AgencyKind};

const COLUMNS: &str = "agencies.id, agencies.name, agencies.aliases, agencies.kind, \
                       agencies.created_at, agencies.updated_at, agencies.version";

fn from_row(r: &AnyRow) -> StoreResult<Agency> {
    let kind: String = r.try_get("kind")?;
    let aliases: String = r.try_get("aliases")?;
    Ok(Agency {
        id: AgencyId(r.try_get("id")?),
        name: r.try_get("name")?,
        aliases: serde_json::from_str(&aliases).unwrap_or_default(),
        kind: AgencyKind::from_code(&kind)
            .ok_or_else(|| StoreError::Internal(format!("unknown agency kind {kind}")))?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

/// Search and filter for the agency list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct AgencyFilter {
    /// Part of the name or an alias.
    pub q: Option<String>,
    pub kind: Option<AgencyKind>,
}

async fn fetch(
    conn: &mut AnyConnection,
    id: AgencyId,
    scope: Option<Sql>,
) -> StoreResult<Option<Agency>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM agencies WHERE agencies.id = "
    ));
    q.bind(id.0);
    if let Some(s) = scope {
        q.push(" AND (").append(s).push(")");
    }
    q.fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub(crate) async fn insert(
    conn: &mut AnyConnection,
    who: &Who<'_>,
    ctx: &RequestCtx,
    input: AgencyInput,
) -> StoreResult<Agency> {
    let input = input.normalized()?;
    let now = time::fmt(time::now_utc());
    let mut q =
        Sql::new("INSERT INTO agencies (name, aliases, kind, created_at, updated_at) VALUES (");
    q.bind(input.name.as_str())
        .push(", ")
        .bind(serde_json::to_string(&input.aliases).unwrap_or_else(|_| "[]".into()))
        .push(", ")
        .bind(input.kind.code())
        .push(", ")
        .bind(now.clone())
        .push(", ")
        .bind(now)
        .push(") RETURNING id");
    let id: i64 = q
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| StoreError::from(e).on_unique("name", "已有同名的行政机关"))?
        .try_get("id")?;
    let agency = fetch(conn, AgencyId(id), None)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut entry = AuditEntry::new("agency.create", "agency", Some(id.to_string()), Outcome::Ok)
        .change(None, Some(&agency));
    entry.agency_id = Some(id);
    audit::write(conn, who, ctx, &entry).await?;
    Ok(agency)
}

impl ActorStore<'_> {
    pub async fn list_agencies(
        &self,
        f: &AgencyFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Agency>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::agencies(self.actor)).push(")");
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let pat = like_contains(q);
            w.push(" AND (agencies.name LIKE ").bind(pat.clone());
            w.push(" ESCAPE '\\' OR agencies.aliases LIKE ")
                .bind(pat)
                .push(" ESCAPE '\\')");
        }
        if let Some(k) = f.kind {
            w.push(" AND agencies.kind = ").bind(k.code());
        }
        crate::paged(
            self.store.db.pool(),
            COLUMNS,
            "FROM agencies",
            w,
            " ORDER BY agencies.id",
            page,
            from_row,
        )
        .await
    }

    /// One agency, or `NotFound` when absent or out of scope (audited as a refusal).
    pub async fn get_agency(&self, id: AgencyId) -> StoreResult<Agency> {
        let mut conn = self.store.db.pool().acquire().await?;
        if let Some(a) = fetch(&mut conn, id, Some(scope::agencies(self.actor))).await? {
            return Ok(a);
        }
        if fetch(&mut conn, id, None).await?.is_some() {
            return Err(self
                .refuse(
                    "agency.read",
                    "agency",
                    Some(id.to_string()),
                    StoreError::NotFound,
                )
                .await);
        }
        Err(StoreError::NotFound)
    }

    pub async fn create_agency(&self, input: AgencyInput) -> StoreResult<Agency> {
        if !self.actor.can_administer() {
            return Err(self
                .refuse(
                    "agency.create",
                    "agency",
                    None,
                    StoreError::Forbidden("只有系统管理员可以登记行政机关"),
                )
                .await);
        }
        let mut tx = self.store.db.begin().await?;
        let agency = insert(&mut tx, &Who::actor(self.actor), self.ctx, input).await?;
        tx.commit().await?;
        Ok(agency)
    }

    /// Change an agency; `version` is the one the user read (optimistic lock).
    pub async fn update_agency(
        &self,
        id: AgencyId,
        version: i64,
        input: AgencyInput,
    ) -> StoreResult<Agency> {
        if !self.actor.can_administer() {
            // Out-of-scope ids stay indistinguishable from absent ones.
            self.get_agency(id).await?;
            return Err(self
                .refuse(
                    "agency.update",
                    "agency",
                    Some(id.to_string()),
                    StoreError::Forbidden("只有系统管理员可以修改行政机关"),
                )
                .await);
        }
        let input = input.normalized()?;
        let mut tx = self.store.db.begin().await?;
        let before = fetch(&mut tx, id, None)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut q = Sql::new("UPDATE agencies SET name = ");
        q.bind(input.name.as_str())
            .push(", aliases = ")
            .bind(serde_json::to_string(&input.aliases).unwrap_or_else(|_| "[]".into()))
            .push(", kind = ")
            .bind(input.kind.code())
            .push(", updated_at = ")
            .bind(time::fmt(time::now_utc()))
            .push(", version = version + 1 WHERE id = ")
            .bind(id.0)
            .push(" AND version = ")
            .bind(version);
        let n = q
            .execute(&mut tx)
            .await
            .map_err(|e| StoreError::from(e).on_unique("name", "已有同名的行政机关"))?;
        if n == 0 {
            return Err(StoreError::Stale);
        }
        let after = fetch(&mut tx, id, None)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut entry =
            AuditEntry::new("agency.update", "agency", Some(id.to_string()), Outcome::Ok)
                .change(Some(&before), Some(&after));
        entry.agency_id = Some(id.0);
        audit::write(&mut tx, &Who::actor(self.actor), self.ctx, &entry).await?;
        tx.commit().await?;
        Ok(after)
    }
}

impl SystemStore<'_> {
    pub async fn create_agency(&self, input: AgencyInput) -> StoreResult<Agency> {
        let mut tx = self.store.db.begin().await?;
        let agency = insert(&mut tx, &Who::system(), self.ctx, input).await?;
        tx.commit().await?;
        Ok(agency)
    }

    /// Find an agency by its name or one of its aliases.
    pub async fn find_agency(&self, name: &str) -> StoreResult<Option<Agency>> {
        let name = name.trim();
        let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM agencies WHERE name = "));
        q.bind(name)
            .push(" OR aliases LIKE ")
            .bind(like_contains(&format!("\"{name}\"")));
        q.push(" ESCAPE '\\' ORDER BY id LIMIT 1");
        q.fetch_optional(self.store.db.pool())
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    pub async fn count_agencies(&self) -> StoreResult<i64> {
        Ok(Sql::new("SELECT COUNT(*) AS n FROM agencies")
            .fetch_one(self.store.db.pool())
            .await?
            .try_get("n")?)
    }
}

impl ActorStore<'_> {
    /// The distinct agencies chosen in a form, each checked against the
    /// actor's registry; an unknown one adds an error on `field`.
    pub(crate) async fn chosen_agencies(
        &self,
        ids: &[i64],
        field: &str,
        e: &mut xingjian_domain::ValidationErrors,
    ) -> StoreResult<Vec<Agency>> {
        let mut out: Vec<Agency> = Vec::new();
        for id in ids {
            match self.get_agency(AgencyId(*id)).await {
                Ok(a) => {
                    if !out.iter().any(|x| x.id == a.id) {
                        out.push(a);
                    }
                }
                Err(crate::StoreError::NotFound) => e.add(field, "所选行政机关不存在"),
                Err(x) => return Err(x),
            }
        }
        Ok(out)
    }
}

/// Names joined for a sentence: 区交通运输局、区公安局.
pub(crate) fn names(agencies: &[Agency]) -> String {
    agencies
        .iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}
