//! Server-rendered pages. Each handler: extract, call the scoped store, render.

mod admin;
mod agencies;
mod agreements;
mod bulletin;
mod campaigns;
mod cases;
mod clues;
mod dashboard;
mod deadlines;
mod exchanges;
mod field_visits;
mod file_requests;
mod findings;
mod home;
mod imports;
mod meetings;
mod recommendations;
mod reviews;
mod screenings;
mod search;
mod session;

use crate::AppState;
use crate::error::WebError;
use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", axum::routing::post(session::logout))
        .route(
            "/account/password",
            get(session::password_form).post(session::change_password),
        )
        .route(
            "/account/contact",
            axum::routing::post(session::change_contact),
        )
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .merge(agencies::routes())
        .merge(admin::routes())
        .merge(imports::routes())
        .merge(screenings::routes())
        .merge(clues::routes())
        .merge(field_visits::routes())
        .merge(file_requests::routes())
        .merge(cases::routes())
        .merge(deadlines::routes())
        .merge(reviews::routes())
        .merge(campaigns::routes())
        .merge(exchanges::routes())
        .merge(meetings::routes())
        .merge(agreements::routes())
        .merge(dashboard::routes())
        .merge(findings::routes())
        .merge(search::routes())
        .merge(bulletin::routes())
        .merge(recommendations::routes())
}

/// Render a template or an error page.
pub(crate) fn render(t: &impl Template) -> Result<Response, WebError> {
    Ok(Html(t.render()?).into_response())
}

/// A form page: 200 when it is fresh, 422 when it comes back with errors.
pub(crate) fn render_form(t: &impl Template, has_errors: bool) -> Result<Response, WebError> {
    let mut resp = render(t)?;
    if has_errors {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub(crate) const DOCX: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A generated file as a download under its Chinese name.
pub(crate) fn download(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename*=UTF-8''{}",
                    crate::auth::urlencode(name)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Every item of a scoped list, page by page, up to `max` (an export).
pub(crate) async fn all_pages<T, F, Fut>(max: i64, mut page: F) -> Result<Vec<T>, WebError>
where
    F: FnMut(xingjian_store::PageRequest) -> Fut,
    Fut: std::future::Future<Output = xingjian_store::StoreResult<xingjian_store::Page<T>>>,
{
    let mut out = Vec::new();
    let mut n = 1;
    loop {
        let p = page(xingjian_store::PageRequest::new(Some(n), Some(200))).await?;
        let done = p.items.is_empty() || n >= p.pages();
        out.extend(p.items);
        if done || i64::try_from(out.len()).unwrap_or(i64::MAX) >= max {
            break;
        }
        n += 1;
    }
    Ok(out)
}

/// A document-writing failure, logged; the user sees a generic error.
pub(crate) fn document_error(e: xingjian_documents::DocumentError) -> WebError {
    tracing::error!(error = %e, "document generation failed");
    WebError::Internal("document")
}

/// The agencies the user may choose from in a form (the registry, in scope).
pub(crate) async fn agency_choices(
    state: &AppState,
    who: &crate::auth::Authed,
) -> Result<Vec<xingjian_domain::Agency>, WebError> {
    Ok(state
        .store
        .as_actor(who.actor(), &who.req)
        .list_agencies(
            &xingjian_store::AgencyFilter::default(),
            xingjian_store::PageRequest::new(Some(1), Some(200)),
        )
        .await?
        .items)
}

async fn health() -> &'static str {
    "ok"
}

async fn ready(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match state.store.db().ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            WebError::Unavailable.into_response()
        }
    }
}

const CACHE: &str = "public, max-age=3600";

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        include_str!("../../static/app.js"),
    )
        .into_response()
}
