//! The binary under test, run as an administrator would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

pub fn xingjian(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    xingjian_env(dir, args, stdin, &[])
}

/// `xingjian` with extra environment variables (e.g. `XINGJIAN_DATABASE_URL`).
pub fn xingjian_env(
    dir: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xingjian"));
    // The binary under test sees no XINGJIAN_* settings of the caller's.
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("XINGJIAN_")) {
        cmd.env_remove(k);
    }
    cmd.args(["--data-dir", dir.to_str().unwrap()])
        .args(args)
        .env("XINGJIAN_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Synthetic files for `cases` penalty cases, in `dir/gen`.
pub fn generate(dir: &std::path::Path, cases: u32) -> std::path::PathBuf {
    let gen_dir = dir.join("gen");
    let n = cases.to_string();
    let o = xingjian(
        dir,
        &[
            "demo-data",
            "--cases",
            &n,
            "--out",
            gen_dir.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
    gen_dir
}

/// Create an account (its password printed once, unread).
pub fn add_user(dir: &std::path::Path, username: &str, name: &str, role: &str) {
    let o = xingjian(
        dir,
        &[
            "user",
            "add",
            "--username",
            username,
            "--name",
            name,
            "--role",
            role,
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
}

/// A data directory with an administrator and the given files imported.
pub fn office_with(dir: &std::path::Path, from: &std::path::Path, files: &[&str]) {
    add_user(dir, "admin", "管理员", "admin");
    for f in files {
        let o = xingjian(dir, &["import", from.join(f).to_str().unwrap()], None);
        assert!(o.status.success(), "{f}: {}", text(&o));
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Run `f` on a data directory's SQLite database (to look, or to tamper).
pub fn with_db<T>(dir: &std::path::Path, f: impl AsyncFnOnce(&xingjian_store::Db) -> T) -> T {
    let url = format!("sqlite://{}", dir.join("xingjian.db").display());
    runtime().block_on(async {
        let db = xingjian_store::Db::connect(&url).await.unwrap();
        let out = f(&db).await;
        db.close().await;
        out
    })
}
