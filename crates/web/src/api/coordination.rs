//! Coordination in the JSON API: campaigns, tasks, exchanges, meetings, agreements.

use super::{ApiErrorBody, ApiResult, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiAuthed;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use xingjian_store::{
    Agreement, AgreementInput, Attendee, Campaign, CampaignInput, CampaignMember, Exchange,
    ExchangeFilter, ExchangeInput, Fulfilment, Meeting, MeetingFilter, MeetingInput, MeetingRecord,
    Obligation, ObligationInput, Task, TaskFilter, TaskInput,
};

#[derive(OpenApi)]
#[openapi(
    paths(
        list_campaigns,
        get_campaign,
        create_campaign,
        list_tasks,
        create_task,
        task_status,
        list_exchanges,
        get_exchange,
        create_exchange,
        acknowledge_exchange,
        respond_exchange,
        register_exchange_clue,
        list_meetings,
        get_meeting,
        create_meeting,
        list_agreements,
        get_agreement,
        create_agreement,
        add_obligation
    ),
    components(schemas(
        Campaign,
        CampaignInput,
        CampaignMember,
        CampaignDetail,
        Task,
        TaskInput,
        StatusRequest,
        Exchange,
        ExchangeInput,
        StepRequest,
        ClueCreated,
        Meeting,
        MeetingInput,
        MeetingRecord,
        Attendee,
        Agreement,
        AgreementInput,
        AgreementDetail,
        Obligation,
        ObligationInput,
        Fulfilment
    ))
)]
pub struct CoordinationDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list_campaigns).post(create_campaign))
        .route("/campaigns/{id}", get(get_campaign))
        .route("/tasks", get(list_tasks).post(create_task))
        .route("/tasks/{id}/status", post(task_status))
        .route("/exchanges", get(list_exchanges).post(create_exchange))
        .route("/exchanges/{id}", get(get_exchange))
        .route("/exchanges/{id}/acknowledge", post(acknowledge_exchange))
        .route("/exchanges/{id}/respond", post(respond_exchange))
        .route("/exchanges/{id}/clue", post(register_exchange_clue))
        .route("/meetings", get(list_meetings).post(create_meeting))
        .route("/meetings/{id}", get(get_meeting))
        .route("/agreements", get(list_agreements).post(create_agreement))
        .route("/agreements/{id}", get(get_agreement))
        .route("/agreements/{id}/obligations", post(add_obligation))
}

#[derive(Serialize, ToSchema)]
struct CampaignDetail {
    campaign: Campaign,
    members: Vec<CampaignMember>,
    tasks: Vec<Task>,
}

#[utoipa::path(get, path = "/api/v1/campaigns", params(Paging), responses((status = 200, body = PageOf<Campaign>)))]
async fn list_campaigns(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<Campaign>> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.list_campaigns(p.request()).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignDetail), (status = 404, body = ApiErrorBody)))]
async fn get_campaign(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<CampaignDetail> {
    let s = state.store.as_actor(who.actor(), &who.req);
    let (campaign, members) = s.get_campaign(id).await?;
    let tasks = s.tasks_of(Some(id), None).await?;
    Ok(Json(CampaignDetail {
        campaign,
        members,
        tasks,
    }))
}

#[utoipa::path(post, path = "/api/v1/campaigns", request_body = CampaignInput,
    responses((status = 200, body = Campaign), (status = 422, body = ApiErrorBody)))]
async fn create_campaign(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Json(input): Json<CampaignInput>,
) -> ApiResult<Campaign> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.create_campaign(input).await?))
}

#[utoipa::path(get, path = "/api/v1/tasks", params(TaskFilter, Paging), responses((status = 200, body = PageOf<Task>)))]
async fn list_tasks(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(f): Query<TaskFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<Task>> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.list_tasks(&f, p.request()).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/tasks", request_body = TaskInput,
    responses((status = 200, body = Task), (status = 422, body = ApiErrorBody)))]
async fn create_task(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Json(input): Json<TaskInput>,
) -> ApiResult<Task> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.create_task(input).await?))
}

#[derive(Deserialize, ToSchema)]
struct StatusRequest {
    /// in_progress | done | cancelled
    status: String,
    /// What was done, or why it was cancelled.
    #[serde(default)]
    note: String,
    version: i64,
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/status", params(("id" = i64, Path)), request_body = StatusRequest,
    responses((status = 200, body = Task), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn task_status(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(r): Json<StatusRequest>,
) -> ApiResult<Task> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(
        s.update_task_status(id, r.version, &r.status, &r.note)
            .await?,
    ))
}

/// Exchanges: staff see all, a liaison those of its own agency (either way).
#[utoipa::path(get, path = "/api/v1/exchanges", params(ExchangeFilter, Paging), responses((status = 200, body = PageOf<Exchange>)))]
async fn list_exchanges(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(f): Query<ExchangeFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<Exchange>> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.list_exchanges(&f, p.request()).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/exchanges/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Exchange), (status = 404, body = ApiErrorBody)))]
async fn get_exchange(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Exchange> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.get_exchange(id).await?))
}

/// Staff send to an agency; a liaison sends from its own agency to the office.
#[utoipa::path(post, path = "/api/v1/exchanges", request_body = ExchangeInput,
    responses((status = 200, body = Exchange), (status = 422, body = ApiErrorBody)))]
async fn create_exchange(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Json(input): Json<ExchangeInput>,
) -> ApiResult<Exchange> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.create_exchange(input).await?))
}

#[derive(Deserialize, ToSchema)]
struct StepRequest {
    version: i64,
    #[serde(default)]
    response: String,
}

#[utoipa::path(post, path = "/api/v1/exchanges/{id}/acknowledge", params(("id" = i64, Path)), request_body = StepRequest,
    responses((status = 200, body = Exchange), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn acknowledge_exchange(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(r): Json<StepRequest>,
) -> ApiResult<Exchange> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.acknowledge_exchange(id, r.version).await?))
}

#[utoipa::path(post, path = "/api/v1/exchanges/{id}/respond", params(("id" = i64, Path)), request_body = StepRequest,
    responses((status = 200, body = Exchange), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn respond_exchange(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(r): Json<StepRequest>,
) -> ApiResult<Exchange> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.respond_exchange(id, r.version, &r.response).await?))
}

#[derive(Serialize, ToSchema)]
struct ClueCreated {
    clue_id: i64,
}

/// Register a received clue transfer as a clue.
#[utoipa::path(post, path = "/api/v1/exchanges/{id}/clue", params(("id" = i64, Path)), request_body = StepRequest,
    responses((status = 200, body = ClueCreated), (status = 422, body = ApiErrorBody)))]
async fn register_exchange_clue(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(r): Json<StepRequest>,
) -> ApiResult<ClueCreated> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(ClueCreated {
        clue_id: s.register_exchange_clue(id, r.version).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/meetings", params(MeetingFilter, Paging), responses((status = 200, body = PageOf<Meeting>)))]
async fn list_meetings(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(f): Query<MeetingFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<Meeting>> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.list_meetings(&f, p.request()).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = MeetingRecord), (status = 404, body = ApiErrorBody)))]
async fn get_meeting(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<MeetingRecord> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.get_meeting(id).await?))
}

#[utoipa::path(post, path = "/api/v1/meetings", request_body = MeetingInput,
    responses((status = 200, body = MeetingRecord), (status = 422, body = ApiErrorBody)))]
async fn create_meeting(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Json(input): Json<MeetingInput>,
) -> ApiResult<MeetingRecord> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.create_meeting(input).await?))
}

#[derive(Serialize, ToSchema)]
struct AgreementDetail {
    agreement: Agreement,
    obligations: Vec<Obligation>,
}

#[utoipa::path(get, path = "/api/v1/agreements", params(Paging), responses((status = 200, body = PageOf<Agreement>)))]
async fn list_agreements(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<Agreement>> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.list_agreements(None, p.request()).await?.into()))
}

/// An agreement with each obligation's fulfilments and warning.
#[utoipa::path(get, path = "/api/v1/agreements/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = AgreementDetail), (status = 404, body = ApiErrorBody)))]
async fn get_agreement(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<AgreementDetail> {
    let s = state.store.as_actor(who.actor(), &who.req);
    let agreement = s.get_agreement(id).await?;
    let obligations = s.obligations_of(&agreement).await?;
    Ok(Json(AgreementDetail {
        agreement,
        obligations,
    }))
}

#[utoipa::path(post, path = "/api/v1/agreements", request_body = AgreementInput,
    responses((status = 200, body = Agreement), (status = 422, body = ApiErrorBody)))]
async fn create_agreement(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Json(input): Json<AgreementInput>,
) -> ApiResult<Agreement> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.create_agreement(input).await?))
}

#[utoipa::path(post, path = "/api/v1/agreements/{id}/obligations", params(("id" = i64, Path)), request_body = ObligationInput,
    responses((status = 200, body = Obligation), (status = 422, body = ApiErrorBody)))]
async fn add_obligation(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(input): Json<ObligationInput>,
) -> ApiResult<Obligation> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.add_obligation(id, input).await?))
}
