//! The web layer's one error type, mapped exhaustively to HTTP.

use axum::Json;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::json;
use xingjian_domain::ValidationErrors;
use xingjian_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("页面不存在或无权访问")]
    NotFound,
    #[error("请先登录")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("请求已失效（安全校验未通过），请刷新页面后重试")]
    Csrf,
    #[error(transparent)]
    Validation(ValidationErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("请求格式有误：{0}")]
    BadRequest(String),
    #[error("服务暂时不可用")]
    Unavailable,
    #[error("服务器内部错误（{0}），请联系系统管理员")]
    Internal(&'static str),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine code, also in the API's error body.
    pub fn code(&self) -> &'static str {
        match self {
            WebError::NotFound => "not_found",
            WebError::Unauthenticated => "unauthenticated",
            WebError::Forbidden(_) => "forbidden",
            WebError::Csrf => "csrf",
            WebError::Validation(_) => "validation",
            WebError::Conflict(_) => "conflict",
            WebError::BadRequest(_) => "bad_request",
            WebError::Unavailable => "unavailable",
            WebError::Internal(c) => c,
        }
    }

    /// The JSON form, for `/api/v1`.
    pub fn into_json(self) -> Response {
        let fields = match &self {
            WebError::Validation(v) => serde_json::to_value(&v.errors).unwrap_or_default(),
            _ => serde_json::Value::Null,
        };
        let body = json!({ "error": { "code": self.code(), "message": self.to_string(), "fields": fields } });
        (self.status(), Json(body)).into_response()
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Forbidden(m) => WebError::Forbidden(m.to_owned()),
            StoreError::Validation(v) => WebError::Validation(v),
            StoreError::Conflict { field, message } => {
                WebError::Validation(ValidationErrors::one(field, message))
            }
            StoreError::Stale => WebError::Conflict(StoreError::Stale.to_string()),
            other => {
                tracing::error!(code = other.code(), error = %other, "store error");
                WebError::Internal(other.code())
            }
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template error");
        WebError::Internal("template")
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if matches!(self, WebError::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        let status = self.status();
        // A form's problems, said in words only (field codes are for the API).
        let message = match &self {
            WebError::Validation(v) => v
                .errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("；"),
            other => other.to_string(),
        };
        let page = crate::layout::ErrorPage {
            status: status.as_u16(),
            message,
        };
        let html = askama::Template::render(&page).unwrap_or_else(|_| self.to_string());
        (status, Html(html)).into_response()
    }
}

/// Unknown paths: a 404 in the caller's language (HTML or JSON).
pub async fn fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        WebError::NotFound.into_json()
    } else {
        WebError::NotFound.into_response()
    }
}
