//! The middleware stack: request ids, tracing, security headers, body limits,
//! and `auth`, which resolves the session once and enforces CSRF on every
//! state-changing request.

use crate::AppState;
use crate::auth::Ctx;
use crate::error::WebError;
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use std::net::SocketAddr;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use xingjian_store::{AuditEntry, Outcome, RequestCtx};

pub const SESSION_COOKIE: &str = "xj_session";
pub const LOGIN_CSRF_COOKIE: &str = "xj_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
const FORM_LIMIT: usize = 1024 * 1024;
/// Upper bound of any request body; handlers' extractors set lower ones
/// (axum's default 2 MiB), the upload page its own.
const BODY_LIMIT: usize = 256 * 1024 * 1024;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub fn wrap(app: Router<AppState>, state: AppState) -> Router<AppState> {
    let headers = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    app.layer(from_fn_with_state(state.clone(), auth))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(headers)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request| {
                        let id = req
                            .extensions()
                            .get::<RequestId>()
                            .and_then(|r| r.header_value().to_str().ok())
                            .unwrap_or("-");
                        tracing::info_span!("http", request_id = %id, method = %req.method(), path = %req.uri().path())
                    }),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone())),
        )
        .layer(from_fn_with_state(state, crate::metrics::track))
}

fn client_ip(req: &Request, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for
        && let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return Some(first.trim().to_owned());
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Constant-time comparison of two tokens.
pub(crate) fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// The token a request presents: the `X-CSRF-Token` header, or the `_csrf`
/// field of a URL-encoded form (the body is buffered and put back).
async fn presented_token(req: Request) -> Result<(Option<String>, Request), WebError> {
    if let Some(t) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        let t = t.to_owned();
        return Ok((Some(t), req));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // A file upload without script carries the token in its action URL: the
    // multipart body is streamed to the handler, not buffered here.
    if content_type.starts_with("multipart/form-data") {
        let token = req
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<CsrfField>(q).ok())
            .and_then(|f| f.csrf);
        return Ok((token, req));
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| WebError::BadRequest("表单内容过大".into()))?;
    let token = serde_urlencoded::from_bytes::<CsrfField>(&bytes)
        .ok()
        .and_then(|f| f.csrf);
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

/// Origin check: a browser's cross-site request names another host.
fn cross_origin(req: &Request) -> bool {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    match (
        req.headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok()),
        host,
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin.split("://").nth(1) != Some(host),
        _ => false,
    }
}

pub async fn auth(
    State(state): State<AppState>,
    jar: CookieJar,
    req: Request,
    next: Next,
) -> Response {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .and_then(|r| r.header_value().to_str().ok())
        .map(str::to_owned);
    let rctx = RequestCtx {
        ip: client_ip(&req, state.settings.trust_forwarded_for),
        request_id,
    };
    let is_api = req.uri().path().starts_with("/api/");
    let session = match jar.get(SESSION_COOKIE) {
        Some(c) => match state.store.system(&rctx).session(c.value()).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                let err = WebError::Unavailable;
                return if is_api {
                    err.into_json()
                } else {
                    err.into_response()
                };
            }
        },
        None => None,
    };
    let mut req = req;
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let exempt =
            is_api && req.uri().path() == "/api/v1/session" && req.method() == Method::POST;
        let expected = match &session {
            Some(s) => Some(s.csrf_token.clone()),
            None => jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()),
        };
        let (presented, r) = match presented_token(req).await {
            Ok(x) => x,
            Err(e) => {
                return if is_api {
                    e.into_json()
                } else {
                    e.into_response()
                };
            }
        };
        req = r;
        let ok = exempt
            || (!cross_origin(&req)
                && matches!((&expected, &presented), (Some(e), Some(p)) if same_token(e, p)));
        if !ok {
            let entry = AuditEntry::new(
                "csrf.rejected",
                "request",
                Some(req.uri().path().to_owned()),
                Outcome::Denied,
            )
            .detail(format!(
                "{} {} 缺少或错误的 CSRF 令牌",
                req.method(),
                req.uri().path()
            ));
            let audited = match &session {
                Some(s) => state.store.as_actor(&s.actor, &rctx).audit(entry).await,
                None => state.store.system(&rctx).audit(entry).await,
            };
            if let Err(e) = audited {
                tracing::error!(error = %e, "could not audit a CSRF refusal");
            }
            tracing::warn!(security = "csrf_rejected", path = %req.uri().path());
            return if is_api {
                WebError::Csrf.into_json()
            } else {
                WebError::Csrf.into_response()
            };
        }
    }
    req.extensions_mut().insert(Ctx { req: rctx, session });
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
    }
}
