//! 期限: every running clock, the overdue list, pause / resume / extension;
//! and the user's notifications.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::{Layout, Pager, query_string};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use xingjian_domain::Role;
use xingjian_store::{Deadline, DeadlineEvent, DeadlineFilter, Notification, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/deadlines", get(list))
        .route("/deadlines/{id}", get(detail))
        .route("/deadlines/{id}/adjust", post(adjust))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(read_all))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    view: Option<String>,
    subject: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "deadlines.html")]
struct ListPage {
    l: Layout,
    deadlines: Vec<Deadline>,
    pager: Pager,
    view: String,
    subject: String,
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let f = DeadlineFilter {
        view: q.view.clone(),
        subject: q.subject.clone(),
    };
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_deadlines(&f, PageRequest::new(q.page, None))
        .await?;
    let qs = query_string(&[("view", q.view.clone()), ("subject", q.subject.clone())]);
    render(&ListPage {
        l: Layout::new("期限管理", &state.settings.office_name, "deadlines", &who),
        pager: Pager::new(&page, "/deadlines", &qs),
        deadlines: page.items,
        view: q.view.unwrap_or_else(|| "open".into()),
        subject: q.subject.unwrap_or_default(),
    })
}

#[derive(Template)]
#[template(path = "deadline_detail.html")]
struct DetailPage {
    l: Layout,
    d: Deadline,
    events: Vec<DeadlineEvent>,
    may_pause: bool,
    may_extend: bool,
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let (d, events) = state
        .store
        .as_actor(who.actor(), &who.req)
        .get_deadline(id)
        .await?;
    let role = who.actor().role;
    render(&DetailPage {
        l: Layout::new(
            d.label.clone(),
            &state.settings.office_name,
            "deadlines",
            &who,
        )
        .notice(q.notice.as_deref()),
        may_extend: matches!(role, Role::Chief | Role::DeputyChief) && d.is_open(),
        may_pause: matches!(role, Role::Chief | Role::DeputyChief | Role::Prosecutor)
            && d.is_open(),
        d,
        events,
    })
}

#[derive(serde::Deserialize)]
pub struct AdjustForm {
    action: String,
    #[serde(default)]
    days: Option<String>,
    #[serde(default)]
    reason: String,
    version: i64,
}

async fn adjust(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<AdjustForm>,
) -> Result<Response, WebError> {
    let days = f
        .days
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse().ok());
    state
        .store
        .as_actor(who.actor(), &who.req)
        .adjust_deadline(id, &f.action, days, &f.reason, f.version)
        .await?;
    Ok(Redirect::to(&format!("/deadlines/{id}?notice=saved")).into_response())
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    l: Layout,
    items: Vec<Notification>,
    pager: Pager,
}

async fn notifications(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_notifications(PageRequest::new(q.page, None))
        .await?;
    render(&NotificationsPage {
        l: Layout::new("消息提醒", &state.settings.office_name, "home", &who),
        pager: Pager::new(&page, "/notifications", ""),
        items: page.items,
    })
}

async fn read_all(State(state): State<AppState>, who: Authed) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .mark_notifications_read()
        .await?;
    Ok(Redirect::to("/notifications").into_response())
}
