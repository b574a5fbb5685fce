//! The demo office (the seed's year replayed) as its users see it, on SQLite
//! and PostgreSQL: the dashboard and its filters, the drill-down to findings,
//! the exports opened, the bulletin computed for the seed's period and
//! written as DOCX; and what a liaison may not see.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, page};
use std::io::Read;
use xingjian_testkit::both;

fn zip_text(bytes: &[u8], part: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut s = String::new();
    zip.by_name(part).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// Text of an XML part without its tags, so words split across runs join up.
fn plain(xml: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in xml.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

both!(the_demo_office_as_its_users_see_it, |backend| async move {
    let app = TestApp::demo(backend).await;
    let p = app.login("prosecutor").await;

    // The dashboard over the seed's period, then narrowed to one dimension.
    let html = page(&p, "/dashboard?from=2023-01-01&to=2023-10-16").await;
    assert!(
        html.contains("已评查 56 件") && html.contains("发现问题 4 件"),
        "{html}"
    );
    assert!(html.contains("采纳或部分采纳 3 家"), "{html}");
    let html = page(
        &p,
        "/dashboard?from=2023-01-01&to=2023-10-16&dimension=%E6%89%A7%E6%B3%95%E6%96%B9%E5%BC%8F%E7%AE%80%E5%8D%95%E5%83%B5%E5%8C%96",
    )
    .await;
    assert!(html.contains("发现问题 1 件"), "{html}");
    let html = page(&p, "/dashboard?rule_id=XQZ-24-DECISION").await;
    assert!(html.contains("发现问题 2 件"), "{html}");

    // Drill down: the bar of 执法不规范 leads to the findings behind it.
    let html = page(&p, "/dashboard?from=2023-01-01&to=2023-10-16").await;
    let href = html
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap_or(""))
        .find(|h| h.starts_with("/findings?dimension="))
        .unwrap()
        .replace("&amp;", "&");
    let list = page(&p, &href).await;
    assert!(list.contains("上交运扣〔2022〕23号"), "{list}");
    assert!(
        !list.contains("上交运罚〔2022〕117号"),
        "the dismissed hit is not a finding"
    );
    let list = page(&p, "/findings?rule_id=manual").await;
    assert!(
        list.contains("共 1 条") && list.contains("人工发现"),
        "{list}"
    );

    // Exports, opened: the dashboard, findings and cases.
    let r = p.get("/dashboard.xlsx?from=2023-01-01&to=2023-10-16").await;
    assert_eq!(r.status(), 200);
    let strings = zip_text(&r.bytes().await.unwrap(), "xl/sharedStrings.xml");
    for s in [
        "评查确认的问题（按方面）",
        "执法不规范",
        "2023-01-01 至 2023-10-16",
    ] {
        assert!(strings.contains(s), "{s}: {strings}");
    }
    let r = p.get("/findings.xlsx").await;
    assert_eq!(r.status(), 200);
    let strings = zip_text(&r.bytes().await.unwrap(), "xl/sharedStrings.xml");
    for s in [
        "问题方面",
        "上交运扣〔2022〕23号",
        "XQZ-18-RECORD",
        "人工发现",
    ] {
        assert!(strings.contains(s), "{s}: {strings}");
    }
    let r = p.get("/cases.xlsx").await;
    assert_eq!(r.status(), 200);
    let strings = zip_text(&r.bytes().await.unwrap(), "xl/sharedStrings.xml");
    assert!(
        strings.contains("区交通运输局扣押车辆程序违法监督案")
            && strings.contains("结案")
            && strings.contains("行政机关自行纠正"),
        "{strings}"
    );

    // The bulletin for the seed's period reads the seed's figures.
    let html = page(&p, "/bulletin?from=2023-01-01&to=2023-10-16").await;
    for s in [
        "座谈会 3 次",
        "列出 4 项监督任务清单",
        "收集并处置 6 个问题线索",
        "调取行政执法案件卷宗 56 件",
        "梳理出 4 件可能存在问题的执法卷宗",
    ] {
        assert!(html.contains(s), "{s}");
    }
    let body = common::after(&html, "<textarea name=\"body\" rows=\"14\">");
    let body = body.split("</textarea>").next().unwrap_or("").to_owned();
    let r = p
        .post(
            "/bulletin.docx",
            &[
                ("masthead", "上街信息"),
                ("issue", "第73期"),
                ("issuer", "中共上街区委办公室"),
                ("date", "2023-10-16"),
                (
                    "headline",
                    "区检察院坚持“三个加”工作法 做实道路交通安全领域行政检察监督工作",
                ),
                ("body", &body.replace("&#34;", "\"")),
                ("source", "（区检察院）"),
                (
                    "short_items",
                    "区总工会积极开展职工互助保障普惠活动。（区总工会）",
                ),
                ("distribution", "本期送：区县处级领导"),
                ("editor", "柴亚文 许亦是"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let doc = plain(&zip_text(&r.bytes().await.unwrap(), "word/document.xml"));
    for s in [
        "上街信息",
        "第73期",
        "2023年10月16日",
        "调取行政执法案件卷宗 56 件",
        "△",
        "责任编辑：柴亚文 许亦是",
    ] {
        assert!(doc.contains(s), "{s}: {doc}");
    }

    // Search: words in Chinese text, a plate typed loosely, a 文号; scoped to the user.
    let html = page(&p, "/search?q=%E7%8E%B0%E5%9C%BA%E7%AC%94%E5%BD%95").await; // 现场笔录
    assert!(
        html.contains("<b>现场笔录</b>") || html.contains("<b>现场</b><b>笔录</b>"),
        "{html}"
    );
    assert!(
        html.contains("卷宗评查") && html.contains("询问笔录"),
        "{html}"
    );
    let html = page(&p, "/search?q=%E8%B1%ABa%2073174").await; // 豫a 73174
    assert!(html.contains("/clues/"), "{html}");
    // 行建[2023]1号: the store's default pattern, typed with square brackets.
    let wenhao = "/search?q=%E8%A1%8C%E5%BB%BA%5B2023%5D1%E5%8F%B7";
    let html = page(&p, wenhao).await;
    assert!(html.contains("规范道路运输行政强制措施程序"), "{html}");
    let jt = app.login("liaison.jt").await;
    assert!(
        page(&jt, wenhao)
            .await
            .contains("规范道路运输行政强制措施程序")
    );
    let html = page(&jt, "/search?q=%E7%8E%B0%E5%9C%BA%E7%AC%94%E5%BD%95").await;
    assert!(
        !html.contains("卷宗评查") && !html.contains("询问笔录"),
        "staff-only kinds: {html}"
    );
    let ga = app.login("liaison.ga").await;
    let html = page(&ga, wenhao).await;
    assert!(html.contains("共 0 条结果"), "{html}");
    let html = page(&ga, "/search?q=%E6%89%A3%E6%8A%BC").await; // 扣押
    assert!(
        html.contains("共 0 条结果"),
        "another agency's matters stay out: {html}"
    );
    let html = page(
        &ga,
        "/search?q=%E8%B6%85%E9%99%90%E6%A3%80%E6%B5%8B%E7%AB%99",
    )
    .await; // 超限检测站
    assert!(html.contains("线索移送"), "its own exchange: {html}");

    // Enforcement records: by case number (any brackets), and by a party's
    // name only for a prosecutor — shown masked, the lookup audited.
    let by_number = "/search?q=%E4%B8%8A%E4%BA%A4%E8%BF%90%E7%BD%9A(2022)117%E5%8F%B7"; // 上交运罚(2022)117号
    let html = page(&p, by_number).await;
    assert!(
        html.contains("执法记录") && html.contains("卷宗评查"),
        "{html}"
    );
    assert!(page(&ga, by_number).await.contains("共 0 条结果"));
    let by_name = "/search?q=%E9%A9%AC%E6%9F%90%E5%86%9B"; // 马某军
    let html = page(&p, by_name).await;
    assert!(
        html.contains("执法记录")
            && html.contains("当事人：<b>马</b>**")
            && !html.contains("马某军</"),
        "{html}"
    );
    let audited = |pool: sqlx::AnyPool| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'personal_data.search'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    assert_eq!(audited(app.store.db().pool().clone()).await, 1);
    let clerk = app.login("clerk").await;
    let html = page(&clerk, by_name).await;
    assert!(
        !html.contains("执法记录"),
        "a clerk cannot look people up: {html}"
    );
    assert_eq!(audited(app.store.db().pool().clone()).await, 1);

    // The police liaison sees neither findings nor the transport bureau's recommendation.
    let g = app.login("liaison.ga").await;
    assert_eq!(g.get("/findings").await.status(), 403);
    assert_eq!(g.get("/findings.xlsx").await.status(), 403);
    let recs = page(&g, "/recommendations").await;
    assert!(!recs.contains("规范道路运输行政强制措施程序"), "{recs}");
    // The transport bureau's liaison sees its own, closed and adopted.
    let j = app.login("liaison.jt").await;
    let recs = page(&j, "/recommendations").await;
    assert!(recs.contains("规范道路运输行政强制措施程序"), "{recs}");
    // The liaisons' phone numbers are sealed in the database and shown opened.
    let phones: Vec<String> = sqlx::query_scalar("SELECT phone FROM users WHERE phone <> ''")
        .fetch_all(app.store.db().pool())
        .await
        .unwrap();
    assert!(!phones.is_empty());
    let contacts: Vec<String> =
        sqlx::query_scalar("SELECT reporter_contact FROM clues WHERE reporter_contact <> ''")
            .fetch_all(app.store.db().pool())
            .await
            .unwrap();
    assert!(
        contacts.iter().all(|c| c.starts_with("enc1:")),
        "{contacts:?}"
    );
    assert!(
        phones
            .iter()
            .all(|p| p.starts_with("enc1:") && !p.contains("0371")),
        "{phones:?}"
    );
    let jt = app.agency_id("区交通运输局").await;
    let p = app.login("prosecutor").await;
    let agency = page(&p, &format!("/agencies/{jt}")).await;
    assert!(agency.contains("0371-6890"), "{agency}");
    app.stop().await;
});
