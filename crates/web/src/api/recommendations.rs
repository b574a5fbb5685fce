//! Recommendations in the JSON API.

use super::{ApiErrorBody, ApiResult, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiAuthed;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};
use xingjian_domain::recommendation::Letter;
use xingjian_store::{
    Consultation, Delivery, DeliveryInput, JointAction, LetterVersion, Measure, NewRecommendation,
    Recipient, Recommendation, RecommendationFilter, RecommendationRecord, SignOff,
    SupervisorOpinion,
};

#[derive(OpenApi)]
#[openapi(
    paths(
        list_recommendations,
        get_recommendation,
        create_recommendation,
        submit_recommendation,
        decide_recommendation,
        deliver_recommendation,
        reply_recommendation
    ),
    components(schemas(
        Recommendation,
        RecommendationRecord,
        NewRecommendation,
        Letter,
        Recipient,
        LetterVersion,
        SignOff,
        Consultation,
        Delivery,
        DeliveryInput,
        SupervisorOpinion,
        Measure,
        JointAction,
        StepRequest,
        DecideRequest,
        DeliverRequest,
        ReplyRequest
    ))
)]
pub struct RecommendationsDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/recommendations",
            get(list_recommendations).post(create_recommendation),
        )
        .route("/recommendations/{id}", get(get_recommendation))
        .route("/recommendations/{id}/submit", post(submit_recommendation))
        .route("/recommendations/{id}/decide", post(decide_recommendation))
        .route(
            "/recommendations/{id}/deliver",
            post(deliver_recommendation),
        )
        .route("/recommendations/{id}/reply", post(reply_recommendation))
}

/// Staff see all; a liaison those addressed to its agency once issued (and
/// drafts shared with it); a people's supervisor those it was invited to.
#[utoipa::path(get, path = "/api/v1/recommendations", params(RecommendationFilter, Paging),
    responses((status = 200, body = PageOf<Recommendation>)))]
async fn list_recommendations(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(f): Query<RecommendationFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<Recommendation>> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.list_recommendations(&f, p.request()).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/recommendations/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = RecommendationRecord), (status = 404, body = ApiErrorBody)))]
async fn get_recommendation(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<RecommendationRecord> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.recommendation_record(id).await?))
}

#[utoipa::path(post, path = "/api/v1/recommendations", request_body = NewRecommendation,
    responses((status = 200, body = Recommendation), (status = 422, body = ApiErrorBody)))]
async fn create_recommendation(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Json(input): Json<NewRecommendation>,
) -> ApiResult<Recommendation> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(s.create_recommendation(input).await?))
}

#[derive(Deserialize, ToSchema)]
struct StepRequest {
    version: i64,
    #[serde(default)]
    comment: String,
}

#[utoipa::path(post, path = "/api/v1/recommendations/{id}/submit", params(("id" = i64, Path)), request_body = StepRequest,
    responses((status = 200, body = Recommendation), (status = 409, body = ApiErrorBody)))]
async fn submit_recommendation(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(r): Json<StepRequest>,
) -> ApiResult<Recommendation> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(
        s.submit_recommendation(id, r.version, &r.comment).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct DecideRequest {
    version: i64,
    /// true: approve and number; false: return with a comment.
    approve: bool,
    #[serde(default)]
    comment: String,
}

/// A deputy chief or the chief approves (the 文号 is allocated) or returns it.
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/decide", params(("id" = i64, Path)), request_body = DecideRequest,
    responses((status = 200, body = Recommendation), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn decide_recommendation(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(r): Json<DecideRequest>,
) -> ApiResult<Recommendation> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(
        s.decide_recommendation(id, r.version, r.approve, &r.comment)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct DeliverRequest {
    version: i64,
    delivery: DeliveryInput,
}

#[utoipa::path(post, path = "/api/v1/recommendations/{id}/deliver", params(("id" = i64, Path)), request_body = DeliverRequest,
    responses((status = 200, body = Recommendation), (status = 422, body = ApiErrorBody)))]
async fn deliver_recommendation(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(r): Json<DeliverRequest>,
) -> ApiResult<Recommendation> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(
        s.deliver_recommendation(id, r.version, r.delivery).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct ReplyRequest {
    recipient_id: i64,
    version: i64,
    reply: String,
}

/// A recipient's written reply (its liaison, or staff recording it).
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/reply", params(("id" = i64, Path)), request_body = ReplyRequest,
    responses((status = 200, body = Recommendation), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn reply_recommendation(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(r): Json<ReplyRequest>,
) -> ApiResult<Recommendation> {
    let s = state.store.as_actor(who.actor(), &who.req);
    Ok(Json(
        s.reply_recommendation(id, r.recipient_id, r.version, &r.reply)
            .await?,
    ))
}
