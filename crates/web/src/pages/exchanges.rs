//! 信息共享 / 案情通报 / 线索移送 between the office and an agency, either way.

use super::{render, render_form};
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
use xingjian_domain::coordination::ExchangeKind;
use xingjian_domain::{Agency, Role, ValidationErrors};
use xingjian_store::{
    Attachment, Deadline, Exchange, ExchangeFilter, ExchangeInput, HistoryEntry, ImportFile,
    PageRequest, StoreError,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/exchanges", get(list).post(create))
        .route("/exchanges/new", get(new_form))
        .route("/exchanges.xlsx", get(export))
        .route("/exchanges/{id}", get(detail))
        .route("/exchanges/{id}/acknowledge", post(acknowledge))
        .route("/exchanges/{id}/respond", post(respond))
        .route("/exchanges/{id}/clue", post(register_clue))
        .route("/exchanges/{id}/close", post(close))
        .route(
            "/exchanges/{id}/attachments",
            super::reviews::upload_route("exchange"),
        )
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    ExchangeKind::ALL
        .iter()
        .map(|k| (k.code(), k.label()))
        .collect()
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    notice: Option<String>,
    kind: Option<String>,
    direction: Option<String>,
    status: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    agency_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "exchanges.html")]
struct ListPage {
    l: Layout,
    items: Vec<Exchange>,
    pager: Pager,
    kind: String,
    direction: String,
    status: String,
    kinds: Vec<(&'static str, &'static str)>,
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_exchanges(
            &ExchangeFilter {
                kind: q.kind.clone(),
                direction: q.direction.clone(),
                status: q.status.clone(),
                agency_id: q.agency_id,
            },
            PageRequest::new(q.page, None),
        )
        .await?;
    render(&ListPage {
        l: Layout::new("信息交流", &state.settings.office_name, "exchanges", &who),
        pager: Pager::new(
            &page,
            "/exchanges",
            &query_string(&[
                ("kind", q.kind.clone()),
                ("direction", q.direction.clone()),
                ("status", q.status.clone()),
                ("agency_id", q.agency_id.map(|a| a.to_string())),
            ]),
        ),
        items: page.items,
        kind: q.kind.unwrap_or_default(),
        direction: q.direction.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        kinds: kinds(),
    })
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    kind: String,
    #[serde(default, deserialize_with = "opt_i64")]
    agency_id: Option<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    due_on: String,
    #[serde(default, deserialize_with = "opt_i64")]
    import_file_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    clue_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    case_id: Option<i64>,
}

impl NewForm {
    pub fn agency_is(&self, id: &i64) -> bool {
        self.agency_id == Some(*id)
    }
    pub fn import_is(&self, id: &i64) -> bool {
        self.import_file_id == Some(*id)
    }
}

#[derive(Template)]
#[template(path = "exchange_new.html")]
struct NewPage {
    l: Layout,
    f: NewForm,
    errors: ValidationErrors,
    agencies: Vec<Agency>,
    imports: Vec<ImportFile>,
    kinds: Vec<(&'static str, &'static str)>,
    is_liaison: bool,
}

async fn new_page(
    state: &AppState,
    who: &Authed,
    f: NewForm,
    errors: ValidationErrors,
) -> Result<Response, WebError> {
    let is_liaison = who.actor().role == Role::Liaison;
    let store = state.store.as_actor(who.actor(), &who.req);
    // A liaison's data share is one of its own imports.
    let imports = if is_liaison {
        store
            .list_imports(PageRequest::new(Some(1), Some(50)))
            .await?
            .items
    } else {
        Vec::new()
    };
    let has_errors = !errors.is_empty();
    render_form(
        &NewPage {
            l: Layout::new(
                "发起信息交流",
                &state.settings.office_name,
                "exchanges",
                who,
            ),
            agencies: super::agency_choices(state, who).await?,
            f,
            errors,
            imports,
            kinds: kinds(),
            is_liaison,
        },
        has_errors,
    )
}

async fn new_form(
    State(state): State<AppState>,
    who: Authed,
    Query(f): Query<NewForm>,
) -> Result<Response, WebError> {
    new_page(&state, &who, f, ValidationErrors::new()).await
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<NewForm>,
) -> Result<Response, WebError> {
    let input = ExchangeInput {
        kind: f.kind.clone(),
        agency_id: f.agency_id,
        title: f.title.clone(),
        content: f.content.clone(),
        due_on: f.due_on.clone(),
        import_file_id: f.import_file_id,
        clue_id: f.clue_id,
        case_id: f.case_id,
    };
    match state
        .store
        .as_actor(who.actor(), &who.req)
        .create_exchange(input)
        .await
    {
        Ok(x) => Ok(Redirect::to(&format!("/exchanges/{}?notice=created", x.id)).into_response()),
        Err(StoreError::Validation(e)) => new_page(&state, &who, f, e).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "exchange_detail.html")]
struct DetailPage {
    l: Layout,
    x: Exchange,
    import: Option<ImportFile>,
    deadlines: Vec<Deadline>,
    attachments: Vec<Attachment>,
    upload_action: String,
    may_upload: bool,
    /// The actor is on the receiving side (may acknowledge and respond).
    receives: bool,
    is_staff: bool,
    history: Vec<HistoryEntry>,
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let x = store.get_exchange(id).await?;
    let import = match x.import_file_id {
        Some(i) => store.get_import(i).await.ok().map(|(f, _)| f),
        None => None,
    };
    let is_staff = store.may_screen();
    let is_liaison = who.actor().role == Role::Liaison;
    let receives = if x.is_inbound() { is_staff } else { is_liaison };
    render(&DetailPage {
        l: Layout::new(
            x.title.clone(),
            &state.settings.office_name,
            "exchanges",
            &who,
        )
        .notice(q.notice.as_deref()),
        deadlines: store.deadlines_of("exchange", id).await?,
        attachments: store.attachments_of("exchange", id).await?,
        upload_action: format!("/exchanges/{id}/attachments"),
        may_upload: x.status != "closed" && (is_staff || is_liaison),
        history: store.exchange_history(id).await?,
        import,
        receives,
        is_staff,
        x,
    })
}

#[derive(serde::Deserialize)]
pub struct StepForm {
    version: i64,
    #[serde(default)]
    response: String,
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
        .acknowledge_exchange(id, f.version)
        .await?;
    Ok(Redirect::to(&format!("/exchanges/{id}?notice=saved")).into_response())
}

async fn respond(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .respond_exchange(id, f.version, &f.response)
        .await?;
    Ok(Redirect::to(&format!("/exchanges/{id}?notice=saved")).into_response())
}

async fn register_clue(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let clue = state
        .store
        .as_actor(who.actor(), &who.req)
        .register_exchange_clue(id, f.version)
        .await?;
    Ok(Redirect::to(&format!("/clues/{clue}?notice=created")).into_response())
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
        .close_exchange(id, f.version)
        .await?;
    Ok(Redirect::to(&format!("/exchanges/{id}?notice=saved")).into_response())
}

/// The list, with its filters, as XLSX.
async fn export(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let f = ExchangeFilter {
        kind: q.kind.clone(),
        direction: q.direction.clone(),
        status: q.status.clone(),
        agency_id: q.agency_id,
    };
    let items = super::all_pages(10_000, |p| store.list_exchanges(&f, p)).await?;
    let rows: Vec<Vec<xingjian_documents::Cell>> = items
        .iter()
        .map(|x| {
            vec![
                x.kind_label().into(),
                x.direction_label().into(),
                x.title.clone().into(),
                x.agency_name.clone().into(),
                crate::layout::when(&x.sent_at).into(),
                x.due_on.clone().unwrap_or_default().into(),
                x.status_label().into(),
                x.acknowledged_at
                    .as_deref()
                    .map(crate::layout::when)
                    .unwrap_or_default()
                    .into(),
                x.response.clone().into(),
            ]
        })
        .collect();
    let bytes = xingjian_documents::table_xlsx(
        "信息交流",
        &[
            ("类别", 10.0),
            ("方向", 10.0),
            ("标题", 40.0),
            ("行政机关", 18.0),
            ("发出时间", 17.0),
            ("反馈期限", 12.0),
            ("状态", 8.0),
            ("签收时间", 17.0),
            ("反馈", 50.0),
        ],
        &rows,
    )
    .map_err(super::document_error)?;
    Ok(super::download("信息交流.xlsx", super::XLSX, bytes))
}
