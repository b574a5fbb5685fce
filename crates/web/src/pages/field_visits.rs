//! 实地走访: field visits with the people interviewed, each able to yield clues.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::forms::opt_i64;
use crate::layout::{Layout, Pager};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::Form;
use xingjian_domain::Agency;
use xingjian_domain::clue::INTERVIEWEE_KINDS;
use xingjian_store::{Clue, ClueFilter, FieldVisit, FieldVisitInput, Interview, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/field-visits", get(list).post(create))
        .route("/field-visits/new", get(new_form))
        .route("/field-visits/{id}", get(detail))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "field_visits.html")]
struct ListPage {
    l: Layout,
    visits: Vec<FieldVisit>,
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
        .list_field_visits(PageRequest::new(q.page, None))
        .await?;
    render(&ListPage {
        l: Layout::new("实地走访", &state.settings.office_name, "clues", &who),
        pager: Pager::new(&page, "/field-visits", ""),
        visits: page.items,
    })
}

#[derive(Template)]
#[template(path = "field_visit_new.html")]
struct NewPage {
    l: Layout,
    agencies: Vec<Agency>,
    kinds: Vec<(&'static str, &'static str)>,
    today: String,
}

async fn new_form(State(state): State<AppState>, who: Authed) -> Result<Response, WebError> {
    let agencies = super::agency_choices(&state, &who).await?;
    render(&NewPage {
        l: Layout::new("登记实地走访", &state.settings.office_name, "clues", &who),
        agencies,
        kinds: INTERVIEWEE_KINDS.to_vec(),
        today: xingjian_store::today().format("%Y-%m-%d").to_string(),
    })
}

/// One row per interviewee kind: `kind`, `people`, `notes` repeated in order.
#[derive(serde::Deserialize, Default)]
pub struct VisitForm {
    #[serde(default)]
    visited_on: String,
    #[serde(default)]
    place: String,
    #[serde(default, deserialize_with = "opt_i64")]
    agency_id: Option<i64>,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    kind: Vec<String>,
    #[serde(default)]
    people: Vec<String>,
    #[serde(default)]
    interview_notes: Vec<String>,
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<VisitForm>,
) -> Result<Response, WebError> {
    let interviews = f
        .kind
        .iter()
        .enumerate()
        .map(|(i, k)| Interview {
            kind: k.clone(),
            people: f
                .people
                .get(i)
                .and_then(|p| p.trim().parse().ok())
                .unwrap_or(0),
            notes: f.interview_notes.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    let v = state
        .store
        .as_actor(who.actor(), &who.req)
        .create_field_visit(FieldVisitInput {
            visited_on: f.visited_on,
            place: f.place,
            agency_id: f.agency_id,
            participants: f.participants,
            notes: f.notes,
            interviews,
        })
        .await?;
    Ok(Redirect::to(&format!("/field-visits/{}?notice=created", v.id)).into_response())
}

#[derive(Template)]
#[template(path = "field_visit_detail.html")]
struct DetailPage {
    l: Layout,
    v: FieldVisit,
    clues: Vec<Clue>,
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let v = store.get_field_visit(id).await?;
    let clues = store
        .list_clues(
            &ClueFilter {
                field_visit_id: Some(id),
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(200)),
        )
        .await?
        .items;
    render(&DetailPage {
        l: Layout::new(
            format!("走访：{}", v.place),
            &state.settings.office_name,
            "clues",
            &who,
        )
        .notice(q.notice.as_deref()),
        v,
        clues,
    })
}
