//! The supervision workflow end to end, on SQLite and on PostgreSQL: a 12309
//! clue, duplicates and merge, a file request the liaison answers, a case
//! through its stages with an inquiry, deadlines and reminders.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Browser, TestApp, created_id, page};
use xingjian_store::{DeadlineFilter, PageRequest, RequestCtx, Store};
use xingjian_testkit::both;

async fn actor(app: &TestApp, username: &str) -> xingjian_domain::Actor {
    let u = app
        .store
        .system(&RequestCtx::cli())
        .find_user(username)
        .await
        .unwrap()
        .unwrap();
    xingjian_domain::Actor::from_user(&u)
}

both!(
    the_seed_story_from_a_12309_clue_to_a_decision,
    |backend| async move {
        let app = TestApp::start(backend).await;
        let jt = app.agency_id("区交通运输局").await.to_string();
        let p = app.login("prosecutor").await;

        // A named 12309 report without a contact is refused, and the form keeps what was typed.
        let r = p
            .post(
                "/clues/new",
                &[
                    ("source", "12309"),
                    ("received_at", "2026-06-01T09:30"),
                    ("title", "高铁站黑车揽客"),
                    (
                        "content",
                        "群众反映高铁站东广场有无营运证车辆揽客，执法人员扣车后未给决定书。",
                    ),
                    ("agency_id", &jt),
                    ("reporter_name", "李四"),
                    ("plate", "豫A·12345"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("实名反映须填写联系方式"), "{html}");
        assert!(html.contains("高铁站东广场有无营运证车辆揽客"));

        let clue = created_id(
            &p.post(
                "/clues/new",
                &[
                    ("source", "12309"),
                    ("received_at", "2026-06-01T09:30"),
                    ("title", "高铁站黑车揽客"),
                    (
                        "content",
                        "群众反映高铁站东广场有无营运证车辆揽客，执法人员扣车后未给决定书。",
                    ),
                    ("agency_id", &jt),
                    ("reporter_name", "李四"),
                    ("reporter_contact", "13812345678"),
                    ("plate", "豫A·12345"),
                ],
            )
            .await,
            "/clues/",
        );
        let html = page(&p, &format!("/clues/{clue}")).await;
        // 2026-06-01 (Mon) + 7 working days = 2026-06-10; + 3 months = 2026-09-01.
        assert!(
            html.contains("12309 程序性回复") && html.contains("2026-06-10"),
            "{html}"
        );
        assert!(html.contains("2026-09-01"));
        // Personal data is masked until deliberately shown, and the showing is audited.
        assert!(html.contains("138****5678") && !html.contains("13812345678"));
        let html = page(&p, &format!("/clues/{clue}?reveal=1")).await;
        assert!(html.contains("13812345678"));
        // The export carries the masked contact only.
        let r = p.get("/clues.xlsx").await;
        assert_eq!(r.status(), 200);
        let mut zip =
            zip::ZipArchive::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
        let mut strings = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
            &mut strings,
        )
        .unwrap();
        assert!(
            strings.contains("138****5678") && !strings.contains("13812345678"),
            "{strings}"
        );
        assert!(strings.contains("高铁站黑车揽客") && strings.contains("反映人"));

        // The same plate typed differently is flagged as a possible duplicate at intake.
        let dup_fields = [
            ("source", "other"),
            ("received_at", "2026-06-02T10:00"),
            ("title", "东广场非法营运"),
            ("content", "同一车辆再次揽客"),
            ("agency_id", jt.as_str()),
            ("plate", "豫a 12345"),
        ];
        let r = p.post("/clues/new", &dup_fields).await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("可能重复的线索") && html.contains("车牌相同（豫A12345）"),
            "{html}"
        );
        let mut confirmed = dup_fields.to_vec();
        confirmed.push(("not_duplicate", "1"));
        let dup = created_id(&p.post("/clues/new", &confirmed).await, "/clues/");
        // Merged into the first, with a reason.
        let html = page(&p, &format!("/clues/{dup}")).await;
        let version = "1";
        let r = p
            .post(
                &format!("/clues/{dup}/triage"),
                &[
                    ("disposition", "merge"),
                    ("merge_into", &clue.to_string()),
                    ("reason", "同一车辆"),
                    ("version", version),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{html}");
        let html = page(&p, &format!("/clues/{dup}")).await;
        assert!(html.contains("已处置：合并") && html.contains(&format!("/clues/{clue}")));
        // Its history says who registered and merged it, and why.
        assert!(
            html.contains("登记线索") && html.contains("线索分流处置") && html.contains("同一车辆"),
            "{html}"
        );
        // The list sorts by received time: the second report (received later) comes first.
        let list = page(&p, "/clues?sort=received").await;
        assert!(list.find("东广场非法营运").unwrap() < list.find("高铁站黑车揽客").unwrap());
        let list = page(&p, "/clues?sort=oldest").await;
        assert!(list.find("高铁站黑车揽客").unwrap() < list.find("东广场非法营运").unwrap());
        // A stale form is refused, not applied.
        let r = p
            .post(
                &format!("/clues/{dup}/triage"),
                &[
                    ("disposition", "archive"),
                    ("reason", "x"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(r.status(), 409);

        // 调取卷宗 to the transport bureau: its liaison sees and answers; the police liaison cannot see it.
        let fr = created_id(
            &p.post(
                "/file-requests",
                &[
                    ("agency_id", &jt),
                    ("clue_id", &clue.to_string()),
                    ("title", "高铁站扣车案件卷宗"),
                    ("case_numbers", "JT-2023-0001\nJT-2023-0002\n"),
                    ("due_on", "2099-01-01"),
                ],
            )
            .await,
            "/file-requests/",
        );
        let ga = app.login("liaison.ga").await;
        assert_eq!(ga.get(&format!("/file-requests/{fr}")).await.status(), 404);
        let jtl = app.login("liaison.jt").await;
        let html = page(&jtl, "/notifications").await;
        assert!(html.contains("高铁站扣车案件卷宗"), "{html}");
        let html = page(&jtl, &format!("/file-requests/{fr}")).await;
        assert!(html.contains("JT-2023-0002") && html.contains("待签收"));
        assert_eq!(
            jtl.post(
                &format!("/file-requests/{fr}/acknowledge"),
                &[("version", "1")]
            )
            .await
            .status(),
            303
        );
        let r = jtl
            .post(
                &format!("/file-requests/{fr}/answer"),
                &[
                    ("version", "2"),
                    ("response", "两件卷宗已于今日移交纸质件。"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        // The liaison uploads the scanned files; only the office and that agency read them.
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 JT-2023-0001".to_vec())
                .file_name("JT-2023-0001.pdf"),
        );
        let r = jtl
            .client
            .post(jtl.url(&format!(
                "/file-requests/{fr}/attachments?_csrf={}",
                jtl.csrf
            )))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let html = page(&p, &format!("/file-requests/{fr}")).await;
        assert!(html.contains("已答复") && html.contains("两件卷宗已于今日移交纸质件"));
        let doc = common::after(&html, "href=\"/attachments/");
        let got = p
            .get(&format!("/attachments/{doc}"))
            .await
            .bytes()
            .await
            .unwrap();
        assert_eq!(got.as_ref(), b"%PDF-1.4 JT-2023-0001");
        assert_eq!(jtl.get(&format!("/attachments/{doc}")).await.status(), 200);
        assert_eq!(ga.get(&format!("/attachments/{doc}")).await.status(), 404);
        // A liaison cannot read the office's clues or cases.
        assert_eq!(jtl.get(&format!("/clues/{clue}")).await.status(), 404);

        // The clue becomes a case with a number from the pattern.
        let case = created_id(
            &p.post(
                "/cases",
                &[
                    ("clue_ids", &clue.to_string()),
                    ("title", "区交通运输局扣押车辆不规范案"),
                    ("summary", ""),
                ],
            )
            .await,
            "/cases/",
        );
        let html = page(&p, &format!("/cases/{case}")).await;
        let year = xingjian_store::today().format("%Y").to_string();
        assert!(html.contains(&format!("行监〔{year}〕1号")), "{html}");
        assert!(html.contains("受理阶段期限"));
        assert!(page(&p, &format!("/clues/{clue}")).await.contains("已成案"));
        assert_eq!(jtl.get(&format!("/cases/{case}")).await.status(), 404);

        let step = |to: &'static str, version: i64, fields: Vec<(&'static str, &'static str)>| {
            let mut f = vec![("to", to.to_owned()), ("version", version.to_string())];
            f.extend(fields.into_iter().map(|(k, v)| (k, v.to_owned())));
            f
        };
        async fn post_owned(b: &Browser, path: &str, f: &[(&str, String)]) -> reqwest::Response {
            let v: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.post(path, &v).await
        }
        let path = format!("/cases/{case}/transition");
        // A missing required field is named.
        let r = post_owned(&p, &path, &step("filed", 1, vec![])).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("请填写立案理由"));
        assert_eq!(
            post_owned(
                &p,
                &path,
                &step("filed", 1, vec![("filing_reason", "扣押未交付决定书")])
            )
            .await
            .status(),
            303
        );
        // Skipping a stage is refused.
        assert_eq!(
            post_owned(&p, &path, &step("decided", 2, vec![]))
                .await
                .status(),
            422
        );
        assert_eq!(
            post_owned(
                &p,
                &path,
                &step(
                    "investigating",
                    2,
                    vec![("investigation_plan", "调阅卷宗，询问当事人")]
                )
            )
            .await
            .status(),
            303
        );

        // An inquiry needs two interviewers; the refused form keeps the Q&A.
        let inquiry = [
            ("started_at", "2026-06-05T09:00"),
            ("ended_at", "2026-06-05T10:00"),
            ("place", "上街区人民检察院询问室"),
            ("interviewers", "王检察官"),
            ("recorder", "赵书记员"),
            ("interviewee_name", "张三"),
            ("interviewee_role", "party"),
            ("interviewee_id_number", "410106199001011234"),
            (
                "qa",
                "问：车辆被扣押时是否收到决定书？\n答：没有，只给了一张手写条子。",
            ),
            ("signature", "signed"),
        ];
        let r = p.post(&format!("/cases/{case}/inquiries"), &inquiry).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("两名以上") && html.contains("只给了一张手写条子"));
        let mut good = inquiry.to_vec();
        good[3] = ("interviewers", "王检察官、李检察官助理");
        assert_eq!(
            p.post(&format!("/cases/{case}/inquiries"), &good)
                .await
                .status(),
            303
        );
        let html = page(&p, &format!("/cases/{case}")).await;
        assert!(
            html.contains("第 1 次询问：张三（行政相对人）") && html.contains("410***********1234")
        );
        assert!(!html.contains("410106199001011234"));
        // The signed record's scan is kept with the inquiry.
        let inquiry_id = html
            .split("action=\"/inquiries/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF signed".to_vec()).file_name("询问笔录.pdf"),
        );
        let r = p
            .client
            .post(p.url(&format!(
                "/inquiries/{inquiry_id}/attachments?_csrf={}",
                p.csrf
            )))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(
            page(&p, &format!("/cases/{case}"))
                .await
                .contains("询问笔录.pdf")
        );

        assert_eq!(
            post_owned(
                &p,
                &path,
                &step(
                    "reviewing",
                    3,
                    vec![("conclusion", "扣押时未当场交付决定书属实")]
                )
            )
            .await
            .status(),
            303
        );
        // The decision is the leadership's.
        let decide = step(
            "decided",
            4,
            vec![
                ("decision", "recommendation"),
                ("decision_reason", "程序违法"),
            ],
        );
        assert_eq!(post_owned(&p, &path, &decide).await.status(), 403);
        let chief = app.login("chief").await;
        assert_eq!(post_owned(&chief, &path, &decide).await.status(), 303);
        let html = page(&p, &format!("/cases/{case}")).await;
        assert!(
            html.contains("处理决定")
                && html.contains("提出检察建议")
                && html.contains("转入跟进监督"),
            "{html}"
        );
        assert!(html.contains("扣押时未当场交付决定书属实"));

        // The same data through the API, described in the OpenAPI document, scoped alike.
        let doc: serde_json::Value = p.get("/api/v1/openapi.json").await.json().await.unwrap();
        for path in [
            "/api/v1/clues",
            "/api/v1/cases/{id}/transition",
            "/api/v1/reviews/{id}",
            "/api/v1/deadlines",
        ] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
        let api: serde_json::Value = p
            .get(&format!("/api/v1/cases/{case}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(api["case"]["stage"], "decided");
        assert_eq!(
            api["inquiries"][0]["interviewee_id_number"],
            "410***********1234"
        );
        let none: serde_json::Value = jtl.get("/api/v1/clues").await.json().await.unwrap();
        assert_eq!(none["total"], 0);
        assert_eq!(
            jtl.get(&format!("/api/v1/cases/{case}")).await.status(),
            404
        );
        // Every change is in the audit log; the refused reads of out-of-scope rows too.
        let p_actor = actor(&app, "prosecutor").await;
        let ctx = RequestCtx::cli();
        let open = app
            .store
            .as_actor(&p_actor, &ctx)
            .list_deadlines(&DeadlineFilter::default(), PageRequest::default())
            .await
            .unwrap();
        // The substantive 12309 reply and the 处理决定 stage clock are still running.
        assert!(open.items.iter().any(|d| d.clock == "petition_substantive"));
        assert!(open.items.iter().any(|d| d.label == "处理决定阶段期限"));
        assert!(
            !open.items.iter().any(|d| d.subject == "file_request"),
            "answered requests stop their clock"
        );

        app.stop().await;
    }
);

both!(
    reminders_survive_a_restart_and_fire_once,
    |backend| async move {
        let app = TestApp::start(backend).await;
        let p_actor = actor(&app, "prosecutor").await;
        let ctx = RequestCtx::cli();
        let jt = app.agency_id("区交通运输局").await;
        let today = xingjian_store::today();
        let clue = app
            .store
            .as_actor(&p_actor, &ctx)
            .create_clue(xingjian_domain::ClueInput {
                source: "12309".into(),
                title: "提醒测试".into(),
                content: "内容".into(),
                agency_id: Some(jt),
                received_at: today.format("%Y-%m-%d").to_string(),
                anonymous: true,
                ..Default::default()
            })
            .await
            .unwrap();
        // Nothing is due today.
        assert_eq!(app.store.system(&ctx).run_due_jobs(today).await.unwrap(), 0);
        // A fresh store over the same database — what a restarted server sees —
        // fires every reminder once, however often and however many workers run.
        let later = today + chrono::Days::new(200);
        let restarted = Store::new(app.store.db().clone());
        let (w1, w2) = (restarted.system(&ctx), app.store.system(&ctx));
        let (a, b) = tokio::join!(w1.run_due_jobs(later), w2.run_due_jobs(later));
        // Two clocks × (due soon + overdue).
        assert_eq!(a.unwrap() + b.unwrap(), 4);
        assert_eq!(restarted.system(&ctx).run_due_jobs(later).await.unwrap(), 0);
        let notes = app
            .store
            .as_actor(&p_actor, &ctx)
            .list_notifications(PageRequest::default())
            .await
            .unwrap();
        assert_eq!(notes.total, 4);
        assert!(
            notes
                .items
                .iter()
                .any(|n| n.title.starts_with("已超期") && n.link == format!("/clues/{}", clue.id))
        );

        // A reply stops its clock: a new clue replied to at once never reminds.
        let c2 = app
            .store
            .as_actor(&p_actor, &ctx)
            .create_clue(xingjian_domain::ClueInput {
                source: "12309".into(),
                title: "已答复".into(),
                content: "内容".into(),
                received_at: today.format("%Y-%m-%d").to_string(),
                anonymous: true,
                ..Default::default()
            })
            .await
            .unwrap();
        for kind in ["procedural", "substantive"] {
            app.store
                .as_actor(&p_actor, &ctx)
                .record_clue_reply(
                    c2.id,
                    xingjian_store::ClueReply {
                        kind: kind.into(),
                        note: "已电话答复".into(),
                    },
                )
                .await
                .unwrap();
        }
        assert_eq!(app.store.system(&ctx).run_due_jobs(later).await.unwrap(), 0);

        // Only the leadership extends a clock, and the approver is recorded.
        let d = app
            .store
            .as_actor(&p_actor, &ctx)
            .deadlines_of("clue", clue.id)
            .await
            .unwrap();
        let proc = d.iter().find(|d| d.clock == "petition_procedural").unwrap();
        let refused = app
            .store
            .as_actor(&p_actor, &ctx)
            .adjust_deadline(proc.id, "extend", Some(5), "案情复杂", proc.version)
            .await;
        assert!(matches!(
            refused,
            Err(xingjian_store::StoreError::Forbidden(_))
        ));
        let chief = actor(&app, "chief").await;
        let ext = app
            .store
            .as_actor(&chief, &ctx)
            .adjust_deadline(proc.id, "extend", Some(5), "案情复杂", proc.version)
            .await
            .unwrap();
        let (_, events) = app
            .store
            .as_actor(&chief, &ctx)
            .get_deadline(proc.id)
            .await
            .unwrap();
        assert!(ext.due_on > proc.due_on);
        assert_eq!(
            events.last().unwrap().approver_name.as_deref(),
            Some("张检察长")
        );
        app.stop().await;
    }
);

both!(
    case_numbers_have_no_gaps_or_duplicates_under_concurrency,
    |backend| async move {
        let app = TestApp::start(backend).await;
        let p_actor = actor(&app, "prosecutor").await;
        let ctx = RequestCtx::cli();
        let mut clues = Vec::new();
        for i in 0..6 {
            let c = app
                .store
                .as_actor(&p_actor, &ctx)
                .create_clue(xingjian_domain::ClueInput {
                    source: "other".into(),
                    title: format!("线索{i}"),
                    content: "内容".into(),
                    received_at: "2026-06-01".into(),
                    ..Default::default()
                })
                .await
                .unwrap();
            clues.push(c.id);
        }
        let store = app.store.clone();
        let tasks: Vec<_> = clues
            .into_iter()
            .map(|id| {
                let store = store.clone();
                let a = p_actor.clone();
                tokio::spawn(async move {
                    let ctx = RequestCtx::cli();
                    store
                        .as_actor(&a, &ctx)
                        .open_case(xingjian_store::NewCase {
                            clue_ids: vec![id],
                            title: format!("案{id}"),
                            ..Default::default()
                        })
                        .await
                        .map(|c| c.case_number)
                })
            })
            .collect();
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.push(t.await.unwrap().unwrap());
        }
        numbers.sort();
        let year = xingjian_store::today().format("%Y").to_string();
        let mut expected: Vec<String> = (1..=6).map(|n| format!("行监〔{year}〕{n}号")).collect();
        expected.sort();
        assert_eq!(numbers, expected);
        app.stop().await;
    }
);

both!(
    hostile_text_is_kept_as_typed_shown_escaped_and_exported_inert,
    |backend| async move {
        let app = TestApp::start(backend).await;
        let p = app.login("prosecutor").await;
        let title = "=HYPERLINK(\"http://x.invalid\",\"点我\")<script>alert(1)</script>";
        let content = "<img src=x onerror=alert(2)> 超载";
        let party = "+cmd|' /C calc'!A0";
        let clue = created_id(
            &p.post(
                "/clues/new",
                &[
                    ("source", "other"),
                    ("received_at", "2026-06-01T09:30"),
                    ("title", title),
                    ("content", content),
                    ("party", party),
                ],
            )
            .await,
            "/clues/",
        );
        // Stored exactly as typed.
        let ctx = RequestCtx::cli();
        let a = actor(&app, "prosecutor").await;
        let (stored, _) = app.store.as_actor(&a, &ctx).get_clue(clue).await.unwrap();
        assert_eq!(
            (
                stored.title.as_str(),
                stored.content.as_str(),
                stored.party.as_str()
            ),
            (title, content, party)
        );
        // Shown as text on the clue, in the list and in search results.
        for path in [
            format!("/clues/{clue}"),
            "/clues".to_owned(),
            "/search?q=HYPERLINK".to_owned(),
        ] {
            let html = page(&p, &path).await;
            assert!(
                !html.contains("<script>alert(1)") && !html.contains("<img src=x"),
                "{path}: {html}"
            );
            assert!(html.contains(&format!("/clues/{clue}")), "{path}: {html}");
            assert!(
                html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
                "{path}: {html}"
            );
        }
        // Exported as text a spreadsheet never evaluates.
        let r = p.get("/clues.xlsx").await;
        assert_eq!(r.status(), 200);
        let bytes = r.bytes().await.unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let mut part = |name: &str| {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
            s
        };
        let sheet = part("xl/worksheets/sheet1.xml");
        assert!(!sheet.contains("<f>"), "no formula cells: {sheet}");
        let strings = part("xl/sharedStrings.xml");
        assert!(
            strings.contains("&apos;=HYPERLINK") || strings.contains("'=HYPERLINK"),
            "{strings}"
        );
        assert!(
            strings.contains("&apos;+cmd") || strings.contains("'+cmd"),
            "{strings}"
        );
        app.stop().await;
    }
);
