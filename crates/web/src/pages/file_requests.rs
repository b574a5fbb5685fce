//! 调取卷宗: the office sends, the agency's liaison acknowledges and answers.

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
use xingjian_domain::{Agency, Role};
use xingjian_store::{
    Deadline, FileRequest, FileRequestFilter, FileRequestInput, ImportFile, PageRequest,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/file-requests", get(list).post(create))
        .route("/file-requests/new", get(new_form))
        .route("/file-requests/{id}", get(detail))
        .route("/file-requests/{id}/acknowledge", post(acknowledge))
        .route("/file-requests/{id}/answer", post(answer))
        .route("/file-requests/{id}/close", post(close))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    status: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "file_requests.html")]
struct ListPage {
    l: Layout,
    requests: Vec<FileRequest>,
    pager: Pager,
    status: String,
    may_send: bool,
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let page = store
        .list_file_requests(
            &FileRequestFilter {
                status: q.status.clone(),
                ..Default::default()
            },
            PageRequest::new(q.page, None),
        )
        .await?;
    render(&ListPage {
        l: Layout::new(
            "调取卷宗",
            &state.settings.office_name,
            "file_requests",
            &who,
        ),
        pager: Pager::new(
            &page,
            "/file-requests",
            &query_string(&[("status", q.status.clone())]),
        ),
        requests: page.items,
        status: q.status.unwrap_or_default(),
        may_send: store.may_screen(),
    })
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    #[serde(default, deserialize_with = "opt_i64")]
    clue_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    case_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    agency_id: Option<i64>,
}

impl NewQuery {
    pub fn agency_is(&self, id: &i64) -> bool {
        self.agency_id == Some(*id)
    }
}

#[derive(Template)]
#[template(path = "file_request_new.html")]
struct NewPage {
    l: Layout,
    q: NewQuery,
    agencies: Vec<Agency>,
}

async fn new_form(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    let agencies = super::agency_choices(&state, &who).await?;
    render(&NewPage {
        l: Layout::new(
            "调取卷宗",
            &state.settings.office_name,
            "file_requests",
            &who,
        ),
        q,
        agencies,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct NewForm {
    #[serde(default, deserialize_with = "opt_i64")]
    agency_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    clue_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    case_id: Option<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    case_numbers: String,
    #[serde(default)]
    criteria: String,
    #[serde(default)]
    due_on: String,
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<NewForm>,
) -> Result<Response, WebError> {
    let r = state
        .store
        .as_actor(who.actor(), &who.req)
        .create_file_request(FileRequestInput {
            agency_id: f.agency_id,
            clue_id: f.clue_id,
            case_id: f.case_id,
            title: f.title,
            case_numbers: f.case_numbers,
            criteria: f.criteria,
            due_on: f.due_on,
        })
        .await?;
    Ok(Redirect::to(&format!("/file-requests/{}?notice=created", r.id)).into_response())
}

#[derive(Template)]
#[template(path = "file_request_detail.html")]
struct DetailPage {
    l: Layout,
    r: FileRequest,
    imports: Vec<ImportFile>,
    attachments: Vec<xingjian_store::Attachment>,
    deadlines: Vec<Deadline>,
    /// The liaison's own imports to attach to an answer.
    own_imports: Vec<ImportFile>,
    is_liaison: bool,
    may_close: bool,
    history: Vec<xingjian_store::HistoryEntry>,
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let (r, imports) = store.get_file_request(id).await?;
    let is_liaison = who.actor().role == Role::Liaison;
    let own_imports = if is_liaison {
        store
            .list_imports(PageRequest::new(Some(1), Some(50)))
            .await?
            .items
    } else {
        Vec::new()
    };
    render(&DetailPage {
        l: Layout::new(
            r.title.clone(),
            &state.settings.office_name,
            "file_requests",
            &who,
        )
        .notice(q.notice.as_deref()),
        deadlines: store.deadlines_of("file_request", id).await?,
        attachments: store.attachments_of("file_request", id).await?,
        history: store.file_request_history(id).await?,
        may_close: store.may_screen(),
        r,
        imports,
        own_imports,
        is_liaison,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct StepForm {
    version: i64,
    #[serde(default)]
    response: String,
    #[serde(default)]
    import_id: Vec<i64>,
}

async fn acknowledge(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .acknowledge_file_request(id, f.version)
        .await?;
    Ok(Redirect::to(&format!("/file-requests/{id}?notice=saved")).into_response())
}

async fn answer(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .answer_file_request(id, &f.response, &f.import_id, f.version)
        .await?;
    Ok(Redirect::to(&format!("/file-requests/{id}?notice=saved")).into_response())
}

async fn close(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .close_file_request(id, f.version)
        .await?;
    Ok(Redirect::to(&format!("/file-requests/{id}?notice=saved")).into_response())
}
