//! 检索: one box on every page; results scoped inside the index query, with
//! facets, highlighted snippets and sorting by relevance or date. A search
//! by ID number (allowed roles only) is audited as a view of personal data.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::{Layout, query_string};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use xingjian_search::{SearchQuery, SearchResults};
use xingjian_store::{AuditEntry, Outcome};

pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    l: Layout,
    q: SearchQuery,
    r: SearchResults,
    configured: bool,
    /// The query string without facets and page, for facet links.
    base: String,
    pages: usize,
}

impl SearchPage {
    fn with(&self, key: &str, value: &str) -> String {
        format!(
            "/search?{}&{key}={}",
            self.base,
            crate::auth::urlencode(value)
        )
    }
    fn page_link(&self, page: usize) -> String {
        let mut s = format!("/search?{}", self.base);
        for (k, v) in [
            ("kind", &self.q.kind),
            ("agency", &self.q.agency),
            ("dimension", &self.q.dimension),
            ("year", &self.q.year),
        ] {
            if !v.is_empty() {
                s.push_str(&format!("&{k}={}", crate::auth::urlencode(v)));
            }
        }
        format!("{s}&page={page}")
    }
    fn filtered(&self) -> bool {
        [
            &self.q.kind,
            &self.q.agency,
            &self.q.dimension,
            &self.q.year,
        ]
        .iter()
        .any(|s| !s.is_empty())
    }
}

async fn search(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let base = query_string(&[("q", Some(q.q.clone())), ("sort", Some(q.sort.clone()))]);
    let mut r = SearchResults::default();
    let configured = state.search.is_some();
    if let Some(idx) = &state.search {
        // Read your own writes: apply what changed since the last pass.
        if let Err(e) = idx.catch_up(&state.store).await {
            tracing::error!(error = %e, "search index could not catch up");
        }
        r = idx.search(who.actor(), &q).map_err(|e| {
            tracing::error!(error = %e, "search failed");
            WebError::Internal("search")
        })?;
        if r.personal_data_matched {
            state
                .store
                .as_actor(who.actor(), &who.req)
                .audit(
                    AuditEntry::new("personal_data.search", "search", None, Outcome::Ok)
                        .detail(format!("按证件号码或姓名检索：{}", q.q.trim())),
                )
                .await?;
        }
    }
    let pages = r.total.div_ceil(r.per_page.max(1));
    render(&SearchPage {
        l: Layout::new("检索", &state.settings.office_name, "search", &who),
        q,
        r,
        configured,
        base,
        pages,
    })
}
