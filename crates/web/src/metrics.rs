//! `/metrics` in the Prometheus text format: requests by route, method and
//! status class with their durations, and the figures an operator watches
//! (audit chain length, outbox, open deadlines, database reachable).
//! Readable with the configured bearer token or by an administrator.

use crate::AppState;
use crate::auth::Ctx;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Instant;
use xingjian_store::RequestCtx;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DurationLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

fn duration_histogram() -> Histogram {
    // 1 ms … ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The server's metrics registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<DurationLabels, Histogram, fn() -> Histogram>,
    up_seconds: Gauge<f64, std::sync::atomic::AtomicU64>,
    db_up: Gauge,
    audit_entries: Gauge,
    outbox: Family<StatusLabel, Gauge>,
    open_deadlines: Gauge,
    started: Instant,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("xingjian");
        let requests = Family::<RequestLabels, Counter>::default();
        let durations =
            Family::<DurationLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                duration_histogram,
            );
        let up_seconds = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        let db_up = Gauge::default();
        let audit_entries = Gauge::default();
        let outbox = Family::<StatusLabel, Gauge>::default();
        let open_deadlines = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status class",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request durations",
            durations.clone(),
        );
        registry.register("uptime_seconds", "Seconds since start", up_seconds.clone());
        registry.register("database_up", "1 if the database answers", db_up.clone());
        registry.register(
            "audit_chain_entries",
            "Entries in the audit hash chain",
            audit_entries.clone(),
        );
        registry.register(
            "outbox_messages",
            "Notification outbox by status",
            outbox.clone(),
        );
        registry.register(
            "open_deadlines",
            "Running deadline clocks",
            open_deadlines.clone(),
        );
        Self {
            registry,
            requests,
            durations,
            up_seconds,
            db_up,
            audit_entries,
            outbox,
            open_deadlines,
            started: Instant::now(),
        }
    }
}

/// The route template a request matched, carried from the router to `track`.
#[derive(Clone)]
struct Route(String);

/// Inside the router: remember which route matched.
pub async fn record_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut resp = next.run(req).await;
    if let Some(r) = route {
        resp.extensions_mut().insert(Route(r));
    }
    resp
}

/// Around everything: count and time the request.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let resp = next.run(req).await;
    let route = resp
        .extensions()
        .get::<Route>()
        .map_or_else(|| "unmatched".to_owned(), |r| r.0.clone());
    let status = format!("{}xx", resp.status().as_u16() / 100);
    let m = &state.metrics;
    m.requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status,
        })
        .inc();
    m.durations
        .get_or_create(&DurationLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    resp
}

fn allowed(state: &AppState, req: &Request) -> bool {
    if let Some(token) = state.settings.metrics_token.as_deref()
        && let Some(given) = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        && crate::middleware::same_token(given.trim(), token)
    {
        return true;
    }
    req.extensions()
        .get::<Ctx>()
        .and_then(|c| c.session.as_ref())
        .is_some_and(|s| s.actor.can_administer())
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>, req: Request) -> Response {
    if !allowed(&state, &req) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "需要监控令牌或系统管理员登录",
        )
            .into_response();
    }
    let m = &state.metrics;
    m.up_seconds.set(m.started.elapsed().as_secs_f64());
    let ctx = RequestCtx::default();
    let sys = state.store.system(&ctx);
    m.db_up
        .set(i64::from(state.store.db().ping().await.is_ok()));
    if let Ok(h) = sys.audit_head().await {
        m.audit_entries.set(h.seq);
    }
    if let Ok(c) = sys.outbox_counts().await {
        for (status, n) in [
            ("pending", c.pending),
            ("sent", c.sent),
            ("failed", c.failed),
            ("expired", c.expired),
        ] {
            m.outbox
                .get_or_create(&StatusLabel {
                    status: status.into(),
                })
                .set(n);
        }
    }
    if let Ok(n) = sys.count_open_deadlines().await {
        m.open_deadlines.set(n);
    }
    let mut body = String::new();
    if encode(&mut body, &m.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
