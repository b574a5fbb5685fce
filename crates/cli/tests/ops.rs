//! Operations with the real binary: the audit chain tampered with by hand,
//! backup and restore into empty directories and databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{add_user, generate, office_with, runtime, text, with_db, xingjian, xingjian_env};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Run literal SQL on a data directory's SQLite database.
fn sql(dir: &Path, statements: &str) {
    with_db(dir, async |db| db.execute_raw(statements).await.unwrap());
}

fn add_prosecutor(dir: &Path, username: &str) {
    add_user(dir, username, username, "prosecutor");
}

#[test]
fn audit_verify_names_the_entries_changed_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    add_prosecutor(p, "wang");
    add_prosecutor(p, "li.si");
    add_prosecutor(p, "zhao");
    let o = xingjian(p, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("审计链完整：3 条记录"), "{}", text(&o));
    let head = String::from_utf8(xingjian(p, &["audit", "head"], None).stdout).unwrap();
    let head = head.trim();
    assert!(head.starts_with("3:") && head.len() == 66, "{head}");

    // Someone with the database file lifts the triggers and edits entry 2.
    sql(
        p,
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; \
         UPDATE audit_log SET actor_username = 'mallory' WHERE seq = 2;",
    );
    let o = xingjian(p, &["audit", "verify"], None);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("审计链被篡改") && out.contains("第 2 条审计记录（id 2）的内容与其哈希不符"),
        "{out}"
    );
    assert!(
        !out.contains("第 1 条") && !out.contains("第 3 条"),
        "{out}"
    );

    // Recomputing entry 2's hash does not hide it: entry 3 no longer links to it.
    sql(p, "DELETE FROM audit_log WHERE seq = 1");
    let o = xingjian(p, &["audit", "verify", "--json"], None);
    assert!(!o.status.success());
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<(String, i64)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["code"].as_str().unwrap().to_owned(),
                p["seq"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![("missing".to_owned(), 1), ("edited".to_owned(), 2)],
        "{report}"
    );
    let o = xingjian(p, &["audit", "verify", "--anchor", "3:abc"], None);
    assert!(text(&o).contains("链头“3:abc”应写作"), "{}", text(&o));
    let o = xingjian(p, &["audit", "verify", "--anchor", head], None);
    assert!(!o.status.success());
}

/// A backup archive's tables as sorted rows, and its objects' checksums.
type Contents = (BTreeMap<String, Vec<String>>, BTreeMap<String, String>);

fn manifest(zip_path: &Path) -> serde_json::Value {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let mut manifest = String::new();
    zip.by_name("manifest.json")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    serde_json::from_str(&manifest).unwrap()
}

fn contents(zip_path: &Path) -> Contents {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let manifest = manifest(zip_path);
    let mut tables = BTreeMap::new();
    for t in manifest["tables"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap().to_owned();
        let mut body = String::new();
        zip.by_name(&format!("db/{name}.jsonl"))
            .unwrap()
            .read_to_string(&mut body)
            .unwrap();
        let mut rows: Vec<String> = body.lines().map(str::to_owned).collect();
        rows.sort();
        assert_eq!(rows.len() as u64, t["rows"].as_u64().unwrap(), "{name}");
        tables.insert(name, rows);
    }
    let objects = manifest["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["path"].as_str().unwrap().to_owned(),
                o["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (tables, objects)
}

#[test]
fn a_backup_restores_into_an_empty_directory_and_database_on_both_backends() {
    let src = tempfile::tempdir().unwrap();
    let p = src.path();
    let gen_dir = generate(p, 300);
    // Original files keep their (Chinese) names in the object store.
    std::fs::copy(
        gen_dir.join("officers.csv"),
        gen_dir.join("执法人员 名单.csv"),
    )
    .unwrap();
    office_with(
        p,
        &gen_dir,
        &[
            "执法人员 名单.csv",
            "penalty_cases.csv",
            "compulsory_measures.csv",
        ],
    );
    let hits = p.join("hits.csv");
    let o = xingjian(
        p,
        &[
            "screen",
            "--as-of",
            "2026-06-30",
            "--out",
            hits.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    let backup = p.join("office.zip");
    let o = xingjian(p, &["backup", "--out", backup.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("备份完成"), "{}", text(&o));
    assert!(!p.join("office.zip.partial").exists());
    let head = String::from_utf8(xingjian(p, &["audit", "head"], None).stdout).unwrap();
    assert_eq!(
        manifest(&backup)["audit_head"].as_str(),
        Some(head.trim()),
        "the manifest records the chain's head"
    );
    let original = contents(&backup);
    assert!(original.0["screening_hits"].len() > 10);
    assert!(original.0["audit_log"].len() > 5);
    assert!(
        original.1.len() >= 6,
        "datasets and original files: {:?}",
        original.1
    );
    assert!(!original.0.contains_key("sessions"));
    assert!(
        original.1.keys().any(|k| k.ends_with("/执法人员 名单.csv")),
        "{:?}",
        original.1.keys()
    );

    // Into an empty SQLite data directory.
    let dst = tempfile::tempdir().unwrap();
    let d = dst.path().join("restored");
    let o = xingjian(&d, &["restore", backup.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("审计链完整"), "{}", text(&o));
    let again = d.join("again.zip");
    let o = xingjian(&d, &["backup", "--out", again.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        contents(&again),
        original,
        "the restored office is the original"
    );
    // The restored office works: the same screening gives the same hits,
    // and new records continue the ids and the audit chain.
    let hits2 = d.join("hits.csv");
    let o = xingjian(
        &d,
        &[
            "screen",
            "--as-of",
            "2026-06-30",
            "--out",
            hits2.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(&hits).unwrap(),
        std::fs::read_to_string(&hits2).unwrap()
    );
    add_prosecutor(&d, "newcomer");
    assert!(xingjian(&d, &["audit", "verify"], None).status.success());

    // A restore never overwrites an office.
    let o = xingjian(p, &["restore", backup.to_str().unwrap()], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("目标数据库中已有数据"), "{}", text(&o));

    // A damaged archive restores nothing.
    let broken = dst.path().join("broken.zip");
    let bytes = std::fs::read(&backup).unwrap();
    std::fs::write(&broken, &bytes[..bytes.len() / 2]).unwrap();
    let e = dst.path().join("empty");
    let o = xingjian(&e, &["restore", broken.to_str().unwrap()], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("不是 xingjian 备份文件"), "{}", text(&o));

    // Into an empty PostgreSQL database.
    let rt = runtime();
    let pg = rt.block_on(xingjian_testkit::TestDb::new_unmigrated(
        xingjian_store::Backend::Postgres,
    ));
    let env = [("XINGJIAN_DATABASE_URL", pg.url.as_str())];
    let g = dst.path().join("pg");
    let o = xingjian_env(&g, &["restore", backup.to_str().unwrap()], None, &env);
    assert!(o.status.success(), "{}", text(&o));
    let from_pg = g.join("from-pg.zip");
    let o = xingjian_env(
        &g,
        &["backup", "--out", from_pg.to_str().unwrap()],
        None,
        &env,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        contents(&from_pg),
        original,
        "PostgreSQL holds the same office"
    );
    let o = xingjian_env(
        &g,
        &[
            "user",
            "add",
            "--username",
            "pg.user",
            "--name",
            "某",
            "--role",
            "clerk",
        ],
        None,
        &env,
    );
    assert!(
        o.status.success(),
        "ids continue after the restored ones: {}",
        text(&o)
    );
    assert!(
        xingjian_env(&g, &["audit", "verify"], None, &env)
            .status
            .success()
    );
    rt.block_on(pg.cleanup());
}

#[test]
fn the_data_key_is_created_private_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    add_prosecutor(p, "wang");
    let key = p.join("keys").join("data.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = key.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o600,
            "the default data key is readable by its owner only"
        );
    }
    let before = std::fs::read_to_string(&key).unwrap();
    let o = xingjian(p, &["keys", "status"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("当前数据密钥"), "{}", text(&o));
    let o = xingjian(p, &["keys", "generate", key.to_str().unwrap()], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("已存在则不覆盖"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), before);
    let other = p.join("new.key");
    let o = xingjian(p, &["keys", "generate", other.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert_ne!(std::fs::read_to_string(&other).unwrap(), before);
    let o = xingjian(p, &["keys", "rotate"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("重新加密 0 项"), "{}", text(&o));
    assert!(xingjian(p, &["audit", "verify"], None).status.success());
}

#[test]
fn a_crafted_archive_cannot_write_outside_the_object_store() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("crafted.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("objects/../../escaped.txt", opts).unwrap();
    zip.write_all(b"x").unwrap();
    zip.start_file("manifest.json", opts).unwrap();
    let manifest = serde_json::json!({
        "format": "xingjian-backup", "format_version": 1, "xingjian_version": "0",
        "created_at": "2026-11-26T00:00:00Z", "backend": "sqlite", "schema_version": 9,
        "audit_head": null, "tables": [],
        "objects": [{"path": "../../escaped.txt", "size": 1, "sha256": "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"}]
    });
    zip.write_all(manifest.to_string().as_bytes()).unwrap();
    zip.finish().unwrap();
    let target = dir.path().join("office");
    let o = xingjian(&target, &["restore", archive.to_str().unwrap()], None);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("文件路径“../../escaped.txt”无效"),
        "{}",
        text(&o)
    );
    assert!(!dir.path().join("escaped.txt").exists());
    assert!(!target.join("escaped.txt").exists());
}
