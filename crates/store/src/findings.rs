//! 评查发现: the confirmed findings of every review, as one list behind the
//! dashboard's dimension bars, filtered and exported. Staff only, like reviews.

use crate::error::StoreResult;
use crate::sql::Sql;
use crate::{ActorStore, Page, PageRequest, scope};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A confirmed finding with the file and batch it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ConfirmedFinding {
    pub id: i64,
    pub review_file_id: i64,
    pub case_number: String,
    pub batch_id: i64,
    pub batch_title: String,
    pub agency_name: String,
    pub dimension: String,
    /// None for a finding the reviewer added by hand.
    pub rule_id: Option<String>,
    pub description: String,
    pub evidence: String,
    pub decided_by_name: Option<String>,
    /// The day it was confirmed (or added), `YYYY-MM-DD`.
    pub day: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct FindingFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub agency_id: Option<i64>,
    pub dimension: Option<String>,
    pub rule_id: Option<String>,
    /// A case number or words of the description.
    pub q: Option<String>,
}

const DAY: &str = "substr(COALESCE(f.decided_at, f.created_at), 1, 10)";
const COLUMNS: &str = "f.id, f.review_file_id, rf.case_number, b.id AS batch_id, b.title AS batch_title, \
    a.name AS agency_name, f.dimension, f.rule_id, f.description, f.evidence, f.decided_by_name, \
    substr(COALESCE(f.decided_at, f.created_at), 1, 10) AS day";
const FROM: &str = "FROM findings f JOIN review_files rf ON rf.id = f.review_file_id \
    JOIN review_batches b ON b.id = rf.batch_id JOIN agencies a ON a.id = b.agency_id";

fn row(r: &AnyRow) -> StoreResult<ConfirmedFinding> {
    Ok(ConfirmedFinding {
        id: r.try_get("id")?,
        review_file_id: r.try_get("review_file_id")?,
        case_number: r.try_get("case_number")?,
        batch_id: r.try_get("batch_id")?,
        batch_title: r.try_get("batch_title")?,
        agency_name: r.try_get("agency_name")?,
        dimension: r.try_get("dimension")?,
        rule_id: r.try_get("rule_id")?,
        description: r.try_get("description")?,
        evidence: r
            .try_get::<Option<String>, _>("evidence")?
            .unwrap_or_default(),
        decided_by_name: r.try_get("decided_by_name")?,
        day: r.try_get("day")?,
    })
}

impl ActorStore<'_> {
    pub async fn list_confirmed_findings(
        &self,
        filter: &FindingFilter,
        page: PageRequest,
    ) -> StoreResult<Page<ConfirmedFinding>> {
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "review.read",
                    "review",
                    None,
                    crate::StoreError::Forbidden("只有检察院工作人员可以查看评查发现"),
                )
                .await);
        }
        let mut w = Sql::new(" WHERE f.status = 'confirmed' AND (");
        w.append(scope::supervision_cases(self.actor)).push(")");
        let some = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        if let Some(d) = some(&filter.from) {
            w.push(&format!(" AND {DAY} >= ")).bind(d);
        }
        if let Some(d) = some(&filter.to) {
            w.push(&format!(" AND {DAY} <= ")).bind(d);
        }
        if let Some(a) = filter.agency_id {
            w.push(" AND b.agency_id = ").bind(a);
        }
        if let Some(d) = some(&filter.dimension) {
            w.push(" AND f.dimension = ").bind(d);
        }
        if let Some(r) = some(&filter.rule_id) {
            if r == "manual" {
                w.push(" AND f.rule_id IS NULL");
            } else {
                w.push(" AND f.rule_id = ").bind(r);
            }
        }
        if let Some(q) = some(&filter.q) {
            let like = crate::sql::like_contains(&q);
            w.push(" AND (rf.case_number LIKE ")
                .bind(like.clone())
                .push(" ESCAPE '\\' OR f.description LIKE ")
                .bind(like)
                .push(" ESCAPE '\\')");
        }
        crate::paged(
            self.store.db.pool(),
            COLUMNS,
            FROM,
            w,
            " ORDER BY day DESC, f.id DESC",
            page,
            row,
        )
        .await
    }
}
