//! 执法数据: imported enforcement-record files, their reports, scoped like datasets.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::{Layout, Pager};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use xingjian_datasets::{ImportOptions, ImportOutcome, Report, import_file, report_xlsx};
use xingjian_records::Table;
use xingjian_store::{ImportFile, PageRequest};

/// Largest file the upload page accepts.
pub const UPLOAD_LIMIT: usize = 256 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/imports",
            get(list)
                .post(upload)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/imports/{id}", get(detail))
        .route("/imports/{id}/report.xlsx", get(report))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ListPage {
    l: Layout,
    imports: Vec<ImportFile>,
    pager: Pager,
    can_upload: bool,
    tables: [Table; 4],
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
        l: Layout::new("执法数据", &state.settings.office_name, "imports", &who)
            .notice(q.notice.as_deref()),
        pager: Pager::new(&page, "/imports", ""),
        imports: page.items,
        can_upload: state.screener.is_some()
            && state.store.as_actor(who.actor(), &who.req).may_import(),
        tables: Table::ALL,
    })
}

#[derive(Template)]
#[template(path = "import_rejected.html")]
struct RejectedPage {
    l: Layout,
    report: Report,
}

/// The upload form: one file, optional table and agency, and the explicit
/// choice to import only the valid rows.
async fn upload(
    State(state): State<AppState>,
    who: Authed,
    mut form: Multipart,
) -> Result<Response, WebError> {
    let screener = state
        .screener
        .clone()
        .ok_or_else(|| WebError::Forbidden("本服务未配置数据集存储".into()))?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        WebError::BadRequest(format!("上传内容无法读取（{}）", e.body_text()))
    };
    let (mut file, mut table, mut agency, mut valid_rows) = (None, None, None, false);
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or("upload.csv").to_owned();
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    file = Some((name, bytes));
                }
            }
            "table" => {
                let v = field.text().await.map_err(bad)?;
                if !v.trim().is_empty() {
                    table = Some(
                        Table::from_name(v.trim())
                            .ok_or_else(|| WebError::BadRequest(format!("未知的表“{v}”")))?,
                    );
                }
            }
            "agency" => {
                let v = field.text().await.map_err(bad)?;
                agency = Some(v.trim().to_owned()).filter(|s| !s.is_empty());
            }
            "valid_rows" => valid_rows = true,
            _ => {}
        }
    }
    let Some((name, bytes)) = file else {
        return Err(WebError::BadRequest("请选择要上传的文件".into()));
    };
    let opts = ImportOptions {
        table,
        agency,
        import_valid_rows: valid_rows,
    };
    let store = state.store.as_actor(who.actor(), &who.req);
    let outcome = import_file(&store, &screener.objects, &name, &bytes, &opts)
        .await
        .map_err(|e| match e {
            xingjian_datasets::ImportError::Store(s) => WebError::from(s),
            xingjian_datasets::ImportError::Storage(m) => {
                tracing::error!(error = %m, "dataset storage failed");
                WebError::Internal("storage")
            }
            other => WebError::BadRequest(other.to_string()),
        })?;
    Ok(match outcome {
        ImportOutcome::AlreadyImported(f) => {
            Redirect::to(&format!("/imports/{}?notice=duplicate", f.id)).into_response()
        }
        ImportOutcome::Imported { file, .. } => {
            Redirect::to(&format!("/imports/{}?notice=imported", file.id)).into_response()
        }
        ImportOutcome::Rejected(report) => {
            let mut page = render(&RejectedPage {
                l: Layout::new("未导入", &state.settings.office_name, "imports", &who),
                report,
            })?;
            *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            page
        }
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
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let (f, report) = load(&state, &who, id).await?;
    render(&DetailPage {
        l: Layout::new(
            f.file_name.clone(),
            &state.settings.office_name,
            "imports",
            &who,
        )
        .notice(q.notice.as_deref()),
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
