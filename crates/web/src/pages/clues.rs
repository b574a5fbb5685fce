//! 问题线索: clues made from screening hits (the workflow adds the other sources).

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::{Layout, Pager};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::Form;
use xingjian_store::{Clue, ClueRecord, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clues", get(list).post(create))
        .route("/clues/{id}", get(detail))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "clues.html")]
struct ListPage {
    l: Layout,
    clues: Vec<Clue>,
    pager: Pager,
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_clues(PageRequest::new(q.page, None))
        .await?;
    render(&ListPage {
        l: Layout::new("问题线索", &state.settings.office_name, "clues", &who),
        pager: Pager::new(&page, "/clues", ""),
        clues: page.items,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    hit: Vec<i64>,
    #[serde(default)]
    title: String,
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<CreateForm>,
) -> Result<Response, WebError> {
    let clue = state
        .store
        .as_actor(who.actor(), &who.req)
        .create_clue_from_hits(&f.hit, &f.title)
        .await?;
    Ok(Redirect::to(&format!("/clues/{}?notice=created", clue.id)).into_response())
}

#[derive(Template)]
#[template(path = "clue_detail.html")]
struct DetailPage {
    l: Layout,
    c: Clue,
    records: Vec<ClueRecord>,
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let (c, records) = state
        .store
        .as_actor(who.actor(), &who.req)
        .get_clue(id)
        .await?;
    render(&DetailPage {
        l: Layout::new(c.title.clone(), &state.settings.office_name, "clues", &who)
            .notice(q.notice.as_deref()),
        c,
        records,
    })
}
