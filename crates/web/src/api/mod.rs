//! The JSON API under `/api/v1`, described by `/api/v1/openapi.json`.
//!
//! Authentication is the session cookie (from `POST /api/v1/session` or the
//! login page); every state-changing call must send the session's CSRF token
//! in `X-CSRF-Token`. Errors are `{"error": {"code", "message", "fields"}}`.

mod coordination;
mod recommendations;
mod workflow;

use crate::AppState;
use crate::auth::{ApiAuthed, MaybeAuthed};
use crate::error::WebError;
use crate::middleware::SESSION_COOKIE;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use xingjian_domain::{Agency, AgencyId, AgencyInput, NewUser, Role, User, UserId};
use xingjian_store::{
    AgencyFilter, AuditFilter, AuditRecord, LoginFailure, LoginOutcome, PageRequest, UserFilter,
    UserUpdate,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "行检 Xingjian API",
        version = "1",
        description = "行政检察监督工作平台的 JSON 接口。"
    ),
    paths(
        login,
        logout,
        me,
        list_agencies,
        get_agency,
        create_agency,
        update_agency,
        list_users,
        get_user,
        create_user,
        update_user,
        list_audit
    ),
    components(schemas(
        LoginRequest,
        LoginResponse,
        Me,
        Agency,
        AgencyInput,
        User,
        NewUserRequest,
        UserUpdate,
        AuditRecord,
        ApiErrorBody,
        ApiErrorDetail,
        xingjian_domain::FieldError,
        xingjian_domain::AgencyKind,
        Role,
        xingjian_store::Outcome
    ))
)]
struct ApiDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/session", axum::routing::post(login).delete(logout))
        .route("/me", get(me))
        .route("/agencies", get(list_agencies).post(create_agency))
        .route("/agencies/{id}", get(get_agency).put(update_agency))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user).put(update_user))
        .route("/audit", get(list_audit))
        .merge(workflow::routes())
        .merge(coordination::routes())
        .merge(recommendations::routes())
}

/// Errors of this module render as JSON.
pub struct ApiError(WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_json()
    }
}

pub(crate) type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(Serialize, ToSchema)]
pub(crate) struct ApiErrorBody {
    error: ApiErrorDetail,
}

#[derive(Serialize, ToSchema)]
struct ApiErrorDetail {
    /// Stable machine code, e.g. `not_found`, `validation`, `csrf`.
    code: String,
    message: String,
    fields: Option<Vec<xingjian_domain::FieldError>>,
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    doc.merge(workflow::WorkflowDoc::openapi());
    doc.merge(coordination::CoordinationDoc::openapi());
    doc.merge(recommendations::RecommendationsDoc::openapi());
    Json(doc)
}

/// Page of results.
#[derive(Serialize, ToSchema)]
pub(crate) struct PageOf<T> {
    items: Vec<T>,
    /// The count, at most 10,001 (1,001 for a text search `q`): beyond that it is a
    /// lower bound (`total_is_lower_bound`).
    total: i64,
    total_is_lower_bound: bool,
    page: i64,
    per_page: i64,
}

impl<T> From<xingjian_store::Page<T>> for PageOf<T> {
    fn from(p: xingjian_store::Page<T>) -> Self {
        Self {
            total_is_lower_bound: p.is_capped(),
            items: p.items,
            total: p.total,
            page: p.page,
            per_page: p.per_page,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct Paging {
    /// From 1.
    page: Option<i64>,
    /// 1 to 200, default 20.
    per_page: Option<i64>,
}

impl Paging {
    pub(crate) fn request(&self) -> PageRequest {
        PageRequest::new(self.page, self.per_page)
    }
}

#[derive(Deserialize, ToSchema)]
struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
struct LoginResponse {
    /// Send this in `X-CSRF-Token` with every state-changing request.
    csrf_token: String,
    me: Me,
}

#[derive(Serialize, ToSchema)]
struct Me {
    user_id: UserId,
    username: String,
    display_name: String,
    role: Role,
    agency_id: Option<AgencyId>,
}

impl From<&xingjian_domain::Actor> for Me {
    fn from(a: &xingjian_domain::Actor) -> Self {
        Me {
            user_id: a.user_id,
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            role: a.role,
            agency_id: a.agency_id,
        }
    }
}

/// Log in; sets the session cookie. JSON only, so a cross-site form cannot post it.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
async fn login(
    State(state): State<AppState>,
    MaybeAuthed(ctx): MaybeAuthed,
    jar: CookieJar,
    Json(r): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    match state.store.system(&ctx.req).login(&r.username, &r.password, Some("api")).await? {
        LoginOutcome::Ok(s) => {
            let c = Cookie::build((SESSION_COOKIE, s.token.clone()))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(state.settings.cookie_secure)
                .build();
            let body = LoginResponse {
                csrf_token: s.csrf_token.clone(),
                me: Me::from(&s.actor),
            };
            Ok((jar.add(c), Json(body)).into_response())
        }
        LoginOutcome::Failed(LoginFailure::BadCredentials) => Ok((
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"error": {"code": "bad_credentials", "message": "用户名或密码错误", "fields": null}})),
        )
            .into_response()),
        LoginOutcome::Failed(LoginFailure::Throttled { retry_after_secs }) => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(axum::http::header::RETRY_AFTER, retry_after_secs.to_string())],
            Json(serde_json::json!({"error": {"code": "throttled", "message": format!("登录失败次数过多，请 {retry_after_secs} 秒后再试"), "fields": null}})),
        )
            .into_response()),
    }
}

/// Log out.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)))]
async fn logout(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    jar: CookieJar,
) -> Result<Response, ApiError> {
    state.store.system(&who.req).logout(&who.session).await?;
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

/// The current user.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ApiErrorBody)))]
async fn me(ApiAuthed(who): ApiAuthed) -> Json<Me> {
    Json(Me::from(who.actor()))
}

/// Agencies visible to the caller.
#[utoipa::path(get, path = "/api/v1/agencies", params(AgencyFilter, Paging), responses((status = 200, body = PageOf<Agency>)))]
async fn list_agencies(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(f): Query<AgencyFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<Agency>> {
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_agencies(&f, p.request())
        .await?;
    Ok(Json(page.into()))
}

/// One agency; 404 when absent or outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/agencies/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Agency), (status = 404, body = ApiErrorBody)))]
async fn get_agency(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<Agency> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .get_agency(AgencyId(id))
            .await?,
    ))
}

/// Register an agency (administrator).
#[utoipa::path(post, path = "/api/v1/agencies", request_body = AgencyInput,
    responses((status = 201, body = Agency), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn create_agency(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Json(input): Json<AgencyInput>,
) -> Result<Response, ApiError> {
    let a = state
        .store
        .as_actor(who.actor(), &who.req)
        .create_agency(input)
        .await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

#[derive(Deserialize, ToSchema)]
struct AgencyUpdate {
    #[serde(flatten)]
    input: AgencyInput,
    /// The version read; a stale one answers 409.
    version: i64,
}

/// Change an agency (administrator).
#[utoipa::path(put, path = "/api/v1/agencies/{id}", params(("id" = i64, Path)), request_body = AgencyInput,
    responses((status = 200, body = Agency), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn update_agency(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(u): Json<AgencyUpdate>,
) -> ApiResult<Agency> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .update_agency(AgencyId(id), u.version, u.input)
            .await?,
    ))
}

/// Accounts visible to the caller (all for the administrator, else only one's own).
#[utoipa::path(get, path = "/api/v1/users", params(UserFilter, Paging), responses((status = 200, body = PageOf<User>)))]
async fn list_users(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(f): Query<UserFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<User>> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .list_users(&f, p.request())
            .await?
            .into(),
    ))
}

/// One account; 404 when absent or outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/users/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 404, body = ApiErrorBody)))]
async fn get_user(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
) -> ApiResult<User> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .get_user(UserId(id))
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
struct NewUserRequest {
    username: String,
    display_name: String,
    role: Role,
    agency_id: Option<AgencyId>,
    password: String,
}

/// Create an account (administrator).
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserRequest,
    responses((status = 201, body = User), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Json(r): Json<NewUserRequest>,
) -> Result<Response, ApiError> {
    let u = state
        .store
        .as_actor(who.actor(), &who.req)
        .create_user(NewUser {
            username: r.username,
            display_name: r.display_name,
            role: r.role,
            agency_id: r.agency_id,
            password: r.password,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(u)).into_response())
}

/// Change an account (administrator).
#[utoipa::path(put, path = "/api/v1/users/{id}", params(("id" = i64, Path)), request_body = UserUpdate,
    responses((status = 200, body = User), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Path(id): Path<i64>,
    Json(u): Json<UserUpdate>,
) -> ApiResult<User> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .update_user(UserId(id), u)
            .await?,
    ))
}

/// The audit log, newest first, as far as the caller may read it.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditFilter, Paging), responses((status = 200, body = PageOf<AuditRecord>)))]
async fn list_audit(
    State(state): State<AppState>,
    ApiAuthed(who): ApiAuthed,
    Query(f): Query<AuditFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<AuditRecord>> {
    Ok(Json(
        state
            .store
            .as_actor(who.actor(), &who.req)
            .list_audit(&f, p.request())
            .await?
            .into(),
    ))
}
