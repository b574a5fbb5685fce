//! The figures of the dashboard, counted in SQL over what the office holds.
//! Staff only: a liaison or people's supervisor gets `Forbidden`.

use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{ActorStore, time};
use serde::Serialize;
use sqlx::Row;

/// One count with the code it is grouped by and its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub code: String,
    pub label: String,
    pub n: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub clues_by_source: Vec<Count>,
    pub clues_by_status: Vec<Count>,
    /// Distinct files reviewed and flagged.
    pub files_reviewed: i64,
    pub files_flagged: i64,
    pub findings_by_dimension: Vec<Count>,
    pub hits_by_rule: Vec<Count>,
    pub recommendations_by_status: Vec<Count>,
    /// Recipients with an outcome, and those adopted (fully or partly).
    pub outcomes: i64,
    pub adopted: i64,
    pub overdue_deadlines: i64,
    /// Tasks done and total of active campaigns.
    pub tasks_done: i64,
    pub tasks_total: i64,
    /// Exchanges per agency (both directions).
    pub exchanges_by_agency: Vec<Count>,
}

impl Dashboard {
    /// Adoption rate in whole percent of recipients with an outcome.
    pub fn adoption_rate(&self) -> i64 {
        if self.outcomes == 0 {
            0
        } else {
            self.adopted * 100 / self.outcomes
        }
    }
}

async fn counts(
    pool: &sqlx::AnyPool,
    q: Sql,
    label: impl Fn(&str) -> String,
) -> StoreResult<Vec<Count>> {
    q.fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let code: String = r.try_get::<Option<String>, _>("k")?.unwrap_or_default();
            Ok(Count {
                label: label(&code),
                code,
                n: r.try_get("n")?,
            })
        })
        .collect()
}

async fn one(pool: &sqlx::AnyPool, q: Sql) -> StoreResult<i64> {
    Ok(q.fetch_one(pool).await?.try_get("n")?)
}

impl ActorStore<'_> {
    pub async fn dashboard(&self) -> StoreResult<Dashboard> {
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "dashboard.read",
                    "dashboard",
                    None,
                    StoreError::Forbidden("只有检察院工作人员可以查看统计"),
                )
                .await);
        }
        let pool = self.store.db.pool();
        let clue_status = |c: &str| {
            match c {
                "new" => "待分流",
                "triaged" => "办理中",
                "case" => "已成案",
                "closed" => "已办结",
                other => other,
            }
            .to_owned()
        };
        Ok(Dashboard {
            clues_by_source: counts(
                pool,
                Sql::new("SELECT source AS k, COUNT(*) AS n FROM clues GROUP BY source ORDER BY n DESC, k"),
                |c| xingjian_domain::ClueSource::from_code(c).map_or_else(|| c.to_owned(), |s| s.label().to_owned()),
            )
            .await?,
            clues_by_status: counts(
                pool,
                Sql::new("SELECT status AS k, COUNT(*) AS n FROM clues GROUP BY status ORDER BY k"),
                clue_status,
            )
            .await?,
            files_reviewed: one(pool, Sql::new("SELECT COUNT(DISTINCT case_number) AS n FROM review_files WHERE status = 'reviewed'")).await?,
            files_flagged: one(
                pool,
                Sql::new(
                    "SELECT COUNT(DISTINCT rf.case_number) AS n FROM review_files rf WHERE EXISTS \
                     (SELECT 1 FROM findings f WHERE f.review_file_id = rf.id AND f.status = 'confirmed')",
                ),
            )
            .await?,
            findings_by_dimension: counts(
                pool,
                Sql::new("SELECT dimension AS k, COUNT(*) AS n FROM findings WHERE status = 'confirmed' GROUP BY dimension ORDER BY n DESC, k"),
                str::to_owned,
            )
            .await?,
            hits_by_rule: counts(
                pool,
                Sql::new(
                    "SELECT h.rule_id AS k, COUNT(DISTINCT h.record_key) AS n FROM screening_hits h \
                     JOIN screening_runs r ON r.id = h.run_id WHERE h.outcome = 'hit' AND r.status = 'done' \
                     GROUP BY h.rule_id ORDER BY n DESC, k LIMIT 12",
                ),
                str::to_owned,
            )
            .await?,
            recommendations_by_status: counts(
                pool,
                Sql::new("SELECT status AS k, COUNT(*) AS n FROM recommendations GROUP BY status ORDER BY k"),
                |c| xingjian_domain::recommendation::RecStatus::label_of(c).to_owned(),
            )
            .await?,
            outcomes: one(pool, Sql::new("SELECT COUNT(*) AS n FROM recommendation_recipients WHERE outcome IS NOT NULL")).await?,
            adopted: one(
                pool,
                Sql::new("SELECT COUNT(*) AS n FROM recommendation_recipients WHERE outcome IN ('adopted', 'partially_adopted')"),
            )
            .await?,
            overdue_deadlines: {
                let mut q = Sql::new("SELECT COUNT(*) AS n FROM deadlines WHERE status = 'running' AND due_on < ");
                q.bind(time::fmt_date(time::today()));
                one(pool, q).await?
            },
            tasks_done: one(
                pool,
                Sql::new("SELECT COUNT(*) AS n FROM tasks t JOIN campaigns c ON c.id = t.campaign_id WHERE c.status = 'active' AND t.status = 'done'"),
            )
            .await?,
            tasks_total: one(
                pool,
                Sql::new("SELECT COUNT(*) AS n FROM tasks t JOIN campaigns c ON c.id = t.campaign_id WHERE c.status = 'active' AND t.status <> 'cancelled'"),
            )
            .await?,
            exchanges_by_agency: {
                let rows = Sql::new(
                    "SELECT CAST(x.agency_id AS TEXT) AS k, a.name AS label, COUNT(*) AS n FROM exchanges x \
                     JOIN agencies a ON a.id = x.agency_id GROUP BY x.agency_id, a.name ORDER BY n DESC, label",
                )
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Count {
                            code: r.try_get("k")?,
                            label: r.try_get("label")?,
                            n: r.try_get("n")?,
                        })
                    })
                    .collect::<StoreResult<_>>()?
            },
        })
    }
}
