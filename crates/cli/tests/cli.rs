//! The `xingjian` binary as an administrator uses it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{add_user, generate, office_with, text, with_db, xingjian};

#[test]
fn migrate_then_manage_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let o = xingjian(dir.path(), &["migrate"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("数据库已是最新"), "{}", text(&o));
    assert!(dir.path().join("xingjian.db").exists());

    let o = xingjian(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "admin",
            "--name",
            "管理员",
            "--role",
            "admin",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("初始密码（仅显示这一次）"));

    let o = xingjian(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "x1",
            "--name",
            "某",
            "--role",
            "boss",
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("未知角色“boss”") && text(&o).contains("prosecutor（检察官）"),
        "{}",
        text(&o)
    );

    let o = xingjian(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "chen",
            "--name",
            "陈联络员",
            "--role",
            "liaison",
            "--agency",
            "区交通运输局",
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("找不到行政机关“区交通运输局”"),
        "{}",
        text(&o)
    );

    let o = xingjian(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "wang",
            "--name",
            "王",
            "--role",
            "prosecutor",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("密码至少 10 位"), "{}", text(&o));

    let o = xingjian(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "wang",
            "--name",
            "王",
            "--role",
            "prosecutor",
            "--password-stdin",
        ],
        Some("Good-Pass-2023\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !text(&o).contains("Good-Pass-2023"),
        "a chosen password is not echoed"
    );

    let o = xingjian(dir.path(), &["user", "reset-password", "nobody"], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("找不到账号“nobody”"));
    let o = xingjian(dir.path(), &["user", "reset-password", "wang"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("新密码（仅显示这一次）"));
}

#[test]
fn bad_configuration_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("x.toml");
    std::fs::write(&cfg, "[session]\nidle_minutes = 1\n").unwrap();
    let o = xingjian(
        dir.path(),
        &["--config", cfg.to_str().unwrap(), "check-config"],
        None,
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("session.idle_minutes 应在 5 到 1440 之间"),
        "{}",
        text(&o)
    );

    let o = xingjian(
        dir.path(),
        &[
            "--database-url",
            "postgres://u:hunter2@127.0.0.1:1/x",
            "check-config",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !text(&o).contains("hunter2") && text(&o).contains("postgres://u:***@127.0.0.1:1/x"),
        "{}",
        text(&o)
    );

    let o = xingjian(
        dir.path(),
        &[
            "--database-url",
            "postgres://u:hunter2@127.0.0.1:1/x",
            "migrate",
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("无法连接数据库") && !text(&o).contains("hunter2"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(xingjian(dir.path(), &["migrate"], None).status.success());
    with_db(dir.path(), sqlx_insert_future_version);
    let o = xingjian(dir.path(), &["serve", "--listen", "127.0.0.1:0"], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("请升级 xingjian"), "{}", text(&o));
}

async fn sqlx_insert_future_version(db: &xingjian_store::Db) {
    db.execute_raw("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (99, 'future', 'x', 'x')")
        .await
        .unwrap();
}

#[test]
fn import_a_gbk_file_with_a_bad_row_then_its_valid_rows_then_again() {
    let dir = tempfile::tempdir().unwrap();
    add_user(dir.path(), "admin", "管理员", "admin");
    let csv = "案件编号,执法机关,违法类型,违法行为发生日期,程序类型,当事人类型,执法人员,决定日期,处罚种类,罚款金额\n\
               A1,区新城交通执法大队,超载,2023-05-01,简易,个人,T001,2023-05-01,罚款,100\n\
               A2,区新城交通执法大队,超载,2023-02-30,简易,个人,T001,2023-05-01,罚款,100\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    let file = dir.path().join("cases.csv");
    std::fs::write(&file, &gbk).unwrap();
    let report = dir.path().join("report.xlsx");
    let f = file.to_str().unwrap();
    let o = xingjian(
        dir.path(),
        &["import", f, "--report", report.to_str().unwrap()],
        None,
    );
    assert!(!o.status.success(), "a refused file fails the command");
    let out = text(&o);
    assert!(
        out.contains("整个文件未导入") && out.contains("第 3 行 违法行为发生日期 “2023-02-30”"),
        "{out}"
    );
    assert!(
        out.contains("导入时将新登记的行政机关：区新城交通执法大队"),
        "{out}"
    );
    assert!(
        std::fs::read(&report).unwrap().starts_with(b"PK"),
        "an XLSX report was written"
    );
    let o = xingjian(dir.path(), &["import", f, "--valid-rows"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("GB18030，共 2 行，已导入 1 行，拒绝 1 行"),
        "{}",
        text(&o)
    );
    let o = xingjian(dir.path(), &["import", f, "--valid-rows"], None);
    assert!(o.status.success());
    assert!(
        text(&o).contains("完全相同") && text(&o).contains("未重复导入"),
        "{}",
        text(&o)
    );
}

fn read_lines(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The synthetic data's labels are what a correct screening gives: every
/// planted violation and 资料不全 found (recall 1.0), nothing else (precision 1.0).
#[test]
fn demo_data_screened_gives_exactly_the_labels() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let gen_dir = generate(p, 3000);
    office_with(
        p,
        &gen_dir,
        &[
            "officers.csv",
            "vehicle_permits.csv",
            "penalty_cases.csv",
            "compulsory_measures.csv",
        ],
    );
    let out = p.join("hits.csv");
    let o = xingjian(
        p,
        &[
            "screen",
            "--as-of",
            "2026-06-30",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));

    let header = std::fs::read_to_string(&out).unwrap();
    assert!(
        header.starts_with(
            "\u{feff}rule_id,outcome,table,agency,record_key,rule_version,explanation"
        )
    );
    let got: std::collections::BTreeSet<(String, String, String)> = read_lines(&out)
        .into_iter()
        .map(|l| (l[0].clone(), l[1].clone(), l[4].clone()))
        .collect();
    let want: std::collections::BTreeSet<(String, String, String)> =
        read_lines(&gen_dir.join("labels.csv"))
            .into_iter()
            .map(|l| (l[0].clone(), l[1].clone(), l[4].clone()))
            .collect();
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missed {} (first {:?}), unexpected {} (first {:?})",
        missing.len(),
        missing.iter().take(10).collect::<Vec<_>>(),
        extra.len(),
        extra.iter().take(10).collect::<Vec<_>>()
    );
    // every core rule has planted lines
    let rules: std::collections::BTreeSet<&str> = want.iter().map(|w| w.0.as_str()).collect();
    assert_eq!(rules.len(), 22, "{rules:?}");

    // The same input and rule versions give the same lines, as JSON Lines too.
    let again = p.join("again.csv");
    let o = xingjian(
        p,
        &[
            "screen",
            "--as-of",
            "2026-06-30",
            "--out",
            again.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
    let jsonl = p.join("hits.jsonl");
    let o = xingjian(
        p,
        &[
            "screen",
            "--as-of",
            "2026-06-30",
            "--rule",
            "XQZ-19",
            "--out",
            jsonl.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&jsonl)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["rule_id"], "XQZ-19");
    assert!(first["explanation"].as_str().unwrap().contains("第十九条"));

    let o = xingjian(
        p,
        &["screen", "--rule", "NOPE", "--out", jsonl.to_str().unwrap()],
        None,
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("没有编号为“NOPE”的规则"), "{}", text(&o));
}

#[test]
fn a_bad_rule_file_stops_with_its_name_and_a_tuned_parameter_applies() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("rules")).unwrap();
    std::fs::write(
        p.join("rules/params.toml"),
        "[XCF-51]\nindividual_limit = 300\n",
    )
    .unwrap();
    let o = xingjian(p, &["rules"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("共 22 条规则"), "{}", text(&o));

    std::fs::write(
        p.join("rules/LOCAL-1.toml"),
        "id = \"LOCAL-1\"\nversion = 1\ntitle = \"t\"\ntable = \"penalty_cases\"\ndimensions = [\"执法不规范\"]\n\
         severity = \"review\"\nrequires = []\nsql = \"SELECT nope FROM penalty_cases\"\n\
         [[legal_basis]]\nlaw = \"l\"\narticle = \"a\"\nversion = \"2021-01-22\"\ntext = \"x\"\n",
    )
    .unwrap();
    let o = xingjian(p, &["rules"], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("LOCAL-1"), "{}", text(&o));
}

/// GBK, XLSX and English-header copies of the same records give the same lines.
#[test]
fn gbk_xlsx_and_english_headers_give_identical_hits() {
    let gen_root = tempfile::tempdir().unwrap();
    let gen_dir = generate(gen_root.path(), 1400);
    let original = std::fs::read_to_string(gen_dir.join("penalty_cases.csv")).unwrap();
    let original = original.trim_start_matches('\u{feff}');
    let (header, body) = original.split_once('\n').unwrap();

    // English headers, same rows.
    let english: Vec<String> = header
        .split(',')
        .map(|zh| {
            xingjian_records::Table::PenaltyCases
                .columns()
                .iter()
                .find(|c| c.zh == zh)
                .map_or_else(|| zh.to_owned(), |c| c.en.to_owned())
        })
        .collect();
    let english = format!("{}\n{body}", english.join(","));
    // GBK bytes.
    let (gbk, _, bad) = encoding_rs::GBK.encode(original);
    assert!(!bad);
    // XLSX with one sheet.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(original.as_bytes());
    for (r, rec) in rdr.records().enumerate() {
        for (c, v) in rec.unwrap().iter().enumerate() {
            ws.write_string(r as u32, c as u16, v).unwrap();
        }
    }
    let xlsx = wb.save_to_buffer().unwrap();

    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("utf8.csv", original.as_bytes().to_vec()),
        ("english.csv", english.into_bytes()),
        ("gbk.csv", gbk.into_owned()),
        ("cases.xlsx", xlsx),
    ];
    let mut outputs = Vec::new();
    for (name, bytes) in variants {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        office_with(
            p,
            &gen_dir,
            &[
                "officers.csv",
                "vehicle_permits.csv",
                "compulsory_measures.csv",
            ],
        );
        let file = p.join(name);
        std::fs::write(&file, bytes).unwrap();
        let o = xingjian(
            p,
            &["import", "--table", "penalty_cases", file.to_str().unwrap()],
            None,
        );
        assert!(o.status.success(), "{name}: {}", text(&o));
        let out = p.join("hits.csv");
        let o = xingjian(
            p,
            &[
                "screen",
                "--as-of",
                "2026-06-30",
                "--out",
                out.to_str().unwrap(),
            ],
            None,
        );
        assert!(o.status.success(), "{}", text(&o));
        // The lines without the source file's hash (it differs by construction).
        let lines: Vec<Vec<String>> = read_lines(&out)
            .into_iter()
            .map(|l| l[..8].to_vec())
            .collect();
        assert!(lines.len() > 50, "{name}: {}", lines.len());
        outputs.push((name, lines));
    }
    for (name, lines) in &outputs[1..] {
        assert_eq!(
            lines, &outputs[0].1,
            "{name} differs from the UTF-8 original"
        );
    }
}

#[test]
fn the_bulletin_is_written_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("简报.docx");
    let o = xingjian(
        dir.path(),
        &[
            "bulletin",
            "--issue",
            "第1期",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..2], b"PK", "a DOCX package");
    // --demo: the seed's issue, dated the period's last day.
    let o = xingjian(
        dir.path(),
        &["bulletin", "--demo", "--out", out.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("2023-01-01 至 2023-10-16"),
        "{}",
        text(&o)
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    for s in [
        "上街信息",
        "第73期",
        "中共上街区委办公室",
        "2023年10月16日",
        "柴亚文",
    ] {
        assert!(xml.contains(s), "{s}");
    }
    let o = xingjian(
        dir.path(),
        &[
            "bulletin",
            "--from",
            "2026-13-01",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        !o.status.success() && text(&o).contains("格式应为"),
        "{}",
        text(&o)
    );
}
