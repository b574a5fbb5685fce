//! 诉源治理: the occurrences of problems across files that
//! `xingjian_domain::governance` groups into recurring problems.

use crate::ActorStore;
use crate::error::StoreResult;
use crate::sql::Sql;
use sqlx::Row;

impl ActorStore<'_> {
    /// Every problem found in a file — screening hits of finished runs and
    /// confirmed review findings — for the office's staff, optionally within
    /// months `from`..=`to` (`YYYY-MM`) of when it was found.
    pub async fn problem_occurrences(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> StoreResult<Vec<xingjian_domain::governance::Occurrence>> {
        if !self.may_screen() {
            return Err(self
                .refuse_rec(
                    "governance.read",
                    None,
                    "只有检察院工作人员可以查看诉源治理分析",
                )
                .await);
        }
        let months = |q: &mut Sql, expr: &str| {
            if let Some(f) = from.filter(|s| !s.is_empty()) {
                q.push(&format!(" AND {expr} >= ")).bind(f);
            }
            if let Some(t) = to.filter(|s| !s.is_empty()) {
                q.push(&format!(" AND {expr} <= ")).bind(t);
            }
        };
        let mut hits = Sql::new(
            "SELECT DISTINCT h.rule_id, h.dimensions, h.agency_id, h.agency_name, h.record_key, h.officers, \
             substr(r.created_at, 1, 7) AS month FROM screening_hits h JOIN screening_runs r ON r.id = h.run_id \
             WHERE h.outcome = 'hit' AND r.status = 'done'",
        );
        months(&mut hits, "substr(r.created_at, 1, 7)");
        let mut out = Vec::new();
        for r in hits.fetch_all(self.store.db.pool()).await? {
            let dims: String = r.try_get("dimensions")?;
            let officers: String = r.try_get("officers")?;
            out.push(xingjian_domain::governance::Occurrence {
                rule_id: Some(r.try_get("rule_id")?),
                dimension: dims
                    .split(';')
                    .find(|d| !d.is_empty())
                    .unwrap_or_default()
                    .to_owned(),
                agency_id: r.try_get("agency_id")?,
                agency_name: r.try_get("agency_name")?,
                file: r.try_get("record_key")?,
                officers: officers
                    .split(';')
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect(),
                month: r.try_get("month")?,
            });
        }
        let mut found = Sql::new(
            "SELECT DISTINCT f.rule_id, f.dimension, b.agency_id, a.name AS agency_name, rf.case_number, \
             substr(COALESCE(f.decided_at, f.created_at), 1, 7) AS month FROM findings f \
             JOIN review_files rf ON rf.id = f.review_file_id JOIN review_batches b ON b.id = rf.batch_id \
             JOIN agencies a ON a.id = b.agency_id WHERE f.status = 'confirmed'",
        );
        months(
            &mut found,
            "substr(COALESCE(f.decided_at, f.created_at), 1, 7)",
        );
        for r in found.fetch_all(self.store.db.pool()).await? {
            out.push(xingjian_domain::governance::Occurrence {
                rule_id: r.try_get("rule_id")?,
                dimension: r.try_get("dimension")?,
                agency_id: Some(r.try_get("agency_id")?),
                agency_name: r.try_get("agency_name")?,
                file: r.try_get("case_number")?,
                officers: Vec::new(),
                month: r.try_get("month")?,
            });
        }
        Ok(out)
    }
}
