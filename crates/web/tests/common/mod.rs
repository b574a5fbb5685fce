//! A real server on a random port over a fresh database, and a browser-like client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use reqwest::redirect::Policy;
use xingjian_domain::{AgencyInput, AgencyKind, NewUser, Role};
use xingjian_store::{Backend, RequestCtx, Store};
use xingjian_testkit::TestDb;
use xingjian_web::{AppState, WebSettings};

pub const PW: &str = "Test-Pass-2023";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    db: TestDb,
    _objects: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    /// The demo-like office: two agencies, an admin, a prosecutor, a liaison of each agency.
    pub async fn start(backend: Backend) -> Self {
        let db = TestDb::new(backend).await;
        let store = Store::new(db.db.clone());
        let ctx = RequestCtx::cli();
        let sys = store.system(&ctx);
        for (name, kind) in [
            ("区交通运输局", AgencyKind::Transport),
            ("区公安局", AgencyKind::TrafficPolice),
        ] {
            sys.create_agency(AgencyInput {
                name: name.into(),
                aliases: vec![],
                kind,
            })
            .await
            .unwrap();
        }
        let jt = sys.find_agency("区交通运输局").await.unwrap().unwrap().id;
        let ga = sys.find_agency("区公安局").await.unwrap().unwrap().id;
        for (u, name, role, agency) in [
            ("admin", "管理员", Role::Admin, None),
            ("chief", "张检察长", Role::Chief, None),
            ("prosecutor", "王检察官", Role::Prosecutor, None),
            ("liaison.jt", "陈联络员", Role::Liaison, Some(jt)),
            ("liaison.ga", "周联络员", Role::Liaison, Some(ga)),
        ] {
            sys.create_user(NewUser {
                username: u.into(),
                display_name: name.into(),
                role,
                agency_id: agency,
                password: PW.into(),
            })
            .await
            .unwrap();
        }
        let (objects, screener) = screener();
        Self::serve(db, store, objects, screener).await
    }

    /// The demo office with the seed's year replayed (crate xingjian-demo),
    /// every account's password `PW`.
    pub async fn demo(backend: Backend) -> Self {
        let db = TestDb::new(backend).await;
        let mut store = Store::new(db.db.clone());
        // ID and phone numbers sealed at rest, as `serve` does.
        let key =
            xingjian_store::Keyring::parse_key(&xingjian_store::Keyring::generate_key()).unwrap();
        store.keyring = std::sync::Arc::new(xingjian_store::Keyring::new(key, &[]));
        let (objects, screener) = screener();
        xingjian_demo::seed(&store, Some(PW)).await.unwrap();
        xingjian_demo::story::replay(&store, &screener)
            .await
            .unwrap();
        Self::serve(db, store, objects, screener).await
    }

    async fn serve(
        db: TestDb,
        store: Store,
        objects: tempfile::TempDir,
        screener: xingjian_screening::Screener,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::new(
            store.clone(),
            WebSettings {
                office_name: "上街区人民检察院".into(),
                ..Default::default()
            },
        )
        .with_search(std::sync::Arc::new(
            xingjian_search::SearchIndex::open(
                &objects.path().join("search-index"),
                Some(screener.objects.clone()),
            )
            .unwrap()
            .with_blind({
                let keyring = store.keyring.clone();
                std::sync::Arc::new(move |s: &str| keyring.blind(s))
            }),
        ))
        .with_screener(screener);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            xingjian_web::serve(listener, state, async move {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        let app = Self {
            base,
            store,
            db,
            _objects: objects,
            stop: Some(tx),
            server,
        };
        // Readiness probe instead of a sleep.
        for _ in 0..100 {
            if let Ok(r) = app.client().get(app.url("/readyz")).send().await
                && r.status() == 200
            {
                return app;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("server did not become ready");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client with a cookie jar that does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    pub async fn agency_id(&self, name: &str) -> i64 {
        self.store
            .system(&RequestCtx::cli())
            .find_agency(name)
            .await
            .unwrap()
            .unwrap()
            .id
            .0
    }

    /// Log in through the form, like a browser.
    pub async fn login(&self, username: &str) -> Browser {
        let b = Browser {
            client: self.client(),
            base: self.base.clone(),
            csrf: String::new(),
        };
        let r = b.login(username, PW).await;
        assert_eq!(r.status(), 303, "login of {username}");
        let mut b = b;
        b.refresh_csrf().await;
        b
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = self.server.await;
        self.db.cleanup().await;
    }
}

/// A logged-in (or not) browser session.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

/// The text after the first `marker` in `html`, up to the next double quote
/// (an id in a link, a version in a hidden field).
/// The core rules over a fresh object store.
fn screener() -> (tempfile::TempDir, xingjian_screening::Screener) {
    let objects = tempfile::tempdir().unwrap();
    let screener = xingjian_screening::Screener {
        engine: xingjian_rules::Engine::new(xingjian_calendar::WorkCalendar::default_cn()),
        rules: xingjian_rules::rule::load(None).unwrap(),
        objects: xingjian_datasets::Objects::local(objects.path()).unwrap(),
    };
    (objects, screener)
}

pub fn after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in page"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The id at the end of a 303's Location, e.g. `/clues/7?notice=created` → 7.
pub fn created_id(r: &reqwest::Response, prefix: &str) -> i64 {
    assert_eq!(r.status(), 303, "expected a redirect to {prefix}");
    let loc = r.headers()["location"].to_str().unwrap();
    let rest = loc.strip_prefix(prefix).unwrap_or_else(|| panic!("{loc}"));
    rest.split(['?', '/', '#']).next().unwrap().parse().unwrap()
}

/// A page's HTML, which must answer 200.
pub async fn page(b: &Browser, path: &str) -> String {
    let r = b.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

pub fn meta_csrf(html: &str) -> String {
    let marker = "name=\"csrf-token\" content=\"";
    let start = html.find(marker).expect("csrf meta") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET /login (for its CSRF cookie and field), then POST the form.
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        let page = self
            .client
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = meta_csrf(&page);
        self.client
            .post(self.url("/login"))
            .form(&[
                ("_csrf", token.as_str()),
                ("username", username),
                ("password", password),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap()
    }

    pub async fn refresh_csrf(&mut self) {
        let html = self.get("/").await.text().await.unwrap();
        self.csrf = meta_csrf(&html);
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// POST a form with the session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(self.url(path))
            .form(&all)
            .send()
            .await
            .unwrap()
    }
}
