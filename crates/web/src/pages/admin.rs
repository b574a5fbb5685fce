//! Administration: accounts and the audit log.

use super::render;
use crate::AppState;
use crate::auth::Authed;
use crate::error::WebError;
use crate::layout::{Layout, Pager, query_string};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use xingjian_domain::{Agency, AgencyId, NewUser, Role, User, UserId, ValidationErrors};
use xingjian_store::{
    AuditEntry, AuditFilter, AuditRecord, Outcome, PageRequest, UserFilter, UserUpdate,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/new", get(new_user))
        .route("/admin/users/{id}", get(edit_user).post(update_user))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/admin/users/{id}/contact", post(set_contact))
        .route("/admin/audit", get(audit))
}

fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.code(), r.label())).collect()
}

/// Route-level refusal, audited like any other.
async fn refuse(state: &AppState, who: &Authed, what: &str, msg: &str) -> WebError {
    let entry = AuditEntry::new(
        "access.denied",
        "route",
        Some(what.to_owned()),
        Outcome::Denied,
    )
    .detail(msg);
    if let Err(e) = state
        .store
        .as_actor(who.actor(), &who.req)
        .audit(entry)
        .await
    {
        tracing::error!(error = %e, "could not audit a refusal");
    }
    WebError::Forbidden(msg.to_owned())
}

async fn require_admin(state: &AppState, who: &Authed, what: &str) -> Result<(), WebError> {
    if who.actor().can_administer() {
        Ok(())
    } else {
        Err(refuse(state, who, what, "只有系统管理员可以管理账号").await)
    }
}

#[derive(serde::Deserialize, Default)]
pub struct UsersQuery {
    q: Option<String>,
    role: Option<String>,
    page: Option<i64>,
    msg: Option<String>,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct UsersPage {
    l: Layout,
    /// (user, agency name)
    users: Vec<(User, String)>,
    pager: Pager,
    q: String,
    role: String,
    roles: Vec<(&'static str, &'static str)>,
    /// Mail delivery of notifications: pending, sent, failed.
    outbox: xingjian_store::OutboxCounts,
}

async fn users(
    State(state): State<AppState>,
    who: Authed,
    Query(q): Query<UsersQuery>,
) -> Result<Response, WebError> {
    require_admin(&state, &who, "/admin/users").await?;
    let filter = UserFilter {
        q: q.q.clone(),
        role: q.role.as_deref().and_then(Role::from_code),
        agency_id: None,
    };
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_users(&filter, PageRequest::new(q.page, None))
        .await?;
    let agencies = super::agency_choices(&state, &who).await?;
    let qs = query_string(&[("q", q.q.clone()), ("role", q.role.clone())]);
    let pager = Pager::new(&page, "/admin/users", &qs);
    let users = page
        .items
        .into_iter()
        .map(|u| {
            let name = u
                .agency_id
                .and_then(|id| agencies.iter().find(|a| a.id == id))
                .map(|a| a.name.clone())
                .unwrap_or_else(|| "—".into());
            (u, name)
        })
        .collect();
    render(&UsersPage {
        l: Layout::new("账号管理", &state.settings.office_name, "users", &who)
            .notice(q.msg.as_deref()),
        users,
        pager,
        q: q.q.unwrap_or_default(),
        role: q.role.unwrap_or_default(),
        roles: roles(),
        outbox: state
            .store
            .as_actor(who.actor(), &who.req)
            .outbox_counts()
            .await?,
    })
}

#[derive(Template)]
#[template(path = "users/form.html")]
struct UserFormPage {
    l: Layout,
    existing: Option<User>,
    username: String,
    display_name: String,
    role: String,
    agency_id: String,
    active: bool,
    roles: Vec<(&'static str, &'static str)>,
    agencies: Vec<Agency>,
    errors: ValidationErrors,
    general_error: Option<String>,
    contact: Option<xingjian_store::Contact>,
}

#[derive(serde::Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    agency_id: String,
    active: Option<String>,
    #[serde(default)]
    password: String,
    version: Option<i64>,
}

impl UserForm {
    fn role(&self) -> Result<Role, ValidationErrors> {
        Role::from_code(&self.role).ok_or_else(|| ValidationErrors::one("role", "请选择角色"))
    }

    fn agency(&self) -> Result<Option<AgencyId>, ValidationErrors> {
        match self.agency_id.trim() {
            "" => Ok(None),
            s => s
                .parse()
                .map(|n| Some(AgencyId(n)))
                .map_err(|_| ValidationErrors::one("agency_id", "所选行政机关无效")),
        }
    }
}

async fn user_form(
    state: &AppState,
    who: &Authed,
    existing: Option<User>,
    f: Option<&UserForm>,
    err: Option<WebError>,
    notice: Option<&str>,
) -> Result<Response, WebError> {
    let (errors, general_error) = match err {
        Some(WebError::Validation(v)) => (v, None),
        Some(other) => (ValidationErrors::new(), Some(other.to_string())),
        None => (ValidationErrors::new(), None),
    };
    let status = if errors.is_empty() && general_error.is_none() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = match (f, &existing) {
        (Some(f), _) => (
            f.username.clone(),
            f.display_name.clone(),
            f.role.clone(),
            f.agency_id.clone(),
            f.active.is_some(),
        ),
        (None, Some(u)) => (
            u.username.clone(),
            u.display_name.clone(),
            u.role.code().to_owned(),
            u.agency_id.map(|a| a.to_string()).unwrap_or_default(),
            u.active,
        ),
        (None, None) => (
            String::new(),
            String::new(),
            Role::Prosecutor.code().to_owned(),
            String::new(),
            true,
        ),
    };
    let title = if existing.is_some() {
        "修改账号"
    } else {
        "新建账号"
    };
    let contact = match &existing {
        Some(u) => Some(
            state
                .store
                .as_actor(who.actor(), &who.req)
                .contact_of(u.id)
                .await?,
        ),
        None => None,
    };
    let body = render(&UserFormPage {
        l: Layout::new(title, &state.settings.office_name, "users", who).notice(notice),
        contact,
        existing,
        username: page.0,
        display_name: page.1,
        role: page.2,
        agency_id: page.3,
        active: page.4,
        roles: roles(),
        agencies: super::agency_choices(state, who).await?,
        errors,
        general_error,
    })?;
    Ok((status, body).into_response())
}

/// An account's contact details (a liaison's are shown on its agency's page).
async fn set_contact(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(c): Form<xingjian_store::Contact>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .set_contact(UserId(id), &c)
        .await?;
    Ok(Redirect::to(&format!("/admin/users/{id}?msg=saved")).into_response())
}

async fn new_user(State(state): State<AppState>, who: Authed) -> Result<Response, WebError> {
    require_admin(&state, &who, "/admin/users/new").await?;
    user_form(&state, &who, None, None, None, None).await
}

#[derive(serde::Deserialize, Default)]
pub struct MsgQuery {
    msg: Option<String>,
}

async fn edit_user(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Query(m): Query<MsgQuery>,
) -> Result<Response, WebError> {
    let u = state
        .store
        .as_actor(who.actor(), &who.req)
        .get_user(UserId(id))
        .await?;
    require_admin(&state, &who, "/admin/users/{id}").await?;
    user_form(&state, &who, Some(u), None, None, m.msg.as_deref()).await
}

fn validation(e: &WebError) -> bool {
    matches!(e, WebError::Validation(_) | WebError::Conflict(_))
}

async fn create_user(
    State(state): State<AppState>,
    who: Authed,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let result = match (f.role(), f.agency()) {
        (Ok(role), Ok(agency_id)) => store
            .create_user(NewUser {
                username: f.username.clone(),
                display_name: f.display_name.clone(),
                role,
                agency_id,
                password: f.password.clone(),
            })
            .await
            .map_err(WebError::from),
        (Err(v), _) | (_, Err(v)) => Err(WebError::Validation(v)),
    };
    match result {
        Ok(u) => Ok(Redirect::to(&format!("/admin/users/{}?msg=created", u.id)).into_response()),
        Err(e) if validation(&e) => user_form(&state, &who, None, Some(&f), Some(e), None).await,
        Err(e) => Err(e),
    }
}

async fn update_user(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let id = UserId(id);
    let result = match (f.role(), f.agency()) {
        (Ok(role), Ok(agency_id)) => store
            .update_user(
                id,
                UserUpdate {
                    display_name: f.display_name.clone(),
                    role,
                    agency_id,
                    active: f.active.is_some(),
                    version: f.version.unwrap_or(0),
                },
            )
            .await
            .map_err(WebError::from),
        (Err(v), _) | (_, Err(v)) => Err(WebError::Validation(v)),
    };
    match result {
        Ok(u) => Ok(Redirect::to(&format!("/admin/users/{}?msg=saved", u.id)).into_response()),
        Err(e) if validation(&e) => {
            let existing = store.get_user(id).await?;
            user_form(&state, &who, Some(existing), Some(&f), Some(e), None).await
        }
        Err(e) => Err(e),
    }
}

async fn reset_password(
    State(state): State<AppState>,
    who: Authed,
    Path(id): Path<i64>,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    let id = UserId(id);
    match store
        .reset_password(id, &f.password)
        .await
        .map_err(WebError::from)
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?msg=password")).into_response()),
        Err(e) if validation(&e) => {
            let existing = store.get_user(id).await?;
            user_form(&state, &who, Some(existing), None, Some(e), None).await
        }
        Err(e) => Err(e),
    }
}

struct AuditArgs {
    f: AuditFilter,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    rows: Vec<AuditRecord>,
    pager: Pager,
    f: AuditFilter,
    outcomes: Vec<(&'static str, &'static str)>,
}

/// Query string of the audit page (no `flatten`: it breaks typed fields in query strings).
#[derive(serde::Deserialize, Default)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
}

async fn audit(
    State(state): State<AppState>,
    who: Authed,
    Query(aq): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let q = (
        AuditFilter {
            actor: aq.actor,
            action: aq.action,
            outcome: aq.outcome,
            q: aq.q,
            from: aq.from,
            to: aq.to,
        },
        aq.page,
    );
    let q = AuditArgs { f: q.0, page: q.1 };
    if !who.actor().can_read_audit() {
        return Err(refuse(
            &state,
            &who,
            "/admin/audit",
            "只有系统管理员和院领导可以查看审计日志",
        )
        .await);
    }
    let page = state
        .store
        .as_actor(who.actor(), &who.req)
        .list_audit(&q.f, PageRequest::new(q.page, Some(50)))
        .await?;
    let qs = query_string(&[
        ("actor", q.f.actor.clone()),
        ("action", q.f.action.clone()),
        ("outcome", q.f.outcome.clone()),
        ("q", q.f.q.clone()),
        ("from", q.f.from.clone()),
        ("to", q.f.to.clone()),
    ]);
    render(&AuditPage {
        l: Layout::new("审计日志", &state.settings.office_name, "audit", &who),
        pager: Pager::new(&page, "/admin/audit", &qs),
        rows: page.items,
        f: q.f,
        outcomes: [Outcome::Ok, Outcome::Denied, Outcome::Failed]
            .iter()
            .map(|o| (o.code(), o.label()))
            .collect(),
    })
}
