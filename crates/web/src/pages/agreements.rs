//! Agreements with agencies and their obligations, with warnings when an
//! obligation is not being met.

use super::{render, render_form};
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::{Layout, Pager};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use xingjian_domain::coordination::{ObligationKind, Period};
use xingjian_domain::{Agency, ValidationErrors};
use xingjian_store::{
    Agreement, AgreementInput, Attachment, HistoryEntry, Obligation, ObligationInput, PageRequest,
    StoreError,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agreements", get(list).post(create))
        .route("/agreements/new", get(new_form))
        .route("/agreements/{id}", get(detail))
        .route("/agreements/{id}/obligations", post(add_obligation))
        .route(
            "/agreements/{id}/attachments",
            super::reviews::upload_route("agreement"),
        )
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    notice: Option<String>,
}

/// An agreement with how many of its obligations carry a warning.
pub struct Row {
    pub g: Agreement,
    pub warnings: usize,
}

#[derive(Template)]
#[template(path = "agreements.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    pager: Pager,
    may_record: bool,
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let page = store
        .list_agreements(None, PageRequest::new(q.page, None))
        .await?;
    let pager = Pager::new(&page, "/agreements", "");
    let mut rows = Vec::new();
    for g in page.items {
        let warnings = store
            .obligations_of(&g)
            .await?
            .iter()
            .filter(|o| o.warning.is_some())
            .count();
        rows.push(Row { g, warnings });
    }
    render(&ListPage {
        l: Layout::new("协作协议", &state.settings.office_name, "agreements", &who),
        rows,
        pager,
        may_record: store.may_screen(),
    })
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    signed_on: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    party_ids: Vec<i64>,
    /// Obligations to add at once: `kind:period` codes (the common ones).
    #[serde(default)]
    obligations: Vec<String>,
}

impl NewForm {
    pub fn has_party(&self, id: &i64) -> bool {
        self.party_ids.contains(id)
    }
    pub fn has_obligation(&self, code: &str) -> bool {
        self.obligations.iter().any(|o| o == code)
    }
}

/// The obligations such agreements usually carry (the seed's two), offered
/// as checkboxes when registering one: (code, label).
fn common_obligations() -> Vec<(String, String)> {
    [
        (ObligationKind::DataShare, Period::Quarter),
        (ObligationKind::CaseNotice, Period::None),
        (ObligationKind::ClueTransfer, Period::None),
        (ObligationKind::Liaison, Period::None),
        (ObligationKind::JointMeeting, Period::Year),
        (ObligationKind::CaseConsultation, Period::None),
    ]
    .iter()
    .map(|(k, p)| {
        (
            format!("{}:{}", k.code(), p.code()),
            format!("{}（{}）", k.label(), p.label()),
        )
    })
    .collect()
}

#[derive(Template)]
#[template(path = "agreement_new.html")]
struct NewPage {
    l: Layout,
    f: NewForm,
    errors: ValidationErrors,
    agencies: Vec<Agency>,
    common: Vec<(String, String)>,
}

async fn new_page(
    state: &AppState,
    who: &Authed,
    f: NewForm,
    errors: ValidationErrors,
) -> Result<Response, WebError> {
    let has_errors = !errors.is_empty();
    render_form(
        &NewPage {
            l: Layout::new(
                "登记协作协议",
                &state.settings.office_name,
                "agreements",
                who,
            ),
            agencies: super::agency_choices(state, who).await?,
            f,
            errors,
            common: common_obligations(),
        },
        has_errors,
    )
}

async fn new_form(State(state): State<AppState>, who: Authed) -> Result<Response, WebError> {
    let f = NewForm {
        obligations: common_obligations().into_iter().map(|(c, _)| c).collect(),
        ..NewForm::default()
    };
    new_page(&state, &who, f, ValidationErrors::new()).await
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<NewForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let g = match store
        .create_agreement(AgreementInput {
            title: f.title.clone(),
            signed_on: f.signed_on.clone(),
            summary: f.summary.clone(),
            party_ids: f.party_ids.clone(),
        })
        .await
    {
        Ok(g) => g,
        Err(StoreError::Validation(e)) => return new_page(&state, &who, f, e).await,
        Err(e) => return Err(e.into()),
    };
    for o in &f.obligations {
        let (kind, period) = o.split_once(':').unwrap_or((o.as_str(), ""));
        store
            .add_obligation(
                g.id,
                ObligationInput {
                    kind: kind.to_owned(),
                    description: String::new(),
                    period: period.to_owned(),
                },
            )
            .await?;
    }
    Ok(Redirect::to(&format!("/agreements/{}?notice=created", g.id)).into_response())
}

#[derive(Template)]
#[template(path = "agreement_detail.html")]
struct DetailPage {
    l: Layout,
    g: Agreement,
    obligations: Vec<Obligation>,
    kinds: Vec<(&'static str, &'static str)>,
    periods: Vec<(&'static str, &'static str)>,
    is_staff: bool,
    attachments: Vec<Attachment>,
    upload_action: String,
    may_upload: bool,
    history: Vec<HistoryEntry>,
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let g = store.get_agreement(id).await?;
    let is_staff = store.may_screen();
    render(&DetailPage {
        l: Layout::new(
            g.title.clone(),
            &state.settings.office_name,
            "agreements",
            &who,
        )
        .notice(q.notice.as_deref()),
        obligations: store.obligations_of(&g).await?,
        kinds: ObligationKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        periods: Period::ALL.iter().map(|p| (p.code(), p.label())).collect(),
        attachments: store.attachments_of("agreement", id).await?,
        upload_action: format!("/agreements/{id}/attachments"),
        may_upload: is_staff,
        history: if is_staff {
            store.agreement_history(id).await?
        } else {
            Vec::new()
        },
        is_staff,
        g,
    })
}

async fn add_obligation(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<ObligationInput>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .add_obligation(id, f)
        .await?;
    Ok(Redirect::to(&format!("/agreements/{id}?notice=saved")).into_response())
}
