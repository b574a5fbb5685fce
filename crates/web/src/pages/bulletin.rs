//! 简报: the bulletin item composed from the period's figures, edited, then
//! exported as DOCX.

use super::{render, render_form};
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum_extra::extract::Form;
use xingjian_documents::{BulletinDoc, bulletin_docx};
use xingjian_domain::ValidationErrors;
use xingjian_domain::bulletin::{BulletinFigures, compose};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bulletin", get(form))
        .route("/bulletin.docx", post(export))
}

#[derive(serde::Deserialize, Default)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The editable bulletin.
#[derive(serde::Deserialize, Default)]
pub struct BulletinForm {
    #[serde(default)]
    masthead: String,
    #[serde(default)]
    issue: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    headline: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    short_items: String,
    #[serde(default)]
    distribution: String,
    #[serde(default)]
    editor: String,
}

#[derive(Template)]
#[template(path = "bulletin.html")]
struct BulletinPage {
    l: Layout,
    from: String,
    to: String,
    fig: BulletinFigures,
    f: BulletinForm,
    errors: ValidationErrors,
}

fn valid_day(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

async fn form(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, WebError> {
    let today = xingjian_store::today();
    let from = q
        .from
        .filter(|d| valid_day(d))
        .unwrap_or_else(|| format!("{}-01-01", today.format("%Y")));
    let to =
        q.to.filter(|d| valid_day(d))
            .unwrap_or_else(|| today.format("%Y-%m-%d").to_string());
    let fig = state
        .store
        .as_actor(who.actor(), &who.req)
        .bulletin_figures(&from, &to)
        .await?;
    let short = state.settings.office_name.replace("人民检察院", "检察院");
    let text = compose(&short, &fig);
    let f = BulletinForm {
        masthead: "工作简报".into(),
        issue: "第  期".into(),
        issuer: state.settings.office_name.clone(),
        date: to.clone(),
        headline: text.headline,
        body: text.paragraphs.join("\n"),
        source: "（区检察院）".into(),
        ..BulletinForm::default()
    };
    render(&BulletinPage {
        l: Layout::new("简报", &state.settings.office_name, "dashboard", &who),
        from,
        to,
        fig,
        f,
        errors: ValidationErrors::new(),
    })
}

async fn export(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<BulletinForm>,
) -> Result<Response, WebError> {
    // Only those who may compose it may export it.
    let store = state.store.as_actor(who.actor(), &who.req);
    let today = xingjian_store::today().format("%Y-%m-%d").to_string();
    store.bulletin_figures(&today, &today).await?;
    let mut e = ValidationErrors::new();
    if f.headline.trim().is_empty() {
        e.add("headline", "请填写标题");
    }
    if f.body.trim().is_empty() {
        e.add("body", "请填写正文");
    }
    if !valid_day(f.date.trim()) {
        e.add("date", "日期格式应为 2026-06-01");
    }
    if !e.is_empty() {
        let fig = BulletinFigures::default();
        return render_form(
            &BulletinPage {
                l: Layout::new("简报", &state.settings.office_name, "dashboard", &who),
                from: String::new(),
                to: String::new(),
                fig,
                f,
                errors: e,
            },
            true,
        );
    }
    let doc = BulletinDoc {
        masthead: f.masthead.trim().to_owned(),
        issue: f.issue.trim().to_owned(),
        issuer: f.issuer.trim().to_owned(),
        date: f.date.trim().to_owned(),
        headline: f.headline.trim().to_owned(),
        paragraphs: f
            .body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        source: f.source.trim().to_owned(),
        short_items: f.short_items.lines().map(str::to_owned).collect(),
        distribution: f.distribution,
        editor: f.editor,
    };
    let bytes = bulletin_docx(&doc).map_err(super::document_error)?;
    Ok(super::download(
        &format!("{}{}.docx", doc.masthead, doc.issue.replace(' ', "")),
        super::DOCX,
        bytes,
    ))
}
