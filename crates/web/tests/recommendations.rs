//! Recommendations end to end, on SQLite and on PostgreSQL: drafted from a
//! decided case, revised (versions and differences), shared with the agency
//! for its views, approved and numbered, the DOCX letter and receipt opened,
//! delivered publicly with a people's supervisor, replied to, adopted, closed;
//! and 文号 allocated concurrently without gaps or duplicates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{PW, TestApp, after, created_id, page};
use std::collections::BTreeMap;
use std::io::Read;
use xingjian_domain::{Actor, NewUser, Role, Stage};
use xingjian_store::{NewCase, NewRecommendation, RequestCtx};
use xingjian_testkit::both;

async fn actor(app: &TestApp, username: &str) -> Actor {
    let u = app
        .store
        .system(&RequestCtx::cli())
        .find_user(username)
        .await
        .unwrap()
        .unwrap();
    Actor::from_user(&u)
}

async fn add_user(app: &TestApp, username: &str, name: &str, role: Role) {
    app.store
        .system(&RequestCtx::cli())
        .create_user(NewUser {
            username: username.into(),
            display_name: name.into(),
            role,
            agency_id: None,
            password: PW.into(),
        })
        .await
        .unwrap();
}

/// A case from a clue about the transport bureau, decided: 提出检察建议.
async fn decided_case(app: &TestApp) -> i64 {
    let ctx = RequestCtx::cli();
    let p = actor(app, "prosecutor").await;
    let d = actor(app, "deputy").await;
    let jt = app.agency_id("区交通运输局").await;
    let s = app.store.as_actor(&p, &ctx);
    let clue = s
        .create_clue(xingjian_domain::ClueInput {
            source: "12309".into(),
            title: "高铁站扣车未交付决定书".into(),
            content: "反映扣押车辆时未当场交付决定书。".into(),
            agency_id: Some(jt),
            received_at: "2026-06-01T09:30".into(),
            anonymous: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut c = s
        .open_case(NewCase {
            clue_ids: vec![clue.id],
            title: "区交通运输局扣押车辆程序违法监督案".into(),
            summary: "区交通运输局在非法营运执法中扣押车辆。".into(),
            handler_id: Some(p.user_id.0),
        })
        .await
        .unwrap();
    for (to, fields) in [
        (Stage::Filed, vec![("filing_reason", "涉嫌程序违法")]),
        (
            Stage::Investigating,
            vec![("investigation_plan", "调阅卷宗")],
        ),
        (
            Stage::Reviewing,
            vec![("conclusion", "扣押车辆未当场交付决定书属实")],
        ),
    ] {
        let f: BTreeMap<String, String> = fields
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        c = s.transition_case(c.id, to, &f, c.version).await.unwrap();
    }
    let f: BTreeMap<String, String> = [
        ("decision", "recommendation"),
        ("decision_reason", "程序违法，应予纠正"),
    ]
    .into_iter()
    .map(|(k, v)| (k.into(), v.into()))
    .collect();
    app.store
        .as_actor(&d, &ctx)
        .transition_case(c.id, Stage::Decided, &f, c.version)
        .await
        .unwrap();
    c.id
}

fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

both!(
    a_recommendation_from_draft_to_adoption,
    |backend| async move {
        let app = TestApp::start(backend).await;
        add_user(&app, "deputy", "李分管检察长", Role::DeputyChief).await;
        add_user(&app, "supervisor", "孙人民监督员", Role::PeopleSupervisor).await;
        let case_id = decided_case(&app).await;
        let jt = app.agency_id("区交通运输局").await.to_string();
        let p = app.login("prosecutor").await;

        // The draft is filled from the case.
        let html = page(&p, &format!("/cases/{case_id}")).await;
        assert!(html.contains(&format!("/recommendations/new?case_id={case_id}")));
        let form = page(&p, &format!("/recommendations/new?case_id={case_id}")).await;
        assert!(
            form.contains("扣押车辆未当场交付决定书属实") && form.contains("12309"),
            "{form}"
        );
        let mut fields = vec![
            ("case_id", case_id.to_string()),
            ("kind", "correction".into()),
            ("agency_ids", jt.clone()),
            ("title", "关于规范扣押车辆程序的检察建议".into()),
            ("source", "本院在办理监督案件中发现。".into()),
            ("facts", "经审查查明：扣押车辆未当场交付决定书。".into()),
            (
                "problems",
                "不符合《中华人民共和国行政强制法》第二十四条的规定。".into(),
            ),
            ("items", "1. 规范扣押程序\n2. 加强执法人员培训".into()),
            ("reply_limit", "3m".into()),
            ("reply_manner", "将办理情况书面回复本院".into()),
        ];
        let post = |b: &common::Browser, path: String, f: Vec<(&'static str, String)>| {
            let mut all = vec![("_csrf", b.csrf.clone())];
            all.extend(f);
            let req = b.client.post(b.url(&path)).form(&all);
            async move { req.send().await.unwrap() }
        };
        let r = post(&p, "/recommendations".into(), fields.clone()).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("回复期限不得超过两个月"));
        fields[8] = ("reply_limit", "2m".into());
        let id = created_id(
            &post(&p, "/recommendations".into(), fields.clone()).await,
            "/recommendations/",
        );
        let html = page(&p, &format!("/recommendations/{id}")).await;
        assert!(html.contains("起草中") && html.contains("第 1 稿"));

        // A second version; the difference is shown.
        let v = after(&html, "name=\"version\" value=\"");
        let mut revised = fields.clone();
        revised[7] = (
            "items",
            "1. 规范扣押程序，当场交付决定书\n2. 加强执法人员培训".into(),
        );
        revised.push(("version", v));
        revised.push(("note", "细化第 1 项".into()));
        assert_eq!(
            post(&p, format!("/recommendations/{id}/revise"), revised)
                .await
                .status(),
            303
        );
        let html = page(&p, &format!("/recommendations/{id}?from=1&to=2")).await;
        assert!(html.contains("第 2 稿") && html.contains("细化第 1 项"));
        let diff = html.split("data-testid=\"diff\"").nth(1).unwrap_or("");
        assert!(
            diff.contains("diff-removed\">− 1. 规范扣押程序<")
                && diff.contains("diff-added\">+ 1. 规范扣押程序，当场交付决定书<"),
            "{diff}"
        );

        // Pre-consultation: the bureau's liaison sees the draft and gives views; the police liaison cannot.
        let lj = app.login("liaison.jt").await;
        let lg = app.login("liaison.ga").await;
        assert_eq!(
            lj.get(&format!("/recommendations/{id}")).await.status(),
            404,
            "not before it is shared"
        );
        assert_eq!(
            post(
                &p,
                format!("/recommendations/{id}/share"),
                vec![("agency_id", jt.clone())]
            )
            .await
            .status(),
            303
        );
        let html = page(&lj, &format!("/recommendations/{id}")).await;
        assert!(
            !html.contains("历次稿件") && !html.contains("data-testid=\"history\""),
            "internal parts hidden"
        );
        let cid = after(&html, "name=\"consultation_id\" value=\"");
        let r = post(
            &lj,
            format!("/recommendations/{id}/views"),
            vec![
                ("consultation_id", cid),
                ("text", "建议将培训频次明确为每季度一次".into()),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        assert!(
            page(&p, &format!("/recommendations/{id}"))
                .await
                .contains("建议将培训频次明确为每季度一次")
        );
        assert_eq!(
            lg.get(&format!("/recommendations/{id}")).await.status(),
            404
        );

        // Submission; only a leader approves; approval numbers it.
        let html = page(&p, &format!("/recommendations/{id}")).await;
        let v = after(&html, "name=\"version\" value=\"");
        assert_eq!(
            post(
                &p,
                format!("/recommendations/{id}/submit"),
                vec![("version", v.clone())]
            )
            .await
            .status(),
            303
        );
        let chief = app.login("chief").await;
        let html = page(&chief, &format!("/recommendations/{id}")).await;
        let v = after(&html, "name=\"version\" value=\"");
        assert_eq!(
            post(
                &p,
                format!("/recommendations/{id}/decide"),
                vec![("version", v.clone()), ("decision", "approve".into())]
            )
            .await
            .status(),
            403
        );
        assert_eq!(
            post(
                &chief,
                format!("/recommendations/{id}/decide"),
                vec![("version", v.clone()), ("decision", "return".into())]
            )
            .await
            .status(),
            422,
            "a return needs a comment"
        );
        assert_eq!(
            post(
                &chief,
                format!("/recommendations/{id}/decide"),
                vec![
                    ("version", v),
                    ("decision", "approve".into()),
                    ("text", "同意".into())
                ]
            )
            .await
            .status(),
            303
        );
        let year = xingjian_store::today().format("%Y").to_string();
        let number = format!("行建〔{year}〕1号");
        let html = page(&p, &format!("/recommendations/{id}")).await;
        assert!(
            html.contains(&number) && html.contains("已签发") && html.contains("批准签发"),
            "{html}"
        );

        // The letter as DOCX.
        let r = p.get(&format!("/recommendations/{id}/letter.docx")).await;
        assert_eq!(r.status(), 200);
        let xml = docx_text(&r.bytes().await.unwrap());
        for want in [
            number.as_str(),
            "检察建议书",
            "区交通运输局：",
            "1. 规范扣押程序，当场交付决定书",
            "两个月以内",
        ] {
            assert!(xml.contains(want), "letter lacks {want}");
        }

        // Public delivery needs a people's supervisor.
        let html = page(&p, &format!("/recommendations/{id}")).await;
        let v = after(&html, "name=\"version\" value=\"");
        let today = xingjian_store::today().format("%Y-%m-%d").to_string();
        let sup = actor(&app, "supervisor").await.user_id.0.to_string();
        let deliver = vec![
            ("version", v.clone()),
            ("mode", "public".into()),
            ("delivered_on", today.clone()),
            ("received_by", "王副局长".into()),
            ("place", "区交通运输局会议室".into()),
        ];
        assert_eq!(
            post(
                &p,
                format!("/recommendations/{id}/deliver"),
                deliver.clone()
            )
            .await
            .status(),
            422
        );
        let mut with_sup = deliver.clone();
        with_sup.push(("supervisor_ids", sup));
        assert_eq!(
            post(&p, format!("/recommendations/{id}/deliver"), with_sup)
                .await
                .status(),
            303
        );
        let html = page(&p, &format!("/recommendations/{id}")).await;
        assert!(
            html.contains("已送达")
                && html.contains("公开宣告送达")
                && html.contains("区交通运输局书面回复"),
            "{html}"
        );
        // The supervisor reads it and records an opinion; sees nothing else.
        let s = app.login("supervisor").await;
        let html = page(&s, &format!("/recommendations/{id}")).await;
        assert!(html.contains("规范扣押程序") && !html.contains("data-testid=\"recipients\""));
        let did = after(&html, "name=\"delivery_id\" value=\"");
        assert_eq!(
            post(
                &s,
                format!("/recommendations/{id}/opinion"),
                vec![("delivery_id", did), ("text", "宣告程序规范".into())]
            )
            .await
            .status(),
            303
        );
        assert!(
            page(&p, &format!("/recommendations/{id}"))
                .await
                .contains("宣告程序规范")
        );
        // The receipt.
        let html = page(&p, &format!("/recommendations/{id}")).await;
        let rid = after(&html, &format!("/recommendations/{id}/receipt/"));
        let r = p.get(&format!("/recommendations/{id}/receipt/{rid}")).await;
        let xml = docx_text(&r.bytes().await.unwrap());
        assert!(xml.contains("送达回证") && xml.contains("签收人：王副局长"));
        // The reply clock runs for the liaison too.
        let html = page(&lj, &format!("/recommendations/{id}")).await;
        assert!(
            html.contains("区交通运输局书面回复") && html.contains("data-testid=\"deadlines\""),
            "{html}"
        );

        // The liaison replies with its rectification; the prosecutor judges it adopted and closes.
        let rv = after(
            &html,
            &format!(
                "name=\"recipient_id\" value=\"{rid}\"><input type=\"hidden\" name=\"version\" value=\""
            ),
        );
        let r = post(
            &lj,
            format!("/recommendations/{id}/reply"),
            vec![
                ("recipient_id", rid.clone()),
                ("version", rv),
                ("text", "已约谈相关执法人员，开展以案促改警示教育。".into()),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        let r = post(
            &lj,
            format!("/recommendations/{id}/measures"),
            vec![
                ("recipient_id", rid.clone()),
                ("kind", "warning_education".into()),
                ("date", today.clone()),
                ("text", "全局执法人员参加警示教育".into()),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        let html = page(&p, &format!("/recommendations/{id}")).await;
        assert!(
            html.contains("已回复") && html.contains("以案促改警示教育：全局执法人员参加警示教育"),
            "{html}"
        );
        let rv = after(
            &html,
            &format!(
                "name=\"recipient_id\" value=\"{rid}\"><input type=\"hidden\" name=\"version\" value=\""
            ),
        );
        let r = post(
            &p,
            format!("/recommendations/{id}/outcome"),
            vec![
                ("recipient_id", rid.clone()),
                ("version", rv.clone()),
                ("decision", "partially_adopted".into()),
            ],
        )
        .await;
        assert_eq!(r.status(), 422, "partial adoption needs a note");
        let r = post(
            &p,
            format!("/recommendations/{id}/outcome"),
            vec![
                ("recipient_id", rid),
                ("version", rv),
                ("decision", "adopted".into()),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        let html = page(&p, &format!("/recommendations/{id}")).await;
        let v = after(&html, "name=\"version\" value=\"");
        assert_eq!(
            post(
                &p,
                format!("/recommendations/{id}/close"),
                vec![("version", v)]
            )
            .await
            .status(),
            303
        );
        let html = page(&p, &format!("/recommendations/{id}")).await;
        assert!(html.contains("已结案") && html.contains("采纳"), "{html}");
        app.stop().await;
    }
);

both!(
    doc_numbers_have_no_gaps_or_duplicates_under_concurrency,
    |backend| async move {
        let app = TestApp::start(backend).await;
        let ctx = RequestCtx::cli();
        let p = actor(&app, "prosecutor").await;
        let chief = actor(&app, "chief").await;
        let jt = app.agency_id("区交通运输局").await;
        let mut ids = Vec::new();
        for i in 0..8 {
            let kind = if i % 2 == 0 {
                "correction"
            } else {
                "social_governance"
            };
            let r = app
                .store
                .as_actor(&p, &ctx)
                .create_recommendation(NewRecommendation {
                    case_id: None,
                    kind: kind.into(),
                    agency_ids: vec![jt],
                    letter: xingjian_domain::recommendation::Letter {
                        title: format!("建议{i}"),
                        facts: "事实".into(),
                        problems: "问题".into(),
                        items: vec!["建议".into()],
                        reply_limit: "2m".into(),
                        ..Default::default()
                    },
                })
                .await
                .unwrap();
            let r = app
                .store
                .as_actor(&p, &ctx)
                .submit_recommendation(r.id, r.version, "")
                .await
                .unwrap();
            ids.push((r.id, r.version));
        }
        let tasks: Vec<_> = ids
            .into_iter()
            .map(|(id, version)| {
                let store = app.store.clone();
                let a = chief.clone();
                tokio::spawn(async move {
                    let ctx = RequestCtx::cli();
                    store
                        .as_actor(&a, &ctx)
                        .decide_recommendation(id, version, true, "同意")
                        .await
                        .map(|r| r.doc_number)
                })
            })
            .collect();
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.push(t.await.unwrap().unwrap().unwrap());
        }
        numbers.sort();
        let year = xingjian_store::today().format("%Y").to_string();
        let mut expected: Vec<String> = (1..=4)
            .flat_map(|n| {
                [
                    format!("行建〔{year}〕{n}号"),
                    format!("社建〔{year}〕{n}号"),
                ]
            })
            .collect();
        expected.sort();
        assert_eq!(numbers, expected);
        app.stop().await;
    }
);

both!(
    recurring_problems_lead_to_a_social_governance_draft,
    |backend| async move {
        let app = TestApp::start(backend).await;
        let ctx = RequestCtx::cli();
        let p = actor(&app, "prosecutor").await;
        let jt = app.agency_id("区交通运输局").await;
        let s = app.store.as_actor(&p, &ctx);
        // Three files of the bureau with the same confirmed problem, one with another.
        let batch = s
            .create_review_batch(xingjian_store::ReviewBatchInput {
                title: "非法营运扣车卷宗评查".into(),
                agency_id: Some(jt),
                file_request_id: None,
                case_numbers: "JT-1\nJT-2\nJT-3\nJT-4".into(),
            })
            .await
            .unwrap();
        let (files, _) = s.review_batch_files(batch.id).await.unwrap();
        for f in &files {
            let (problem, dim) = if f.case_number == "JT-4" {
                ("执法人员不足两人", "执法不规范")
            } else {
                ("扣押车辆收取保管费", "逐利执法")
            };
            s.add_finding(f.id, dim, problem, "卷宗所附收据", f.version)
                .await
                .unwrap();
        }
        let b = app.login("prosecutor").await;
        let html = page(&b, "/governance").await;
        let table = html.split("data-testid=\"problems\"").nth(1).unwrap_or("");
        assert!(
            table.contains("逐利执法") && table.contains("<td>3</td>"),
            "{html}"
        );
        assert!(
            !table.contains("执法不规范"),
            "one file is not recurring at the default of 3"
        );
        assert!(page(&b, "/governance?min=1").await.contains("执法不规范"));
        assert!(
            page(&b, "/governance?min=4")
                .await
                .contains("没有出现在 4 件以上案卷中的同类问题")
        );
        // One click: a social-governance draft citing the three files, addressed to the bureau.
        let link = after(&html, "href=\"/recommendations/new?problem=").replace("&amp;", "&");
        let form = page(&b, &format!("/recommendations/new?problem={link}")).await;
        assert!(
            form.contains("社会治理检察建议")
                && form.contains("JT-1、JT-2、JT-3")
                && form.contains("在 3 件案卷中反复出现"),
            "{form}"
        );
        assert!(form.contains("value=\"social_governance\" selected"));
        // Liaisons cannot see the analysis.
        let lj = app.login("liaison.jt").await;
        assert_eq!(lj.get("/governance").await.status(), 403);
        app.stop().await;
    }
);

both!(
    a_social_governance_recommendation_tracks_each_recipient,
    |backend| async move {
        let app = TestApp::start(backend).await;
        let ctx = RequestCtx::cli();
        let p = actor(&app, "prosecutor").await;
        let chief = actor(&app, "chief").await;
        let (jt, ga) = (
            app.agency_id("区交通运输局").await,
            app.agency_id("区公安局").await,
        );
        let s = app.store.as_actor(&p, &ctx);
        let r = s
            .create_recommendation(NewRecommendation {
                case_id: None,
                kind: "social_governance".into(),
                agency_ids: vec![jt, ga],
                letter: xingjian_domain::recommendation::Letter {
                    title: "关于加强校车安全管理的社会治理检察建议".into(),
                    facts: "校车超员、无证驾驶问题反复出现。".into(),
                    problems: "存在管理漏洞。".into(),
                    items: vec!["开展联合执法".into()],
                    reply_limit: "1m".into(),
                    ..Default::default()
                },
            })
            .await
            .unwrap();
        let r = s.submit_recommendation(r.id, r.version, "").await.unwrap();
        let r = app
            .store
            .as_actor(&chief, &ctx)
            .decide_recommendation(r.id, r.version, true, "")
            .await
            .unwrap();
        let r = s
            .deliver_recommendation(
                r.id,
                r.version,
                xingjian_store::DeliveryInput {
                    mode: "written".into(),
                    delivered_on: xingjian_store::today().format("%Y-%m-%d").to_string(),
                    received_by: "办公室".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(
            r.recipients
                .iter()
                .all(|x| x.status == "delivered" && x.reply_due_on.is_some())
        );
        // One month, not two: the due date is a month after receipt (or the next working day).
        let due = chrono::NaiveDate::parse_from_str(
            r.recipients[0].reply_due_on.as_deref().unwrap(),
            "%Y-%m-%d",
        )
        .unwrap();
        let month_later = xingjian_store::today()
            .checked_add_months(chrono::Months::new(1))
            .unwrap();
        assert!(
            due >= month_later && (due - month_later).num_days() < 5,
            "{due}"
        );
        // The transport bureau replies; the police do not, and go overdue.
        let jt_x = r.recipients.iter().find(|x| x.agency_id == jt).unwrap();
        let lj = actor(&app, "liaison.jt").await;
        let r2 = app
            .store
            .as_actor(&lj, &ctx)
            .reply_recommendation(r.id, jt_x.id, jt_x.version, "已整改。")
            .await
            .unwrap();
        assert_eq!(r2.status, "delivered", "still waiting for the police");
        let ga_x = r.recipients.iter().find(|x| x.agency_id == ga).unwrap();
        let err = s
            .add_measure(
                r.id,
                ga_x.id,
                "escalation",
                &xingjian_store::today().format("%Y-%m-%d").to_string(),
                "抄送区政府",
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("逾期未回复"), "{err}");
        sqlx::query(
            "UPDATE recommendation_recipients SET reply_due_on = '2020-01-01' WHERE id = $1",
        )
        .bind(ga_x.id)
        .execute(app.store.db().pool())
        .await
        .unwrap();
        s.add_measure(
            r.id,
            ga_x.id,
            "escalation",
            &xingjian_store::today().format("%Y-%m-%d").to_string(),
            "抄送区政府督促",
        )
        .await
        .unwrap();
        // A joint enforcement action of both.
        let err = s
            .add_joint_action(
                r.id,
                xingjian_store::JointActionInput {
                    title: "校车安全联合执法专项行动".into(),
                    starts_on: "2026-09-01".into(),
                    ends_on: "2026-09-30".into(),
                    agency_ids: vec![jt],
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("至少两个"), "{err}");
        s.add_joint_action(
            r.id,
            xingjian_store::JointActionInput {
                title: "校车安全联合执法专项行动".into(),
                starts_on: "2026-09-01".into(),
                ends_on: "2026-09-30".into(),
                agency_ids: vec![jt, ga],
                participants: "交通、公安执法人员 40 人".into(),
                results: "检查校车 120 辆，查处违法 6 起".into(),
            },
        )
        .await
        .unwrap();
        let b = app.login("prosecutor").await;
        let html = page(&b, &format!("/recommendations/{}", r.id)).await;
        assert!(
            html.contains("社建〔") && html.contains("区交通运输局、区公安局"),
            "{html}"
        );
        assert!(
            html.contains("逾期未回复，抄送上级机关督促：抄送区政府督促")
                && html.contains("（已超期）"),
            "{html}"
        );
        assert!(html.contains("检查校车 120 辆"));
        // The police liaison was told of the escalation; sees its own row, not the bureau's reply measures.
        let lg = app.login("liaison.ga").await;
        let n = page(&lg, "/notifications").await;
        assert!(n.contains("已抄送上级机关"), "{n}");
        app.stop().await;
    }
);
