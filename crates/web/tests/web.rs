//! The web application end to end, on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Browser, PW, TestApp, meta_csrf};
use serde_json::{Value, json};
use xingjian_store::{AuditFilter, PageRequest};
use xingjian_testkit::both;

async fn audit_actions(app: &TestApp, action: &str) -> Vec<xingjian_store::AuditRecord> {
    let ctx = xingjian_store::RequestCtx::cli();
    let admin = match app
        .store
        .system(&ctx)
        .login("admin", PW, None)
        .await
        .unwrap()
    {
        xingjian_store::LoginOutcome::Ok(s) => s.actor,
        _ => panic!(),
    };
    app.store
        .as_actor(&admin, &ctx)
        .list_audit(
            &AuditFilter {
                action: Some(action.into()),
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(200)),
        )
        .await
        .unwrap()
        .items
}

both!(login_wrong_password_and_logout, |backend| async move {
    let app = TestApp::start(backend).await;
    let b = common::Browser {
        client: app.client(),
        base: app.base.clone(),
        csrf: String::new(),
    };
    // Pages need a login.
    let r = b.get("/agencies").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=/agencies");
    let r = b.login("prosecutor", "not-the-password").await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("用户名或密码错误"));
    let r = b.login("nobody", "not-the-password").await;
    assert!(
        r.text().await.unwrap().contains("用户名或密码错误"),
        "unknown users look the same"
    );
    let r = b.login("prosecutor", PW).await;
    assert_eq!(r.status(), 303);
    let home = b.get("/").await.text().await.unwrap();
    assert!(home.contains("王检察官（检察官）"));
    assert!(home.contains("暂无待办事项"));
    let csrf = meta_csrf(&home);
    let r = b
        .client
        .post(b.url("/logout"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(b.get("/").await.status(), 303, "logged out");
    assert_eq!(audit_actions(&app, "session.login_failed").await.len(), 2);
    let ok = audit_actions(&app, "session.login").await;
    assert!(ok.iter().any(|e| e.action == "session.login"
        && e.actor_username.as_deref() == Some("prosecutor")
        && e.ip.as_deref() == Some("127.0.0.1")));
    assert_eq!(audit_actions(&app, "session.logout").await.len(), 1);
    app.stop().await;
});

both!(state_changes_need_the_csrf_token, |backend| async move {
    let app = TestApp::start(backend).await;
    let admin = app.login("admin").await;
    let fields = [("name", "区应急管理局"), ("kind", "other"), ("aliases", "")];
    // No token.
    let r = admin
        .client
        .post(admin.url("/agencies"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("安全校验未通过"));
    // A wrong token.
    let mut bad = vec![("_csrf", "forged")];
    bad.extend_from_slice(&fields);
    assert_eq!(
        admin
            .client
            .post(admin.url("/agencies"))
            .form(&bad)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // The right token but another site's Origin.
    let r = admin
        .client
        .post(admin.url("/agencies"))
        .header("Origin", "http://evil.example")
        .form(&[
            ("_csrf", admin.csrf.as_str()),
            ("name", "区应急管理局"),
            ("kind", "other"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The API wants the header.
    let r = admin
        .client
        .post(admin.url("/api/v1/agencies"))
        .json(&json!({"name": "区应急管理局", "kind": "other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "csrf");
    // Nothing was created by any of them.
    let list = admin.get("/agencies").await.text().await.unwrap();
    assert!(!list.contains("区应急管理局"));
    // A login form posted without its token is refused too.
    let anon = app.client();
    let r = anon
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", PW)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // With the token it works.
    let r = admin.post("/agencies", &fields).await;
    assert_eq!(r.status(), 303);
    let rejected = audit_actions(&app, "csrf.rejected").await;
    assert_eq!(rejected.len(), 5, "{rejected:#?}");
    assert!(
        rejected
            .iter()
            .filter(|e| e.actor_username.as_deref() == Some("admin"))
            .count()
            == 4
    );
    app.stop().await;
});

both!(
    a_liaison_cannot_reach_another_agency,
    |backend| async move {
        let app = TestApp::start(backend).await;
        let jt = app.agency_id("区交通运输局").await;
        let ga = app.agency_id("区公安局").await;
        let liaison = app.login("liaison.jt").await;
        assert_eq!(liaison.get(&format!("/agencies/{jt}")).await.status(), 200);
        let other = liaison.get(&format!("/agencies/{ga}")).await;
        assert_eq!(other.status(), 404);
        let other_body = other.text().await.unwrap();
        let absent = liaison.get("/agencies/987654").await;
        assert_eq!(absent.status(), 404);
        assert_eq!(
            other_body,
            absent.text().await.unwrap(),
            "no existence leak"
        );
        assert_eq!(
            liaison.get(&format!("/agencies/{ga}/edit")).await.status(),
            404
        );
        let list = liaison.get("/agencies").await.text().await.unwrap();
        assert!(list.contains("区交通运输局") && !list.contains("区公安局"));
        // The API answers the same way.
        assert_eq!(
            liaison
                .get(&format!("/api/v1/agencies/{ga}"))
                .await
                .status(),
            404
        );
        let all: Value = liaison.get("/api/v1/agencies").await.json().await.unwrap();
        assert_eq!(all["total"], 1);
        // Admin pages are refused, and so is changing the agency it can see.
        assert_eq!(liaison.get("/admin/users").await.status(), 403);
        assert_eq!(liaison.get("/admin/audit").await.status(), 403);
        let r = liaison
            .post(
                &format!("/agencies/{jt}"),
                &[("name", "改名"), ("kind", "transport"), ("version", "1")],
            )
            .await;
        assert_eq!(r.status(), 403);
        let r = liaison
            .post(
                &format!("/agencies/{ga}"),
                &[("name", "改名"), ("kind", "transport"), ("version", "1")],
            )
            .await;
        assert_eq!(r.status(), 404);
        let denied = audit_actions(&app, "access.denied").await;
        let mine: Vec<_> = denied
            .iter()
            .filter(|e| e.actor_username.as_deref() == Some("liaison.jt"))
            .collect();
        assert!(
            mine.iter()
                .filter(|e| e.entity_id.as_deref() == Some(ga.to_string().as_str()))
                .count()
                >= 3,
            "{mine:#?}"
        );
        assert!(
            mine.iter()
                .any(|e| e.entity_id.as_deref() == Some("/admin/users"))
        );
        assert!(
            mine.iter()
                .any(|e| e.detail.as_deref() == Some("agency.update"))
        );
        app.stop().await;
    }
);

both!(
    repeated_wrong_passwords_are_throttled,
    |backend| async move {
        let app = TestApp::start(backend).await;
        let b = common::Browser {
            client: app.client(),
            base: app.base.clone(),
            csrf: String::new(),
        };
        for _ in 0..5 {
            assert_eq!(b.login("chief", "wrong-password").await.status(), 401);
        }
        let r = b.login("chief", PW).await;
        assert_eq!(r.status(), 429);
        assert!(r.headers().contains_key("retry-after"));
        assert!(r.text().await.unwrap().contains("登录失败次数过多"));
        assert_eq!(
            audit_actions(&app, "session.login_throttled").await.len(),
            1
        );
        // The API says the same.
        let r = app
            .client()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "chief", "password": PW}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        // Per address: many accounts guessed from one address.
        for i in 0..20 {
            let r = b.login(&format!("guess{i}"), "wrong-password").await;
            assert!(r.status() == 401 || r.status() == 429);
        }
        assert_eq!(
            b.login("prosecutor", PW).await.status(),
            429,
            "the address is throttled"
        );
        app.stop().await;
    }
);

both!(
    the_administrator_manages_agencies_and_accounts,
    |backend| async move {
        let app = TestApp::start(backend).await;
        let admin = app.login("admin").await;
        // Validation: nothing is created, the form comes back with the message and the input.
        let r = admin
            .post(
                "/agencies",
                &[
                    ("name", "  "),
                    ("kind", "transport"),
                    ("aliases", "区交通局"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains("请填写机关名称") && body.contains("区交通局"));
        let r = admin
            .post(
                "/agencies",
                &[("name", "区公安局"), ("kind", "traffic_police")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("已有同名的行政机关"));
        let r = admin
            .post(
                "/agencies",
                &[
                    ("name", "区应急管理局"),
                    ("kind", "other"),
                    ("aliases", "区应急局\n\n区应急局"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let loc = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(loc.ends_with("?msg=created"));
        let page = admin.get(&loc).await.text().await.unwrap();
        assert!(page.contains("已创建") && page.contains("区应急局"));
        let id: i64 = loc
            .trim_start_matches("/agencies/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // Edit with the version read; a stale version is refused without overwriting.
        let r = admin
            .post(
                &format!("/agencies/{id}"),
                &[
                    ("name", "区应急管理局"),
                    ("kind", "other"),
                    ("aliases", "应急局"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let r = admin
            .post(
                &format!("/agencies/{id}"),
                &[
                    ("name", "区应急管理局X"),
                    ("kind", "other"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("已被他人修改"));
        // Search and filter.
        let found = admin
            .get("/agencies?q=%E5%BA%94%E6%80%A5")
            .await
            .text()
            .await
            .unwrap();
        assert!(found.contains("区应急管理局") && !found.contains("区公安局"));
        let none = admin
            .get("/agencies?q=%E4%B8%8D%E5%AD%98%E5%9C%A8")
            .await
            .text()
            .await
            .unwrap();
        assert!(none.contains("没有符合条件的行政机关"));
        // Accounts: a liaison must have an agency; weak passwords are refused.
        let r = admin
            .post(
                "/admin/users",
                &[
                    ("username", "liaison.x"),
                    ("display_name", "新联络员"),
                    ("role", "liaison"),
                    ("agency_id", ""),
                    ("password", "weak"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains("联络员必须属于一个行政机关") && body.contains("密码至少 10 位"));
        let agency = id.to_string();
        let r = admin
            .post(
                "/admin/users",
                &[
                    ("username", "liaison.x"),
                    ("display_name", "新联络员"),
                    ("role", "liaison"),
                    ("agency_id", agency.as_str()),
                    ("password", "Good-Pass-2023"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let r = admin
            .post(
                "/admin/users",
                &[
                    ("username", "liaison.x"),
                    ("display_name", "重复"),
                    ("role", "clerk"),
                    ("password", "Good-Pass-2023"),
                ],
            )
            .await;
        assert!(r.text().await.unwrap().contains("该用户名已被使用"));
        let users = admin
            .get("/admin/users?role=liaison")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            users.contains("liaison.x")
                && users.contains("区应急管理局")
                && !users.contains("王检察官")
        );
        // The new liaison can log in and sees its agency only.
        let b = common::Browser {
            client: app.client(),
            base: app.base.clone(),
            csrf: String::new(),
        };
        assert_eq!(b.login("liaison.x", "Good-Pass-2023").await.status(), 303);
        assert_eq!(b.get(&format!("/agencies/{id}")).await.status(), 200);
        // Deactivating ends its session at once.
        let uid = app
            .store
            .system(&xingjian_store::RequestCtx::cli())
            .find_user("liaison.x")
            .await
            .unwrap()
            .unwrap()
            .id
            .0;
        let r = admin
            .post(
                &format!("/admin/users/{uid}"),
                &[
                    ("display_name", "新联络员"),
                    ("role", "liaison"),
                    ("agency_id", agency.as_str()),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(
            b.get("/").await.status(),
            303,
            "session ended on deactivation"
        );
        // The administrator cannot lock themself out.
        let me = app
            .store
            .system(&xingjian_store::RequestCtx::cli())
            .find_user("admin")
            .await
            .unwrap()
            .unwrap();
        let r = admin
            .post(
                &format!("/admin/users/{}", me.id),
                &[
                    ("display_name", "管理员"),
                    ("role", "clerk"),
                    ("active", "on"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        // Every change is in the audit log with before and after.
        let updates = audit_actions(&app, "agency.update").await;
        assert_eq!(updates.len(), 1);
        assert!(
            updates[0]
                .before_json
                .as_deref()
                .unwrap()
                .contains("区应急局")
        );
        assert!(updates[0].after_json.as_deref().unwrap().contains("应急局"));
        let audit = admin
            .get("/admin/audit?action=user.")
            .await
            .text()
            .await
            .unwrap();
        assert!(audit.contains("user.create") && audit.contains("user.update"));
        app.stop().await;
    }
);

both!(the_api_and_its_openapi_document, |backend| async move {
    let app = TestApp::start(backend).await;
    let c = app.client();
    assert_eq!(
        c.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        401
    );
    let r = c
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "admin", "password": PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let login: Value = r.json().await.unwrap();
    let csrf = login["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(login["me"]["role"], "admin");
    let me: Value = c
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "admin");
    let r = c
        .post(app.url("/api/v1/agencies"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"name": "", "kind": "other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "validation");
    assert_eq!(e["error"]["fields"][0]["field"], "name");
    let r = c
        .post(app.url("/api/v1/agencies"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"name": "区城管局", "kind": "other", "aliases": ["城管"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    let r = c
        .put(app.url(&format!("/api/v1/agencies/{}", a["id"])))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"name": "区城市管理局", "kind": "other", "aliases": [], "version": 99}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let page: Value = c
        .get(app.url("/api/v1/agencies?q=%E5%9F%8E&per_page=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    let audit: Value = c
        .get(app.url("/api/v1/audit?action=agency.create&per_page=5"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(audit["total"].as_i64().unwrap() >= 1);
    assert_eq!(
        c.get(app.url("/api/v1/nothing-here"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let doc: Value = c
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/session",
        "/api/v1/me",
        "/api/v1/agencies",
        "/api/v1/agencies/{id}",
        "/api/v1/users",
        "/api/v1/audit",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} documented");
    }
    let r = c
        .delete(app.url("/api/v1/session"))
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        c.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        401
    );
    app.stop().await;
});

both!(probes_headers_and_static_files, |backend| async move {
    let app = TestApp::start(backend).await;
    let c = app.client();
    let r = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(
        c.get(app.url("/readyz")).send().await.unwrap().status(),
        200
    );
    let r = c.get(app.url("/login")).send().await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    let cookie = h["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let css = c.get(app.url("/static/app.css")).send().await.unwrap();
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        c.get(app.url("/no/such/page"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // Escaped output: markup in data is shown as text.
    let admin = app.login("admin").await;
    let r = admin
        .post(
            "/agencies",
            &[("name", "<script>alert(1)</script>"), ("kind", "other")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let list = admin.get("/agencies").await.text().await.unwrap();
    assert!(
        !list.contains("<script>alert(1)</script>")
            && list.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
    );
    app.stop().await;
});

both!(a_user_changes_their_own_password, |backend| async move {
    let app = TestApp::start(backend).await;
    let b = app.login("prosecutor").await;
    let other = app.login("prosecutor").await;
    // Wrong current password: refused, audited, nothing changed.
    let r = b
        .post(
            "/account/password",
            &[
                ("current_password", "wrong"),
                ("new_password", "New-Pass-2024"),
                ("confirm_password", "New-Pass-2024"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("当前密码不正确"));
    let r = b
        .post(
            "/account/password",
            &[
                ("current_password", PW),
                ("new_password", "New-Pass-2024"),
                ("confirm_password", "New-Pass-2025"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("两次输入的新密码不一致"));
    let r = b
        .post(
            "/account/password",
            &[
                ("current_password", PW),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("密码至少 10 位"));
    // Right: every session ends, the new password works and the old one does not.
    let r = b
        .post(
            "/account/password",
            &[
                ("current_password", PW),
                ("new_password", "New-Pass-2024"),
                ("confirm_password", "New-Pass-2024"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?msg=password_changed");
    assert!(
        b.get("/login?msg=password_changed")
            .await
            .text()
            .await
            .unwrap()
            .contains("密码已修改")
    );
    assert_eq!(b.get("/").await.status(), 303);
    assert_eq!(
        other.get("/").await.status(),
        303,
        "the other session ended too"
    );
    let fresh = common::Browser {
        client: app.client(),
        base: app.base.clone(),
        csrf: String::new(),
    };
    assert_eq!(fresh.login("prosecutor", PW).await.status(), 401);
    assert_eq!(
        fresh.login("prosecutor", "New-Pass-2024").await.status(),
        303
    );
    let log = audit_actions(&app, "user.change_password").await;
    assert_eq!(
        log.iter()
            .filter(|e| e.outcome == xingjian_store::Outcome::Failed)
            .count(),
        1
    );
    assert_eq!(
        log.iter()
            .filter(|e| e.outcome == xingjian_store::Outcome::Ok)
            .count(),
        1
    );
    app.stop().await;
});

both!(
    imports_are_listed_with_their_report_within_scope,
    |backend| async move {
        let app = TestApp::start(backend).await;
        let ctx = xingjian_store::RequestCtx::cli();
        let liaison = match app
            .store
            .system(&ctx)
            .login("liaison.jt", PW, None)
            .await
            .unwrap()
        {
            xingjian_store::LoginOutcome::Ok(s) => s.actor,
            _ => panic!(),
        };
        let dir = tempfile::tempdir().unwrap();
        let objects = xingjian_datasets::Objects::local(dir.path()).unwrap();
        let csv = "案件编号,执法机关,违法类型,违法行为发生日期,程序类型,当事人类型,执法人员,决定日期,处罚种类,罚款金额\n\
               A1,区交通运输局,超载,2023-05-01,简易,个人,T001,2023-05-01,罚款,100\n\
               A2,区交通运输局,超载,2023-02-30,简易,个人,T001,2023-05-01,罚款,=1+1\n";
        let opts = xingjian_datasets::ImportOptions {
            import_valid_rows: true,
            ..Default::default()
        };
        let out = xingjian_datasets::import_file(
            &app.store.as_actor(&liaison, &ctx),
            &objects,
            "共享.csv",
            csv.as_bytes(),
            &opts,
        )
        .await
        .unwrap();
        let xingjian_datasets::ImportOutcome::Imported { file, .. } = out else {
            panic!("{out:?}")
        };
        // The liaison's own agency sees it, with the rejected row and its reason.
        let jt = app.login("liaison.jt").await;
        let list = jt.get("/imports").await.text().await.unwrap();
        assert!(list.contains("共享.csv") && list.contains("行政处罚案件"));
        let detail = jt
            .get(&format!("/imports/{}", file.id))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            detail.contains("2023-02-30") && detail.contains("不存在"),
            "{detail}"
        );
        let x = jt.get(&format!("/imports/{}/report.xlsx", file.id)).await;
        assert_eq!(
            x.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(x.bytes().await.unwrap().starts_with(b"PK"));
        // Staff see it too; another agency's liaison does not, not even by id.
        let staff = app.login("prosecutor").await;
        assert!(
            staff
                .get("/imports")
                .await
                .text()
                .await
                .unwrap()
                .contains("共享.csv")
        );
        let ga = app.login("liaison.ga").await;
        assert!(
            !ga.get("/imports")
                .await
                .text()
                .await
                .unwrap()
                .contains("共享.csv")
        );
        assert_eq!(ga.get(&format!("/imports/{}", file.id)).await.status(), 404);
        assert_eq!(
            ga.get(&format!("/imports/{}/report.xlsx", file.id))
                .await
                .status(),
            404
        );
        let denied = audit_actions(&app, "access.denied").await;
        assert!(
            denied
                .iter()
                .any(|e| e.actor_username.as_deref() == Some("liaison.ga") && e.entity == "import")
        );
        app.stop().await;
    }
);

/// (rule_id, outcome, record_key) of each line of a hit export or labels file.
fn line_keys(csv: &str) -> std::collections::BTreeSet<(String, String, String)> {
    csv.trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].to_owned(), c[1].to_owned(), c[4].to_owned())
        })
        .collect()
}

async fn wait_for_run(b: &Browser, id: &str) -> String {
    for _ in 0..600 {
        let html = b
            .get(&format!("/screenings/{id}"))
            .await
            .text()
            .await
            .unwrap();
        if html.contains("data-testid=\"run-status\">已完成") {
            return html;
        }
        assert!(!html.contains("筛查失败"), "{html}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("screening did not finish");
}

both!(upload_screen_browse_and_scope, |backend| async move {
    let app = TestApp::start(backend).await;
    let dir = tempfile::tempdir().unwrap();
    xingjian_synthetic::generate(xingjian_synthetic::Options::for_cases(2000), dir.path()).unwrap();
    let b = app.login("prosecutor").await;

    // Upload: a file with a bad row is refused whole, and says which row.
    let mut bad = std::fs::read_to_string(dir.path().join("officers.csv")).unwrap();
    bad.push_str("X9,,区交通运输局,执法人员,2015-01-01,2030-12-31\n");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bad.into_bytes()).file_name("officers.csv"),
    );
    let r = b
        .client
        .post(b.url("/imports"))
        .header("X-CSRF-Token", &b.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("姓名") && html.contains("整个文件未导入"),
        "{html}"
    );

    // Without the token the upload is refused.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(std::fs::read(dir.path().join("officers.csv")).unwrap())
            .file_name("officers.csv"),
    );
    let r = b
        .client
        .post(b.url("/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    for f in [
        "officers.csv",
        "vehicle_permits.csv",
        "penalty_cases.csv",
        "compulsory_measures.csv",
    ] {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(std::fs::read(dir.path().join(f)).unwrap())
                .file_name(f),
        );
        // the no-script form carries the token in its action URL
        let r = b
            .client
            .post(b.url(&format!("/imports?_csrf={}", b.csrf)))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{f}");
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .contains("notice=imported")
        );
    }

    // Start a screening of everything; it runs in the background.
    let page = b.get("/screenings").await.text().await.unwrap();
    assert!(page.contains("XQZ-24-DECISION") && page.contains("penalty_cases.csv"));
    let ids: Vec<String> = page
        .split("name=\"dataset\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 4);
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|i| ("dataset", i.as_str())).collect();
    let rules = xingjian_rules::rule::load(None).unwrap();
    for r in &rules {
        fields.push(("rule", r.rule.id.as_str()));
    }
    fields.push(("as_of", xingjian_synthetic::AS_OF));
    let r = b.post("/screenings", &fields).await;
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    let id = loc.rsplit('/').next().unwrap().to_owned();
    let html = wait_for_run(&b, &id).await;
    assert!(
        html.contains("XQZ-24-DECISION") && html.contains("按规则统计"),
        "{html}"
    );

    // The stored lines equal the labels.
    let labels = std::fs::read_to_string(dir.path().join("labels.csv")).unwrap();
    let want = line_keys(&labels);
    let csv = b
        .get(&format!("/screenings/{id}/hits.csv"))
        .await
        .text()
        .await
        .unwrap();
    let got = line_keys(&csv);
    assert_eq!(got, want);

    // Filter by rule and open a hit: explanation, article text, masked source row.
    let html = b
        .get(&format!("/screenings/{id}?rule=XQZ-19&outcome=hit"))
        .await
        .text()
        .await
        .unwrap();
    let hit_id = common::after(&html, "href=\"/screening-hits/");
    let hit = b
        .get(&format!("/screening-hits/{hit_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        hit.contains("第十九条 情况紧急") && hit.contains("实施时间") && hit.contains("王*"),
        "{hit}"
    );

    // Officer filter finds exactly that officer's lines.
    let html = b
        .get(&format!("/screenings/{id}?officer=JT-AUX"))
        .await
        .text()
        .await
        .unwrap();
    let table = html.split("data-testid=\"hits\"").nth(1).unwrap();
    assert!(
        table.contains("XCF-42") && !table.contains("XQZ-19</code>"),
        "{html}"
    );

    // Two lines become a clue that links their records.
    let html = b
        .get(&format!("/screenings/{id}?rule=XCF-42"))
        .await
        .text()
        .await
        .unwrap();
    let picked: Vec<String> = html
        .split("name=\"hit\" value=\"")
        .skip(1)
        .take(2)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(picked.len(), 2);
    let r = b
        .post(
            "/clues",
            &[("hit", &picked[0]), ("hit", &picked[1]), ("title", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let clue = r.headers()["location"].to_str().unwrap().to_owned();
    let page = b.get(&clue).await.text().await.unwrap();
    assert!(
        page.contains("数据筛查") && page.matches("/screening-hits/").count() == 2,
        "{page}"
    );
    let r = b.post("/clues", &[("title", "空")]).await;
    assert_eq!(r.status(), 422);

    // A liaison may not screen, nor read the office's lines or clues.
    let l = app.login("liaison.ga").await;
    assert_eq!(l.get("/screenings").await.status(), 403);
    assert_eq!(
        l.get(&format!("/screening-hits/{hit_id}")).await.status(),
        404
    );
    let clue_path = clue.split('?').next().unwrap();
    assert_eq!(l.get(clue_path).await.status(), 404);
    let denied = audit_actions(&app, "access.denied").await;
    assert!(denied.iter().any(|a| a.entity == "screening_hit"));

    review_batch_with_suggestions_split_between_two_reviewers(&app, &b, &csv).await;
    app.stop().await;
});

/// 逐案评查 on the screened records: a hit becomes a suggested finding; two
/// reviewers working on one file cannot overwrite each other; the batch counts
/// flagged files by dimension; a scanned page is kept with its hash.
async fn review_batch_with_suggestions_split_between_two_reviewers(
    app: &TestApp,
    b: &Browser,
    hits_csv: &str,
) {
    // A hit line of the transport bureau: its record key is a case number.
    let line = hits_csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|c| c[1] == "hit" && c[0] == "XCF-42" && c[3] == "区交通运输局")
        .expect("an XCF-42 hit of the transport bureau");
    let agency = app.agency_id("区交通运输局").await.to_string();
    let numbers = format!("{}\nNO-SUCH-CASE-1\n", line[4]);
    let r = b
        .post(
            "/reviews",
            &[
                ("title", "2023 年卷宗评查"),
                ("agency_id", &agency),
                ("case_numbers", &numbers),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let batch = r.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let html = b.get(&batch).await.text().await.unwrap();
    assert!(
        html.contains(line[4]) && html.contains("NO-SUCH-CASE-1"),
        "{html}"
    );
    let file = html
        .split("href=\"/review-files/")
        .map(|s| s.split('"').next().unwrap().to_owned())
        .nth(1)
        .unwrap();
    // Files are listed by case number; find the one with the hit.
    let (file_with_hit, page) = {
        let mut found = None;
        for id in html
            .split("href=\"/review-files/")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().to_owned())
        {
            let p = b
                .get(&format!("/review-files/{id}"))
                .await
                .text()
                .await
                .unwrap();
            if p.contains("XCF-42") {
                found = Some((id, p));
            }
        }
        found.unwrap_or_else(|| panic!("no suggested finding in {file}"))
    };
    assert!(page.contains("待确认（筛查提示）"), "{page}");
    let finding = common::after(&page, "data-finding=\"");
    let version = common::after(&page, "name=\"version\" value=\"");

    // Reviewer one confirms the suggestion; reviewer two, working from the same
    // page, is told the file changed instead of overwriting it.
    let path = format!("/review-files/{file_with_hit}");
    let r = b
        .post(
            &format!("{path}/decide"),
            &[
                ("version", &version),
                ("finding_id", &finding),
                ("decision", "confirm"),
                ("reason", "卷宗第 3 页无执法证号"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let chief = app.login("chief").await;
    let add = |v: String| {
        vec![
            ("version", v),
            ("dimension", "执法不规范".to_owned()),
            ("description", "现场笔录无当事人签名".to_owned()),
            ("evidence", "卷宗第 5 页".to_owned()),
        ]
    };
    let stale: Vec<(&str, String)> = add(version.clone());
    let stale: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        chief
            .post(&format!("{path}/findings"), &stale)
            .await
            .status(),
        409
    );
    let fresh = chief.get(&path).await.text().await.unwrap();
    let v2 = common::after(&fresh, "name=\"version\" value=\"");
    let ok: Vec<(&str, String)> = add(v2.clone());
    let ok: Vec<(&str, &str)> = ok.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        chief.post(&format!("{path}/findings"), &ok).await.status(),
        303
    );

    // A scanned page, kept with its hash and returned byte for byte.
    let pdf = b"%PDF-1.4 scanned page".to_vec();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(pdf.clone()).file_name("第3页.pdf"),
    );
    let r = b
        .client
        .post(b.url(&format!("{path}/attachments?_csrf={}", b.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"MZ".to_vec()).file_name("x.exe"),
    );
    let r = b
        .client
        .post(b.url(&format!("{path}/attachments?_csrf={}", b.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let page = b.get(&path).await.text().await.unwrap();
    let att = common::after(&page, "href=\"/attachments/");
    let got = b
        .get(&format!("/attachments/{att}"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.as_ref(), pdf.as_slice());
    let liaison = app.login("liaison.jt").await;
    assert_eq!(
        liaison.get(&format!("/attachments/{att}")).await.status(),
        404
    );
    assert_eq!(liaison.get(&path).await.status(), 404);

    // Finished: the batch counts one flagged file, by dimension and rule.
    let v3 = common::after(&page, "name=\"version\" value=\"");
    assert_eq!(
        b.post(
            &format!("{path}/complete"),
            &[("version", &v3), ("notes", "程序不规范")]
        )
        .await
        .status(),
        303
    );
    let summary = b.get(&batch).await.text().await.unwrap();
    assert!(
        summary.contains("可能存在问题</dt><dd>1 件") && summary.contains("执法不规范"),
        "{summary}"
    );
    assert!(summary.contains("<code>XCF-42</code>") && summary.contains("<code>人工发现</code>"));
    // The flagged file becomes a clue.
    let page = b.get(&path).await.text().await.unwrap();
    let v4 = common::after(&page, "name=\"version\" value=\"");
    let r = b.post(&format!("{path}/clue"), &[("version", &v4)]).await;
    assert_eq!(r.status(), 303);
    let clue = r.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        b.get(&clue)
            .await
            .text()
            .await
            .unwrap()
            .contains("逐案评查发现问题")
    );
}
