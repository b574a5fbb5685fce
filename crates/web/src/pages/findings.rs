//! 评查发现: every confirmed finding, filtered by period, agency, dimension and
//! rule (where the dashboard's dimension bars lead), and exported as XLSX.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::{Layout, Pager, query_string};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use xingjian_domain::Agency;
use xingjian_store::{ConfirmedFinding, FindingFilter, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/findings", get(list))
        .route("/findings.xlsx", get(export))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
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
    #[serde(default)]
    q: String,
}

impl ListQuery {
    fn filter(&self) -> FindingFilter {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let day = |s: &str| {
            chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .map(|_| s.trim().to_owned())
        };
        FindingFilter {
            from: day(&self.from),
            to: day(&self.to),
            agency_id: self.agency_id,
            dimension: some(&self.dimension),
            rule_id: some(&self.rule_id),
            q: some(&self.q),
        }
    }

    fn query_string(&self) -> String {
        query_string(&[
            ("from", Some(self.from.clone())),
            ("to", Some(self.to.clone())),
            ("agency_id", self.agency_id.map(|a| a.to_string())),
            ("dimension", Some(self.dimension.clone())),
            ("rule_id", Some(self.rule_id.clone())),
            ("q", Some(self.q.clone())),
        ])
    }
}

#[derive(Template)]
#[template(path = "findings.html")]
struct ListPage {
    l: Layout,
    rows: Vec<ConfirmedFinding>,
    total: i64,
    pager: Pager,
    q: ListQuery,
    qs: String,
    agencies: Vec<Agency>,
}

impl ListPage {
    fn agency_is(&self, id: &xingjian_domain::AgencyId) -> bool {
        self.q.agency_id == Some(id.0)
    }
    fn dimensions(&self) -> &'static [&'static str] {
        &xingjian_domain::DIMENSIONS
    }
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_confirmed_findings(&q.filter(), PageRequest::new(q.page, None))
        .await?;
    let qs = q.query_string();
    render(&ListPage {
        l: Layout::new("评查发现", &state.settings.office_name, "dashboard", &who),
        pager: Pager::new(&page, "/findings", &qs),
        total: page.total,
        rows: page.items,
        agencies: super::agency_choices(&state, &who).await?,
        q,
        qs,
    })
}

async fn export(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let filter = q.filter();
    let items = super::all_pages(50_000, |p| store.list_confirmed_findings(&filter, p)).await?;
    let rows: Vec<Vec<xingjian_documents::Cell>> = items
        .iter()
        .map(|f| {
            vec![
                f.day.clone().into(),
                f.agency_name.clone().into(),
                f.case_number.clone().into(),
                f.dimension.clone().into(),
                f.rule_id
                    .clone()
                    .unwrap_or_else(|| "人工发现".into())
                    .into(),
                f.description.clone().into(),
                f.evidence.clone().into(),
                f.batch_title.clone().into(),
                f.decided_by_name.clone().unwrap_or_default().into(),
            ]
        })
        .collect();
    let bytes = xingjian_documents::table_xlsx(
        "评查发现",
        &[
            ("确认日期", 12.0),
            ("行政机关", 16.0),
            ("卷宗编号", 22.0),
            ("问题方面", 16.0),
            ("规则", 16.0),
            ("问题描述", 50.0),
            ("证据", 24.0),
            ("评查批次", 28.0),
            ("确认人", 12.0),
        ],
        &rows,
    )
    .map_err(super::document_error)?;
    Ok(super::download("评查发现.xlsx", super::XLSX, bytes))
}
