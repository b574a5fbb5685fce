//! The supervision workflow in the JSON API: clues, file requests, cases, deadlines.

use super::{ApiError, ApiErrorBody, ApiResult, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiAuthed;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{OpenApi, ToSchema};
use xingjian_domain::{ClueInput, Stage, TriageInput};
use xingjian_store::{
    Attachment, CaseDetail, CaseFilter, Clue, ClueFilter, Deadline, DeadlineFilter, FileRequest,
    FileRequestFilter, FileRequestInput, Finding, NewCase, ReviewBatch, ReviewFile, ReviewSummary,
    SupervisionCase,
};

#[derive(OpenApi)]
#[openapi(
    paths(
        list_clues,
        get_clue,
        create_clue,
        triage_clue,
        list_file_requests,
        get_file_request,
        create_file_request,
        answer_file_request,
        list_cases,
        get_case,
        open_case,
        transition_case,
        list_deadlines,
        list_reviews,
        get_review,
        get_review_file
    ),
    components(schemas(
        Clue,
        ClueInput,
        TriageInput,
        FileRequest,
        FileRequestInput,
        AnswerRequest,
        SupervisionCase,
        CaseDetail,
        NewCase,
        TransitionRequest,
        Deadline,
        Stage,
        ReviewBatch,
        ReviewFile,
        Finding,
        Attachment,
        ReviewSummary,
        ReviewDetail,
        ReviewFileDetail
    ))
)]
pub struct WorkflowDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clues", get(list_clues).post(create_clue))
        .route("/clues/{id}", get(get_clue))
        .route("/clues/{id}/triage", post(triage_clue))
        .route(
            "/file-requests",
            get(list_file_requests).post(create_file_request),
        )
        .route("/file-requests/{id}", get(get_file_request))
        .route("/file-requests/{id}/answer", post(answer_file_request))
        .route("/cases", get(list_cases).post(open_case))
        .route("/cases/{id}", get(get_case))
        .route("/cases/{id}/transition", post(transition_case))
        .route("/deadlines", get(list_deadlines))
        .route("/reviews", get(list_reviews))
        .route("/reviews/{id}", get(get_review))
        .route("/review-files/{id}", get(get_review_file))
}

/// Review batches (staff only) with their counts.
#[utoipa::path(get, path = "/api/v1/reviews", params(Paging), responses((status = 200, body = PageOf<ReviewBatch>)))]
async fn list_reviews(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<ReviewBatch>> {
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_review_batches(p.request())
        .await?;
    Ok(Json(page.into()))
}

#[derive(Serialize, ToSchema)]
struct ReviewDetail {
    batch: ReviewBatch,
    files: Vec<ReviewFile>,
    summary: ReviewSummary,
}

/// A batch, its files and its figures by dimension and rule.
#[utoipa::path(get, path = "/api/v1/reviews/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewDetail), (status = 404, body = ApiErrorBody)))]
async fn get_review(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<ReviewDetail> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let batch = store.get_review_batch(id).await?;
    let (files, summary) = store.review_batch_files(id).await?;
    Ok(Json(ReviewDetail {
        batch,
        files,
        summary,
    }))
}

#[derive(Serialize, ToSchema)]
struct ReviewFileDetail {
    file: ReviewFile,
    findings: Vec<Finding>,
    attachments: Vec<Attachment>,
}

/// One reviewed file with its findings and attachments.
#[utoipa::path(get, path = "/api/v1/review-files/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewFileDetail), (status = 404, body = ApiErrorBody)))]
async fn get_review_file(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<ReviewFileDetail> {
    let (file, findings, attachments) = state
        .store
        .as_actor(who.actor(), &who.req)
        .get_review_file(id)
        .await?;
    Ok(Json(ReviewFileDetail {
        file,
        findings,
        attachments,
    }))
}

/// Clues (staff only); personal data masked.
#[utoipa::path(get, path = "/api/v1/clues", params(ClueFilter, Paging), responses((status = 200, body = PageOf<Clue>)))]
async fn list_clues(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(f): Query<ClueFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<Clue>> {
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_clues(&f, p.request())
        .await?;
    Ok(Json(page.into()))
}

#[utoipa::path(get, path = "/api/v1/clues/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Clue), (status = 404, body = ApiErrorBody)))]
async fn get_clue(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Clue> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .get_clue(id)
            .await?
            .0,
    ))
}

/// Register a clue (12309, agency notice, clue transfer, other; field-visit clues name their visit).
#[utoipa::path(post, path = "/api/v1/clues", request_body = ClueInput,
    responses((status = 200, body = Clue), (status = 422, body = ApiErrorBody)))]
async fn create_clue(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Json(input): Json<ClueInput>,
) -> ApiResult<Clue> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .create_clue(input)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/clues/{id}/triage", params(("id" = i64, Path)), request_body = TriageInput,
    responses((status = 200, body = Clue), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn triage_clue(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(t): Json<TriageInput>,
) -> ApiResult<Clue> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .triage_clue(id, t)
            .await?,
    ))
}

/// File requests: staff see all, a liaison those sent to its agency.
#[utoipa::path(get, path = "/api/v1/file-requests", params(FileRequestFilter, Paging),
    responses((status = 200, body = PageOf<FileRequest>)))]
async fn list_file_requests(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(f): Query<FileRequestFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<FileRequest>> {
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_file_requests(&f, p.request())
        .await?;
    Ok(Json(page.into()))
}

#[utoipa::path(get, path = "/api/v1/file-requests/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = FileRequest), (status = 404, body = ApiErrorBody)))]
async fn get_file_request(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<FileRequest> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .get_file_request(id)
            .await?
            .0,
    ))
}

#[utoipa::path(post, path = "/api/v1/file-requests", request_body = FileRequestInput,
    responses((status = 200, body = FileRequest), (status = 422, body = ApiErrorBody)))]
async fn create_file_request(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Json(input): Json<FileRequestInput>,
) -> ApiResult<FileRequest> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .create_file_request(input)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct AnswerRequest {
    response: String,
    /// Imports (made through the importer by the liaison) that carry the files.
    #[serde(default)]
    import_ids: Vec<i64>,
    version: i64,
}

/// The liaison answers a file request sent to its agency.
#[utoipa::path(post, path = "/api/v1/file-requests/{id}/answer", params(("id" = i64, Path)), request_body = AnswerRequest,
    responses((status = 200, body = FileRequest), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn answer_file_request(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(a): Json<AnswerRequest>,
) -> ApiResult<FileRequest> {
    let r = state
        .store
        .as_actor(who.actor(), &who.req)
        .answer_file_request(id, &a.response, &a.import_ids, a.version)
        .await?;
    Ok(Json(r))
}

#[utoipa::path(get, path = "/api/v1/cases", params(CaseFilter, Paging), responses((status = 200, body = PageOf<SupervisionCase>)))]
async fn list_cases(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(f): Query<CaseFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<SupervisionCase>> {
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_cases(&f, p.request())
        .await?;
    Ok(Json(page.into()))
}

/// A case with its history, clues, inquiries, evidence, deadlines and file requests.
#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, body = ApiErrorBody)))]
async fn get_case(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<CaseDetail> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .case_detail(id)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/cases", request_body = NewCase,
    responses((status = 200, body = SupervisionCase), (status = 422, body = ApiErrorBody)))]
async fn open_case(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Json(n): Json<NewCase>,
) -> ApiResult<SupervisionCase> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .open_case(n)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct TransitionRequest {
    to: Stage,
    /// The fields the transition table requires, by code (e.g. `filing_reason`).
    #[serde(default)]
    fields: BTreeMap<String, String>,
    version: i64,
}

/// Move a case to another stage, as the transition table allows for the caller's role.
#[utoipa::path(post, path = "/api/v1/cases/{id}/transition", params(("id" = i64, Path)), request_body = TransitionRequest,
    responses((status = 200, body = SupervisionCase), (status = 403, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn transition_case(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(t): Json<TransitionRequest>,
) -> ApiResult<SupervisionCase> {
    let c = state
        .store
        .as_actor(who.actor(), &who.req)
        .transition_case(id, t.to, &t.fields, t.version)
        .await?;
    Ok(Json(c))
}

/// Running clocks (or overdue / due soon / all), earliest first.
#[utoipa::path(get, path = "/api/v1/deadlines", params(DeadlineFilter, Paging), responses((status = 200, body = PageOf<Deadline>)))]
async fn list_deadlines(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(f): Query<DeadlineFilter>,
    Query(p): Query<Paging>,
) -> Result<Json<PageOf<Deadline>>, ApiError> {
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_deadlines(&f, p.request())
        .await?;
    Ok(Json(page.into()))
}
