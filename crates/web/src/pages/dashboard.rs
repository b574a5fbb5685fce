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
    Router::new().route("/dashboard", get(dashboard))
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
}

impl DashboardPage {
    fn agency_is(&self, id: &xingjian_domain::AgencyId) -> bool {
        self.agency_id == Some(id.0)
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

async fn dashboard(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<FilterQuery>,
) -> Result<Response, WebError> {
    let day = |s: &str| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(|_| s.to_owned())
    };
    let filter = DashboardFilter {
        from: day(&q.from),
        to: day(&q.to),
        agency_id: q.agency_id,
    };
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
                &bars(&d.findings_by_dimension, |_| "/governance?min=1".to_owned()),
            ),
        ),
        (
            "数据筛查命中（按规则，案卷数）",
            bar_chart(
                "rules",
                "筛查命中按规则",
                &bars(&d.hits_by_rule, |_| "/screenings".to_owned()),
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
    })
}
