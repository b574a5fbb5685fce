//! The agency registry: list, detail, create, edit.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::{Layout, Pager, query_string};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use xingjian_domain::{Agency, AgencyId, AgencyInput, AgencyKind, Role, ValidationErrors};
use xingjian_store::{AgencyFilter, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agencies", get(list).post(create))
        .route("/agencies/new", get(new_form))
        .route("/agencies/{id}", get(detail).post(update))
        .route("/agencies/{id}/edit", get(edit_form))
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    AgencyKind::ALL
        .iter()
        .map(|k| (k.code(), k.label()))
        .collect()
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    page: Option<i64>,
    msg: Option<String>,
}

#[derive(Template)]
#[template(path = "agencies/list.html")]
struct ListPage {
    l: Layout,
    agencies: Vec<Agency>,
    pager: Pager,
    q: String,
    kind: String,
    kinds: Vec<(&'static str, &'static str)>,
    can_edit: bool,
    is_internal: bool,
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let filter = AgencyFilter {
        q: q.q.clone(),
        kind: q.kind.as_deref().and_then(AgencyKind::from_code),
    };
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_agencies(&filter, PageRequest::new(q.page, None))
        .await?;
    let qs = query_string(&[("q", q.q.clone()), ("kind", q.kind.clone())]);
    render(&ListPage {
        pager: Pager::new(&page, "/agencies", &qs),
        agencies: page.items,
        q: q.q.unwrap_or_default(),
        kind: q.kind.unwrap_or_default(),
        kinds: kinds(),
        can_edit: who.actor().can_administer(),
        is_internal: who.actor().role.is_internal(),
        l: Layout::new("行政机关", &state.settings.office_name, "agencies", &who)
            .notice(q.msg.as_deref()),
    })
}

#[derive(Template)]
#[template(path = "agencies/detail.html")]
struct DetailPage {
    l: Layout,
    a: Agency,
    liaisons: Vec<xingjian_store::Contact>,
    can_edit: bool,
    c: Option<Coordination>,
}

/// The agency seen from the coordination side: exchanges each way, what it
/// has not acknowledged in time, meetings, agreements and file requests.
struct Coordination {
    outbound: i64,
    outbound_open: i64,
    inbound: i64,
    inbound_open: i64,
    overdue_exchanges: Vec<xingjian_store::Exchange>,
    overdue_requests: Vec<xingjian_store::FileRequest>,
    recent: Vec<xingjian_store::Exchange>,
    meetings: Vec<xingjian_store::Meeting>,
    agreements: Vec<(xingjian_store::Agreement, Vec<String>)>,
    requests: Vec<xingjian_store::FileRequest>,
    recommendations: Vec<xingjian_store::Recommendation>,
}

async fn coordination(
    store: &xingjian_store::ActorStore<'_>,
    id: i64,
) -> Result<Coordination, WebError> {
    use xingjian_store::{ExchangeFilter, FileRequestFilter, MeetingFilter};
    let one = || PageRequest::new(Some(1), Some(1));
    let ten = || PageRequest::new(Some(1), Some(10));
    let count = |direction: &str, status: Option<&str>| ExchangeFilter {
        direction: Some(direction.into()),
        status: status.map(str::to_owned),
        agency_id: Some(id),
        kind: None,
    };
    let mut agreements = Vec::new();
    for g in store.list_agreements(Some(id), ten()).await?.items {
        let warnings = store
            .obligations_of(&g)
            .await?
            .into_iter()
            .filter_map(|o| o.warning)
            .collect();
        agreements.push((g, warnings));
    }
    Ok(Coordination {
        outbound: store
            .list_exchanges(&count("outbound", None), one())
            .await?
            .total,
        outbound_open: store
            .list_exchanges(&count("outbound", Some("open")), one())
            .await?
            .total,
        inbound: store
            .list_exchanges(&count("inbound", None), one())
            .await?
            .total,
        inbound_open: store
            .list_exchanges(&count("inbound", Some("open")), one())
            .await?
            .total,
        overdue_exchanges: store
            .list_exchanges(&count("outbound", Some("overdue")), ten())
            .await?
            .items,
        overdue_requests: store
            .list_file_requests(
                &FileRequestFilter {
                    status: Some("overdue".into()),
                    agency_id: Some(id),
                },
                ten(),
            )
            .await?
            .items,
        recent: store
            .list_exchanges(
                &ExchangeFilter {
                    agency_id: Some(id),
                    ..ExchangeFilter::default()
                },
                ten(),
            )
            .await?
            .items,
        meetings: store
            .list_meetings(
                &MeetingFilter {
                    agency_id: Some(id),
                    ..MeetingFilter::default()
                },
                ten(),
            )
            .await?
            .items,
        agreements,
        requests: store
            .list_file_requests(
                &FileRequestFilter {
                    status: None,
                    agency_id: Some(id),
                },
                ten(),
            )
            .await?
            .items,
        recommendations: store
            .list_recommendations(
                &xingjian_store::RecommendationFilter {
                    agency_id: Some(id),
                    ..Default::default()
                },
                ten(),
            )
            .await?
            .items,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct MsgQuery {
    msg: Option<String>,
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(m): Query<MsgQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let a = store.get_agency(AgencyId(id)).await?;
    // Contacts are read within the agency scope (the agency's own liaison sees them too).
    let liaisons = store.liaison_contacts(id).await?;
    let c = if who.actor().role == Role::PeopleSupervisor {
        None
    } else {
        Some(coordination(&store, id).await?)
    };
    render(&DetailPage {
        l: Layout::new(
            a.name.clone(),
            &state.settings.office_name,
            "agencies",
            &who,
        )
        .notice(m.msg.as_deref()),
        can_edit: who.actor().can_administer(),
        liaisons,
        a,
        c,
    })
}

#[derive(Template)]
#[template(path = "agencies/form.html")]
struct FormPage {
    l: Layout,
    existing: Option<Agency>,
    name: String,
    kind: String,
    aliases: String,
    kinds: Vec<(&'static str, &'static str)>,
    errors: ValidationErrors,
    general_error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct AgencyForm {
    name: String,
    kind: String,
    #[serde(default)]
    aliases: String,
    version: Option<i64>,
}

impl AgencyForm {
    fn input(&self) -> Result<AgencyInput, ValidationErrors> {
        let kind = AgencyKind::from_code(&self.kind)
            .ok_or_else(|| ValidationErrors::one("kind", "请选择机关类别"))?;
        Ok(AgencyInput {
            name: self.name.clone(),
            aliases: self.aliases.lines().map(str::to_owned).collect(),
            kind,
        })
    }
}

fn form_page(
    state: &AppState,
    who: &Authed,
    existing: Option<Agency>,
    f: Option<&AgencyForm>,
    err: Option<WebError>,
) -> Result<Response, WebError> {
    let (errors, general_error) = match err {
        Some(WebError::Validation(v)) => (v, None),
        Some(other) => (ValidationErrors::new(), Some(other.to_string())),
        None => (ValidationErrors::new(), None),
    };
    let status = if errors.is_empty() && general_error.is_none() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let (name, kind, aliases) = match (f, &existing) {
        (Some(f), _) => (f.name.clone(), f.kind.clone(), f.aliases.clone()),
        (None, Some(a)) => (
            a.name.clone(),
            a.kind.code().to_owned(),
            a.aliases.join("\n"),
        ),
        (None, None) => (
            String::new(),
            AgencyKind::Transport.code().to_owned(),
            String::new(),
        ),
    };
    let title = if existing.is_some() {
        "修改行政机关"
    } else {
        "登记行政机关"
    };
    let body = render(&FormPage {
        l: Layout::new(title, &state.settings.office_name, "agencies", who),
        existing,
        name,
        kind,
        aliases,
        kinds: kinds(),
        errors,
        general_error,
    })?;
    Ok((status, body).into_response())
}

fn require_admin(who: &Authed) -> Result<(), WebError> {
    if who.actor().can_administer() {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "只有系统管理员可以登记或修改行政机关".into(),
        ))
    }
}

async fn new_form(State(state): State<AppState>, who: Authed) -> Result<Response, WebError> {
    require_admin(&who)?;
    form_page(&state, &who, None, None, None)
}

async fn edit_form(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let a = state
        .store
        .as_actor(who.actor(), &who.req)
        .get_agency(AgencyId(id))
        .await?;
    require_admin(&who)?;
    form_page(&state, &who, Some(a), None, None)
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<AgencyForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let result = match f.input() {
        Ok(input) => store.create_agency(input).await.map_err(WebError::from),
        Err(v) => Err(WebError::Validation(v)),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/agencies/{}?msg=created", a.id)).into_response()),
        Err(e @ (WebError::Validation(_) | WebError::Conflict(_))) => {
            form_page(&state, &who, None, Some(&f), Some(e))
        }
        Err(e) => Err(e),
    }
}

async fn update(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<AgencyForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let id = AgencyId(id);
    let result = match f.input() {
        Ok(input) => store
            .update_agency(id, f.version.unwrap_or(0), input)
            .await
            .map_err(WebError::from),
        Err(v) => Err(WebError::Validation(v)),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!("/agencies/{}?msg=saved", a.id)).into_response()),
        Err(e @ (WebError::Validation(_) | WebError::Conflict(_))) => {
            let existing = store.get_agency(id).await?;
            form_page(&state, &who, Some(existing), Some(&f), Some(e))
        }
        Err(e) => Err(e),
    }
}
