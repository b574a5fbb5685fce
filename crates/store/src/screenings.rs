//! Screening runs and their lines (hits and 资料不全), scoped like the datasets
//! they came from: a liaison sees only lines about its own agency.

use crate::audit::{self, AuditEntry, Outcome, Who};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{ActorStore, Page, PageRequest, SystemStore, scope, time};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use xingjian_domain::Role;

/// A dataset the actor may screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatasetRef {
    pub id: String,
    pub table_name: String,
    pub agency_id: Option<i64>,
    pub agency_name: Option<String>,
    pub location: String,
    pub row_count: i64,
    pub file_name: String,
    pub created_at: String,
}

/// An agency as the rule engine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyKindRow {
    pub id: i64,
    pub name: String,
    pub kind_label: String,
}

#[derive(Debug, Clone)]
pub struct NewRun {
    pub as_of: String,
    pub dataset_ids: Vec<String>,
    /// Rules with versions and parameters, as JSON.
    pub rules_json: String,
    pub rule_count: i64,
}

/// A screening line to store.
#[derive(Debug, Clone)]
pub struct NewHit {
    pub rule_id: String,
    pub rule_version: i64,
    pub outcome: String,
    pub table_name: String,
    pub agency_id: Option<i64>,
    pub agency_name: String,
    pub record_key: String,
    pub explanation: String,
    pub officers: Vec<String>,
    pub dimensions: Vec<String>,
    pub severity: String,
    pub source_file: String,
    pub source_row: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScreeningRun {
    pub id: i64,
    pub status: String,
    pub as_of: String,
    pub started_by_name: String,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub datasets_json: String,
    pub rules_json: String,
    pub counts_json: Option<String>,
    pub warnings_json: Option<String>,
    pub progress_done: i64,
    pub progress_total: i64,
    pub hits: i64,
    pub incomplete: i64,
    pub error: Option<String>,
}

impl ScreeningRun {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "queued" => "排队中",
            "running" => "运行中",
            "done" => "已完成",
            _ => "失败",
        }
    }

    pub fn finished(&self) -> bool {
        matches!(self.status.as_str(), "done" | "failed")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HitRecord {
    pub id: i64,
    pub run_id: i64,
    pub rule_id: String,
    pub rule_version: i64,
    pub outcome: String,
    pub table_name: String,
    pub agency_id: Option<i64>,
    pub agency_name: String,
    pub record_key: String,
    pub explanation: String,
    pub officers: Vec<String>,
    pub dimensions: Vec<String>,
    pub severity: String,
    pub source_file: String,
    pub source_row: i64,
}

/// Filters of the hit list; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct HitFilter {
    pub rule_id: Option<String>,
    pub outcome: Option<String>,
    pub agency_id: Option<i64>,
    pub dimension: Option<String>,
    pub officer: Option<String>,
    pub q: Option<String>,
}

const RUN_COLUMNS: &str = "r.id, r.status, r.as_of, r.started_by_name, r.created_at, r.finished_at, r.datasets_json, \
    r.rules_json, r.counts_json, r.warnings_json, r.progress_done, r.progress_total, r.hits, r.incomplete, r.error";

fn run_from_row(r: &AnyRow) -> StoreResult<ScreeningRun> {
    Ok(ScreeningRun {
        id: r.try_get("id")?,
        status: r.try_get("status")?,
        as_of: r.try_get("as_of")?,
        started_by_name: r.try_get("started_by_name")?,
        created_at: r.try_get("created_at")?,
        finished_at: r.try_get("finished_at")?,
        datasets_json: r.try_get("datasets_json")?,
        rules_json: r.try_get("rules_json")?,
        counts_json: r.try_get("counts_json")?,
        warnings_json: r.try_get("warnings_json")?,
        progress_done: r.try_get("progress_done")?,
        progress_total: r.try_get("progress_total")?,
        hits: r.try_get("hits")?,
        incomplete: r.try_get("incomplete")?,
        error: r.try_get("error")?,
    })
}

/// Rows per INSERT when storing a run's lines.
const HIT_ROWS_PER_INSERT: usize = 32;

const HIT_COLUMNS: &str = "h.id, h.run_id, h.rule_id, h.rule_version, h.outcome, h.table_name, h.agency_id, \
    h.agency_name, h.record_key, h.explanation, h.officers, h.dimensions, h.severity, h.source_file, h.source_row";

fn split(s: &str) -> Vec<String> {
    s.split(';')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

fn wrap(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!(";{};", items.join(";"))
    }
}

fn hit_from_row(r: &AnyRow) -> StoreResult<HitRecord> {
    Ok(HitRecord {
        id: r.try_get("id")?,
        run_id: r.try_get("run_id")?,
        rule_id: r.try_get("rule_id")?,
        rule_version: r.try_get("rule_version")?,
        outcome: r.try_get("outcome")?,
        table_name: r.try_get("table_name")?,
        agency_id: r.try_get("agency_id")?,
        agency_name: r.try_get("agency_name")?,
        record_key: r.try_get("record_key")?,
        explanation: r.try_get("explanation")?,
        officers: split(&r.try_get::<String, _>("officers")?),
        dimensions: split(&r.try_get::<String, _>("dimensions")?),
        severity: r.try_get("severity")?,
        source_file: r.try_get("source_file")?,
        source_row: r.try_get("source_row")?,
    })
}

impl ActorStore<'_> {
    /// Screening is the office's work: staff may run it; liaisons and people's
    /// supervisors may not.
    pub fn may_screen(&self) -> bool {
        self.actor.role.is_internal() && self.actor.role != Role::PeopleSupervisor
    }

    /// `Forbidden(why)` unless the actor is the office's own staff.
    pub(crate) fn staff_only(&self, why: &'static str) -> Option<crate::StoreError> {
        (!self.may_screen()).then_some(crate::StoreError::Forbidden(why))
    }

    /// Datasets the actor may see, newest first, optionally only some ids.
    pub async fn list_datasets(&self, ids: Option<&[String]>) -> StoreResult<Vec<DatasetRef>> {
        let mut q = Sql::new(
            "SELECT d.id, d.table_name, d.agency_id, a.name AS agency_name, d.location, d.row_count, \
             f.file_name, d.created_at FROM datasets d JOIN import_files f ON f.id = d.import_file_id \
             LEFT JOIN agencies a ON a.id = d.agency_id WHERE (",
        );
        q.append(scope::datasets(self.actor, "d")).push(")");
        if let Some(ids) = ids {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            q.push(" AND d.id IN (");
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(id.as_str());
            }
            q.push(")");
        }
        q.push(" ORDER BY d.created_at DESC, d.id");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(DatasetRef {
                    id: r.try_get("id")?,
                    table_name: r.try_get("table_name")?,
                    agency_id: r.try_get("agency_id")?,
                    agency_name: r.try_get("agency_name")?,
                    location: r.try_get("location")?,
                    row_count: r.try_get("row_count")?,
                    file_name: r.try_get("file_name")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Register a run (queued), audited.
    pub async fn create_screening_run(&self, n: &NewRun) -> StoreResult<i64> {
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "screening.create",
                    "screening_run",
                    None,
                    StoreError::Forbidden("只有检察院工作人员可以运行筛查"),
                )
                .await);
        }
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new(
            "INSERT INTO screening_runs (status, as_of, started_by, started_by_name, created_at, datasets_json, \
             rules_json, progress_total) VALUES ('queued', ",
        );
        q.bind(n.as_of.as_str())
            .push(", ")
            .bind(self.actor.user_id.0)
            .push(", ")
            .bind(self.actor.display_name.as_str());
        q.push(", ")
            .bind(time::fmt(time::now_utc()))
            .push(", ")
            .bind(serde_json::to_string(&n.dataset_ids).unwrap_or_default());
        q.push(", ")
            .bind(n.rules_json.as_str())
            .push(", ")
            .bind(n.rule_count)
            .push(") RETURNING id");
        let id: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
        self.audit_change(
            &mut tx,
            "screening.create",
            "screening_run",
            id,
            None,
            format!(
                "筛查：{} 个数据集，{} 条规则，截止日期 {}",
                n.dataset_ids.len(),
                n.rule_count,
                n.as_of
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    fn runs_scope(&self) -> Sql {
        if self.may_screen() {
            Sql::new("1 = 1")
        } else {
            Sql::new("1 = 0")
        }
    }

    pub async fn list_screening_runs(&self, page: PageRequest) -> StoreResult<Page<ScreeningRun>> {
        let mut w = Sql::new(" WHERE (");
        w.append(self.runs_scope()).push(")");
        crate::paged(
            self.store.db.pool(),
            RUN_COLUMNS,
            "FROM screening_runs r",
            w,
            " ORDER BY r.id DESC",
            page,
            run_from_row,
        )
        .await
    }

    pub async fn get_screening_run(&self, id: i64) -> StoreResult<ScreeningRun> {
        let mut q = Sql::new(&format!(
            "SELECT {RUN_COLUMNS} FROM screening_runs r WHERE r.id = "
        ));
        q.bind(id).push(" AND (");
        q.append(self.runs_scope()).push(")");
        match q.fetch_optional(self.store.db.pool()).await? {
            Some(r) => run_from_row(&r),
            None => Err(StoreError::NotFound),
        }
    }

    fn hits_where(&self, run_id: i64, f: &HitFilter) -> Sql {
        let mut w = Sql::new(" WHERE h.run_id = ");
        w.bind(run_id).push(" AND (");
        w.append(scope::screening_hits(self.actor, "h")).push(")");
        if let Some(v) = f.rule_id.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND h.rule_id = ").bind(v);
        }
        if let Some(v) = f.outcome.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND h.outcome = ").bind(v);
        }
        if let Some(v) = f.agency_id {
            w.push(" AND h.agency_id = ").bind(v);
        }
        if let Some(v) = f.dimension.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND h.dimensions LIKE ")
                .bind(crate::sql::like_contains(&format!(";{v};")))
                .push(" ESCAPE '\\'");
        }
        if let Some(v) = f
            .officer
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            w.push(" AND h.officers LIKE ")
                .bind(crate::sql::like_contains(&format!(";{v};")))
                .push(" ESCAPE '\\'");
        }
        if let Some(v) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let pat = crate::sql::like_contains(v);
            w.push(" AND (h.record_key LIKE ")
                .bind(pat.clone())
                .push(" ESCAPE '\\' OR h.explanation LIKE ")
                .bind(pat)
                .push(" ESCAPE '\\')");
        }
        w
    }

    /// A page of a run's lines, in rule order.
    pub async fn list_hits(
        &self,
        run_id: i64,
        f: &HitFilter,
        page: PageRequest,
    ) -> StoreResult<Page<HitRecord>> {
        // A search in the lines' text counts like any substring search.
        let searched = f.q.as_deref().is_some_and(|q| !q.trim().is_empty());
        let page = if searched {
            page.counting_to(crate::SEARCH_COUNT_CAP)
        } else {
            page
        };
        crate::paged_by(
            self.store.db.pool(),
            Some(crate::Keyed {
                key: "h.id",
                from: "FROM screening_hits h",
            }),
            HIT_COLUMNS,
            "FROM screening_hits h",
            self.hits_where(run_id, f),
            " ORDER BY h.rule_id, h.agency_name, h.record_key, h.id",
            page,
            hit_from_row,
        )
        .await
    }

    /// Every line of a run matching the filter (for export), in rule order.
    pub async fn all_hits(&self, run_id: i64, f: &HitFilter) -> StoreResult<Vec<HitRecord>> {
        let mut q = Sql::new(&format!("SELECT {HIT_COLUMNS} FROM screening_hits h"));
        q.append(self.hits_where(run_id, f))
            .push(" ORDER BY h.rule_id, h.agency_name, h.record_key, h.id");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(hit_from_row)
            .collect()
    }

    /// (rule_id, outcome, count) of the visible lines of a run.
    pub async fn hit_counts(&self, run_id: i64) -> StoreResult<Vec<(String, String, i64)>> {
        let mut q = Sql::new(
            "SELECT h.rule_id, h.outcome, CAST(SUM(h.n) AS BIGINT) AS n FROM screening_hit_counts h",
        );
        q.append(self.hits_where(run_id, &HitFilter::default()))
            .push(" GROUP BY h.rule_id, h.outcome ORDER BY h.rule_id, h.outcome");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get("rule_id")?,
                    r.try_get("outcome")?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }

    /// Where the dataset of an imported file is (for showing a hit's source row), if visible.
    pub async fn dataset_location_for(
        &self,
        source_file: &str,
        table: &str,
    ) -> StoreResult<Option<String>> {
        let mut q = Sql::new(
            "SELECT d.location FROM datasets d JOIN import_files f ON f.id = d.import_file_id WHERE f.sha256 = ",
        );
        q.bind(source_file)
            .push(" AND d.table_name = ")
            .bind(table)
            .push(" AND (");
        q.append(scope::datasets(self.actor, "d")).push(")");
        match q.fetch_optional(self.store.db.pool()).await? {
            Some(r) => Ok(Some(r.try_get("location")?)),
            None => Ok(None),
        }
    }

    /// The agencies that appear in a run's visible lines (for the filter).
    pub async fn hit_agencies(&self, run_id: i64) -> StoreResult<Vec<(i64, String)>> {
        let mut q =
            Sql::new("SELECT DISTINCT h.agency_id, h.agency_name FROM screening_hit_counts h");
        q.append(self.hits_where(run_id, &HitFilter::default()))
            .push(" AND h.agency_id IS NOT NULL ORDER BY h.agency_id");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("agency_id")?, r.try_get("agency_name")?)))
            .collect()
    }

    /// One line, if visible; an out-of-scope id is audited and looks absent.
    pub async fn get_hit(&self, id: i64) -> StoreResult<HitRecord> {
        let mut q = Sql::new(&format!(
            "SELECT {HIT_COLUMNS} FROM screening_hits h WHERE h.id = "
        ));
        q.bind(id).push(" AND (");
        q.append(scope::screening_hits(self.actor, "h")).push(")");
        if let Some(r) = q.fetch_optional(self.store.db.pool()).await? {
            return hit_from_row(&r);
        }
        Err(self
            .absent_or_refused("screening_hits", id, "screening_hit.read", "screening_hit")
            .await)
    }
}

impl SystemStore<'_> {
    /// Every agency with its kind label, for rule SQL.
    pub async fn agency_kinds(&self) -> StoreResult<Vec<AgencyKindRow>> {
        let rows = Sql::new("SELECT id, name, kind FROM agencies ORDER BY id")
            .fetch_all(self.store.db.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(AgencyKindRow {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    kind_label: xingjian_domain::AgencyKind::from_code(&kind)
                        .map_or_else(|| kind.clone(), |k| k.label().to_owned()),
                })
            })
            .collect()
    }

    pub async fn screening_progress(&self, id: i64, done: i64) -> StoreResult<()> {
        let mut q = Sql::new("UPDATE screening_runs SET status = 'running', progress_done = ");
        q.bind(done).push(" WHERE id = ").bind(id);
        q.execute(&mut *self.store.db.pool().acquire().await?)
            .await?;
        Ok(())
    }

    /// Store a run's lines and mark it done, in one transaction.
    pub async fn finish_screening_run(
        &self,
        id: i64,
        hits: impl IntoIterator<Item = NewHit>,
        counts_json: &str,
        warnings_json: &str,
    ) -> StoreResult<()> {
        let mut tx = self.store.db.begin().await?;
        // Lines are taken (and may be built) a statement at a time, so a run
        // of a million lines is never held twice.
        let mut hits = hits.into_iter();
        let (mut n_hits, mut n_lines) = (0usize, 0usize);
        let mut chunk: Vec<NewHit> = Vec::with_capacity(HIT_ROWS_PER_INSERT);
        loop {
            chunk.clear();
            chunk.extend(hits.by_ref().take(HIT_ROWS_PER_INSERT));
            if chunk.is_empty() {
                break;
            }
            n_lines += chunk.len();
            n_hits += chunk.iter().filter(|h| h.outcome == "hit").count();
            // Small multi-row statements: sqlx resolves each `$n` by name in SQLite,
            // which costs O(params²) per statement (400 rows took 55% of a screening).
            let mut q = Sql::new(
                "INSERT INTO screening_hits (run_id, rule_id, rule_version, outcome, table_name, agency_id, \
                 agency_name, record_key, explanation, officers, dimensions, severity, source_file, source_row) VALUES ",
            );
            for (i, h) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(").bind(id).push(", ").bind(h.rule_id.as_str());
                q.push(", ")
                    .bind(h.rule_version)
                    .push(", ")
                    .bind(h.outcome.as_str());
                q.push(", ")
                    .bind(h.table_name.as_str())
                    .push(", ")
                    .bind(h.agency_id);
                q.push(", ")
                    .bind(h.agency_name.as_str())
                    .push(", ")
                    .bind(h.record_key.as_str());
                q.push(", ")
                    .bind(h.explanation.as_str())
                    .push(", ")
                    .bind(wrap(&h.officers));
                q.push(", ")
                    .bind(wrap(&h.dimensions))
                    .push(", ")
                    .bind(h.severity.as_str());
                q.push(", ")
                    .bind(h.source_file.as_str())
                    .push(", ")
                    .bind(h.source_row);
                q.push(")");
            }
            q.execute(&mut tx).await?;
        }
        let mut counts = Sql::new(
            "INSERT INTO screening_hit_counts (run_id, rule_id, outcome, agency_id, agency_name, n) \
             SELECT run_id, rule_id, outcome, agency_id, agency_name, COUNT(*) FROM screening_hits \
             WHERE run_id = ",
        );
        counts
            .bind(id)
            .push(" GROUP BY run_id, rule_id, outcome, agency_id, agency_name");
        counts.execute(&mut tx).await?;
        let mut q = Sql::new(
            "UPDATE screening_runs SET status = 'done', progress_done = progress_total, finished_at = ",
        );
        q.bind(time::fmt(time::now_utc()))
            .push(", counts_json = ")
            .bind(counts_json)
            .push(", warnings_json = ")
            .bind(warnings_json);
        q.push(", hits = ")
            .bind(i64::try_from(n_hits).unwrap_or(i64::MAX))
            .push(", incomplete = ")
            .bind(i64::try_from(n_lines - n_hits).unwrap_or(i64::MAX))
            .push(" WHERE id = ")
            .bind(id);
        q.execute(&mut tx).await?;
        let entry = AuditEntry::new(
            "screening.finish",
            "screening_run",
            Some(id.to_string()),
            Outcome::Ok,
        )
        .detail(format!(
            "筛查完成：命中 {n_hits} 条，资料不全 {} 条",
            n_lines - n_hits
        ));
        audit::write(&mut tx, &Who::system(), self.ctx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn fail_screening_run(&self, id: i64, error: &str) -> StoreResult<()> {
        let mut q = Sql::new("UPDATE screening_runs SET status = 'failed', finished_at = ");
        q.bind(time::fmt(time::now_utc()))
            .push(", error = ")
            .bind(error)
            .push(" WHERE id = ")
            .bind(id);
        q.execute(&mut *self.store.db.pool().acquire().await?)
            .await?;
        Ok(())
    }

    /// Runs left queued or running by a previous process: mark them failed so
    /// nobody waits for them. Returns how many.
    pub async fn fail_interrupted_runs(&self) -> StoreResult<u64> {
        let mut q = Sql::new("UPDATE screening_runs SET status = 'failed', error = ");
        q.bind("服务重启，筛查中断，请重新运行")
            .push(", finished_at = ")
            .bind(time::fmt(time::now_utc()))
            .push(" WHERE status IN ('queued', 'running')");
        Ok(q.execute(&mut *self.store.db.pool().acquire().await?)
            .await?)
    }
}
