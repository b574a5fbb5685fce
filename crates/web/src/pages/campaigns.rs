//! 专项活动 and 监督任务清单: campaigns with their leading group and task list;
//! tasks (a campaign's, or a meeting's follow-ups) with owners and deadlines.

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
use xingjian_domain::ValidationErrors;
use xingjian_domain::coordination::Body;
use xingjian_store::{
    Attachment, Campaign, CampaignInput, CampaignMember, Deadline, HistoryEntry, PageRequest,
    StaffMember, StoreError, Task, TaskFilter, TaskInput,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list).post(create))
        .route("/campaigns/new", get(new_form))
        .route("/campaigns/{id}", get(detail))
        .route("/campaigns/{id}/edit", get(edit_form).post(update))
        .route("/campaigns/{id}/status", post(set_status))
        .route("/tasks", get(tasks).post(create_task))
        .route("/tasks.xlsx", get(export_tasks))
        .route("/tasks/{id}", get(task_detail))
        .route("/tasks/{id}/status", post(task_status))
        .route(
            "/campaigns/{id}/attachments",
            super::reviews::upload_route("campaign"),
        )
        .route(
            "/tasks/{id}/attachments",
            super::reviews::upload_route("task"),
        )
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    notice: Option<String>,
    view: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    campaign_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    l: Layout,
    campaigns: Vec<Campaign>,
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
        .list_campaigns(PageRequest::new(q.page, None))
        .await?;
    render(&ListPage {
        l: Layout::new("专项活动", &state.settings.office_name, "campaigns", &who),
        pager: Pager::new(&page, "/campaigns", ""),
        campaigns: page.items,
    })
}

/// The campaign form as typed (kept as typed when it comes back with errors).
#[derive(serde::Deserialize, Default, Clone)]
pub struct CampaignForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    goals: String,
    #[serde(default)]
    focus_areas: Vec<String>,
    #[serde(default)]
    leading_group: String,
    #[serde(default)]
    office: String,
}

impl CampaignForm {
    fn input(&self) -> CampaignInput {
        CampaignInput {
            name: self.name.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            goals: self.goals.clone(),
            focus_areas: self.focus_areas.clone(),
            leading_group: self.leading_group.clone(),
            office: self.office.clone(),
        }
    }

    pub fn has_focus(&self, f: &str) -> bool {
        self.focus_areas.iter().any(|x| x == f)
    }

    fn of(c: &Campaign, members: &[CampaignMember]) -> Self {
        let lines = |body: Body| {
            members
                .iter()
                .filter(|m| m.body == body.code())
                .map(|m| format!("{}，{}，{}", m.name, m.position, m.responsibility))
                .collect::<Vec<_>>()
                .join("\n")
        };
        Self {
            version: c.version,
            name: c.name.clone(),
            starts_on: c.starts_on.clone(),
            ends_on: c.ends_on.clone(),
            goals: c.goals.clone(),
            focus_areas: c.focus_areas.clone(),
            leading_group: lines(Body::LeadingGroup),
            office: lines(Body::Office),
        }
    }
}

#[derive(Template)]
#[template(path = "campaign_form.html")]
struct FormPage {
    l: Layout,
    f: CampaignForm,
    /// None when creating.
    id: Option<i64>,
    errors: ValidationErrors,
    focus_choices: Vec<String>,
}

fn form_page(
    state: &AppState,
    who: &Authed,
    f: CampaignForm,
    id: Option<i64>,
    errors: ValidationErrors,
) -> Result<Response, WebError> {
    let has_errors = !errors.is_empty();
    let title = if id.is_some() {
        "修改专项活动"
    } else {
        "新建专项活动"
    };
    // Focus areas chosen earlier but no longer configured stay choosable.
    let mut focus_choices = state.settings.focus_areas.clone();
    for x in &f.focus_areas {
        if !focus_choices.contains(x) {
            focus_choices.push(x.clone());
        }
    }
    render_form(
        &FormPage {
            l: Layout::new(title, &state.settings.office_name, "campaigns", who),
            f,
            id,
            errors,
            focus_choices,
        },
        has_errors,
    )
}

async fn new_form(State(state): State<AppState>, who: Authed) -> Result<Response, WebError> {
    let f = CampaignForm {
        leading_group: "（姓名），检察长，第一责任人\n（姓名），分管检察长，主要责任".into(),
        ..CampaignForm::default()
    };
    form_page(&state, &who, f, None, ValidationErrors::new())
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<CampaignForm>,
) -> Result<Response, WebError> {
    match state
        .store
        .as_actor(who.actor(), &who.req)
        .create_campaign(f.input())
        .await
    {
        Ok(c) => Ok(Redirect::to(&format!("/campaigns/{}?notice=created", c.id)).into_response()),
        Err(StoreError::Validation(e)) => form_page(&state, &who, f, None, e),
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (c, members) = state
        .store
        .as_actor(who.actor(), &who.req)
        .get_campaign(id)
        .await?;
    form_page(
        &state,
        &who,
        CampaignForm::of(&c, &members),
        Some(id),
        ValidationErrors::new(),
    )
}

async fn update(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<CampaignForm>,
) -> Result<Response, WebError> {
    match state
        .store
        .as_actor(who.actor(), &who.req)
        .update_campaign(id, f.version, f.input())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/campaigns/{id}?notice=saved")).into_response()),
        Err(StoreError::Validation(e)) => form_page(&state, &who, f, Some(id), e),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "campaign_detail.html")]
struct DetailPage {
    l: Layout,
    c: Campaign,
    leading_group: Vec<CampaignMember>,
    office: Vec<CampaignMember>,
    tasks: Vec<Task>,
    staff: Vec<StaffMember>,
    attachments: Vec<Attachment>,
    upload_action: String,
    may_upload: bool,
    history: Vec<HistoryEntry>,
    /// The task form's owner of the context (a campaign here).
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
    let (c, members) = store.get_campaign(id).await?;
    let (leading_group, office) = members
        .into_iter()
        .partition(|m| m.body == Body::LeadingGroup.code());
    render(&DetailPage {
        l: Layout::new(
            c.name.clone(),
            &state.settings.office_name,
            "campaigns",
            &who,
        )
        .notice(q.notice.as_deref()),
        tasks: store.tasks_of(Some(id), None).await?,
        staff: store.staff_directory().await?,
        attachments: store.attachments_of("campaign", id).await?,
        upload_action: format!("/campaigns/{id}/attachments"),
        may_upload: store.may_screen(),
        history: store.campaign_history(id).await?,
        task_campaign_id: (c.status != "closed").then_some(id),
        task_meeting_id: None,
        c,
        leading_group,
        office,
    })
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    version: i64,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

async fn set_status(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .set_campaign_status(id, f.version, f.status == "closed")
        .await?;
    Ok(Redirect::to(&format!("/campaigns/{id}?notice=saved")).into_response())
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    l: Layout,
    tasks: Vec<Task>,
    pager: Pager,
    view: String,
}

async fn tasks(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let view = q.view.clone().unwrap_or_else(|| "open".into());
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_tasks(
            &TaskFilter {
                view: Some(view.clone()),
                campaign_id: q.campaign_id,
            },
            PageRequest::new(q.page, None),
        )
        .await?;
    render(&TasksPage {
        l: Layout::new("监督任务", &state.settings.office_name, "tasks", &who),
        pager: Pager::new(
            &page,
            "/tasks",
            &query_string(&[
                ("view", Some(view.clone())),
                ("campaign_id", q.campaign_id.map(|c| c.to_string())),
            ]),
        ),
        tasks: page.items,
        view,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct TaskForm {
    #[serde(default, deserialize_with = "opt_i64")]
    campaign_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    meeting_id: Option<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    category: String,
    #[serde(default, deserialize_with = "opt_i64")]
    owner_id: Option<i64>,
    #[serde(default)]
    co_owner_ids: Vec<i64>,
    #[serde(default)]
    due_on: String,
}

/// Add a task to a campaign's list or a meeting's follow-ups; back to that page.
async fn create_task(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<TaskForm>,
) -> Result<Response, WebError> {
    let back = match (f.campaign_id, f.meeting_id) {
        (_, Some(m)) => format!("/meetings/{m}"),
        (Some(c), None) => format!("/campaigns/{c}"),
        (None, None) => "/tasks".to_owned(),
    };
    let t = state
        .store
        .as_actor(who.actor(), &who.req)
        .create_task(TaskInput {
            campaign_id: f.campaign_id,
            meeting_id: f.meeting_id,
            title: f.title,
            category: f.category,
            owner_id: f.owner_id,
            co_owner_ids: f.co_owner_ids,
            due_on: f.due_on,
        })
        .await?;
    Ok(Redirect::to(&format!("{back}?notice=created#task-{}", t.id)).into_response())
}

#[derive(Template)]
#[template(path = "task_detail.html")]
struct TaskPage {
    l: Layout,
    t: Task,
    co_owners: Vec<String>,
    deadlines: Vec<Deadline>,
    attachments: Vec<Attachment>,
    upload_action: String,
    may_upload: bool,
    history: Vec<HistoryEntry>,
}

async fn task_detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let t = store.get_task(id).await?;
    let staff = store.staff_directory().await?;
    let co_owners = t
        .co_owner_ids
        .iter()
        .filter_map(|c| staff.iter().find(|s| s.id == *c))
        .map(|s| s.display_name.clone())
        .collect();
    render(&TaskPage {
        l: Layout::new(t.title.clone(), &state.settings.office_name, "tasks", &who)
            .notice(q.notice.as_deref()),
        deadlines: store.deadlines_of("task", id).await?,
        attachments: store.attachments_of("task", id).await?,
        upload_action: format!("/tasks/{id}/attachments"),
        may_upload: store.may_screen() && t.is_open(),
        history: store.task_history(id).await?,
        co_owners,
        t,
    })
}

async fn task_status(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .update_task_status(id, f.version, &f.status, &f.note)
        .await?;
    Ok(Redirect::to(&format!("/tasks/{id}?notice=saved")).into_response())
}

/// The task list, with its filters, as XLSX.
async fn export_tasks(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let f = TaskFilter {
        view: Some(q.view.clone().unwrap_or_else(|| "all".into())),
        campaign_id: q.campaign_id,
    };
    let items = super::all_pages(10_000, |p| store.list_tasks(&f, p)).await?;
    let rows: Vec<Vec<xingjian_documents::Cell>> = items
        .iter()
        .map(|t| {
            vec![
                t.campaign_name.clone().unwrap_or_default().into(),
                t.title.clone().into(),
                t.category.clone().into(),
                t.owner_name.clone().into(),
                t.due_on.clone().into(),
                t.status_label().to_owned().into(),
                if t.overdue { "是" } else { "" }.into(),
                t.completion_note.clone().into(),
                t.completed_on.clone().unwrap_or_default().into(),
            ]
        })
        .collect();
    let bytes = xingjian_documents::table_xlsx(
        "监督任务",
        &[
            ("专项活动", 30.0),
            ("任务", 40.0),
            ("类别", 8.0),
            ("责任人", 12.0),
            ("责任时限", 12.0),
            ("状态", 8.0),
            ("超期", 6.0),
            ("完成情况", 40.0),
            ("办结日期", 12.0),
        ],
        &rows,
    )
    .map_err(super::document_error)?;
    Ok(super::download("监督任务.xlsx", super::XLSX, bytes))
}
