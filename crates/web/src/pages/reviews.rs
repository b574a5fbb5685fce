//! 逐案评查: review batches, each file on the five dimensions, attachments.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::forms::opt_i64;
use crate::layout::{Layout, Pager};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use xingjian_domain::{Agency, DIMENSIONS};
use xingjian_store::{
    Attachment, Finding, PageRequest, ReviewBatch, ReviewBatchInput, ReviewFile, ReviewSummary,
    StaffMember,
};

/// Scanned files and PDFs can be large, but not unbounded.
const MAX_ATTACHMENT: usize = 50 * 1024 * 1024;
const ALLOWED: [(&str, &str); 8] = [
    ("pdf", "application/pdf"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("tif", "image/tiff"),
    ("tiff", "image/tiff"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews", get(list).post(create))
        .route("/reviews/new", get(new_form))
        .route("/reviews/{id}", get(batch))
        .route("/review-files/{id}", get(file))
        .route("/review-files/{id}/assign", post(assign))
        .route("/review-files/{id}/decide", post(decide))
        .route("/review-files/{id}/findings", post(add_finding))
        .route("/review-files/{id}/complete", post(complete))
        .route("/review-files/{id}/clue", post(to_clue))
        .route(
            "/review-files/{id}/attachments",
            upload_route("review_file"),
        )
        .route(
            "/file-requests/{id}/attachments",
            upload_route("file_request"),
        )
        .route("/inquiries/{id}/attachments", upload_route("inquiry"))
        .route("/attachments/{id}", get(download))
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    notice: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    file_request_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct ListPage {
    l: Layout,
    batches: Vec<ReviewBatch>,
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
        .list_review_batches(PageRequest::new(q.page, None))
        .await?;
    render(&ListPage {
        l: Layout::new("逐案评查", &state.settings.office_name, "reviews", &who),
        pager: Pager::new(&page, "/reviews", ""),
        batches: page.items,
    })
}

#[derive(Template)]
#[template(path = "review_new.html")]
struct NewPage {
    l: Layout,
    agencies: Vec<Agency>,
    file_request_id: Option<i64>,
}

async fn new_form(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    render(&NewPage {
        l: Layout::new("新建评查批次", &state.settings.office_name, "reviews", &who),
        agencies: super::agency_choices(&state, &who).await?,
        file_request_id: q.file_request_id,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct NewForm {
    #[serde(default)]
    title: String,
    #[serde(default, deserialize_with = "opt_i64")]
    agency_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    file_request_id: Option<i64>,
    #[serde(default)]
    case_numbers: String,
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<NewForm>,
) -> Result<Response, WebError> {
    let b = state
        .store
        .as_actor(who.actor(), &who.req)
        .create_review_batch(ReviewBatchInput {
            title: f.title,
            agency_id: f.agency_id,
            file_request_id: f.file_request_id,
            case_numbers: f.case_numbers,
        })
        .await?;
    Ok(Redirect::to(&format!("/reviews/{}?notice=created", b.id)).into_response())
}

#[derive(Template)]
#[template(path = "review_batch.html")]
struct BatchPage {
    l: Layout,
    b: ReviewBatch,
    files: Vec<ReviewFile>,
    s: ReviewSummary,
}

async fn batch(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let b = store.get_review_batch(id).await?;
    let (files, s) = store.review_batch_files(id).await?;
    render(&BatchPage {
        l: Layout::new(
            b.title.clone(),
            &state.settings.office_name,
            "reviews",
            &who,
        )
        .notice(q.notice.as_deref()),
        b,
        files,
        s,
    })
}

#[derive(Template)]
#[template(path = "review_file.html")]
struct FilePage {
    l: Layout,
    b: ReviewBatch,
    f: ReviewFile,
    findings: Vec<Finding>,
    attachments: Vec<Attachment>,
    staff: Vec<StaffMember>,
    dimensions: Vec<&'static str>,
    /// The five dimensions with (confirmed, suggested) findings each.
    checklist: Vec<(&'static str, usize, usize)>,
}

async fn file(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let (f, findings, attachments) = store.get_review_file(id).await?;
    let b = store.get_review_batch(f.batch_id).await?;
    let count = |d: &str, status: &str| {
        findings
            .iter()
            .filter(|g| g.dimension == d && g.status == status)
            .count()
    };
    let checklist = DIMENSIONS
        .iter()
        .map(|d| (*d, count(d, "confirmed"), count(d, "suggested")))
        .collect();
    render(&FilePage {
        checklist,
        l: Layout::new(
            format!("评查：{}", f.case_number),
            &state.settings.office_name,
            "reviews",
            &who,
        )
        .notice(q.notice.as_deref()),
        staff: store.staff_directory().await?,
        dimensions: DIMENSIONS.to_vec(),
        b,
        f,
        findings,
        attachments,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct StepForm {
    version: i64,
    #[serde(default, deserialize_with = "opt_i64")]
    reviewer_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    finding_id: Option<i64>,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    notes: String,
}

fn back(id: i64) -> Response {
    Redirect::to(&format!("/review-files/{id}?notice=saved")).into_response()
}

async fn assign(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let reviewer = f.reviewer_id.unwrap_or(who.actor().user_id.0);
    state
        .store
        .as_actor(who.actor(), &who.req)
        .assign_review_file(id, reviewer, f.version)
        .await?;
    Ok(back(id))
}

async fn decide(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let finding = f
        .finding_id
        .ok_or_else(|| WebError::BadRequest("finding_id".into()))?;
    state
        .store
        .as_actor(who.actor(), &who.req)
        .decide_finding(id, finding, f.decision == "confirm", &f.reason, f.version)
        .await?;
    Ok(back(id))
}

async fn add_finding(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .add_finding(id, &f.dimension, &f.description, &f.evidence, f.version)
        .await?;
    Ok(back(id))
}

async fn complete(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .complete_review_file(id, &f.notes, f.version)
        .await?;
    Ok(back(id))
}

async fn to_clue(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let clue = state
        .store
        .as_actor(who.actor(), &who.req)
        .review_file_to_clue(id, f.version)
        .await?;
    Ok(Redirect::to(&format!("/clues/{clue}?notice=created")).into_response())
}

/// The upload route for one kind of owner (its page decides the path).
pub(crate) fn upload_route(owner: &'static str) -> axum::routing::MethodRouter<AppState> {
    post(
        move |State(state): State<AppState>, who: Authed, Path(id): Path<i64>, form: Multipart| async move {
            store_uploads(&state, &who, owner, id, form).await
        },
    )
    .layer(DefaultBodyLimit::max(MAX_ATTACHMENT + 64 * 1024))
}

/// Every `file` field of an upload: the owner checked before anything is
/// stored, type and size checked, bytes kept by hash in the object store,
/// registered against the owner; then back to the owner's page.
async fn store_uploads(
    state: &AppState,
    who: &Authed,
    owner: &'static str,
    id: i64,
    mut form: Multipart,
) -> Result<Response, WebError> {
    let screener = state
        .screener
        .clone()
        .ok_or_else(|| WebError::Forbidden("本服务未配置文件存储".into()))?;
    let store = state.store.as_actor(who.actor(), &who.req);
    let page = store.attachment_owner_page(owner, id).await?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        WebError::BadRequest(format!("上传内容无法读取（{}）", e.body_text()))
    };
    let mut saved = 0;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("附件").trim().to_owned();
        let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        let Some((_, content_type)) = ALLOWED.iter().find(|(e, _)| *e == ext) else {
            return Err(WebError::BadRequest(format!(
                "“{name}”的类型不受支持：请上传 PDF、JPG、PNG、TIFF、DOCX 或 XLSX 文件"
            )));
        };
        let bytes = field.bytes().await.map_err(bad)?;
        if bytes.is_empty() {
            continue;
        }
        if bytes.len() > MAX_ATTACHMENT {
            return Err(WebError::BadRequest(format!("“{name}”超过 50 MB")));
        }
        let (sha, location) = xingjian_datasets::store_document(&screener.objects, &name, &bytes)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "attachment storage failed");
                WebError::Internal("storage")
            })?;
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        store
            .add_attachment(owner, id, &name, content_type, size, &sha, &location)
            .await?;
        saved += 1;
    }
    if saved == 0 {
        return Err(WebError::BadRequest("请选择要上传的文件".into()));
    }
    Ok(Redirect::to(&format!("{page}?notice=saved")).into_response())
}

async fn download(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let screener = state.screener.clone().ok_or(WebError::NotFound)?;
    let a = state
        .store
        .as_actor(who.actor(), &who.req)
        .get_attachment(id)
        .await?;
    let bytes = screener.objects.get(&a.location).await.map_err(|e| {
        tracing::error!(error = %e, "attachment read failed");
        WebError::Internal("storage")
    })?;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        crate::auth::urlencode(&a.file_name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, a.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
