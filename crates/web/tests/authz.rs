//! The authorization matrix: every route × every role (and a liaison of
//! another agency, and nobody) → the expected outcome, in
//! `tests/authz-matrix.txt`. The routes are read from the router's source, so
//! a new route without a line in the matrix fails this test.
//!
//! Most changes are walked with an empty form; the routes in `VALID_BODIES`
//! with a valid one.
//!
//! Outcomes: `A` allowed (a page, a file, a redirect after a change, a
//! conflict with the record's state), `V` the empty form the walk sends was
//! refused as invalid (400/422) — for these routes the permission is checked by
//! the store after the input, and the store's own tests cover it —, `F`
//! forbidden (403), `N` not found (404: out of scope reads are
//! indistinguishable from absent rows), `L` sent to log in (401 or a redirect
//! to `/login`).
//!
//! Set `XJ_AUTHZ_WRITE=1` to rewrite the file from what the server does, then
//! review the diff line by line: the file is the specification.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Browser, PW, TestApp};
use std::collections::BTreeMap;
use xingjian_testkit::both;

/// Who walks the routes, in the matrix's column order.
const COLUMNS: [(&str, Option<&str>); 10] = [
    ("anonymous", None),
    ("admin", Some("admin")),
    ("chief", Some("chief")),
    ("deputy", Some("deputy")),
    ("prosecutor", Some("prosecutor")),
    ("assistant", Some("assistant")),
    ("clerk", Some("clerk")),
    ("liaison", Some("liaison.jt")),
    ("other-liaison", Some("liaison.sf")),
    ("supervisor", Some("supervisor")),
];

const MATRIX: &str = "tests/authz-matrix.txt";

/// Routes walked with a valid body (form or JSON), so that the permission,
/// not the input, decides: the office's registry and intake, clue triage, a
/// case's evidence and inquiries, a reviewed file's steps, the records of
/// coordination with the agencies and their steps, and the steps of a
/// recommendation (`version=1` may be stale: a conflict with the
/// record's state reads `A`; a step its state does not allow, `V`).
const VALID_BODIES: &[(&str, &str, &str)] = &[
    ("POST", "/agencies", "name=矩阵测试机关&kind=other"),
    (
        "POST",
        "/admin/users",
        "username=matrix.page&display_name=矩阵&role=clerk&password=Matrix-Pass-2026",
    ),
    (
        "POST",
        "/api/v1/agencies",
        r#"{"name":"矩阵测试机关二","kind":"other"}"#,
    ),
    (
        "POST",
        "/api/v1/users",
        r#"{"username":"matrix.api","display_name":"矩阵","role":"clerk","password":"Matrix-Pass-2026"}"#,
    ),
    (
        "POST",
        "/api/v1/clues",
        r#"{"source":"12309","title":"矩阵线索","content":"矩阵测试内容","received_at":"2026-06-01T09:30","reporter_name":"某某","reporter_contact":"13800000000"}"#,
    ),
    (
        "POST",
        "/api/v1/campaigns",
        r#"{"name":"矩阵专项活动","starts_on":"2026-01-01","ends_on":"2026-12-31","focus_areas":["网约车监管"],"leading_group":"张检察长，检察长，第一责任人"}"#,
    ),
    (
        "POST",
        "/api/v1/file-requests",
        r#"{"agency_id":{jt},"title":"矩阵调取卷宗","case_numbers":"上交运罚〔2023〕101号","due_on":"2026-12-31"}"#,
    ),
    (
        "POST",
        "/api/v1/exchanges",
        r#"{"kind":"case_notice","agency_id":{jt},"title":"矩阵通报","content":"矩阵测试内容"}"#,
    ),
    (
        "POST",
        "/api/v1/tasks",
        r#"{"title":"矩阵任务","owner_id":{owner},"due_on":"2026-12-31"}"#,
    ),
    (
        "POST",
        "/api/v1/meetings",
        r#"{"kind":"symposium","title":"矩阵座谈会","held_on":"2026-06-01","campaign_id":null,"case_id":null,"agency_ids":[{jt}]}"#,
    ),
    (
        "POST",
        "/api/v1/agreements",
        r#"{"title":"矩阵协作协议","signed_on":"2026-06-01","party_ids":[{jt}]}"#,
    ),
    (
        "POST",
        "/agreements",
        "title=矩阵协作协议二&signed_on=2026-06-01&party_ids={jt}",
    ),
    (
        "POST",
        "/meetings",
        "kind=symposium&title=矩阵座谈会二&held_on=2026-06-01&agency_ids={jt}",
    ),
    (
        "POST",
        "/exchanges",
        "kind=case_notice&agency_id={jt}&title=矩阵通报二&content=矩阵测试内容",
    ),
    (
        "POST",
        "/file-requests",
        "agency_id={jt}&title=矩阵调取卷宗二&case_numbers=上交运罚〔2023〕102号&due_on=2026-12-31",
    ),
    (
        "POST",
        "/tasks",
        "title=矩阵任务二&owner_id={owner}&due_on=2026-12-31",
    ),
    (
        "POST",
        "/clues/{id}/triage",
        "assignee_id={owner}&disposition=&reason=&version=1",
    ),
    (
        "POST",
        "/api/v1/clues/{id}/triage",
        r#"{"assignee_id":{owner},"disposition":"","reason":"","merge_into":null,"version":1}"#,
    ),
    ("POST", "/exchanges/{id}/acknowledge", "version=1"),
    (
        "POST",
        "/exchanges/{id}/respond",
        "version=1&response=矩阵答复",
    ),
    ("POST", "/exchanges/{id}/clue", "version=1"),
    ("POST", "/exchanges/{id}/close", "version=1"),
    ("POST", "/file-requests/{id}/acknowledge", "version=1"),
    (
        "POST",
        "/file-requests/{id}/answer",
        "version=1&response=矩阵答复",
    ),
    ("POST", "/file-requests/{id}/close", "version=1"),
    ("POST", "/recommendations/{id}/share", "agency_id={jt}"),
    (
        "POST",
        "/recommendations/{id}/reply",
        "recipient_id={recipient}&version=1&text=矩阵回复",
    ),
    (
        "POST",
        "/recommendations/{id}/measures",
        "recipient_id={recipient}&kind=rules&date=2026-06-01&text=矩阵整改措施",
    ),
    (
        "POST",
        "/recommendations/{id}/outcome",
        "recipient_id={recipient}&version=1&decision=adopted&text=矩阵",
    ),
    (
        "POST",
        "/cases/{id}/evidence",
        "title=矩阵证据&kind=书证&source=矩阵调取",
    ),
    (
        "POST",
        "/cases/{id}/inquiries",
        "started_at=2026-06-01T09:00&ended_at=2026-06-01T10:00&place=检察院询问室&interviewers=王某、李某&recorder=张某&interviewee_name=赵某&interviewee_role=证人&qa=问：矩阵？\n答：矩阵。&signature=以上笔录我看过，和我说的一样。赵某",
    ),
    (
        "POST",
        "/review-files/{id}/assign",
        "reviewer_id={owner}&version=1",
    ),
    (
        "POST",
        "/review-files/{id}/findings",
        "dimension=执法不规范&description=矩阵发现&evidence=矩阵依据&version=1",
    ),
    (
        "POST",
        "/review-files/{id}/complete",
        "notes=矩阵&version=1",
    ),
    ("POST", "/review-files/{id}/clue", "version=1"),
    (
        "POST",
        "/clues/new",
        "source=12309&title=矩阵线索&content=矩阵测试内容&received_at=2026-06-01T09:30&reporter_name=某某&reporter_contact=13800000000",
    ),
];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    method: String,
    path: String,
    /// `multipart/form-data` upload.
    upload: bool,
}

/// Every `.route(…)` in the web crate's source with its methods.
fn routes() -> Vec<Route> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![src];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for f in files {
        let prefix = if f.components().any(|c| c.as_os_str() == "api") {
            "/api/v1"
        } else {
            ""
        };
        let s = std::fs::read_to_string(&f).unwrap();
        let mut rest = s.as_str();
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            let Some(q1) = rest.find('"') else { break };
            let after = &rest[q1 + 1..];
            let q2 = after.find('"').unwrap();
            let path = &after[..q2];
            // The method router: up to the `)` closing `.route(`.
            let body = &after[q2 + 1..];
            let mut depth = 1;
            let mut end = body.len();
            for (k, ch) in body.char_indices() {
                match ch {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let body = &body[..end];
            for w in body.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                let method = match w {
                    "get" | "post" | "put" | "delete" | "patch" => Some((w, false)),
                    "upload_route" => Some(("post", true)),
                    _ => None,
                };
                if let Some((m, upload)) = method {
                    out.push(Route {
                        method: m.to_uppercase(),
                        path: format!("{prefix}{path}"),
                        upload,
                    });
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// An id for each `{…}` in a path: a record of 区交通运输局 (the liaison's own
/// agency) wherever records belong to an agency.
async fn ids(app: &TestApp) -> BTreeMap<&'static str, i64> {
    let jt = app.agency_id("区交通运输局").await;
    // A document on the bureau's file request (the demo has none).
    let fr: i64 = sqlx::query_scalar(&format!(
        "SELECT MIN(id) FROM file_requests WHERE agency_id = {jt}"
    ))
    .fetch_one(app.store.db().pool())
    .await
    .unwrap();
    let b = app.login("prosecutor").await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec())
            .file_name("清单.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let r = b
        .client
        .post(b.url(&format!("/file-requests/{fr}/attachments")))
        .header("X-CSRF-Token", &b.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "upload: {}", r.text().await.unwrap());
    let one = |sql: String| {
        let db = app.store.db().clone();
        async move {
            let id: Option<i64> = sqlx::query_scalar(&sql)
                .fetch_one(db.pool())
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            id.unwrap_or_else(|| panic!("the demo office has no row for {sql}"))
        }
    };
    let mut m = BTreeMap::new();
    m.insert("agencies", jt);
    m.insert(
        "users",
        one("SELECT MIN(id) FROM users WHERE username = 'liaison.jy'".into()).await,
    );
    m.insert(
        "owner",
        one("SELECT MIN(id) FROM users WHERE username = 'prosecutor'".into()).await,
    );
    for (prefix, sql) in [
        ("campaigns", "SELECT MIN(id) FROM campaigns".to_owned()),
        ("tasks", "SELECT MIN(id) FROM tasks".to_owned()),
        (
            "exchanges",
            format!("SELECT MIN(id) FROM exchanges WHERE agency_id = {jt}"),
        ),
        (
            "meetings",
            format!("SELECT MIN(meeting_id) FROM meeting_agencies WHERE agency_id = {jt}"),
        ),
        (
            "agreements",
            format!("SELECT MIN(agreement_id) FROM agreement_parties WHERE agency_id = {jt}"),
        ),
        ("clues", "SELECT MIN(id) FROM clues".to_owned()),
        (
            "file-requests",
            format!("SELECT MIN(id) FROM file_requests WHERE agency_id = {jt}"),
        ),
        ("cases", "SELECT MIN(id) FROM supervision_cases".to_owned()),
        (
            "deadlines",
            format!("SELECT MIN(id) FROM deadlines WHERE agency_id = {jt}"),
        ),
        ("reviews", "SELECT MIN(id) FROM review_batches".to_owned()),
        (
            "review-files",
            "SELECT MIN(id) FROM review_files".to_owned(),
        ),
        (
            "imports",
            format!("SELECT MIN(id) FROM import_files WHERE agency_id = {jt}"),
        ),
        (
            "screenings",
            "SELECT MIN(id) FROM screening_runs".to_owned(),
        ),
        (
            "screening-hits",
            format!("SELECT MIN(id) FROM screening_hits WHERE agency_id = {jt}"),
        ),
        (
            "field-visits",
            "SELECT MIN(id) FROM field_visits".to_owned(),
        ),
        ("inquiries", "SELECT MIN(id) FROM inquiries".to_owned()),
        (
            "recommendations",
            format!(
                "SELECT MIN(recommendation_id) FROM recommendation_recipients WHERE agency_id = {jt}"
            ),
        ),
        (
            "recipient",
            format!("SELECT MIN(id) FROM recommendation_recipients WHERE agency_id = {jt}"),
        ),
        (
            "attachments",
            format!(
                "SELECT MIN(a.id) FROM attachments a JOIN file_requests f ON a.owner = 'file_request' \
                 AND a.owner_id = f.id WHERE f.agency_id = {jt}"
            ),
        ),
    ] {
        m.insert(prefix, one(sql).await);
    }
    m
}

fn concrete(path: &str, ids: &BTreeMap<&'static str, i64>) -> String {
    let segs: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        if s.starts_with('{') {
            let key = if *s == "{recipient}" {
                "recipient"
            } else {
                let owner = segs[..i]
                    .iter()
                    .rev()
                    .find(|x| !x.is_empty() && !x.starts_with('{'))
                    .unwrap();
                ids.keys()
                    .find(|k| **k == *owner)
                    .copied()
                    .unwrap_or_else(|| panic!("no id for {path}"))
            };
            out.push(ids[key].to_string());
        } else {
            out.push((*s).to_owned());
        }
    }
    out.join("/")
}

/// `{jt}` in a body is the transport bureau's id, `{owner}` the prosecutor's,
/// `{recipient}` the bureau's place among a recommendation's recipients.
async fn outcome(b: &Browser, r: &Route, path: &str, ids: &BTreeMap<&'static str, i64>) -> char {
    let url = b.url(path);
    let api = path.starts_with("/api/");
    let req = match r.method.as_str() {
        "GET" => b.client.get(&url),
        m => {
            let req = b
                .client
                .request(m.parse().unwrap(), &url)
                .header("X-CSRF-Token", &b.csrf);
            let valid = VALID_BODIES
                .iter()
                .find(|(m, p, _)| *m == r.method && *p == r.path)
                .map(|v| {
                    v.2.replace("{jt}", &ids["agencies"].to_string())
                        .replace("{owner}", &ids["owner"].to_string())
                        .replace("{recipient}", &ids["recipient"].to_string())
                });
            if r.upload {
                req.multipart(reqwest::multipart::Form::new().text("note", ""))
            } else if let Some(body) = &valid {
                if api {
                    req.header("Content-Type", "application/json")
                        .body(body.clone())
                } else {
                    let mut fields: Vec<(&str, &str)> = body
                        .split('&')
                        .filter_map(|kv| kv.split_once('='))
                        .collect();
                    fields.push(("_csrf", b.csrf.as_str()));
                    req.form(&fields)
                }
            } else if api {
                req.json(&serde_json::json!({}))
            } else {
                req.form(&[("_csrf", b.csrf.as_str())])
            }
        }
    };
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let to_login = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .is_some_and(|l| l.starts_with("/login"))
        // Signing out ends on the login page.
        && !(path == "/logout" && status == 303);
    match status {
        401 => 'L',
        _ if to_login => 'L',
        403 => 'F',
        404 => 'N',
        400 | 422 => 'V',
        500..=599 => panic!("{} {path}: server error {status}", r.method),
        _ => 'A',
    }
}

/// Routes that end the walker's session go last.
fn ends_session(r: &Route) -> bool {
    r.path == "/logout" || (r.path == "/api/v1/session" && r.method == "DELETE")
}

both!(
    every_route_answers_every_role_as_the_matrix_says,
    |backend| async move {
        let app = TestApp::demo(backend).await;
        let ids = ids(&app).await;
        let mut routes = routes();
        assert!(
            routes.len() > 150,
            "routes found in the source: {}",
            routes.len()
        );
        // Reads first, then changes (each role's own changes can't hide a later
        // read), the session's end last.
        routes.sort_by_key(|r| (ends_session(r), r.method != "GET", r.clone()));

        let mut got: BTreeMap<(String, String), String> = BTreeMap::new();
        for (_, user) in COLUMNS {
            let mut b = Browser {
                client: app.client(),
                base: app.base.clone(),
                csrf: String::new(),
            };
            if let Some(u) = user {
                assert_eq!(b.login(u, PW).await.status(), 303, "login of {u}");
                b.refresh_csrf().await;
            } else {
                // An anonymous visitor still holds the login form's CSRF cookie.
                let html = b.get("/login").await.text().await.unwrap();
                b.csrf = common::meta_csrf(&html);
            }
            for r in &routes {
                if ends_session(r)
                    && let Some(u) = user
                {
                    // Each session-ending route with a session of its own.
                    let fresh = app.login(u).await;
                    let path = concrete(&r.path, &ids);
                    let o = outcome(&fresh, r, &path, &ids).await;
                    got.entry((r.path.clone(), r.method.clone()))
                        .or_default()
                        .push(o);
                    continue;
                }
                let path = concrete(&r.path, &ids);
                let o = outcome(&b, r, &path, &ids).await;
                got.entry((r.path.clone(), r.method.clone()))
                    .or_default()
                    .push(o);
            }
        }

        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(MATRIX);
        let header = format!(
            "# The authorization matrix (see tests/authz.rs). Columns:\n# {}\n",
            COLUMNS.map(|c| c.0).join(" ")
        );
        if std::env::var("XJ_AUTHZ_WRITE").is_ok() && backend == xingjian_store::Backend::Sqlite {
            let mut text = header.clone();
            for ((path, method), o) in &got {
                text.push_str(&format!("{method:<6} {path:<48} {o}\n"));
            }
            std::fs::write(&file, text).unwrap();
        }
        let expected: BTreeMap<(String, String), String> = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                assert_eq!(f.len(), 3, "bad matrix line: {l}");
                assert_eq!(f[2].len(), COLUMNS.len(), "bad matrix line: {l}");
                ((f[1].to_owned(), f[0].to_owned()), f[2].to_owned())
            })
            .collect();
        let mut problems = Vec::new();
        for (key, o) in &got {
            match expected.get(key) {
                None => problems.push(format!(
                    "{} {}: no line in the matrix (observed {o})",
                    key.1, key.0
                )),
                Some(e) if e != o => {
                    problems.push(format!("{} {}: expected {e}, observed {o}", key.1, key.0))
                }
                Some(_) => {}
            }
        }
        for key in expected.keys() {
            if !got.contains_key(key) {
                problems.push(format!(
                    "{} {}: in the matrix but not a route",
                    key.1, key.0
                ));
            }
        }
        assert!(
            problems.is_empty(),
            "columns: {}\n{}",
            COLUMNS.map(|c| c.0).join(" "),
            problems.join("\n")
        );
        app.stop().await;
    }
);
