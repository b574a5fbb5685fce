//! Crash safety, by doing it: the real binary is killed with SIGKILL in the
//! middle of an import, a screening and a document's generation, then the
//! data directory is checked and the work done again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{generate, office_with, text, with_db, xingjian};
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Start `xingjian args` and SIGKILL it after `after` unless it ended;
/// true if it was killed.
fn kill_after(dir: &Path, args: &[&str], after: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xingjian"))
        .args(["--data-dir", dir.to_str().unwrap()])
        .args(args)
        .env("XINGJIAN_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    true
}

fn rows(dir: &Path, sql: &str) -> Vec<(String, i64)> {
    with_db(dir, async |db| {
        sqlx::query_as(sql).fetch_all(db.pool()).await.unwrap()
    })
}

/// Start `serve` until it listens (what a restart after a crash does), then stop it.
fn restart(dir: &Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xingjian"))
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .env("XINGJIAN_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(out).read_line(&mut line).unwrap();
    assert!(line.contains("listening"), "{line}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn an_import_killed_midway_leaves_nothing_half_done() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let gen_dir = generate(p, 60_000);
    office_with(p, &gen_dir, &["officers.csv"]);
    let file = gen_dir.join("penalty_cases.csv");
    let f = file.to_str().unwrap();
    let data_rows = std::fs::read_to_string(&file).unwrap().lines().count() as i64 - 1;
    let mut killed = 0;
    for ms in [150, 400, 700, 1000, 1400, 2000, 3000] {
        if kill_after(p, &["import", f], Duration::from_millis(ms)) {
            killed += 1;
        }
        // Either the whole file is in, with its dataset, or nothing of it.
        let files = rows(
            p,
            "SELECT file_name, rows_imported FROM import_files WHERE table_name = 'penalty_cases'",
        );
        let datasets = rows(
            p,
            "SELECT location, row_count FROM datasets WHERE table_name = 'penalty_cases'",
        );
        assert!(
            files.len() <= 1 && files.len() == datasets.len(),
            "{files:?} {datasets:?}"
        );
        for (location, n) in &datasets {
            assert_eq!(*n, data_rows);
            let path = p.join("objects").join(location);
            assert!(path.metadata().unwrap().len() > 0, "{location}");
        }
    }
    assert!(
        killed > 0,
        "no import was interrupted: the file is too small"
    );
    // Done again: imported once, or recognised as already imported.
    let o = xingjian(p, &["import", f], None);
    assert!(o.status.success(), "{}", text(&o));
    let datasets = rows(
        p,
        "SELECT location, row_count FROM datasets WHERE table_name = 'penalty_cases'",
    );
    assert_eq!(datasets.len(), 1);
    assert!(xingjian(p, &["audit", "verify"], None).status.success());
}

#[test]
fn a_screening_killed_midway_is_marked_failed_and_runs_again_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let gen_dir = generate(p, 20_000);
    office_with(
        p,
        &gen_dir,
        &[
            "officers.csv",
            "penalty_cases.csv",
            "compulsory_measures.csv",
        ],
    );
    let out = p.join("hits.csv");
    let args = [
        "screen",
        "--as-of",
        "2026-06-30",
        "--out",
        out.to_str().unwrap(),
    ];
    // Killed once its run is registered and before it ends.
    let running_sql = "SELECT status, id FROM screening_runs WHERE status = 'running'";
    let mut interrupted = false;
    for ms in [300, 600, 900, 1300, 1800, 2500, 3500] {
        let killed = kill_after(p, &args, Duration::from_millis(ms));
        if killed && !rows(p, running_sql).is_empty() {
            interrupted = true;
            break;
        }
        std::fs::remove_file(&out).ok();
    }
    assert!(interrupted, "no screening was interrupted while running");
    assert!(!out.exists(), "no half-written hits file");
    restart(p);
    let runs = rows(p, "SELECT status, id FROM screening_runs ORDER BY id");
    assert!(runs.iter().all(|(s, _)| s != "running"), "{runs:?}");
    let failed = runs.iter().filter(|(s, _)| s == "failed").count();
    assert!(failed >= 1, "{runs:?}");
    let partial = rows(
        p,
        "SELECT r.status, COUNT(h.id) FROM screening_runs r JOIN screening_hits h ON h.run_id = r.id \
         WHERE r.status <> 'done' GROUP BY r.status",
    );
    assert!(
        partial.is_empty(),
        "no lines of an unfinished run: {partial:?}"
    );

    // Run again: the lines of a clean run.
    let o = xingjian(p, &args, None);
    assert!(o.status.success(), "{}", text(&o));
    let first = std::fs::read_to_string(&out).unwrap();
    let o = xingjian(p, &args, None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(first, std::fs::read_to_string(&out).unwrap());
    assert!(first.lines().count() > 100);
}

#[test]
fn a_document_is_never_left_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    office_with(p, p, &[]);
    let out = p.join("bulletin.docx");
    let args = [
        "bulletin",
        "--period",
        "2023",
        "--out",
        out.to_str().unwrap(),
    ];
    let mut killed = 0;
    for ms in [20, 60, 120, 200, 300, 450, 700] {
        killed += usize::from(kill_after(p, &args, Duration::from_millis(ms)));
        if out.exists() {
            let bytes = std::fs::read(&out).unwrap();
            assert!(
                zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok(),
                "after a kill at {ms} ms the document is whole"
            );
        }
    }
    assert!(killed > 0, "no generation was interrupted");
    let o = xingjian(p, &args, None);
    assert!(o.status.success(), "{}", text(&o));
    let bytes = std::fs::read(&out).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert!(zip.by_name("word/document.xml").is_ok());
}
