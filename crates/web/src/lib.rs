//! Xingjian's HTTP face: the axum router, the server-rendered Chinese UI,
//! the JSON API under `/api/v1`, sessions and CSRF.
//!
//! Handlers are thin: extract, call the store through the actor's scoped
//! handle, render. Authorization is decided by the store's queries.

mod api;
mod auth;
mod charts;
mod error;
mod forms;
mod layout;
mod metrics;
mod middleware;
mod pages;
pub mod tls;

pub use error::WebError;

use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use xingjian_store::Store;

/// Settings of the web layer, from the binary's configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The office's name in page headers, e.g. 上街区人民检察院.
    pub office_name: String,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub cookie_secure: bool,
    /// Take the client address from `X-Forwarded-For` (behind a trusted reverse proxy only).
    pub trust_forwarded_for: bool,
    /// The focus areas (监督重点) a campaign may choose from.
    pub focus_areas: Vec<String>,
    /// 诉源治理: a problem seen in at least this many files is recurring.
    pub governance_min_files: usize,
    /// Bearer token that may read `/metrics` (administrators always may).
    pub metrics_token: Option<String>,
}

/// The seed's three focus areas, the default of `focus_areas`.
pub fn default_focus_areas() -> Vec<String> {
    ["社会车辆非法营运", "网约车监管", "货车超限超载"]
        .map(String::from)
        .to_vec()
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            office_name: "人民检察院".into(),
            cookie_secure: false,
            trust_forwarded_for: false,
            focus_areas: default_focus_areas(),
            governance_min_files: 3,
            metrics_token: None,
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<WebSettings>,
    /// Rules, engine and the object store: set by the server; without it the
    /// upload and screening pages say that they are not configured.
    pub screener: Option<Arc<xingjian_screening::Screener>>,
    /// The full-text index; without it the search page says so.
    pub search: Option<Arc<xingjian_search::SearchIndex>>,
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    pub fn new(store: Store, settings: WebSettings) -> Self {
        Self {
            store,
            settings: Arc::new(settings),
            screener: None,
            search: None,
            metrics: Arc::new(metrics::Metrics::default()),
        }
    }

    pub fn with_search(mut self, s: Arc<xingjian_search::SearchIndex>) -> Self {
        self.search = Some(s);
        self
    }

    pub fn with_screener(mut self, s: xingjian_screening::Screener) -> Self {
        self.screener = Some(Arc::new(s));
        self
    }
}

/// The whole application: pages, API, static files and middleware.
pub fn router(state: AppState) -> Router {
    let app = Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .route("/metrics", axum::routing::get(metrics::metrics))
        .route_layer(axum::middleware::from_fn(metrics::record_route))
        .fallback(error::fallback);
    middleware::wrap(app, state.clone()).with_state(state)
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serve over HTTPS until `shutdown` resolves.
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<tokio_rustls::rustls::ServerConfig>,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // `tap_io` gives the connections' client address to `ConnectInfo`.
    let listener = tls::TlsListener::new(listener, tls)?.tap_io(|_| {});
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
