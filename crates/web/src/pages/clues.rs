//! 问题线索: intake from 12309, field visits, agencies and screening hits;
//! possible duplicates at intake; triage, replies, opening a case.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::forms::{checkbox, opt_i64};
use crate::layout::{Layout, Pager, query_string};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use xingjian_domain::{Agency, ClueInput, ClueSource, Disposition, TriageInput, ValidationErrors};
use xingjian_store::{
    Clue, ClueFilter, ClueRecord, ClueReply, Deadline, FieldVisit, PageRequest, StaffMember,
    StoreError,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clues", get(list).post(create_from_hits))
        .route("/clues.xlsx", get(export))
        .route("/clues/new", get(new_form).post(create))
        .route("/clues/{id}", get(detail))
        .route("/clues/{id}/triage", post(triage))
        .route("/clues/{id}/reply", post(reply))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    notice: Option<String>,
    source: Option<String>,
    status: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    reveal: Option<String>,
}

#[derive(Template)]
#[template(path = "clues.html")]
struct ListPage {
    l: Layout,
    clues: Vec<Clue>,
    pager: Pager,
    source: String,
    status: String,
    q: String,
    sort: String,
    sources: Vec<(&'static str, &'static str)>,
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let filter = ClueFilter {
        source: q.source.clone(),
        status: q.status.clone(),
        q: q.q.clone(),
        sort: q.sort.clone(),
        ..Default::default()
    };
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_clues(&filter, PageRequest::new(q.page, None))
        .await?;
    let qs = query_string(&[
        ("source", q.source.clone()),
        ("status", q.status.clone()),
        ("q", q.q.clone()),
        ("sort", q.sort.clone()),
    ]);
    render(&ListPage {
        l: Layout::new("问题线索", &state.settings.office_name, "clues", &who),
        pager: Pager::new(&page, "/clues", &qs),
        clues: page.items,
        source: q.source.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        sort: q.sort.unwrap_or_default(),
        sources: ClueSource::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
    })
}

#[derive(serde::Deserialize, Default)]
pub struct HitsForm {
    #[serde(default)]
    hit: Vec<i64>,
    #[serde(default)]
    title: String,
}

async fn create_from_hits(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<HitsForm>,
) -> Result<Response, WebError> {
    let clue = state
        .store
        .as_actor(who.actor(), &who.req)
        .create_clue_from_hits(&f.hit, &f.title)
        .await?;
    Ok(Redirect::to(&format!("/clues/{}?notice=created", clue.id)).into_response())
}

/// The intake form as typed, so a refused form comes back intact.
#[derive(serde::Deserialize, Default, Clone)]
pub struct IntakeForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    content: String,
    #[serde(default, deserialize_with = "opt_i64")]
    agency_id: Option<i64>,
    #[serde(default)]
    received_at: String,
    #[serde(default, deserialize_with = "checkbox")]
    anonymous: bool,
    #[serde(default)]
    reporter_name: String,
    #[serde(default)]
    reporter_contact: String,
    #[serde(default)]
    plate: String,
    #[serde(default)]
    party: String,
    #[serde(default, deserialize_with = "opt_i64")]
    field_visit_id: Option<i64>,
    /// Set once the user has seen the possible duplicates and still registers.
    #[serde(default, deserialize_with = "checkbox")]
    not_duplicate: bool,
}

impl IntakeForm {
    pub fn agency_is(&self, id: &i64) -> bool {
        self.agency_id == Some(*id)
    }

    fn input(&self) -> ClueInput {
        ClueInput {
            source: self.source.clone(),
            title: self.title.clone(),
            content: self.content.clone(),
            agency_id: self.agency_id,
            received_at: self.received_at.clone(),
            anonymous: self.anonymous,
            reporter_name: self.reporter_name.clone(),
            reporter_contact: self.reporter_contact.clone(),
            plate: self.plate.clone(),
            party: self.party.clone(),
            field_visit_id: self.field_visit_id,
        }
    }
}

#[derive(Template)]
#[template(path = "clue_new.html")]
struct IntakePage {
    l: Layout,
    f: IntakeForm,
    errors: ValidationErrors,
    agencies: Vec<Agency>,
    visit: Option<FieldVisit>,
    duplicates: Vec<(Clue, String)>,
    sources: Vec<(&'static str, &'static str)>,
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    #[serde(default, deserialize_with = "opt_i64")]
    visit: Option<i64>,
}

async fn intake_page(
    state: &AppState,
    who: &Authed,
    f: IntakeForm,
    errors: ValidationErrors,
    duplicates: Vec<(Clue, String)>,
) -> Result<Response, WebError> {
    let visit = match f.field_visit_id {
        Some(v) => Some(
            state
                .store
                .as_actor(who.actor(), &who.req)
                .get_field_visit(v)
                .await?,
        ),
        None => None,
    };
    let has_errors = !errors.is_empty();
    let page = IntakePage {
        l: Layout::new("登记线索", &state.settings.office_name, "clues", who),
        f,
        errors,
        agencies: super::agency_choices(state, who).await?,
        visit,
        duplicates,
        sources: ClueSource::ALL
            .iter()
            .filter(|s| **s != ClueSource::ScreeningHit)
            .map(|s| (s.code(), s.label()))
            .collect(),
    };
    super::render_form(&page, has_errors)
}

async fn new_form(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    let now = chrono::Utc::now() + chrono::Duration::hours(8);
    let f = IntakeForm {
        source: if q.visit.is_some() {
            "field_visit"
        } else {
            "12309"
        }
        .into(),
        received_at: now.format("%Y-%m-%dT%H:%M").to_string(),
        field_visit_id: q.visit,
        ..Default::default()
    };
    intake_page(&state, &who, f, ValidationErrors::new(), Vec::new()).await
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<IntakeForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let input = f.input().normalized();
    if let Err(e) = input.validate(xingjian_store::today()) {
        return intake_page(&state, &who, f, e, Vec::new()).await;
    }
    if !f.not_duplicate {
        let text = format!("{}{}", input.title, input.content);
        let dups = store
            .possible_duplicates(&input.plate, &input.party, input.agency_id, &text, None)
            .await?;
        if !dups.is_empty() {
            return intake_page(&state, &who, f, ValidationErrors::new(), dups).await;
        }
    }
    match store.create_clue(f.input()).await {
        Ok(c) => Ok(Redirect::to(&format!("/clues/{}?notice=created", c.id)).into_response()),
        Err(StoreError::Validation(e)) => intake_page(&state, &who, f, e, Vec::new()).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "clue_detail.html")]
struct DetailPage {
    l: Layout,
    c: Clue,
    records: Vec<ClueRecord>,
    deadlines: Vec<Deadline>,
    duplicates: Vec<(Clue, String)>,
    staff: Vec<StaffMember>,
    dispositions: Vec<(&'static str, &'static str)>,
    revealed: Option<(String, String)>,
    may_handle: bool,
    history: Vec<xingjian_store::HistoryEntry>,
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let (c, records) = store.get_clue(id).await?;
    let revealed = if q.reveal.is_some() {
        Some(store.reveal_clue_reporter(id).await?)
    } else {
        None
    };
    let duplicates = if c.is_open() {
        store
            .possible_duplicates(
                &c.plate,
                &c.party,
                c.agency_id,
                &format!("{}{}", c.title, c.content),
                Some(c.id),
            )
            .await?
    } else {
        Vec::new()
    };
    render(&DetailPage {
        l: Layout::new(c.title.clone(), &state.settings.office_name, "clues", &who)
            .notice(q.notice.as_deref()),
        deadlines: store.deadlines_of("clue", id).await?,
        history: store.clue_history(id).await?,
        staff: store.staff_directory().await?,
        may_handle: store.may_screen(),
        dispositions: Disposition::ALL
            .iter()
            .filter(|d| **d != Disposition::Case)
            .map(|d| (d.code(), d.label()))
            .collect(),
        duplicates,
        revealed,
        c,
        records,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct TriageForm {
    #[serde(default, deserialize_with = "opt_i64")]
    assignee_id: Option<i64>,
    #[serde(default)]
    disposition: String,
    #[serde(default)]
    reason: String,
    #[serde(default, deserialize_with = "opt_i64")]
    merge_into: Option<i64>,
    version: i64,
}

async fn triage(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<TriageForm>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .triage_clue(
            id,
            TriageInput {
                assignee_id: f.assignee_id,
                disposition: f.disposition,
                reason: f.reason,
                merge_into: f.merge_into,
                version: f.version,
            },
        )
        .await?;
    Ok(Redirect::to(&format!("/clues/{id}?notice=saved")).into_response())
}

async fn reply(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<ClueReply>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .record_clue_reply(id, f)
        .await?;
    Ok(Redirect::to(&format!("/clues/{id}?notice=saved")).into_response())
}

/// The clue list, with its filters, as XLSX. Reporters' names and contacts
/// are exported as the list shows them: masked.
async fn export(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let filter = ClueFilter {
        source: q.source.clone(),
        status: q.status.clone(),
        q: q.q.clone(),
        sort: q.sort.clone(),
        ..Default::default()
    };
    let items = super::all_pages(10_000, |p| store.list_clues(&filter, p)).await?;
    let rows: Vec<Vec<xingjian_documents::Cell>> = items
        .iter()
        .map(|c| {
            vec![
                c.id.into(),
                c.source_label().into(),
                c.received_at.clone().unwrap_or_default().into(),
                c.title.clone().into(),
                c.agency_name.clone().unwrap_or_default().into(),
                c.plate.clone().into(),
                c.party.clone().into(),
                if c.anonymous {
                    "匿名".to_owned()
                } else {
                    c.reporter_name.clone()
                }
                .into(),
                c.reporter_contact.clone().into(),
                c.status_label().into(),
                c.disposition_label().into(),
                c.assignee_name.clone().unwrap_or_default().into(),
            ]
        })
        .collect();
    let bytes = xingjian_documents::table_xlsx(
        "问题线索",
        &[
            ("编号", 8.0),
            ("来源", 12.0),
            ("接收时间", 17.0),
            ("事由", 40.0),
            ("被反映机关", 18.0),
            ("车牌号", 12.0),
            ("当事人", 12.0),
            ("反映人", 10.0),
            ("联系方式", 14.0),
            ("状态", 8.0),
            ("处置", 8.0),
            ("承办人", 10.0),
        ],
        &rows,
    )
    .map_err(super::document_error)?;
    Ok(super::download("问题线索.xlsx", super::XLSX, bytes))
}
