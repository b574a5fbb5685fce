//! 数据筛查: choose datasets and rules, run in the background, browse the lines.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::{Layout, Pager, query_string};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::Form;
use std::sync::Arc;
use xingjian_records::Table;
use xingjian_rules::{LoadedRule, Outcome};
use xingjian_screening::{Screener, ScreeningError, Selection};
use xingjian_store::{DatasetRef, HitFilter, HitRecord, PageRequest, ScreeningRun};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/screenings", get(list).post(start))
        .route("/screenings/{id}", get(detail))
        .route("/screenings/{id}/hits.csv", get(export))
        .route("/screening-hits/{id}", get(hit_detail))
}

fn screener(state: &AppState) -> Result<Arc<Screener>, WebError> {
    state
        .screener
        .clone()
        .ok_or_else(|| WebError::Forbidden("本服务未配置筛查引擎".into()))
}

impl From<ScreeningError> for WebError {
    fn from(e: ScreeningError) -> Self {
        match e {
            ScreeningError::Store(s) => s.into(),
            ScreeningError::Invalid(m) => WebError::BadRequest(m),
            ScreeningError::Rules(r) => {
                tracing::error!(code = r.code(), error = %r, "screening failed");
                WebError::Internal(r.code())
            }
        }
    }
}

pub struct RuleRow {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub dimensions: String,
    pub table: &'static str,
}

fn rule_rows(rules: &[LoadedRule]) -> Vec<RuleRow> {
    rules
        .iter()
        .map(|r| RuleRow {
            id: r.rule.id.clone(),
            title: r.rule.title.clone(),
            severity: r.rule.severity.label(),
            dimensions: r.rule.dimensions.join("、"),
            table: crate::layout::table_label(&r.rule.table),
        })
        .collect()
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "screenings.html")]
struct ListPage {
    l: Layout,
    runs: Vec<ScreeningRun>,
    pager: Pager,
    datasets: Vec<DatasetRef>,
    rules: Vec<RuleRow>,
    today: String,
    configured: bool,
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    if !store.may_screen() {
        return Err(WebError::Forbidden(
            "只有检察院工作人员可以使用数据筛查".into(),
        ));
    }
    let page = store
        .list_screening_runs(PageRequest::new(q.page, None))
        .await?;
    let datasets = store.list_datasets(None).await?;
    let rules = state
        .screener
        .as_ref()
        .map(|s| rule_rows(&s.rules))
        .unwrap_or_default();
    render(&ListPage {
        l: Layout::new("数据筛查", &state.settings.office_name, "screenings", &who),
        pager: Pager::new(&page, "/screenings", ""),
        runs: page.items,
        datasets,
        rules,
        today: chrono::Local::now().date_naive().to_string(),
        configured: state.screener.is_some(),
    })
}

#[derive(serde::Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    dataset: Vec<String>,
    #[serde(default)]
    rule: Vec<String>,
    #[serde(default)]
    as_of: String,
}

async fn start(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<StartForm>,
) -> Result<Response, WebError> {
    let screener = screener(&state)?;
    let as_of = match f.as_of.trim() {
        "" => None,
        s => Some(
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| WebError::BadRequest(format!("截止日期“{s}”应为 YYYY-MM-DD")))?,
        ),
    };
    if f.dataset.is_empty() {
        return Err(WebError::BadRequest("请至少选择一个数据集".into()));
    }
    if f.rule.is_empty() {
        return Err(WebError::BadRequest("请至少选择一条规则".into()));
    }
    let sel = Selection {
        dataset_ids: Some(f.dataset),
        rule_ids: Some(f.rule),
        as_of,
    };
    let plan = screener
        .plan(&state.store.as_actor(who.actor(), &who.req), &sel)
        .await?;
    let id = plan.run_id;
    let store = state.store.clone();
    tokio::spawn(async move {
        if let Err(e) = screener.execute(&store, &plan).await {
            tracing::error!(run = plan.run_id, error = %e, "screening failed");
        }
    });
    Ok(Redirect::to(&format!("/screenings/{id}")).into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct HitQuery {
    page: Option<i64>,
    rule: Option<String>,
    outcome: Option<String>,
    agency: Option<String>,
    dimension: Option<String>,
    officer: Option<String>,
    q: Option<String>,
}

impl HitQuery {
    fn filter(&self) -> HitFilter {
        HitFilter {
            rule_id: self.rule.clone(),
            outcome: self.outcome.clone(),
            agency_id: self.agency.as_deref().and_then(|a| a.parse().ok()),
            dimension: self.dimension.clone(),
            officer: self.officer.clone(),
            q: self.q.clone(),
        }
    }

    fn query(&self) -> String {
        query_string(&[
            ("rule", self.rule.clone()),
            ("outcome", self.outcome.clone()),
            ("agency", self.agency.clone()),
            ("dimension", self.dimension.clone()),
            ("officer", self.officer.clone()),
            ("q", self.q.clone()),
        ])
    }
}

pub struct CountRow {
    pub rule_id: String,
    pub title: String,
    pub hits: i64,
    pub incomplete: i64,
}

#[derive(Template)]
#[template(path = "screening_detail.html")]
struct DetailPage {
    l: Layout,
    run: ScreeningRun,
    percent: i64,
    counts: Vec<CountRow>,
    warnings: Vec<String>,
    hits: Vec<HitRecord>,
    pager: Pager,
    q: HitQuery,
    query: String,
    rules: Vec<RuleRow>,
    agencies: Vec<(i64, String)>,
    dimensions: [&'static str; 5],
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<HitQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let run = store.get_screening_run(id).await?;
    let rules = state
        .screener
        .as_ref()
        .map(|s| rule_rows(&s.rules))
        .unwrap_or_default();
    let title = |rid: &str| {
        rules
            .iter()
            .find(|r| r.id == rid)
            .map_or_else(String::new, |r| r.title.clone())
    };
    let mut counts: Vec<CountRow> = Vec::new();
    for (rule_id, outcome, n) in store.hit_counts(id).await? {
        if counts.last().is_none_or(|c| c.rule_id != rule_id) {
            counts.push(CountRow {
                title: title(&rule_id),
                rule_id: rule_id.clone(),
                hits: 0,
                incomplete: 0,
            });
        }
        if let Some(c) = counts.last_mut() {
            match Outcome::from_code(&outcome) {
                Some(Outcome::Hit) => c.hits = n,
                _ => c.incomplete = n,
            }
        }
    }
    let page = store
        .list_hits(id, &q.filter(), PageRequest::new(q.page, Some(50)))
        .await?;
    let query = q.query();
    let percent = if run.progress_total > 0 {
        run.progress_done * 100 / run.progress_total
    } else {
        0
    };
    let agencies = store.hit_agencies(id).await?;
    render(&DetailPage {
        l: Layout::new(
            format!("筛查 #{id}"),
            &state.settings.office_name,
            "screenings",
            &who,
        ),
        percent,
        warnings: run
            .warnings_json
            .as_deref()
            .and_then(|w| serde_json::from_str(w).ok())
            .unwrap_or_default(),
        pager: Pager::new(&page, &format!("/screenings/{id}"), &query),
        hits: page.items,
        run,
        counts,
        q,
        query,
        rules,
        agencies,
        dimensions: xingjian_rules::rule::DIMENSIONS,
    })
}

async fn export(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<HitQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let run = store.get_screening_run(id).await?;
    let hits: Vec<xingjian_rules::Hit> = store
        .all_hits(id, &q.filter())
        .await?
        .into_iter()
        .map(|h| xingjian_rules::Hit {
            rule_id: h.rule_id,
            outcome: Outcome::from_code(&h.outcome).unwrap_or(Outcome::Incomplete),
            table: h.table_name,
            agency_id: h.agency_id,
            agency: h.agency_name,
            record_key: h.record_key,
            rule_version: u32::try_from(h.rule_version).unwrap_or(0),
            explanation: h.explanation,
            officers: (!h.officers.is_empty()).then(|| h.officers.join(";")),
            source_file: h.source_file,
            source_row: h.source_row,
        })
        .collect();
    let mut body = Vec::new();
    xingjian_rules::export::write(&hits, xingjian_rules::export::Format::Csv, &mut body)
        .map_err(|_| WebError::Internal("export"))?;
    store
        .audit(
            xingjian_store::AuditEntry::new(
                "screening.export",
                "screening_run",
                Some(run.id.to_string()),
                xingjian_store::Outcome::Ok,
            )
            .detail(format!("导出筛查结果 {} 条", hits.len())),
        )
        .await?;
    let name = crate::auth::urlencode(&format!("筛查结果-{id}.csv"));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{name}"),
            ),
        ],
        body,
    )
        .into_response())
}

pub struct Basis {
    pub law: String,
    pub article: String,
    pub version: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "screening_hit.html")]
struct HitPage {
    l: Layout,
    h: HitRecord,
    outcome_label: &'static str,
    rule_title: String,
    severity: &'static str,
    basis: Vec<Basis>,
    record: Option<Vec<xingjian_datasets::RecordField>>,
    record_note: Option<String>,
}

async fn hit_detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let h = store.get_hit(id).await?;
    let rule = state
        .screener
        .as_ref()
        .and_then(|s| s.rules.iter().find(|r| r.rule.id == h.rule_id).cloned());
    let (mut record, mut record_note) = (None, None);
    if let (Some(s), Some(table)) = (state.screener.as_ref(), Table::from_name(&h.table_name)) {
        match store
            .dataset_location_for(&h.source_file, &h.table_name)
            .await?
        {
            Some(loc) => match s.objects.get(&loc).await {
                Ok(bytes) => match xingjian_datasets::record_at(table, bytes, h.source_row) {
                    Ok(Some(mut fields)) => {
                        for f in &mut fields {
                            if f.sensitive && !f.value.is_empty() {
                                f.value = if f.column == "证件号码" {
                                    xingjian_domain::mask::mask_id(&f.value)
                                } else {
                                    xingjian_domain::mask::mask_name(&f.value)
                                };
                            }
                        }
                        record = Some(fields);
                    }
                    Ok(None) => record_note = Some("数据集中没有该行。".to_owned()),
                    Err(e) => {
                        tracing::error!(error = %e, "dataset unreadable");
                        record_note = Some("数据集无法读取，请联系系统管理员。".to_owned());
                    }
                },
                Err(e) => {
                    tracing::error!(error = %e, "dataset missing");
                    record_note = Some("数据集文件缺失，请联系系统管理员。".to_owned());
                }
            },
            None => {
                record_note =
                    Some("该记录不是来自单个导入文件（例如执法人员统计），无原始行。".to_owned())
            }
        }
    }
    let basis = rule
        .as_ref()
        .map(|r| {
            r.rule
                .legal_basis
                .iter()
                .map(|b| Basis {
                    law: b.law.clone(),
                    article: b.article.clone(),
                    version: b.version.clone(),
                    text: b.text.trim().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    render(&HitPage {
        l: Layout::new(
            format!("{} · {}", h.rule_id, h.record_key),
            &state.settings.office_name,
            "screenings",
            &who,
        ),
        outcome_label: Outcome::from_code(&h.outcome).map_or("", Outcome::label),
        rule_title: rule
            .as_ref()
            .map(|r| r.rule.title.clone())
            .unwrap_or_default(),
        severity: rule.as_ref().map_or("", |r| r.rule.severity.label()),
        basis,
        record,
        record_note,
        h,
    })
}
