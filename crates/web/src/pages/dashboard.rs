//! 统计: the office's figures at a glance, each bar linking to its list.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::charts::{Bar, bar_chart};
use crate::error::WebError;
use crate::layout::Layout;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use xingjian_domain::Agency;
use xingjian_store::{Count, Dashboard, DashboardFilter};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/dashboard.xlsx", get(export))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    d: Dashboard,
    /// (heading, SVG)
    charts: Vec<(&'static str, String)>,
    from: String,
    to: String,
    agency_id: Option<i64>,
    agencies: Vec<Agency>,
    dimension: String,
    rule_id: String,
    /// (id, title) of the rules in force.
    rules: Vec<(String, String)>,
}

impl DashboardPage {
    fn agency_is(&self, id: &xingjian_domain::AgencyId) -> bool {
        self.agency_id == Some(id.0)
    }
    fn dimensions(&self) -> &'static [&'static str] {
        &xingjian_domain::DIMENSIONS
    }
}

#[derive(serde::Deserialize, Default)]
pub struct FilterQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default, deserialize_with = "crate::forms::opt_i64")]
    agency_id: Option<i64>,
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    rule_id: String,
}

impl FilterQuery {
    /// The query string of the period and agency, for links to the lists.
    fn period(&self) -> String {
        let enc = crate::auth::urlencode;
        let mut s = format!("from={}&to={}", enc(&self.from), enc(&self.to));
        if let Some(a) = self.agency_id {
            s.push_str(&format!("&agency_id={a}"));
        }
        s
    }
}

fn bars(counts: &[Count], href: impl Fn(&str) -> String) -> Vec<Bar> {
    counts
        .iter()
        .map(|c| Bar {
            label: c.label.clone(),
            value: c.n,
            href: href(&c.code),
        })
        .collect()
}

impl FilterQuery {
    fn filter(&self) -> DashboardFilter {
        let day = |s: &str| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .map(|_| s.to_owned())
        };
        let known = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        DashboardFilter {
            from: day(&self.from),
            to: day(&self.to),
            agency_id: self.agency_id,
            dimension: known(&self.dimension),
            rule_id: known(&self.rule_id),
        }
    }
}

/// The dashboard's figures as one sheet: group, item, count, with the filter applied.
async fn export(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<FilterQuery>,
) -> Result<Response, WebError> {
    let filter = q.filter();
    let d = state
        .store
        .as_actor(who.actor(), &who.req)
        .dashboard(&filter)
        .await?;
    let mut rows: Vec<Vec<xingjian_documents::Cell>> = vec![
        vec!["专项活动任务".into(), "已完成".into(), d.tasks_done.into()],
        vec!["专项活动任务".into(), "合计".into(), d.tasks_total.into()],
        vec!["评查案卷".into(), "已评查".into(), d.files_reviewed.into()],
        vec!["评查案卷".into(), "发现问题".into(), d.files_flagged.into()],
        vec![
            "检察建议".into(),
            "已认定采纳情况（家）".into(),
            d.outcomes.into(),
        ],
        vec![
            "检察建议".into(),
            "采纳或部分采纳（家）".into(),
            d.adopted.into(),
        ],
        vec!["期限".into(), "已超期".into(), d.overdue_deadlines.into()],
    ];
    for (group, counts) in [
        ("线索来源", &d.clues_by_source),
        ("线索办理状态", &d.clues_by_status),
        ("评查确认的问题（按方面）", &d.findings_by_dimension),
        ("数据筛查命中（按规则，案卷数）", &d.hits_by_rule),
        ("检察建议办理状态", &d.recommendations_by_status),
        ("信息交流（按行政机关）", &d.exchanges_by_agency),
    ] {
        for c in counts {
            rows.push(vec![group.into(), c.label.clone().into(), c.n.into()]);
        }
    }
    let period = format!(
        "{} 至 {}",
        filter.from.as_deref().unwrap_or("不限"),
        filter.to.as_deref().unwrap_or("不限")
    );
    rows.push(vec!["筛选条件".into(), "期间".into(), period.into()]);
    for (label, v) in [
        ("问题方面", &filter.dimension),
        ("筛查规则", &filter.rule_id),
    ] {
        if let Some(v) = v {
            rows.push(vec!["筛选条件".into(), label.into(), v.clone().into()]);
        }
    }
    let bytes = xingjian_documents::table_xlsx(
        "统计",
        &[("分组", 30.0), ("项目", 30.0), ("数量", 24.0)],
        &rows,
    )
    .map_err(super::document_error)?;
    Ok(super::download("统计.xlsx", super::XLSX, bytes))
}

async fn dashboard(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<FilterQuery>,
) -> Result<Response, WebError> {
    let filter = q.filter();
    let d = state
        .store
        .as_actor(who.actor(), &who.req)
        .dashboard(&filter)
        .await?;
    let enc = crate::auth::urlencode;
    let charts = vec![
        (
            "线索来源",
            bar_chart(
                "sources",
                "线索按来源",
                &bars(&d.clues_by_source, |c| format!("/clues?source={}", enc(c))),
            ),
        ),
        (
            "线索办理状态",
            bar_chart(
                "statuses",
                "线索按办理状态",
                &bars(&d.clues_by_status, |c| format!("/clues?status={}", enc(c))),
            ),
        ),
        (
            "评查确认的问题（五个方面）",
            bar_chart(
                "dimensions",
                "评查确认的问题按方面",
                &bars(&d.findings_by_dimension, |c| {
                    format!("/findings?dimension={}&{}", enc(c), q.period())
                }),
            ),
        ),
        (
            "数据筛查命中（按规则，案卷数）",
            bar_chart(
                "rules",
                "筛查命中按规则",
                &bars(&d.hits_by_rule, |c| match d.latest_run {
                    Some(run) => format!("/screenings/{run}?rule={}&outcome=hit", enc(c)),
                    None => "/screenings".to_owned(),
                }),
            ),
        ),
        (
            "检察建议办理状态",
            bar_chart(
                "recommendations",
                "检察建议按状态",
                &bars(&d.recommendations_by_status, |c| {
                    format!("/recommendations?status={}", enc(c))
                }),
            ),
        ),
        (
            "与各机关的信息交流",
            bar_chart(
                "agencies",
                "信息交流按行政机关",
                &bars(&d.exchanges_by_agency, |c| {
                    format!("/exchanges?agency_id={}", enc(c))
                }),
            ),
        ),
    ];
    render(&DashboardPage {
        l: Layout::new("统计", &state.settings.office_name, "dashboard", &who),
        d,
        charts,
        from: filter.from.unwrap_or_default(),
        to: filter.to.unwrap_or_default(),
        agency_id: q.agency_id,
        agencies: super::agency_choices(&state, &who).await?,
        dimension: q.dimension.clone(),
        rule_id: q.rule_id.clone(),
        rules: state
            .screener
            .as_ref()
            .map(|s| {
                s.rules
                    .iter()
                    .map(|r| (r.rule.id.clone(), r.rule.title.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    })
}
