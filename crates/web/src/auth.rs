//! Who is asking: the request context resolved once by the middleware, and
//! the extractors handlers use to require a logged-in user.

use crate::error::WebError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use xingjian_domain::Actor;
use xingjian_store::{RequestCtx, SessionInfo};

/// Resolved for every request by `middleware::auth`.
#[derive(Clone)]
pub struct Ctx {
    pub req: RequestCtx,
    pub session: Option<SessionInfo>,
}

/// A page request from a logged-in user; otherwise a redirect to the login page.
pub struct Authed {
    pub session: SessionInfo,
    pub req: RequestCtx,
}

impl Authed {
    pub fn actor(&self) -> &Actor {
        &self.session.actor
    }
}

fn ctx(parts: &Parts) -> Ctx {
    parts.extensions.get::<Ctx>().cloned().unwrap_or(Ctx {
        req: RequestCtx::default(),
        session: None,
    })
}

/// Only same-site paths may be a post-login target.
pub fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains("://"))
    .then_some(next)
}

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let c = ctx(parts);
        match c.session {
            Some(session) => Ok(Authed {
                session,
                req: c.req,
            }),
            None => {
                let path = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let target = if path == "/" {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", urlencode(path))
                };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// An API request from a logged-in user; otherwise 401 JSON.
pub struct ApiAuthed(pub Authed);

impl<S: Send + Sync> FromRequestParts<S> for ApiAuthed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let c = ctx(parts);
        match c.session {
            Some(session) => Ok(ApiAuthed(Authed {
                session,
                req: c.req,
            })),
            None => Err(WebError::Unauthenticated.into_json()),
        }
    }
}

/// Any request: the context, logged in or not.
pub struct MaybeAuthed(pub Ctx);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuthed {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuthed(ctx(parts)))
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next("/agencies/2"), Some("/agencies/2"));
        assert_eq!(safe_next("//evil.example"), None);
        assert_eq!(safe_next("/\\evil.example"), None);
        assert_eq!(safe_next("https://evil.example"), None);
        assert_eq!(safe_next("agencies"), None);
    }
}
