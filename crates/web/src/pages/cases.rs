//! 监督案件: opened on clues, moved through the stages of the transition table.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::forms::opt_i64;
use crate::layout::{Layout, Pager, query_string};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use std::collections::BTreeMap;
use xingjian_domain::case::{self, Decision, Field, Stage};
use xingjian_store::{
    CaseDetail, CaseFilter, EVIDENCE_KINDS, EvidenceInput, InquiryInput, NewCase, PageRequest,
    StoreError, SupervisionCase,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list).post(create))
        .route("/cases.xlsx", get(export))
        .route("/cases/{id}", get(detail))
        .route("/cases/{id}/transition", post(transition))
        .route("/cases/{id}/inquiries", post(add_inquiry))
        .route("/cases/{id}/inquiries/new", get(inquiry_form))
        .route("/cases/{id}/evidence", post(add_evidence))
        .route("/cases/{id}/dispute", post(dispute))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    stage: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage {
    l: Layout,
    cases: Vec<SupervisionCase>,
    pager: Pager,
    stage: String,
    q: String,
    sort: String,
    stages: Vec<(&'static str, &'static str)>,
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let filter = CaseFilter {
        stage: q.stage.clone(),
        q: q.q.clone(),
        sort: q.sort.clone(),
    };
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_cases(&filter, PageRequest::new(q.page, None))
        .await?;
    let qs = query_string(&[
        ("stage", q.stage.clone()),
        ("q", q.q.clone()),
        ("sort", q.sort.clone()),
    ]);
    render(&ListPage {
        l: Layout::new("监督案件", &state.settings.office_name, "cases", &who),
        pager: Pager::new(&page, "/cases", &qs),
        cases: page.items,
        stage: q.stage.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        sort: q.sort.unwrap_or_default(),
        stages: Stage::ALL.iter().map(|s| (s.code(), s.label())).collect(),
    })
}

/// The case list, with its filters, as XLSX.
async fn export(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let filter = CaseFilter {
        stage: q.stage.clone(),
        q: q.q.clone(),
        sort: q.sort.clone(),
    };
    let items = super::all_pages(10_000, |p| store.list_cases(&filter, p)).await?;
    let rows: Vec<Vec<xingjian_documents::Cell>> = items
        .iter()
        .map(|c| {
            vec![
                c.case_number.clone().into(),
                c.title.clone().into(),
                c.agency_name.clone().unwrap_or_default().into(),
                c.handler_name.clone().unwrap_or_default().into(),
                c.stage.label().into(),
                c.decision.map(|d| d.label()).unwrap_or_default().into(),
                c.dispute_label().into(),
                crate::layout::when(&c.created_at).into(),
                crate::layout::when(&c.updated_at).into(),
            ]
        })
        .collect();
    let bytes = xingjian_documents::table_xlsx(
        "监督案件",
        &[
            ("案号", 22.0),
            ("案件名称", 40.0),
            ("行政机关", 16.0),
            ("承办人", 10.0),
            ("阶段", 10.0),
            ("处理决定", 14.0),
            ("争议化解", 20.0),
            ("受理时间", 17.0),
            ("最近办理", 17.0),
        ],
        &rows,
    )
    .map_err(super::document_error)?;
    Ok(super::download("监督案件.xlsx", super::XLSX, bytes))
}

#[derive(serde::Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    clue_ids: Vec<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default, deserialize_with = "opt_i64")]
    handler_id: Option<i64>,
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<CreateForm>,
) -> Result<Response, WebError> {
    let c = state
        .store
        .as_actor(who.actor(), &who.req)
        .open_case(NewCase {
            clue_ids: f.clue_ids,
            title: f.title,
            summary: f.summary,
            handler_id: f.handler_id,
        })
        .await?;
    Ok(Redirect::to(&format!("/cases/{}?notice=created", c.id)).into_response())
}

/// A move the user may make, with the fields it asks for.
pub struct Move {
    pub to: &'static str,
    pub action: &'static str,
    /// (code, label, is the decision select)
    pub fields: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "case_detail.html")]
struct DetailPage {
    l: Layout,
    d: CaseDetail,
    moves: Vec<Move>,
    decisions: Vec<(&'static str, &'static str)>,
    evidence_kinds: Vec<&'static str>,
    outcomes: Vec<(&'static str, &'static str)>,
    may_investigate: bool,
    stages: Vec<(&'static str, bool)>,
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let d = store.case_detail(id).await?;
    let moves = case::available(d.case.stage, d.case.decision, who.actor().role)
        .into_iter()
        .map(|t| Move {
            to: t.to.code(),
            action: t.action,
            fields: t
                .requires
                .iter()
                .map(|f| (f.code(), f.label(), *f == Field::Decision))
                .collect(),
        })
        .collect();
    let reached = Stage::ALL
        .iter()
        .position(|s| *s == d.case.stage)
        .unwrap_or(0);
    render(&DetailPage {
        l: Layout::new(
            format!("{} {}", d.case.case_number, d.case.title),
            &state.settings.office_name,
            "cases",
            &who,
        )
        .notice(q.notice.as_deref()),
        moves,
        decisions: Decision::ALL
            .iter()
            .map(|x| (x.code(), x.label()))
            .collect(),
        evidence_kinds: EVIDENCE_KINDS.to_vec(),
        outcomes: case::DISPUTE_OUTCOMES.to_vec(),
        may_investigate: store.may_screen()
            && matches!(
                d.case.stage,
                Stage::Filed | Stage::Investigating | Stage::Reviewing
            ),
        stages: Stage::ALL
            .iter()
            .enumerate()
            .map(|(i, s)| (s.label(), i <= reached))
            .collect(),
        d,
    })
}

async fn transition(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(mut f): Form<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let to = f
        .remove("to")
        .and_then(|t| Stage::from_code(&t))
        .ok_or_else(|| WebError::BadRequest("to".into()))?;
    let version = f
        .remove("version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| WebError::BadRequest("version".into()))?;
    f.remove("_csrf");
    state
        .store
        .as_actor(who.actor(), &who.req)
        .transition_case(id, to, &f, version)
        .await?;
    Ok(Redirect::to(&format!("/cases/{id}?notice=saved")).into_response())
}

#[derive(Template)]
#[template(path = "inquiry_new.html")]
struct InquiryPage {
    l: Layout,
    c: SupervisionCase,
    f: InquiryInput,
    errors: xingjian_domain::ValidationErrors,
    roles: Vec<(&'static str, &'static str)>,
}

async fn inquiry_page(
    state: &AppState,
    who: &Authed,
    id: i64,
    f: InquiryInput,
    errors: xingjian_domain::ValidationErrors,
) -> Result<Response, WebError> {
    let c = state
        .store
        .as_actor(who.actor(), &who.req)
        .get_case(id)
        .await?;
    let has_errors = !errors.is_empty();
    super::render_form(
        &InquiryPage {
            l: Layout::new("询问笔录", &state.settings.office_name, "cases", who),
            c,
            f,
            errors,
            roles: case::INTERVIEWEE_ROLES.to_vec(),
        },
        has_errors,
    )
}

async fn inquiry_form(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let f = InquiryInput {
        signature: "signed".into(),
        ..Default::default()
    };
    inquiry_page(&state, &who, id, f, Default::default()).await
}

async fn add_inquiry(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<InquiryInput>,
) -> Result<Response, WebError> {
    match state
        .store
        .as_actor(who.actor(), &who.req)
        .add_inquiry(id, f.clone())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?notice=saved")).into_response()),
        Err(StoreError::Validation(e)) => inquiry_page(&state, &who, id, f, e).await,
        Err(e) => Err(e.into()),
    }
}

async fn add_evidence(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<EvidenceInput>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .add_evidence(id, f)
        .await?;
    Ok(Redirect::to(&format!("/cases/{id}?notice=saved")).into_response())
}

#[derive(serde::Deserialize)]
pub struct DisputeForm {
    outcome: String,
    #[serde(default)]
    note: String,
    version: i64,
}

async fn dispute(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<DisputeForm>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .set_dispute_outcome(id, &f.outcome, &f.note, f.version)
        .await?;
    Ok(Redirect::to(&format!("/cases/{id}?notice=saved")).into_response())
}
