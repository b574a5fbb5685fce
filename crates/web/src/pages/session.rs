//! Login and logout.

use super::render;
use crate::AppState;
use crate::auth::{MaybeAuthed, safe_next};
use crate::error::WebError;
use crate::layout::Layout;
use crate::middleware::{LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use rand::RngCore;
use xingjian_store::{LoginFailure, LoginOutcome};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    error: Option<String>,
    username: String,
    next: String,
}

#[derive(serde::Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    msg: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

fn login_token(jar: &CookieJar) -> Option<String> {
    jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned())
}

fn new_login_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn page(
    state: &AppState,
    jar: CookieJar,
    error: Option<String>,
    username: String,
    next: String,
    notice: Option<&str>,
) -> Result<Response, WebError> {
    let (jar, token) = match login_token(&jar) {
        Some(t) => (jar, t),
        None => {
            let t = new_login_token();
            (
                jar.add(cookie(
                    LOGIN_CSRF_COOKIE,
                    t.clone(),
                    state.settings.cookie_secure,
                )),
                t,
            )
        }
    };
    let status = if error.is_some() {
        axum::http::StatusCode::UNAUTHORIZED
    } else {
        axum::http::StatusCode::OK
    };
    let body = render(&LoginPage {
        l: Layout::anonymous("登录", &state.settings.office_name, token).notice(notice),
        error,
        username,
        next,
    })?;
    Ok((status, jar, body).into_response())
}

pub async fn login_form(
    State(state): State<AppState>,
    MaybeAuthed(ctx): MaybeAuthed,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    if ctx.session.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    page(
        &state,
        jar,
        None,
        String::new(),
        q.next.unwrap_or_default(),
        q.msg.as_deref(),
    )
}

pub async fn login(
    State(state): State<AppState>,
    MaybeAuthed(ctx): MaybeAuthed,
    jar: CookieJar,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let ua = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let next = f.next.unwrap_or_default();
    match state
        .store
        .system(&ctx.req)
        .login(&f.username, &f.password, ua)
        .await?
    {
        LoginOutcome::Ok(s) => {
            let jar = jar
                .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/"))
                .add(cookie(
                    SESSION_COOKIE,
                    s.token.clone(),
                    state.settings.cookie_secure,
                ));
            let target = safe_next(&next).unwrap_or("/").to_owned();
            Ok((jar, Redirect::to(&target)).into_response())
        }
        LoginOutcome::Failed(LoginFailure::BadCredentials) => page(
            &state,
            jar,
            Some("用户名或密码错误。".into()),
            f.username,
            next,
            None,
        ),
        LoginOutcome::Failed(LoginFailure::Throttled { retry_after_secs }) => {
            let minutes = (retry_after_secs + 59) / 60;
            let msg = format!("登录失败次数过多，请 {minutes} 分钟后再试，或联系系统管理员。");
            let mut resp = page(&state, jar, Some(msg), f.username, next, None)?;
            *resp.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
            if let Ok(v) = retry_after_secs.to_string().parse() {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
            Ok(resp)
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    MaybeAuthed(ctx): MaybeAuthed,
    jar: CookieJar,
) -> Result<Response, WebError> {
    if let Some(s) = &ctx.session {
        state.store.system(&ctx.req).logout(s).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    l: Layout,
    errors: xingjian_domain::ValidationErrors,
    /// The user's own contact details, editable on the same page.
    contact: xingjian_store::Contact,
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn password_form(
    State(state): State<AppState>,
    who: crate::auth::Authed,
    axum::extract::Query(q): axum::extract::Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    render(&PasswordPage {
        l: Layout::new("修改密码", &state.settings.office_name, "", &who)
            .notice(q.notice.as_deref()),
        errors: xingjian_domain::ValidationErrors::new(),
        contact: store.contact_of(who.actor().user_id).await?,
    })
}

/// Each user keeps their own contact details (a liaison's show on its agency's page).
pub async fn change_contact(
    State(state): State<AppState>,
    who: crate::auth::Authed,
    Form(c): Form<xingjian_store::Contact>,
) -> Result<Response, WebError> {
    state
        .store
        .as_actor(who.actor(), &who.req)
        .set_contact(who.actor().user_id, &c)
        .await?;
    Ok(axum::response::Redirect::to("/account/password?notice=saved").into_response())
}

pub async fn change_password(
    State(state): State<AppState>,
    who: crate::auth::Authed,
    jar: CookieJar,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let store = state.store.as_actor(who.actor(), &who.req);
    match store
        .change_own_password(&f.current_password, &f.new_password, &f.confirm_password)
        .await
        .map_err(WebError::from)
    {
        Ok(()) => {
            let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
            Ok((jar, Redirect::to("/login?msg=password_changed")).into_response())
        }
        Err(WebError::Validation(errors)) => {
            let body = render(&PasswordPage {
                l: Layout::new("修改密码", &state.settings.office_name, "", &who),
                errors,
                contact: store.contact_of(who.actor().user_id).await?,
            })?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e),
    }
}
