//! Meetings with agencies: record, edit, follow-up tasks, minutes as DOCX.

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
use axum::routing::get;
use axum_extra::extract::Form;
use xingjian_documents::{MinutesAttendee, MinutesDoc, MinutesFollowUp, minutes_docx};
use xingjian_domain::coordination::MeetingKind;
use xingjian_domain::{Agency, ValidationErrors};
use xingjian_store::{
    Attachment, Campaign, HistoryEntry, Meeting, MeetingFilter, MeetingInput, MeetingRecord,
    PageRequest, StaffMember, StoreError, Task,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list).post(create))
        .route("/meetings/new", get(new_form))
        .route("/meetings/{id}", get(detail))
        .route("/meetings/{id}/edit", get(edit_form).post(update))
        .route("/meetings/{id}/minutes.docx", get(minutes))
        .route(
            "/meetings/{id}/attachments",
            super::reviews::upload_route("meeting"),
        )
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    MeetingKind::ALL
        .iter()
        .map(|k| (k.code(), k.label()))
        .collect()
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    notice: Option<String>,
    kind: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    agency_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct ListPage {
    l: Layout,
    meetings: Vec<Meeting>,
    pager: Pager,
    kind: String,
    kinds: Vec<(&'static str, &'static str)>,
    may_record: bool,
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let page = store
        .list_meetings(
            &MeetingFilter {
                kind: q.kind.clone(),
                agency_id: q.agency_id,
                campaign_id: None,
            },
            PageRequest::new(q.page, None),
        )
        .await?;
    render(&ListPage {
        l: Layout::new("会议", &state.settings.office_name, "meetings", &who),
        pager: Pager::new(
            &page,
            "/meetings",
            &query_string(&[
                ("kind", q.kind.clone()),
                ("agency_id", q.agency_id.map(|a| a.to_string())),
            ]),
        ),
        meetings: page.items,
        kind: q.kind.unwrap_or_default(),
        kinds: kinds(),
        may_record: store.may_screen(),
    })
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct MeetingForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    minutes: String,
    #[serde(default, deserialize_with = "opt_i64")]
    campaign_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    case_id: Option<i64>,
    #[serde(default)]
    agency_ids: Vec<i64>,
    #[serde(default)]
    attendees: String,
    #[serde(default)]
    consensus: String,
}

impl MeetingForm {
    fn input(&self) -> MeetingInput {
        MeetingInput {
            kind: self.kind.clone(),
            title: self.title.clone(),
            held_on: self.held_on.clone(),
            place: self.place.clone(),
            agenda: self.agenda.clone(),
            minutes: self.minutes.clone(),
            campaign_id: self.campaign_id,
            case_id: self.case_id,
            agency_ids: self.agency_ids.clone(),
            attendees: self.attendees.clone(),
            consensus: self.consensus.clone(),
        }
    }

    fn of(r: &MeetingRecord) -> Self {
        let m = &r.meeting;
        Self {
            version: m.version,
            kind: m.kind.clone(),
            title: m.title.clone(),
            held_on: m.held_on.clone(),
            place: m.place.clone(),
            agenda: m.agenda.clone(),
            minutes: m.minutes.clone(),
            campaign_id: m.campaign_id,
            case_id: m.case_id,
            agency_ids: m.agencies.iter().map(|(a, _)| *a).collect(),
            attendees: r
                .attendees
                .iter()
                .map(|a| format!("{}，{}，{}", a.name, a.position, a.unit))
                .collect::<Vec<_>>()
                .join("\n"),
            consensus: r
                .consensus
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{}. {c}", i + 1))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    pub fn has_agency(&self, id: &i64) -> bool {
        self.agency_ids.contains(id)
    }

    pub fn campaign_is(&self, id: &i64) -> bool {
        self.campaign_id == Some(*id)
    }
}

#[derive(Template)]
#[template(path = "meeting_form.html")]
struct FormPage {
    l: Layout,
    f: MeetingForm,
    id: Option<i64>,
    errors: ValidationErrors,
    agencies: Vec<Agency>,
    campaigns: Vec<Campaign>,
    kinds: Vec<(&'static str, &'static str)>,
}

async fn form_page(
    state: &AppState,
    who: &Authed,
    f: MeetingForm,
    id: Option<i64>,
    errors: ValidationErrors,
) -> Result<Response, WebError> {
    let has_errors = !errors.is_empty();
    let campaigns = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_campaigns(PageRequest::new(Some(1), Some(50)))
        .await?
        .items;
    let title = if id.is_some() {
        "修改会议记录"
    } else {
        "记录会议"
    };
    render_form(
        &FormPage {
            l: Layout::new(title, &state.settings.office_name, "meetings", who),
            agencies: super::agency_choices(state, who).await?,
            f,
            id,
            errors,
            campaigns,
            kinds: kinds(),
        },
        has_errors,
    )
}

async fn new_form(
    State(state): State<AppState>,
    who: Authed,
    Query(f): Query<MeetingForm>,
) -> Result<Response, WebError> {
    form_page(&state, &who, f, None, ValidationErrors::new()).await
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<MeetingForm>,
) -> Result<Response, WebError> {
    match state
        .store
        .as_actor(who.actor(), &who.req)
        .create_meeting(f.input())
        .await
    {
        Ok(r) => {
            Ok(Redirect::to(&format!("/meetings/{}?notice=created", r.meeting.id)).into_response())
        }
        Err(StoreError::Validation(e)) => form_page(&state, &who, f, None, e).await,
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let r = state
        .store
        .as_actor(who.actor(), &who.req)
        .get_meeting(id)
        .await?;
    form_page(
        &state,
        &who,
        MeetingForm::of(&r),
        Some(id),
        ValidationErrors::new(),
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<MeetingForm>,
) -> Result<Response, WebError> {
    match state
        .store
        .as_actor(who.actor(), &who.req)
        .update_meeting(id, f.version, f.input())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}?notice=saved")).into_response()),
        Err(StoreError::Validation(e)) => form_page(&state, &who, f, Some(id), e).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "meeting_detail.html")]
struct DetailPage {
    l: Layout,
    r: MeetingRecord,
    tasks: Vec<Task>,
    staff: Vec<StaffMember>,
    is_staff: bool,
    attachments: Vec<Attachment>,
    upload_action: String,
    may_upload: bool,
    history: Vec<HistoryEntry>,
    task_campaign_id: Option<i64>,
    task_meeting_id: Option<i64>,
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let r = store.get_meeting(id).await?;
    let is_staff = store.may_screen();
    render(&DetailPage {
        l: Layout::new(
            r.meeting.title.clone(),
            &state.settings.office_name,
            "meetings",
            &who,
        )
        .notice(q.notice.as_deref()),
        tasks: store.tasks_of(None, Some(id)).await?,
        staff: store.staff_directory().await?,
        attachments: store.attachments_of("meeting", id).await?,
        upload_action: format!("/meetings/{id}/attachments"),
        may_upload: is_staff,
        history: if is_staff {
            store.meeting_history(id).await?
        } else {
            Vec::new()
        },
        task_campaign_id: r.meeting.campaign_id,
        task_meeting_id: Some(id),
        is_staff,
        r,
    })
}

/// The minutes as an official-layout DOCX.
async fn minutes(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let r = store.get_meeting(id).await?;
    let tasks = store.tasks_of(None, Some(id)).await?;
    let m = &r.meeting;
    let doc = MinutesDoc {
        office: state.settings.office_name.clone(),
        kind: m.kind_label().to_owned(),
        title: m.title.clone(),
        held_on: m.held_on.clone(),
        place: m.place.clone(),
        attendees: r
            .attendees
            .iter()
            .map(|a| MinutesAttendee {
                unit: a.unit.clone(),
                name: a.name.clone(),
                position: a.position.clone(),
            })
            .collect(),
        agenda: m.agenda.clone(),
        minutes: m.minutes.clone(),
        consensus: r.consensus.clone(),
        follow_ups: tasks
            .iter()
            .filter(|t| t.status != "cancelled")
            .map(|t| MinutesFollowUp {
                title: t.title.clone(),
                owner: t.owner_name.clone(),
                due_on: t.due_on.clone(),
            })
            .collect(),
    };
    let bytes = minutes_docx(&doc).map_err(super::document_error)?;
    let name = format!("{}纪要（{}）.docx", m.kind_label(), m.held_on);
    Ok(super::download(&name, super::DOCX, bytes))
}
