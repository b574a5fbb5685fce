//! One screening run, the same from the command line and the web page:
//! resolve the actor's datasets and the chosen rules, register the run, run
//! the engine over the Parquet files, store every line with the run and
//! return them. A run records who, when, the rule versions with their
//! parameters, the datasets and the counts, so re-running it gives the same lines.

use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use xingjian_datasets::Objects;
use xingjian_records::Table;
use xingjian_rules::rule::ParamValue;
use xingjian_rules::{AgencyRow, Engine, Hit, Inputs, LoadedRule, RuleError, Screened};
use xingjian_store::{ActorStore, DatasetRef, NewHit, NewRun, Store, StoreError, SystemStore};

#[derive(Debug, thiserror::Error)]
pub enum ScreeningError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Rules(#[from] RuleError),
    #[error("{0}")]
    Invalid(String),
}

impl ScreeningError {
    pub fn code(&self) -> &'static str {
        match self {
            ScreeningError::Store(e) => e.code(),
            ScreeningError::Rules(e) => e.code(),
            ScreeningError::Invalid(_) => "invalid",
        }
    }
}

/// The loaded rules and the engine, shared by every run of a process.
pub struct Screener {
    pub engine: Engine,
    pub rules: Vec<LoadedRule>,
    pub objects: Objects,
}

/// What to screen: `None` means everything visible / every rule.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub dataset_ids: Option<Vec<String>>,
    pub rule_ids: Option<Vec<String>>,
    pub as_of: Option<NaiveDate>,
}

/// A registered run, ready to execute.
#[derive(Debug, Clone)]
pub struct Plan {
    pub run_id: i64,
    pub as_of: NaiveDate,
    pub datasets: Vec<DatasetRef>,
    pub rules: Vec<LoadedRule>,
}

#[derive(Serialize)]
struct RuleVersion<'a> {
    id: &'a str,
    version: u32,
    params: &'a BTreeMap<String, ParamValue>,
}

impl Screener {
    /// Check the selection against what the actor may see and register the run.
    pub async fn plan(
        &self,
        store: &ActorStore<'_>,
        sel: &Selection,
    ) -> Result<Plan, ScreeningError> {
        let rules: Vec<LoadedRule> = match &sel.rule_ids {
            None => self.rules.clone(),
            Some(ids) => {
                let mut out = Vec::new();
                for id in ids {
                    let r = self
                        .rules
                        .iter()
                        .find(|r| &r.rule.id == id)
                        .ok_or_else(|| {
                            ScreeningError::Invalid(format!("没有编号为“{id}”的规则"))
                        })?;
                    out.push(r.clone());
                }
                out
            }
        };
        if rules.is_empty() {
            return Err(ScreeningError::Invalid("请至少选择一条规则".into()));
        }
        let datasets = store.list_datasets(sel.dataset_ids.as_deref()).await?;
        if let Some(ids) = &sel.dataset_ids
            && let Some(missing) = ids.iter().find(|id| !datasets.iter().any(|d| &d.id == *id))
        {
            return Err(ScreeningError::Invalid(format!(
                "没有编号为“{missing}”的数据集"
            )));
        }
        if datasets.is_empty() {
            return Err(ScreeningError::Invalid(
                "没有可筛查的数据集：请先导入执法数据".into(),
            ));
        }
        let as_of = sel
            .as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive());
        let versions: Vec<RuleVersion> = rules
            .iter()
            .map(|r| RuleVersion {
                id: &r.rule.id,
                version: r.rule.version,
                params: &r.values,
            })
            .collect();
        let run_id = store
            .create_screening_run(&NewRun {
                as_of: as_of.to_string(),
                dataset_ids: datasets.iter().map(|d| d.id.clone()).collect(),
                rules_json: serde_json::to_string(&versions).unwrap_or_default(),
                rule_count: i64::try_from(rules.len()).unwrap_or(i64::MAX),
            })
            .await?;
        Ok(Plan {
            run_id,
            as_of,
            datasets,
            rules,
        })
    }

    /// Run a planned screening and store its lines; a failure is recorded on the run.
    pub async fn execute(&self, store: &Store, plan: &Plan) -> Result<Screened, ScreeningError> {
        let ctx = xingjian_store::RequestCtx::default();
        let system = store.system(&ctx);
        match self.execute_inner(&system, plan).await {
            Ok(s) => Ok(s),
            Err(e) => {
                if let Err(e2) = system.fail_screening_run(plan.run_id, &e.to_string()).await {
                    tracing::error!(error = %e2, "could not record a failed screening");
                }
                Err(e)
            }
        }
    }

    async fn execute_inner(
        &self,
        system: &SystemStore<'_>,
        plan: &Plan,
    ) -> Result<Screened, ScreeningError> {
        let mut inputs = Inputs {
            agencies: system
                .agency_kinds()
                .await?
                .into_iter()
                .map(|a| AgencyRow {
                    id: a.id,
                    name: a.name,
                    kind: a.kind_label,
                })
                .collect(),
            ..Default::default()
        };
        for d in &plan.datasets {
            let table = Table::from_name(&d.table_name)
                .ok_or_else(|| ScreeningError::Invalid(format!("未知的表 {}", d.table_name)))?;
            let path = self.objects.local_path(&d.location).ok_or_else(|| {
                ScreeningError::Invalid("数据集不在本地目录中，暂不支持筛查".into())
            })?;
            inputs
                .parquet
                .entry(table)
                .or_default()
                .push(path.display().to_string());
        }
        system.screening_progress(plan.run_id, 0).await?;
        // Progress goes to the database from a side task so the engine never waits on it.
        let (tx, mut rx) = tokio_watch();
        let screened = {
            let progress = move |i: usize, _id: &str| {
                tx.send(i);
            };
            let fut = self
                .engine
                .screen(&plan.rules, &inputs, plan.as_of, progress);
            let mut fut = std::pin::pin!(fut);
            loop {
                tokio::select! {
                    r = &mut fut => break r?,
                    Some(done) = rx.recv() => {
                        system.screening_progress(plan.run_id, i64::try_from(done).unwrap_or(0)).await?;
                    }
                }
            }
        };
        let hits = Lines {
            hits: screened.hits.iter(),
            by_id: plan.rules.iter().map(|r| (r.rule.id.as_str(), r)).collect(),
        };
        system
            .finish_screening_run(
                plan.run_id,
                hits,
                &serde_json::to_string(&screened.counts).unwrap_or_default(),
                &serde_json::to_string(&screened.warnings).unwrap_or_default(),
            )
            .await?;
        Ok(screened)
    }
}

/// The run's lines as the store keeps them, made one at a time while they are
/// written (a named iterator: a closure here would not be `Send` across awaits).
struct Lines<'a> {
    hits: std::slice::Iter<'a, Hit>,
    by_id: BTreeMap<&'a str, &'a LoadedRule>,
}

impl Iterator for Lines<'_> {
    type Item = NewHit;

    fn next(&mut self) -> Option<NewHit> {
        let h = self.hits.next()?;
        let rule = self.by_id.get(h.rule_id.as_str());
        Some(NewHit {
            rule_id: h.rule_id.clone(),
            rule_version: i64::from(h.rule_version),
            outcome: h.outcome.code().to_owned(),
            table_name: h.table.clone(),
            agency_id: h.agency_id,
            agency_name: h.agency.clone(),
            record_key: h.record_key.clone(),
            explanation: h.explanation.clone(),
            officers: h
                .officers
                .as_deref()
                .unwrap_or("")
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            dimensions: rule.map(|r| r.rule.dimensions.clone()).unwrap_or_default(),
            severity: rule
                .map(|r| format!("{:?}", r.rule.severity).to_lowercase())
                .unwrap_or_default(),
            source_file: h.source_file.clone(),
            source_row: h.source_row,
        })
    }
}

/// A tiny unbounded channel for progress (tokio's mpsc, wrapped so the send never fails loudly).
struct ProgressTx(tokio::sync::mpsc::UnboundedSender<usize>);

impl ProgressTx {
    fn send(&self, i: usize) {
        let _ = self.0.send(i);
    }
}

fn tokio_watch() -> (ProgressTx, tokio::sync::mpsc::UnboundedReceiver<usize>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    (ProgressTx(tx), rx)
}

/// Shared handle for the web server.
pub type SharedScreener = Arc<Screener>;
