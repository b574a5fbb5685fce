//! Clues (问题线索) made from screening hits, with the records they concern.

use crate::audit::{self, AuditEntry, Outcome, Who};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{ActorStore, Page, PageRequest, scope, time};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use xingjian_domain::ValidationErrors;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Clue {
    pub id: i64,
    pub source: String,
    pub title: String,
    pub content: String,
    pub agency_id: Option<i64>,
    pub agency_name: Option<String>,
    pub status: String,
    pub created_by_name: String,
    pub created_at: String,
}

impl Clue {
    pub fn source_label(&self) -> &'static str {
        match self.source.as_str() {
            "screening_hit" => "数据筛查",
            "12309" => "12309",
            "field_visit" => "实地走访",
            "agency_notice" => "行政机关通报",
            _ => "其他",
        }
    }
}

/// An enforcement record a clue concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClueRecord {
    pub hit_id: Option<i64>,
    pub rule_id: Option<String>,
    pub table_name: String,
    pub record_key: String,
    pub source_file: String,
    pub source_row: i64,
    pub explanation: String,
}

const COLUMNS: &str = "c.id, c.source, c.title, c.content, c.agency_id, a.name AS agency_name, c.status, \
    c.created_by_name, c.created_at";
const FROM: &str = "FROM clues c LEFT JOIN agencies a ON a.id = c.agency_id";

fn from_row(r: &AnyRow) -> StoreResult<Clue> {
    Ok(Clue {
        id: r.try_get("id")?,
        source: r.try_get("source")?,
        title: r.try_get("title")?,
        content: r.try_get("content")?,
        agency_id: r.try_get("agency_id")?,
        agency_name: r.try_get("agency_name")?,
        status: r.try_get("status")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
    })
}

impl ActorStore<'_> {
    /// A clue from screening lines the actor can see; the lines' records are
    /// linked to it. One agency per clue: lines of several agencies are refused.
    pub async fn create_clue_from_hits(&self, hit_ids: &[i64], title: &str) -> StoreResult<Clue> {
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "clue.create",
                    "clue",
                    None,
                    StoreError::Forbidden("只有检察院工作人员可以登记线索"),
                )
                .await);
        }
        let title = title.trim();
        if hit_ids.is_empty() {
            return Err(StoreError::Validation(ValidationErrors::one(
                "hit",
                "请至少选择一条筛查结果",
            )));
        }
        let mut hits = Vec::with_capacity(hit_ids.len());
        for id in hit_ids {
            hits.push(self.get_hit(*id).await?);
        }
        let agency = hits[0].agency_id;
        if hits.iter().any(|h| h.agency_id != agency) {
            return Err(StoreError::Validation(ValidationErrors::one(
                "hit",
                "所选结果属于不同的行政机关，请按机关分别生成线索",
            )));
        }
        let title = if title.is_empty() {
            format!(
                "{}：{} 条筛查结果（{}）",
                hits[0].agency_name,
                hits.len(),
                hits.iter()
                    .map(|h| h.rule_id.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join("、")
            )
        } else {
            title.chars().take(200).collect()
        };
        let content = hits
            .iter()
            .map(|h| format!("{} {}：{}", h.rule_id, h.record_key, h.explanation))
            .collect::<Vec<_>>()
            .join("\n");
        let mut tx = self.store.db.pool().begin().await?;
        let mut q = Sql::new(
            "INSERT INTO clues (source, title, content, agency_id, status, created_by, created_by_name, created_at) \
             VALUES ('screening_hit', ",
        );
        q.bind(title.as_str())
            .push(", ")
            .bind(content.as_str())
            .push(", ")
            .bind(agency)
            .push(", 'new', ")
            .bind(self.actor.user_id.0);
        q.push(", ")
            .bind(self.actor.display_name.as_str())
            .push(", ")
            .bind(time::fmt(time::now_utc()))
            .push(") RETURNING id");
        let id: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
        for h in &hits {
            let mut q = Sql::new(
                "INSERT INTO clue_records (clue_id, hit_id, rule_id, table_name, agency_id, record_key, source_file, \
                 source_row, explanation) VALUES (",
            );
            q.bind(id)
                .push(", ")
                .bind(h.id)
                .push(", ")
                .bind(h.rule_id.as_str());
            q.push(", ")
                .bind(h.table_name.as_str())
                .push(", ")
                .bind(h.agency_id);
            q.push(", ")
                .bind(h.record_key.as_str())
                .push(", ")
                .bind(h.source_file.as_str());
            q.push(", ")
                .bind(h.source_row)
                .push(", ")
                .bind(h.explanation.as_str())
                .push(")");
            q.execute(&mut tx).await?;
        }
        let mut entry = AuditEntry::new("clue.create", "clue", Some(id.to_string()), Outcome::Ok)
            .detail(format!("由 {} 条筛查结果生成线索“{title}”", hits.len()));
        entry.agency_id = agency;
        audit::write(&mut tx, &Who::actor(self.actor), self.ctx, &entry).await?;
        tx.commit().await?;
        self.get_clue(id).await.map(|(c, _)| c)
    }

    pub async fn list_clues(&self, page: PageRequest) -> StoreResult<Page<Clue>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::clues(self.actor)).push(")");
        crate::paged(
            self.store.db.pool(),
            COLUMNS,
            FROM,
            w,
            " ORDER BY c.id DESC",
            page,
            from_row,
        )
        .await
    }

    /// A clue and its records; absent or out of scope → `NotFound` (the latter audited).
    pub async fn get_clue(&self, id: i64) -> StoreResult<(Clue, Vec<ClueRecord>)> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE c.id = "));
        q.bind(id).push(" AND (");
        q.append(scope::clues(self.actor)).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("clues", id, "clue.read", "clue")
                .await);
        };
        let clue = from_row(&row)?;
        let mut q = Sql::new(
            "SELECT hit_id, rule_id, table_name, record_key, source_file, source_row, explanation \
             FROM clue_records WHERE clue_id = ",
        );
        q.bind(id).push(" ORDER BY id");
        let records = q
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(ClueRecord {
                    hit_id: r.try_get("hit_id")?,
                    rule_id: r.try_get("rule_id")?,
                    table_name: r.try_get("table_name")?,
                    record_key: r.try_get("record_key")?,
                    source_file: r.try_get("source_file")?,
                    source_row: r.try_get("source_row")?,
                    explanation: r.try_get("explanation")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok((clue, records))
    }
}
