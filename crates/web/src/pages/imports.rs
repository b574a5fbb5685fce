//! 执法数据: imported enforcement-record files, their reports, scoped like datasets.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::{Layout, Pager};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use xingjian_datasets::{Report, report_xlsx};
use xingjian_store::{ImportFile, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/imports", get(list))
        .route("/imports/{id}", get(detail))
        .route("/imports/{id}/report.xlsx", get(report))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ListPage {
    l: Layout,
    imports: Vec<ImportFile>,
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
        .list_imports(PageRequest::new(q.page, None))
        .await?;
    render(&ListPage {
        l: Layout::new("执法数据", &state.settings.office_name, "imports", &who),
        pager: Pager::new(&page, "/imports", ""),
        imports: page.items,
    })
}

#[derive(Template)]
#[template(path = "import_detail.html")]
struct DetailPage {
    l: Layout,
    f: ImportFile,
    report: Report,
}

async fn load(state: &AppState, who: &Authed, id: i64) -> Result<(ImportFile, Report), WebError> {
    let (f, json) = state
        .store
        .as_actor(who.actor(), &who.req)
        .get_import(id)
        .await?;
    let report = serde_json::from_str(&json).map_err(|e| {
        tracing::error!(error = %e, import = id, "stored import report is unreadable");
        WebError::Internal("report")
    })?;
    Ok((f, report))
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (f, report) = load(&state, &who, id).await?;
    render(&DetailPage {
        l: Layout::new(
            f.file_name.clone(),
            &state.settings.office_name,
            "imports",
            &who,
        ),
        f,
        report,
    })
}

async fn report(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (f, report) = load(&state, &who, id).await?;
    let bytes = report_xlsx(&report).map_err(|e| {
        tracing::error!(error = %e, "report workbook failed");
        WebError::Internal("report")
    })?;
    let stem = f
        .file_name
        .rsplit_once('.')
        .map_or(f.file_name.as_str(), |(s, _)| s);
    let name = crate::auth::urlencode(&format!("导入报告-{stem}.xlsx"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{name}"),
            ),
        ],
        bytes,
    )
        .into_response())
}
