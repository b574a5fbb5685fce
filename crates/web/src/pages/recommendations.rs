//! 检察建议: draft from a case, versions and differences, pre-consultation,
//! approval and 文号, DOCX letter and 送达回证, delivery, replies, outcome.

use super::{render, render_form};
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::forms::opt_i64;
use crate::layout::{Layout, Pager, query_string};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use xingjian_documents::{LetterDoc, ReceiptDoc, letter_docx, receipt_docx};
use xingjian_domain::governance::{Problem, governance_draft, recurring};
use xingjian_domain::recommendation::{
    DeliveryMode, DiffLine, Letter, MeasureKind, Outcome, RecKind, diff, parse_items,
};
use xingjian_domain::{Agency, Role, ValidationErrors};
use xingjian_store::{
    Attachment, Deadline, DeliveryInput, HistoryEntry, NewRecommendation, PageRequest,
    Recommendation, RecommendationFilter, RecommendationRecord, StoreError,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/recommendations", get(list).post(create))
        .route("/recommendations/new", get(new_form))
        .route("/recommendations.xlsx", get(export))
        .route("/governance", get(governance))
        .route("/recommendations/{id}", get(detail))
        .route("/recommendations/{id}/revise", post(revise))
        .route("/recommendations/{id}/share", post(share))
        .route("/recommendations/{id}/views", post(views))
        .route("/recommendations/{id}/submit", post(submit))
        .route("/recommendations/{id}/decide", post(decide))
        .route("/recommendations/{id}/deliver", post(deliver))
        .route("/recommendations/{id}/opinion", post(opinion))
        .route("/recommendations/{id}/reply", post(reply))
        .route("/recommendations/{id}/measures", post(measure))
        .route("/recommendations/{id}/outcome", post(outcome))
        .route("/recommendations/{id}/close", post(close))
        .route("/recommendations/{id}/joint-actions", post(joint_action))
        .route("/recommendations/{id}/letter.docx", get(letter_file))
        .route(
            "/recommendations/{id}/receipt/{recipient}",
            get(receipt_file),
        )
        .route(
            "/recommendations/{id}/attachments",
            super::reviews::upload_route("recommendation"),
        )
}

fn codes<T: Copy>(
    all: &[T],
    f: impl Fn(T) -> (&'static str, &'static str),
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|k| f(*k)).collect()
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    page: Option<i64>,
    notice: Option<String>,
    status: Option<String>,
    kind: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    case_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    from: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    to: Option<i64>,
}

#[derive(Template)]
#[template(path = "recommendations.html")]
struct ListPage {
    l: Layout,
    items: Vec<Recommendation>,
    pager: Pager,
    status: String,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    may_draft: bool,
}

async fn list(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_recommendations(
            &RecommendationFilter {
                case_id: q.case_id,
                status: q.status.clone(),
                kind: q.kind.clone(),
                agency_id: None,
            },
            PageRequest::new(q.page, None),
        )
        .await?;
    render(&ListPage {
        l: Layout::new(
            "检察建议",
            &state.settings.office_name,
            "recommendations",
            &who,
        ),
        pager: Pager::new(
            &page,
            "/recommendations",
            &query_string(&[
                ("status", q.status.clone()),
                ("kind", q.kind.clone()),
                ("case_id", q.case_id.map(|c| c.to_string())),
            ]),
        ),
        items: page.items,
        status: q.status.unwrap_or_default(),
        kinds: codes(RecKind::ALL, |k| (k.code(), k.label())),
        kind: q.kind.unwrap_or_default(),
        may_draft: matches!(
            who.actor().role,
            Role::Prosecutor | Role::Assistant | Role::DeputyChief | Role::Chief
        ),
    })
}

/// The letter form as typed.
#[derive(serde::Deserialize, Default, Clone)]
pub struct LetterForm {
    #[serde(default)]
    version: i64,
    #[serde(default, deserialize_with = "opt_i64")]
    case_id: Option<i64>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    agency_ids: Vec<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    facts: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    items: String,
    #[serde(default)]
    reply_limit: String,
    #[serde(default)]
    reply_manner: String,
    #[serde(default)]
    cc: String,
    #[serde(default)]
    note: String,
}

impl LetterForm {
    fn letter(&self) -> Letter {
        Letter {
            title: self.title.trim().to_owned(),
            source: self.source.trim().to_owned(),
            facts: self.facts.trim().to_owned(),
            problems: self.problems.trim().to_owned(),
            items: parse_items(&self.items),
            reply_limit: self.reply_limit.trim().to_owned(),
            reply_manner: self.reply_manner.trim().to_owned(),
            cc: self.cc.trim().to_owned(),
        }
    }

    fn of(l: &Letter) -> Self {
        Self {
            title: l.title.clone(),
            source: l.source.clone(),
            facts: l.facts.clone(),
            problems: l.problems.clone(),
            items: l
                .items
                .iter()
                .enumerate()
                .map(|(i, t)| format!("{}. {t}", i + 1))
                .collect::<Vec<_>>()
                .join("\n"),
            reply_limit: l.reply_limit.clone(),
            reply_manner: l.reply_manner.clone(),
            cc: l.cc.clone(),
            ..Self::default()
        }
    }

    pub fn has_agency(&self, id: &i64) -> bool {
        self.agency_ids.contains(id)
    }
}

#[derive(Template)]
#[template(path = "recommendation_new.html")]
struct NewPage {
    l: Layout,
    f: LetterForm,
    errors: ValidationErrors,
    agencies: Vec<Agency>,
    kinds: Vec<(&'static str, &'static str)>,
}

async fn new_page(
    state: &AppState,
    who: &Authed,
    f: LetterForm,
    errors: ValidationErrors,
) -> Result<Response, WebError> {
    let has_errors = !errors.is_empty();
    render_form(
        &NewPage {
            l: Layout::new(
                "起草检察建议",
                &state.settings.office_name,
                "recommendations",
                who,
            ),
            agencies: super::agency_choices(state, who).await?,
            f,
            errors,
            kinds: codes(RecKind::ALL, |k| (k.code(), k.label())),
        },
        has_errors,
    )
}

/// The articles a rule cites, as a letter cites them: 《law》article.
fn citations(state: &AppState, rule_id: &str) -> Vec<String> {
    state
        .screener
        .as_ref()
        .and_then(|s| s.rules.iter().find(|r| r.rule.id == rule_id))
        .map(|r| {
            r.rule
                .legal_basis
                .iter()
                .map(|b| format!("《{}》{}", b.law, b.article))
                .collect()
        })
        .unwrap_or_default()
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    #[serde(default, deserialize_with = "opt_i64")]
    case_id: Option<i64>,
    #[serde(default)]
    kind: Option<String>,
    /// A recurring problem (rule id or `dimension:…`) of `agency_id`, from 诉源治理.
    #[serde(default)]
    problem: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    agency_id: Option<i64>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// A rule's title, or the problem key itself.
fn problem_title(state: &AppState, p: &Problem) -> String {
    match &p.rule_id {
        Some(r) => state
            .screener
            .as_ref()
            .and_then(|s| s.rules.iter().find(|x| &x.rule.id == r))
            .map_or_else(|| r.clone(), |x| x.rule.title.clone()),
        None => p.dimension.clone(),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct GovernanceQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default, deserialize_with = "opt_i64")]
    min: Option<i64>,
}

#[derive(Template)]
#[template(path = "governance.html")]
struct GovernancePage {
    l: Layout,
    /// (problem, its title)
    problems: Vec<(Problem, String)>,
    /// (officer, files, problems)
    officers: Vec<(String, usize, usize)>,
    min: usize,
    from: String,
    to: String,
}

/// 诉源治理: recurring problems by rule and agency, with officers and months.
async fn governance(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<GovernanceQuery>,
) -> Result<Response, WebError> {
    let min = q
        .min
        .and_then(|m| usize::try_from(m).ok())
        .filter(|m| (1..=1000).contains(m))
        .unwrap_or(state.settings.governance_min_files);
    let occurrences = state
        .store
        .as_actor(who.actor(), &who.req)
        .problem_occurrences(q.from.as_deref(), q.to.as_deref())
        .await?;
    let problems: Vec<(Problem, String)> = recurring(&occurrences, min)
        .into_iter()
        .map(|p| {
            let t = problem_title(&state, &p);
            (p, t)
        })
        .collect();
    // Officers across the recurring problems: in how many of their files, in how many problems.
    let mut officers: std::collections::BTreeMap<
        String,
        (std::collections::BTreeSet<String>, usize),
    > = Default::default();
    for o in &occurrences {
        for off in &o.officers {
            officers
                .entry(off.clone())
                .or_default()
                .0
                .insert(o.file.clone());
        }
    }
    for (p, _) in &problems {
        for (off, _) in &p.officers {
            if let Some(e) = officers.get_mut(off) {
                e.1 += 1;
            }
        }
    }
    let mut officers: Vec<(String, usize, usize)> = officers
        .into_iter()
        .filter(|(_, (files, _))| files.len() >= min)
        .map(|(k, (files, n))| (k, files.len(), n))
        .collect();
    officers.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    officers.truncate(50);
    render(&GovernancePage {
        l: Layout::new(
            "诉源治理",
            &state.settings.office_name,
            "recommendations",
            &who,
        ),
        problems,
        officers,
        min,
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
    })
}

async fn new_form(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    let kind = q
        .kind
        .as_deref()
        .and_then(RecKind::from_code)
        .unwrap_or(RecKind::Correction);
    let f = match (q.case_id, q.problem.as_deref()) {
        (None, Some(key)) => {
            // One click from 诉源治理: the problem's files, cited.
            let store = state.store.as_actor(who.actor(), &who.req);
            let occurrences = store
                .problem_occurrences(q.from.as_deref(), q.to.as_deref())
                .await?;
            let p = recurring(&occurrences, 1)
                .into_iter()
                .find(|p| p.key() == key && p.agency_id == q.agency_id)
                .ok_or(WebError::NotFound)?;
            let cites = p
                .rule_id
                .as_deref()
                .map(|r| citations(&state, r))
                .unwrap_or_default();
            let title = problem_title(&state, &p);
            LetterForm {
                kind: RecKind::SocialGovernance.code().into(),
                agency_ids: p.agency_id.into_iter().collect(),
                ..LetterForm::of(&governance_draft(&p, &title, &cites))
            }
        }
        (Some(c), _) => {
            let store = state.store.as_actor(who.actor(), &who.req);
            let (mut facts, agency) = store.case_facts(c).await?;
            for f in &mut facts.findings {
                if let Some(r) = f.rule_id.clone() {
                    f.citations = citations(&state, &r);
                }
            }
            LetterForm {
                case_id: Some(c),
                kind: kind.code().into(),
                agency_ids: agency.into_iter().collect(),
                ..LetterForm::of(&Letter::draft(kind, &facts))
            }
        }
        (None, None) => LetterForm {
            kind: kind.code().into(),
            reply_limit: "2m".into(),
            reply_manner: "将办理情况书面回复本院".into(),
            ..LetterForm::default()
        },
    };
    new_page(&state, &who, f, ValidationErrors::new()).await
}

async fn create(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<LetterForm>,
) -> Result<Response, WebError> {
    let input = NewRecommendation {
        case_id: f.case_id,
        kind: f.kind.clone(),
        agency_ids: f.agency_ids.clone(),
        letter: f.letter(),
    };
    match state
        .store
        .as_actor(who.actor(), &who.req)
        .create_recommendation(input)
        .await
    {
        Ok(r) => {
            Ok(Redirect::to(&format!("/recommendations/{}?notice=created", r.id)).into_response())
        }
        Err(StoreError::Validation(e)) => new_page(&state, &who, f, e).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "recommendation_detail.html")]
struct DetailPage {
    l: Layout,
    d: RecommendationRecord,
    r: Recommendation,
    f: LetterForm,
    compare: Option<(i64, i64, Vec<DiffLine>)>,
    deadlines: Vec<Deadline>,
    supervisors: Vec<(i64, String)>,
    attachments: Vec<Attachment>,
    upload_action: String,
    may_upload: bool,
    history: Vec<HistoryEntry>,
    is_staff: bool,
    is_leader: bool,
    is_supervisor: bool,
    /// The liaison's own agency, if a liaison.
    own_agency: Option<i64>,
    modes: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    measures: Vec<(&'static str, &'static str)>,
    today: String,
    agencies: Vec<Agency>,
}

impl DetailPage {
    /// Is this agency the liaison's own?
    fn mine(&self, agency_id: &i64) -> bool {
        self.own_agency == Some(*agency_id)
    }
}

async fn detail(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let d = store.recommendation_record(id).await?;
    let r = d.recommendation.clone();
    let compare = match (q.from, q.to) {
        (Some(a), Some(b)) => {
            let find = |n| d.versions.iter().find(|v| v.version_no == n);
            match (find(a), find(b)) {
                (Some(x), Some(y)) => Some((a, b, diff(&x.letter, &y.letter))),
                _ => None,
            }
        }
        _ => None,
    };
    let is_staff = store.may_screen();
    let supervisors = if is_staff {
        store.people_supervisors().await?
    } else {
        Vec::new()
    };
    let a = who.actor();
    render(&DetailPage {
        l: Layout::new(
            r.letter.title.clone(),
            &state.settings.office_name,
            "recommendations",
            &who,
        )
        .notice(q.notice.as_deref()),
        f: LetterForm::of(&r.letter),
        compare,
        deadlines: if a.role == Role::PeopleSupervisor {
            Vec::new()
        } else {
            store.deadlines_of("recommendation", id).await?
        },
        supervisors,
        attachments: store.attachments_of("recommendation", id).await?,
        upload_action: format!("/recommendations/{id}/attachments"),
        may_upload: r.status != "closed"
            && (is_staff
                || r.recipients.iter().any(|x| {
                    a.agency_id.map(|g| g.0) == Some(x.agency_id) && x.delivered_on.is_some()
                })),
        history: store.recommendation_history(id).await?,
        is_staff,
        is_leader: matches!(a.role, Role::Chief | Role::DeputyChief),
        is_supervisor: a.role == Role::PeopleSupervisor,
        own_agency: if a.role == Role::Liaison {
            a.agency_id.map(|g| g.0)
        } else {
            None
        },
        modes: codes(DeliveryMode::ALL, |k| (k.code(), k.label())),
        outcomes: codes(Outcome::ALL, |k| (k.code(), k.label())),
        measures: codes(MeasureKind::ALL, |k| (k.code(), k.label())),
        today: xingjian_store::today().format("%Y-%m-%d").to_string(),
        agencies: if is_staff {
            super::agency_choices(&state, &who).await?
        } else {
            Vec::new()
        },
        r,
        d,
    })
}

fn back(id: i64) -> Response {
    Redirect::to(&format!("/recommendations/{id}?notice=saved")).into_response()
}

async fn revise(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<LetterForm>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .revise_recommendation(id, f.version, f.letter(), &f.note)
        .await?;
    Ok(back(id))
}

#[derive(serde::Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    version: i64,
    #[serde(default, deserialize_with = "opt_i64")]
    agency_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    consultation_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    delivery_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_i64")]
    recipient_id: Option<i64>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    date: String,
}

fn need(x: Option<i64>, field: &str) -> Result<i64, WebError> {
    x.ok_or_else(|| WebError::Validation(ValidationErrors::one(field, "请选择")))
}

async fn share(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    store
        .share_recommendation(id, need(f.agency_id, "agency_id")?)
        .await?;
    Ok(back(id))
}

async fn views(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    store
        .give_views(id, need(f.consultation_id, "consultation_id")?, &f.text)
        .await?;
    Ok(back(id))
}

async fn submit(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    store.submit_recommendation(id, f.version, &f.text).await?;
    Ok(back(id))
}

async fn decide(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    store
        .decide_recommendation(id, f.version, f.decision == "approve", &f.text)
        .await?;
    Ok(back(id))
}

#[derive(serde::Deserialize, Default)]
pub struct DeliverForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    delivered_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    received_by: String,
    #[serde(default)]
    recipient_ids: Vec<i64>,
    #[serde(default)]
    supervisor_ids: Vec<i64>,
}

async fn deliver(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<DeliverForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    store
        .deliver_recommendation(
            id,
            f.version,
            DeliveryInput {
                mode: f.mode,
                delivered_on: f.delivered_on,
                place: f.place,
                host: f.host,
                participants: f.participants,
                recipient_ids: f.recipient_ids,
                received_by: f.received_by,
                supervisor_ids: f.supervisor_ids,
            },
        )
        .await?;
    Ok(back(id))
}

async fn opinion(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    store
        .supervisor_opinion(id, need(f.delivery_id, "delivery_id")?, &f.text)
        .await?;
    Ok(back(id))
}

async fn reply(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    store
        .reply_recommendation(
            id,
            need(f.recipient_id, "recipient_id")?,
            f.version,
            &f.text,
        )
        .await?;
    Ok(back(id))
}

async fn measure(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    store
        .add_measure(
            id,
            need(f.recipient_id, "recipient_id")?,
            &f.kind,
            &f.date,
            &f.text,
        )
        .await?;
    Ok(back(id))
}

async fn outcome(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    store
        .record_outcome(
            id,
            need(f.recipient_id, "recipient_id")?,
            f.version,
            &f.decision,
            &f.text,
        )
        .await?;
    Ok(back(id))
}

async fn close(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    store.close_recommendation(id, f.version).await?;
    Ok(back(id))
}

#[derive(serde::Deserialize, Default)]
pub struct JointActionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    agency_ids: Vec<i64>,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    results: String,
}

async fn joint_action(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<JointActionForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    store
        .add_joint_action(
            id,
            xingjian_store::JointActionInput {
                title: f.title,
                starts_on: f.starts_on,
                ends_on: f.ends_on,
                agency_ids: f.agency_ids,
                participants: f.participants,
                results: f.results,
            },
        )
        .await?;
    Ok(back(id))
}

/// The list, with its filters, as XLSX.
async fn export(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let f = RecommendationFilter {
        case_id: q.case_id,
        status: q.status.clone(),
        kind: q.kind.clone(),
        agency_id: None,
    };
    let items = super::all_pages(10_000, |p| store.list_recommendations(&f, p)).await?;
    let rows: Vec<Vec<xingjian_documents::Cell>> = items
        .iter()
        .flat_map(|r| {
            r.recipients.iter().map(move |x| {
                vec![
                    r.doc_number.clone().unwrap_or_default().into(),
                    r.letter.title.clone().into(),
                    r.kind_label().into(),
                    r.status_label().into(),
                    r.issued_on.clone().unwrap_or_default().into(),
                    x.agency_name.clone().into(),
                    x.delivered_on.clone().unwrap_or_default().into(),
                    x.reply_due_on.clone().unwrap_or_default().into(),
                    x.replied_on.clone().unwrap_or_default().into(),
                    x.outcome_label().into(),
                ]
            })
        })
        .collect();
    let bytes = xingjian_documents::table_xlsx(
        "检察建议",
        &[
            ("文号", 22.0),
            ("标题", 40.0),
            ("类别", 10.0),
            ("状态", 10.0),
            ("签发日期", 12.0),
            ("被建议单位", 20.0),
            ("送达日期", 12.0),
            ("回复期限", 12.0),
            ("回复日期", 12.0),
            ("采纳情况", 10.0),
        ],
        &rows,
    )
    .map_err(super::document_error)?;
    Ok(super::download("检察建议.xlsx", super::XLSX, bytes))
}

/// The letter as DOCX (a draft is marked 征求意见稿).
async fn letter_file(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let r = state
        .store
        .as_actor(who.actor(), &who.req)
        .get_recommendation(id)
        .await?;
    let doc = LetterDoc {
        office: state.settings.office_name.clone(),
        doc_number: r.doc_number.clone().unwrap_or_default(),
        recipients: r.recipients.iter().map(|x| x.agency_name.clone()).collect(),
        title: r.letter.title.clone(),
        source: r.letter.source.clone(),
        facts: r.letter.facts.clone(),
        problems: r.letter.problems.clone(),
        items: r.letter.items.clone(),
        reply_clause: r.letter.reply_clause(),
        cc: r.letter.cc.clone(),
        issued_on: r.issued_on.clone().unwrap_or_default(),
    };
    let name = match &r.doc_number {
        Some(n) => format!("检察建议书（{n}）.docx"),
        None => "检察建议书（征求意见稿）.docx".to_owned(),
    };
    Ok(super::download(
        &name,
        super::DOCX,
        letter_docx(&doc).map_err(super::document_error)?,
    ))
}

/// The 送达回证 for one recipient.
async fn receipt_file(
    State(state): State<AppState>,
    who: Authed,
    Path((id, recipient)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let d = store.recommendation_record(id).await?;
    let r = &d.recommendation;
    let x = r
        .recipients
        .iter()
        .find(|x| x.id == recipient)
        .ok_or(WebError::NotFound)?;
    let delivery = d
        .deliveries
        .iter()
        .find(|v| Some(&v.delivered_on) == x.delivered_on.as_ref());
    let doc = ReceiptDoc {
        office: state.settings.office_name.clone(),
        doc_number: r.doc_number.clone().unwrap_or_default(),
        title: r.letter.title.clone(),
        recipient: x.agency_name.clone(),
        delivered_on: x.delivered_on.clone().unwrap_or_default(),
        mode: delivery
            .map(|v| v.mode_label().to_owned())
            .unwrap_or_default(),
        place: delivery.map(|v| v.place.clone()).unwrap_or_default(),
        received_by: x.received_by.clone().unwrap_or_default(),
    };
    Ok(super::download(
        &format!("送达回证（{}）.docx", x.agency_name),
        super::DOCX,
        receipt_docx(&doc).map_err(super::document_error)?,
    ))
}
