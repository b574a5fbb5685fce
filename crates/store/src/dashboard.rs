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
    /// The latest finished screening run, where the rule bars lead.
    pub latest_run: Option<i64>,
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

/// The day a clue counts on: when it was received (or registered).
const CLUE_DAY: &str = "COALESCE(substr(received_at, 1, 10), substr(created_at, 1, 10))";
/// A reviewed file's agency: its batch's.
const FILE_AGENCY: (&str, &str) = (
    "rf.batch_id IN (SELECT b.id FROM review_batches b WHERE b.agency_id = ",
    ")",
);

/// Which period (days, `YYYY-MM-DD`, inclusive), agency, problem dimension
/// and rule the dashboard counts. Dimension and rule narrow the review and
/// screening figures (findings, flagged files, hits); the rest ignore them.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct DashboardFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub agency_id: Option<i64>,
    pub dimension: Option<String>,
    pub rule_id: Option<String>,
}

impl DashboardFilter {
    fn dimension(&self) -> Option<&str> {
        self.dimension.as_deref().filter(|s| !s.is_empty())
    }

    fn rule(&self) -> Option<&str> {
        self.rule_id.as_deref().filter(|s| !s.is_empty())
    }

    /// Conditions on a confirmed finding `f`.
    fn on_finding(&self, mut q: Sql) -> Sql {
        if let Some(d) = self.dimension() {
            q.push(" AND f.dimension = ").bind(d.to_owned());
        }
        if let Some(r) = self.rule() {
            q.push(" AND f.rule_id = ").bind(r.to_owned());
        }
        q
    }

    /// Conditions on a screening hit `h` (dimensions are stored `;a;b;`).
    fn on_hit(&self, mut q: Sql) -> Sql {
        if let Some(d) = self.dimension() {
            q.push(" AND h.dimensions LIKE ")
                .bind(crate::sql::like_contains(&format!(";{d};")))
                .push(" ESCAPE '\\'");
        }
        if let Some(r) = self.rule() {
            q.push(" AND h.rule_id = ").bind(r.to_owned());
        }
        q
    }

    /// `base` (which has a WHERE) narrowed to the period by `day` and to the
    /// agency by `agency` (the condition's text before and after the id).
    fn apply(&self, base: impl Into<Sql>, day: &str, agency: (&str, &str), tail: &str) -> Sql {
        let mut q: Sql = base.into();
        if let Some(f) = self.from.as_deref().filter(|s| !s.is_empty()) {
            q.push(&format!(" AND {day} >= ")).bind(f);
        }
        if let Some(t) = self.to.as_deref().filter(|s| !s.is_empty()) {
            q.push(&format!(" AND {day} <= ")).bind(t);
        }
        if let Some(a) = self.agency_id {
            q.push(" AND ").push(agency.0).bind(a).push(agency.1);
        }
        q.push(tail);
        q
    }
}

impl ActorStore<'_> {
    pub async fn dashboard(&self, filter: &DashboardFilter) -> StoreResult<Dashboard> {
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
                filter.apply("SELECT source AS k, COUNT(*) AS n FROM clues WHERE 1 = 1", CLUE_DAY, ("agency_id = ", ""), " GROUP BY source ORDER BY n DESC, k"),
                |c| xingjian_domain::ClueSource::from_code(c).map_or_else(|| c.to_owned(), |s| s.label().to_owned()),
            )
            .await?,
            clues_by_status: counts(
                pool,
                filter.apply("SELECT status AS k, COUNT(*) AS n FROM clues WHERE 1 = 1", CLUE_DAY, ("agency_id = ", ""), " GROUP BY status ORDER BY k"),
                clue_status,
            )
            .await?,
            files_reviewed: one(pool, filter.apply("SELECT COUNT(DISTINCT rf.case_number) AS n FROM review_files rf WHERE rf.status = 'reviewed'", "substr(rf.reviewed_at, 1, 10)", FILE_AGENCY, "")).await?,
            files_flagged: one(
                pool,
                filter.apply(
                    {
                        let mut q = filter.on_finding(Sql::new(
                            "SELECT COUNT(DISTINCT rf.case_number) AS n FROM review_files rf WHERE EXISTS \
                             (SELECT 1 FROM findings f WHERE f.review_file_id = rf.id AND f.status = 'confirmed'",
                        ));
                        q.push(")");
                        q
                    },
                    "substr(rf.reviewed_at, 1, 10)",
                    FILE_AGENCY,
                    "",
                ),
            )
            .await?,
            findings_by_dimension: counts(
                pool,
                filter.apply(
                    filter.on_finding(Sql::new("SELECT f.dimension AS k, COUNT(*) AS n FROM findings f JOIN review_files rf ON rf.id = f.review_file_id WHERE f.status = 'confirmed'")),
                    "substr(COALESCE(f.decided_at, f.created_at), 1, 10)",
                    FILE_AGENCY,
                    " GROUP BY f.dimension ORDER BY n DESC, k",
                ),
                str::to_owned,
            )
            .await?,
            hits_by_rule: counts(
                pool,
                filter.apply(
                    filter.on_hit(Sql::new("SELECT h.rule_id AS k, COUNT(DISTINCT h.record_key) AS n FROM screening_hits h \
                     JOIN screening_runs r ON r.id = h.run_id WHERE h.outcome = 'hit' AND r.status = 'done'")),
                    "substr(r.created_at, 1, 10)",
                    ("h.agency_id = ", ""),
                    " GROUP BY h.rule_id ORDER BY n DESC, k LIMIT 12",
                ),
                str::to_owned,
            )
            .await?,
            recommendations_by_status: counts(
                pool,
                filter.apply(
                    "SELECT status AS k, COUNT(*) AS n FROM recommendations WHERE 1 = 1",
                    "substr(created_at, 1, 10)",
                    ("id IN (SELECT recommendation_id FROM recommendation_recipients WHERE agency_id = ", ")"),
                    " GROUP BY status ORDER BY k",
                ),
                |c| xingjian_domain::recommendation::RecStatus::label_of(c).to_owned(),
            )
            .await?,
            outcomes: one(pool, filter.apply("SELECT COUNT(*) AS n FROM recommendation_recipients x JOIN recommendations r ON r.id = x.recommendation_id WHERE x.outcome IS NOT NULL", "substr(r.created_at, 1, 10)", ("x.agency_id = ", ""), "")).await?,
            adopted: one(
                pool,
                filter.apply("SELECT COUNT(*) AS n FROM recommendation_recipients x JOIN recommendations r ON r.id = x.recommendation_id WHERE x.outcome IN ('adopted', 'partially_adopted')", "substr(r.created_at, 1, 10)", ("x.agency_id = ", ""), ""),
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
                let rows = filter.apply(
                    "SELECT CAST(x.agency_id AS TEXT) AS k, a.name AS label, COUNT(*) AS n FROM exchanges x \
                     JOIN agencies a ON a.id = x.agency_id WHERE 1 = 1",
                    "substr(x.sent_at, 1, 10)",
                    ("x.agency_id = ", ""),
                    " GROUP BY x.agency_id, a.name ORDER BY n DESC, label",
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
            latest_run: Sql::new("SELECT MAX(id) AS n FROM screening_runs WHERE status = 'done'")
                .fetch_one(pool)
                .await?
                .try_get("n")?,
        })
    }
}

/// The bulletin's figures for the days `from..=to` (`YYYY-MM-DD`).
async fn bulletin_figures(
    pool: &sqlx::AnyPool,
    from: &str,
    to: &str,
) -> StoreResult<xingjian_domain::bulletin::BulletinFigures> {
    let range = |sql: &str| {
        let mut q = Sql::new(sql);
        q.bind(from).push(" AND ").bind(to);
        q
    };
    let count = |sql: &str| range(sql);
    let mut f = xingjian_domain::bulletin::BulletinFigures::default();
    // Campaigns overlapping the period: their tasks and focus areas.
    let mut q = Sql::new("SELECT id, focus_areas FROM campaigns WHERE ends_on >= ");
    q.bind(from)
        .push(" AND starts_on <= ")
        .bind(to)
        .push(" ORDER BY id");
    for r in q.fetch_all(pool).await? {
        let id: i64 = r.try_get("id")?;
        let focus: Vec<String> =
            serde_json::from_str(&r.try_get::<String, _>("focus_areas")?).unwrap_or_default();
        for x in focus {
            if !f.focus_areas.contains(&x) {
                f.focus_areas.push(x);
            }
        }
        let mut t = Sql::new(
            "SELECT COUNT(*) AS n FROM tasks WHERE status <> 'cancelled' AND campaign_id = ",
        );
        t.bind(id);
        f.tasks += one(pool, t).await?;
    }
    f.symposia = one(
        pool,
        count("SELECT COUNT(*) AS n FROM meetings WHERE kind = 'symposium' AND held_on BETWEEN "),
    )
    .await?;
    f.joint_meetings = one(
        pool,
        count(
            "SELECT COUNT(*) AS n FROM meetings WHERE kind = 'joint_meeting' AND held_on BETWEEN ",
        ),
    )
    .await?;
    for r in range(
        "SELECT a.name, MIN(m.held_on) AS first FROM meeting_agencies ma JOIN meetings m ON m.id = ma.meeting_id \
         JOIN agencies a ON a.id = ma.agency_id WHERE m.kind = 'symposium' AND m.held_on BETWEEN ",
    )
    // In the order the office first sat down with each.
    .push(" GROUP BY a.name ORDER BY first, a.name")
    .fetch_all(pool)
    .await?
    {
        f.symposium_agencies.push(r.try_get("name")?);
    }
    for r in range("SELECT title FROM agreements WHERE signed_on BETWEEN ")
        .push(" ORDER BY signed_on, id")
        .fetch_all(pool)
        .await?
    {
        f.agreements.push(r.try_get("title")?);
    }
    let day = "COALESCE(substr(received_at, 1, 10), substr(created_at, 1, 10))";
    f.clues = one(
        pool,
        count(&format!(
            "SELECT COUNT(*) AS n FROM clues WHERE {day} BETWEEN "
        )),
    )
    .await?;
    f.clues_12309 = one(
        pool,
        count(&format!(
            "SELECT COUNT(*) AS n FROM clues WHERE source = '12309' AND {day} BETWEEN "
        )),
    )
    .await?;
    f.clues_field_visit = one(
        pool,
        count(&format!(
            "SELECT COUNT(*) AS n FROM clues WHERE source = 'field_visit' AND {day} BETWEEN "
        )),
    )
    .await?;
    let mut files = std::collections::BTreeSet::new();
    for r in range("SELECT case_numbers FROM file_requests WHERE answered_at IS NOT NULL AND substr(answered_at, 1, 10) BETWEEN ")
        .fetch_all(pool)
        .await?
    {
        let numbers: String = r.try_get("case_numbers")?;
        files.extend(numbers.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned));
    }
    f.files_retrieved = i64::try_from(files.len()).unwrap_or(i64::MAX);
    f.files_reviewed = one(
        pool,
        count("SELECT COUNT(DISTINCT case_number) AS n FROM review_files WHERE status = 'reviewed' AND substr(reviewed_at, 1, 10) BETWEEN "),
    )
    .await?;
    f.files_flagged = one(
        pool,
        count(
            "SELECT COUNT(DISTINCT rf.case_number) AS n FROM review_files rf WHERE EXISTS \
             (SELECT 1 FROM findings x WHERE x.review_file_id = rf.id AND x.status = 'confirmed') \
             AND substr(rf.reviewed_at, 1, 10) BETWEEN ",
        ),
    )
    .await?;
    f.inquiries = one(
        pool,
        count("SELECT COUNT(*) AS n FROM inquiries WHERE substr(started_at, 1, 10) BETWEEN "),
    )
    .await?;
    f.recommendations_issued = one(
        pool,
        count("SELECT COUNT(*) AS n FROM recommendations WHERE issued_on BETWEEN "),
    )
    .await?;
    f.social_governance = one(
        pool,
        count("SELECT COUNT(*) AS n FROM recommendations WHERE kind = 'social_governance' AND issued_on BETWEEN "),
    )
    .await?;
    f.recommendations_public = one(
        pool,
        count("SELECT COUNT(DISTINCT recommendation_id) AS n FROM recommendation_deliveries WHERE mode = 'public' AND delivered_on BETWEEN "),
    )
    .await?;
    f.recommendations_consulted = one(
        pool,
        count(
            "SELECT COUNT(DISTINCT c.recommendation_id) AS n FROM recommendation_consultations c \
             JOIN recommendations r ON r.id = c.recommendation_id \
             WHERE c.views IS NOT NULL AND r.issued_on BETWEEN ",
        ),
    )
    .await?;
    f.recommendations_adopted = one(
        pool,
        count(
            "SELECT COUNT(DISTINCT x.recommendation_id) AS n FROM recommendation_recipients x \
             JOIN recommendations r ON r.id = x.recommendation_id \
             WHERE x.outcome IN ('adopted', 'partially_adopted') AND r.issued_on BETWEEN ",
        ),
    )
    .await?;
    f.joint_actions = one(
        pool,
        count("SELECT COUNT(*) AS n FROM joint_actions WHERE starts_on BETWEEN "),
    )
    .await?;
    Ok(f)
}

impl ActorStore<'_> {
    /// The bulletin's figures for a period, for the office's staff.
    pub async fn bulletin_figures(
        &self,
        from: &str,
        to: &str,
    ) -> StoreResult<xingjian_domain::bulletin::BulletinFigures> {
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "bulletin.read",
                    "dashboard",
                    None,
                    StoreError::Forbidden("只有检察院工作人员可以生成简报"),
                )
                .await);
        }
        bulletin_figures(self.store.db.pool(), from, to).await
    }
}

impl crate::SystemStore<'_> {
    /// The bulletin's figures, for the command line.
    pub async fn bulletin_figures(
        &self,
        from: &str,
        to: &str,
    ) -> StoreResult<xingjian_domain::bulletin::BulletinFigures> {
        bulletin_figures(self.store.db.pool(), from, to).await
    }
}
