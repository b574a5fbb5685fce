//! Coordination with agencies end to end, on SQLite and on PostgreSQL: the
//! seed's campaign with its four tasks, a symposium with three agencies and
//! its minutes, exchanges each way (a liaison acknowledges and answers; a
//! received clue transfer becomes a clue), an agreement whose yearly joint
//! meeting is overdue, the agency's page; and what another agency's liaison
//! cannot see.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, after, created_id, page};
use std::io::Read;
use xingjian_domain::{AgencyInput, AgencyKind};
use xingjian_store::RequestCtx;
use xingjian_testkit::both;

fn days_from_today(n: i64) -> String {
    (xingjian_store::today() + chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

both!(the_seed_coordination_story, |backend| async move {
    let app = TestApp::start(backend).await;
    app.store
        .system(&RequestCtx::cli())
        .create_agency(AgencyInput {
            name: "区司法局".into(),
            aliases: vec!["司法局".into()],
            kind: AgencyKind::Justice,
        })
        .await
        .unwrap();
    let jt = app.agency_id("区交通运输局").await.to_string();
    let ga = app.agency_id("区公安局").await.to_string();
    let sf = app.agency_id("区司法局").await.to_string();
    let p = app.login("prosecutor").await;
    let staff = page(&p, "/campaigns/new").await;
    assert!(
        staff.contains("网约车监管"),
        "configured focus areas offered"
    );

    // A campaign without a focus area is refused; what was typed comes back.
    let fields = [
        ("name", "服务和保障道路交通安全和运输执法领域专项监督活动"),
        ("starts_on", "2026-01-01"),
        ("ends_on", "2026-12-31"),
        ("goals", "促进严格规范公正文明执法"),
        (
            "leading_group",
            "张检察长，检察长，第一责任人\n李副检察长，分管检察长，主要责任",
        ),
        ("office", "王检察官，行政检察部主任，日常工作"),
    ];
    let r = p.post("/campaigns", &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("请至少选择一个监督重点") && html.contains("李副检察长"),
        "{html}"
    );
    let mut with_focus = fields.to_vec();
    with_focus.extend([
        ("focus_areas", "社会车辆非法营运"),
        ("focus_areas", "网约车监管"),
        ("focus_areas", "货车超限超载"),
    ]);
    let campaign = created_id(&p.post("/campaigns", &with_focus).await, "/campaigns/");
    let cid = campaign.to_string();

    // The task list: four items with owners and deadlines.
    let staff = app
        .store
        .system(&RequestCtx::cli())
        .find_user("chief")
        .await
        .unwrap()
        .unwrap();
    let me = app
        .store
        .system(&RequestCtx::cli())
        .find_user("prosecutor")
        .await
        .unwrap()
        .unwrap();
    let (chief_id, me_id) = (staff.id.0.to_string(), me.id.0.to_string());
    let due = days_from_today(30);
    let mut tasks = Vec::new();
    for (title, category, owner) in [
        ("排查社会车辆非法营运执法案件", "客运", &me_id),
        ("网约车监管执法卷宗评查", "客运", &me_id),
        ("货车超限超载执法监督", "货运", &chief_id),
        ("道路运输执法信息共享机制建设", "综合", &chief_id),
    ] {
        let r = p
            .post(
                "/tasks",
                &[
                    ("campaign_id", cid.as_str()),
                    ("title", title),
                    ("category", category),
                    ("owner_id", owner),
                    ("co_owner_ids", chief_id.as_str()),
                    ("due_on", due.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let loc = r.headers()["location"].to_str().unwrap().to_owned();
        tasks.push(loc.rsplit("task-").next().unwrap().to_owned());
    }
    let detail = page(&p, &format!("/campaigns/{cid}")).await;
    assert!(
        detail.contains("已完成 0/4") && detail.contains("第一责任人"),
        "{detail}"
    );
    // The owner's deadline runs on the deadline engine; the owner was told.
    let chief = app.login("chief").await;
    assert!(
        page(&chief, "/notifications")
            .await
            .contains("货车超限超载执法监督")
    );
    // Completing needs a note of what was done.
    let t0 = page(&p, &format!("/tasks/{}", tasks[0])).await;
    let v = after(&t0, "name=\"version\" value=\"");
    let r = p
        .post(
            &format!("/tasks/{}/status", tasks[0]),
            &[("version", &v), ("status", "done"), ("note", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = p
        .post(
            &format!("/tasks/{}/status", tasks[0]),
            &[
                ("version", &v),
                ("status", "done"),
                ("note", "排查案件 56 件，发现问题 4 件"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let detail = page(&p, &format!("/campaigns/{cid}")).await;
    assert!(detail.contains("已完成 1/4"), "{detail}");
    assert!(
        page(&p, &format!("/tasks/{}", tasks[0]))
            .await
            .contains("已完成")
    );

    // A symposium with three agencies; an attendee of an agency not taking part is refused.
    let mut meeting = vec![
        ("kind", "symposium"),
        ("title", "交通运输执法领域行政检察监督座谈会"),
        ("held_on", "2026-03-05"),
        ("place", "本院第一会议室"),
        ("campaign_id", cid.as_str()),
        ("agency_ids", jt.as_str()),
        ("agency_ids", ga.as_str()),
        (
            "attendees",
            "张检察长，检察长，本院\n赵局长，副局长，区交通运输局\n钱教育，科长，区教育局",
        ),
        ("agenda", "交流执法难点堵点"),
        ("minutes", "各单位通报了道路运输执法情况。"),
        (
            "consensus",
            "1. 建立联络员制度\n2. 每年召开一次联席会议\n3. 重大案件及时通报",
        ),
    ];
    let r = p.post("/meetings", &meeting).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("第 3 行的单位“区教育局”不在所选参会单位中"),
        "{html}"
    );
    meeting[7] = (
        "attendees",
        "张检察长，检察长，本院\n赵局长，副局长，区交通运输局\n孙大队长，大队长，区公安局\n周科长，科长，司法局",
    );
    meeting.push(("agency_ids", sf.as_str()));
    let m = created_id(&p.post("/meetings", &meeting).await, "/meetings/");
    let html = page(&p, &format!("/meetings/{m}")).await;
    assert!(html.contains("区交通运输局、区公安局、区司法局"), "{html}");
    assert!(html.contains("<li>每年召开一次联席会议</li>"), "{html}");
    // A follow-up joins the campaign's task list.
    let r = p
        .post(
            "/tasks",
            &[
                ("campaign_id", cid.as_str()),
                ("meeting_id", &m.to_string()),
                ("title", "起草衔接工作意见"),
                ("owner_id", me_id.as_str()),
                ("due_on", due.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with(&format!("/meetings/{m}"))
    );
    assert!(
        page(&p, &format!("/campaigns/{cid}"))
            .await
            .contains("已完成 1/5")
    );
    // The minutes as DOCX, opened.
    let r = p.get(&format!("/meetings/{m}/minutes.docx")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("wordprocessingml")
    );
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    for want in [
        "座谈会纪要",
        "（二）每年召开一次联席会议",
        "起草衔接工作意见",
        "区司法局：周科长（科长）",
        "上街区人民检察院：张检察长（检察长）",
    ] {
        assert!(xml.contains(want), "minutes lack {want}");
    }

    // A case notice to the transport bureau: its liaison acknowledges and answers.
    let r = p
        .post(
            "/exchanges",
            &[
                ("kind", "case_notice"),
                ("agency_id", jt.as_str()),
                ("title", "关于某客运站周边非法营运案件的通报"),
                (
                    "content",
                    "经审查，发现扣押车辆后未当场交付决定书，请核查。",
                ),
            ],
        )
        .await;
    let notice = created_id(&r, "/exchanges/");
    let lj = app.login("liaison.jt").await;
    assert!(page(&lj, "/notifications").await.contains("检察院案情通报"));
    let html = page(&lj, "/exchanges").await;
    assert!(html.contains("关于某客运站周边非法营运案件的通报"));
    let html = page(&lj, &format!("/exchanges/{notice}")).await;
    let v = after(&html, "name=\"version\" value=\"");
    assert_eq!(
        lj.post(
            &format!("/exchanges/{notice}/acknowledge"),
            &[("version", &v)]
        )
        .await
        .status(),
        303
    );
    let html = page(&lj, &format!("/exchanges/{notice}")).await;
    let v = after(&html, "name=\"version\" value=\"");
    let r = lj
        .post(
            &format!("/exchanges/{notice}/respond"),
            &[("version", &v), ("response", "已约谈执法人员，责令整改。")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = page(&p, &format!("/exchanges/{notice}")).await;
    assert!(
        html.contains("已反馈") && html.contains("已约谈执法人员"),
        "{html}"
    );
    assert!(
        html.contains("签收协作事项"),
        "history shows the acknowledgement"
    );
    // The other agency's liaison sees neither the notice nor it in a list.
    let lg = app.login("liaison.ga").await;
    assert_eq!(lg.get(&format!("/exchanges/{notice}")).await.status(), 404);
    assert!(!page(&lg, "/exchanges").await.contains("客运站周边"));
    // ... nor act on it.
    assert_eq!(
        lg.post(
            &format!("/exchanges/{notice}/acknowledge"),
            &[("version", "1")]
        )
        .await
        .status(),
        404
    );
    // The police liaison sees the symposium it took part in, without the office's history.
    let html = page(&lg, &format!("/meetings/{m}")).await;
    assert!(html.contains("建立联络员制度") && !html.contains("data-testid=\"history\""));

    // The transport bureau transfers a clue; the office registers it as a clue once.
    let r = lj
        .post(
            "/exchanges",
            &[
                ("kind", "clue_transfer"),
                ("title", "执法中发现某物流公司货车长期超限"),
                ("content", "该公司车辆多次超限被查，疑有人员通风报信。"),
            ],
        )
        .await;
    let transfer = created_id(&r, "/exchanges/");
    assert!(
        page(&p, "/notifications")
            .await
            .contains("区交通运输局线索移送")
    );
    let html = page(&p, &format!("/exchanges/{transfer}")).await;
    let v = after(&html, "name=\"version\" value=\"");
    let clue = created_id(
        &p.post(&format!("/exchanges/{transfer}/clue"), &[("version", &v)])
            .await,
        "/clues/",
    );
    let html = page(&p, &format!("/clues/{clue}")).await;
    assert!(
        html.contains("线索移送") && html.contains("某物流公司货车长期超限"),
        "{html}"
    );
    let html = page(&p, &format!("/exchanges/{transfer}")).await;
    assert!(html.contains(&format!("/clues/{clue}")) && html.contains("已签收"));
    let v = after(&html, "name=\"version\" value=\"");
    assert_eq!(
        p.post(&format!("/exchanges/{transfer}/clue"), &[("version", &v)])
            .await
            .status(),
        422
    );
    // The liaison is told, and never sees the office's clue.
    assert!(page(&lj, "/notifications").await.contains("登记受理"));
    assert_eq!(lj.get(&format!("/clues/{clue}")).await.status(), 404);

    // An agreement signed over a year ago whose yearly joint meeting never happened.
    let signed = days_from_today(-400);
    let r = p
        .post(
            "/agreements",
            &[
                ("title", "关于加强行政检察与交通运输行政执法衔接工作的意见"),
                ("signed_on", signed.as_str()),
                ("party_ids", jt.as_str()),
                ("obligations", "joint_meeting:year"),
                ("obligations", "case_notice:"),
                ("obligations", "liaison:"),
            ],
        )
        .await;
    let g = created_id(&r, "/agreements/");
    let html = page(&p, &format!("/agreements/{g}")).await;
    assert!(
        html.contains("未召开联席会议，已超过约定的“每年”期限"),
        "{html}"
    );
    assert!(
        html.contains("关于某客运站周边非法营运案件的通报"),
        "the case notice fulfils its obligation"
    );
    assert!(page(&p, "/agreements").await.contains("1 项义务未按约履行"));
    // The API answers within the same scope.
    let api = |b: &common::Browser, path: &'static str| {
        let req = b.client.get(b.url(path));
        async move {
            req.send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(api(&lg, "/api/v1/exchanges").await["total"], 0);
    assert_eq!(api(&lj, "/api/v1/exchanges").await["total"], 2);
    let detail = api(&p, "/api/v1/agreements").await;
    assert_eq!(
        detail["items"][0]["title"],
        "关于加强行政检察与交通运输行政执法衔接工作的意见"
    );
    let spec = api(&p, "/api/v1/openapi.json").await;
    assert!(spec["paths"]["/api/v1/agreements/{id}"].is_object());
    // The transport liaison sees its agreement; the police liaison does not.
    assert!(
        page(&lj, &format!("/agreements/{g}"))
            .await
            .contains("联席会议")
    );
    assert_eq!(lg.get(&format!("/agreements/{g}")).await.status(), 404);
    // Holding the joint meeting clears the warning.
    let today = days_from_today(0);
    let r = p
        .post(
            "/meetings",
            &[
                ("kind", "joint_meeting"),
                ("title", "年度联席会议"),
                ("held_on", today.as_str()),
                ("agency_ids", jt.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = page(&p, &format!("/agreements/{g}")).await;
    assert!(
        !html.contains("data-testid=\"obligation-warning\""),
        "{html}"
    );
    assert!(html.contains("年度联席会议"));

    // The agency's page: liaison contacts, both directions, what is overdue.
    let admin = app.login("admin").await;
    let liaison = app
        .store
        .system(&RequestCtx::cli())
        .find_user("liaison.jt")
        .await
        .unwrap()
        .unwrap();
    let edit = page(&admin, &format!("/admin/users/{}", liaison.id.0)).await;
    assert!(edit.contains("name=\"phone\""));
    let r = admin
        .post(
            &format!("/admin/users/{}/contact", liaison.id.0),
            &[
                ("position", "法规科科长"),
                ("phone", "0371-6888 1234"),
                ("email", "chen@jt.example.gov.cn"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = admin
        .post(
            &format!("/admin/users/{}/contact", liaison.id.0),
            &[("email", "not-an-address")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = p
        .post(
            "/exchanges",
            &[
                ("kind", "data_share"),
                ("agency_id", jt.as_str()),
                ("title", "请共享 2026 年度行政处罚数据"),
                ("content", "按季度报送。"),
            ],
        )
        .await;
    let share = created_id(&r, "/exchanges/");
    sqlx::query("UPDATE exchanges SET due_on = '2020-01-01' WHERE id = $1")
        .bind(share)
        .execute(app.store.db().pool())
        .await
        .unwrap();
    let html = page(&p, &format!("/agencies/{jt}")).await;
    assert!(
        html.contains("法规科科长") && html.contains("chen@jt.example.gov.cn"),
        "{html}"
    );
    assert!(html.contains("本院发出") && html.contains("机关发来"));
    let overdue = html
        .split("data-testid=\"overdue-acknowledgements\"")
        .nth(1)
        .unwrap_or("");
    assert!(overdue.contains("请共享 2026 年度行政处罚数据"), "{html}");
    // Users keep their own contact details; nobody else's.
    let r = lg
        .post(
            "/account/contact",
            &[
                ("position", "秩序科民警"),
                ("phone", "110-1234"),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(page(&lg, "/account/password").await.contains("秩序科民警"));
    let r = lg
        .post(
            &format!("/admin/users/{}/contact", liaison.id.0),
            &[("phone", "1")],
        )
        .await;
    assert!(matches!(r.status().as_u16(), 403 | 404), "{}", r.status());
    assert!(page(&admin, "/admin/users").await.contains("邮件提醒队列"));
    // Lists export as XLSX within the same scope.
    let xlsx = |b: &common::Browser, path: &'static str| {
        let req = b.client.get(b.url(path));
        async move {
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            assert!(
                r.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .contains("spreadsheetml")
            );
            let bytes = r.bytes().await.unwrap().to_vec();
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            let mut s = String::new();
            zip.by_name("xl/sharedStrings.xml")
                .unwrap()
                .read_to_string(&mut s)
                .unwrap();
            s
        }
    };
    let staff_sheet = xlsx(&p, "/exchanges.xlsx").await;
    assert!(
        staff_sheet.contains("反馈期限") && staff_sheet.contains("请共享 2026 年度行政处罚数据")
    );
    assert!(
        !xlsx(&lg, "/exchanges.xlsx").await.contains("请共享"),
        "another agency's liaison exports none of it"
    );
    assert!(
        xlsx(&p, "/tasks.xlsx")
            .await
            .contains("排查社会车辆非法营运执法案件")
    );
    // The liaison sees its own agency's page, contacts included.
    assert!(
        page(&lj, &format!("/agencies/{jt}"))
            .await
            .contains("0371-6888 1234")
    );
    app.stop().await;
});
