//! The home page: the user's open work.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use xingjian_store::{AgencyFilter, PageRequest};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    greeting: String,
    /// (label, link) of each open item; empty until workflows land.
    work: Vec<(String, String)>,
    agencies: i64,
    is_internal: bool,
}

pub async fn home(State(state): State<AppState>, who: Authed) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let agencies = store
        .list_agencies(&AgencyFilter::default(), PageRequest::new(Some(1), Some(1)))
        .await?
        .total;
    let a = who.actor();
    render(&HomePage {
        greeting: format!("{}，您好。您的身份是{}。", a.display_name, a.role.label()),
        work: Vec::new(),
        agencies,
        is_internal: a.role.is_internal(),
        l: Layout::new("工作台", &state.settings.office_name, "home", &who),
    })
}
