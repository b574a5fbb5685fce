//! `xingjian`: the one binary. Serves the web application and administers it.

// mimalloc: the importer and DataFusion make many small allocations, which
// glibc's allocator spent ~40% of an import on (measured with perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod config;
mod import;
mod ops;
mod screen;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use config::{Config, Overrides};
use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use xingjian_domain::{NewUser, Role};
use xingjian_store::{Db, LoginPolicy, RequestCtx, SessionPolicy, Store, redact_url};

#[derive(Parser)]
#[command(
    name = "xingjian",
    version,
    about = "行检 Xingjian：行政检察监督工作平台 / administrative supervision platform"
)]
struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "XINGJIAN_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (embedded database, files). Default ./data; env XINGJIAN_DATA_DIR.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// sqlite://… or postgres://… ; env XINGJIAN_DATABASE_URL.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web application.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free port).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// On an empty database, create the demo office and print its logins once.
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date.
    Migrate,
    /// Rebuild the full-text index from the database (the index is derived
    /// data: safe to delete, rebuilt here or caught up by `serve`).
    Reindex,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import enforcement records (CSV in UTF-8 or GBK, or XLSX) as datasets.
    Import {
        /// One or more .csv / .xlsx files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// penalty_cases, compulsory_measures, officers or vehicle_permits (or the Chinese name); default: from the headers.
        #[arg(long)]
        table: Option<String>,
        /// The agency the files come from (name or alias); every record must name it.
        #[arg(long)]
        agency: Option<String>,
        /// Import the valid rows even when other rows are rejected.
        #[arg(long)]
        valid_rows: bool,
        /// Write the report of rejected rows as XLSX (one file only).
        #[arg(long)]
        report: Option<PathBuf>,
        /// The account the import is made as (default: the first administrator).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Screen datasets with the rules and write the hits (CSV with BOM, or .jsonl).
    Screen {
        /// Dataset ids (default: every dataset visible to the account).
        #[arg(long = "dataset")]
        datasets: Vec<String>,
        /// Rule ids (default: every rule).
        #[arg(long = "rule")]
        rules: Vec<String>,
        /// Count measures not yet released up to this date (YYYY-MM-DD; default today).
        #[arg(long)]
        as_of: Option<String>,
        /// hits.csv or hits.jsonl
        #[arg(long)]
        out: PathBuf,
        /// The account the screening is run as (default: the first administrator).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Write synthetic enforcement records (the contract's four tables) with planted
    /// violations and boundary cases, and labels.csv with the lines a correct screening gives.
    DemoData {
        /// Number of penalty cases (measures and permits: one tenth each).
        #[arg(long, default_value_t = 1000)]
        cases: u64,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Random seed (the same seed and size give the same files).
        #[arg(long, default_value_t = 20231016)]
        seed: u64,
        /// Split the penalty cases into files of this many rows (for very large sets).
        #[arg(long, default_value_t = 0)]
        rows_per_file: u64,
    },
    /// List the rules in force (core and the rules directory) after checking them.
    Rules,
    /// The working-day calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Check the configuration and print it (secrets hidden).
    CheckConfig,
    /// Write a consistent backup of the database, the datasets and the stored
    /// files into one archive, while the application keeps running.
    Backup {
        /// The archive to write (.zip); written under a temporary name and
        /// renamed when complete.
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into an empty data directory or database.
    Restore {
        /// The archive written by `xingjian backup`.
        file: PathBuf,
    },
    /// The data keys sealing ID and phone numbers at rest.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write the bulletin item (简报) for a period as DOCX, its figures computed from the data.
    Bulletin {
        /// The demo office's issue as in the seed: 上街信息 第73期, 中共上街区委办公室,
        /// 2023-01-01 to 2023-10-16, with its distribution and editor lines.
        #[arg(long)]
        demo: bool,
        /// The period at once: a year (2023), a month (2023-06) or FROM..TO
        /// (2023-01-01..2023-10-16); --from/--to override its ends.
        #[arg(long)]
        period: Option<String>,
        /// First day (YYYY-MM-DD; default 1 January of this year).
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD; default today).
        #[arg(long)]
        to: Option<String>,
        /// The bulletin's name (default 工作简报).
        #[arg(long)]
        masthead: Option<String>,
        /// The issue, e.g. 第73期.
        #[arg(long)]
        issue: Option<String>,
        /// The issuing office (default: the configured office name).
        #[arg(long)]
        issuer: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Write a new random data key to FILE (mode 0600); refuses to overwrite.
    Generate { out: PathBuf },
    /// Show the current key and which keys the stored values need.
    Status,
    /// Re-seal every stored ID and phone number with the current key (after
    /// setting `data_key_file` to a new key and listing the old one in
    /// `previous_data_key_files`).
    Rotate,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the SM3 hash chain and name every edited, deleted, inserted or
    /// reordered entry; exit status 1 if any.
    Verify {
        /// A head recorded earlier (`SEQ:HASH`, as `audit head` prints it) that
        /// must still be part of the chain.
        #[arg(long)]
        anchor: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the chain's head (`SEQ:HASH`) to record somewhere else.
    Head {
        /// Print as JSON with the time it was read.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Add a holiday file (format of cn-holidays.csv) for later years.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. Without --password-stdin a random password is printed once.
    Add {
        #[arg(long)]
        username: String,
        /// Display name, e.g. 王检察官.
        #[arg(long)]
        name: String,
        /// chief, deputy_chief, prosecutor, assistant, clerk, admin, liaison, people_supervisor
        #[arg(long)]
        role: String,
        /// The agency (name or alias) a liaison belongs to.
        #[arg(long)]
        agency: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password and end all of the account's sessions.
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("XINGJIAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Connect to the configured database (creating the data directory for the
/// embedded default) without migrating it.
async fn connect_db(c: &Config) -> Result<Db> {
    let url = c.database_url();
    if c.database_url.is_none() {
        std::fs::create_dir_all(&c.data_dir).with_context(|| {
            format!(
                "无法创建数据目录 {} / cannot create the data directory",
                c.data_dir.display()
            )
        })?;
    }
    let db = Db::connect(&url).await.with_context(|| {
        format!(
            "无法连接数据库 {} / cannot connect to the database",
            redact_url(&url)
        )
    })?;
    Ok(db)
}

async fn open_store(c: &Config) -> Result<Store> {
    let db = connect_db(c).await?;
    let report = db.migrate().await?;
    if !report.applied.is_empty() {
        tracing::info!(applied = ?report.applied, "database migrated");
    }
    let mut store = Store::new(db);
    store.sessions = SessionPolicy {
        idle: chrono::Duration::minutes(c.session.idle_minutes),
        absolute: chrono::Duration::hours(c.session.absolute_hours),
    };
    store.logins = LoginPolicy {
        account_free_failures: c.security.login_max_failures_per_account,
        address_free_failures: c.security.login_max_failures_per_address,
        ..LoginPolicy::default()
    };
    store.keyring = std::sync::Arc::new(ops::keyring(c)?);
    store.calendar = std::sync::Arc::new(screen::calendar(&c.calendar_dir())?);
    store.numbering.case_number = c.case_number_pattern.clone();
    // Configured patterns replace the defaults kind by kind.
    for (kind, pattern) in &c.recommendation_number_patterns {
        store
            .numbering
            .recommendation
            .insert(kind.clone(), pattern.clone());
    }
    for (stage, limit) in &c.case_stage_limits {
        let (Some(stage), Some((n, unit))) = (
            xingjian_domain::Stage::from_code(stage),
            xingjian_domain::deadline::parse_limit(limit),
        ) else {
            continue; // refused earlier by Config::check
        };
        store.stage_limits.retain(|l| l.0 != stage);
        store.stage_limits.push((stage, n, unit));
    }
    Ok(store)
}

fn read_password(from_stdin: bool, username: &str) -> Result<(String, bool)> {
    if !from_stdin {
        return Ok((xingjian_demo::random_password(username), true));
    }
    if std::io::stdin().is_terminal() {
        eprint!("密码 / password: ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// Fire due reminder jobs now and every minute. Jobs live in the database,
/// so a restart loses none; claiming them is atomic, so none fires twice.
async fn run_reminders(store: Store) {
    let ctx = RequestCtx::cli();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        match store
            .system(&ctx)
            .run_due_jobs(xingjian_store::today())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "reminders sent"),
            Err(e) => tracing::error!(error = %e, "reminder jobs failed"),
        }
    }
}

/// Drain the notification outbox into mail every 30 seconds.
async fn run_mail(store: Store, adapter: xingjian_notify::SmtpAdapter) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
    loop {
        tick.tick().await;
        match xingjian_notify::drain_once(&store, &adapter).await {
            Ok(r) if r.sent + r.failed == 0 => {}
            Ok(r) => tracing::info!(sent = r.sent, failed = r.failed, "outbox drained"),
            Err(e) => tracing::error!(error = %e, "outbox drain failed"),
        }
    }
}

/// The search index, looking ID numbers up by the data key's blind terms;
/// `true` when it was built under another key and must be rebuilt.
fn open_search(
    c: &Config,
    screener: &xingjian_screening::Screener,
    store: &Store,
) -> Result<(xingjian_search::SearchIndex, bool)> {
    let keyring = store.keyring.clone();
    let index = xingjian_search::SearchIndex::open(&c.search_dir(), Some(screener.objects.clone()))
        .with_context(|| format!("无法打开检索索引 {}", c.search_dir().display()))?
        .with_blind(std::sync::Arc::new(move |s: &str| keyring.blind(s)));
    let built_under = std::fs::read_to_string(blind_marker(c)).unwrap_or_default();
    let stale =
        built_under.trim() != store.keyring.current_id().unwrap_or_default() && index.cursor() > 0;
    Ok((index, stale))
}

fn blind_marker(c: &Config) -> PathBuf {
    c.search_dir().join("blind-key-id")
}

/// Record the data key the index's ID-number terms are derived from.
fn record_search_key(c: &Config, store: &Store) -> Result<()> {
    ops::write_atomically(
        &blind_marker(c),
        store.keyring.current_id().unwrap_or_default().as_bytes(),
    )
}

/// Rebuild the index from the database and record the key it was built under.
async fn rebuild_search(
    c: &Config,
    store: &Store,
    search: &xingjian_search::SearchIndex,
) -> Result<u64> {
    let n = search.rebuild(store).await?;
    record_search_key(c, store)?;
    Ok(n)
}

/// `xingjian reindex`: open the index and rebuild it from the database.
async fn reindex(c: &Config, store: &Store) -> Result<u64> {
    let screener = screen::screener(c).await?;
    let (search, _) = open_search(c, &screener, store)?;
    rebuild_search(c, store, &search).await
}

/// Keep the search index following the audit log (pages also catch up
/// before searching, so this only keeps it warm).
async fn run_indexer(store: Store, search: std::sync::Arc<xingjian_search::SearchIndex>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(e) = search.catch_up(&store).await {
            tracing::error!(error = %e, "search index could not catch up");
        }
    }
}

async fn serve(c: Config, demo_requested: bool) -> Result<()> {
    let store = open_store(&c).await?;
    let ctx = RequestCtx::cli();
    let mut logins = Vec::new();
    if store.system(&ctx).count_users().await? == 0 {
        if demo_requested {
            logins =
                xingjian_demo::seed(&store, c.demo_password.as_ref().map(|s| s.expose())).await?;
        } else {
            eprintln!(
                "提示：尚无任何账号。请先运行 `xingjian user add --username admin --name 管理员 --role admin` 创建管理员，\
                 或使用 `xingjian serve --demo` 体验演示数据。\n\
                 hint: no accounts yet; create an administrator with `xingjian user add`, or try `xingjian serve --demo`."
            );
        }
    } else if demo_requested {
        tracing::info!("database already has accounts; demo data not loaded again");
    }
    let screener = screen::screener(&c).await?;
    let recomputed = store.system(&ctx).recompute_provisional_deadlines().await?;
    if recomputed > 0 {
        tracing::info!(
            recomputed,
            "provisional deadlines recomputed on the working-day calendar"
        );
    }
    let interrupted = store.system(&ctx).fail_interrupted_runs().await?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "screenings left running by a previous process marked failed"
        );
    }
    if !logins.is_empty() {
        xingjian_demo::story::replay(&store, &screener)
            .await
            .context("演示数据（种子年度回放）加载失败")?;
        xingjian_demo::seed_records(&store, &screener, &c.data_dir).await?;
    }
    let (search, stale) = open_search(&c, &screener, &store)?;
    let search = std::sync::Arc::new(search);
    if stale {
        tracing::warn!("search index built under another data key: rebuilding");
        rebuild_search(&c, &store, &search).await?;
    } else if search.cursor() == 0 {
        record_search_key(&c, &store)?;
    }
    match search.catch_up(&store).await {
        Ok(n) if n > 0 => tracing::info!(changes = n, "search index caught up"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "search index could not catch up"),
    }
    let tls = match &c.tls {
        Some(t) => Some(
            xingjian_web::tls::server_config(&t.cert_file, &t.key_file)
                .map_err(anyhow::Error::msg)?,
        ),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(c.listen)
        .await
        .with_context(|| format!("无法监听 {} / cannot listen on this address", c.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = ?store.db().backend(), "listening");
    let mut out = std::io::stdout().lock();
    let scheme = if tls.is_some() { "https" } else { "http" };
    writeln!(
        out,
        "行检 Xingjian 已启动 / listening on {scheme}://{addr}/"
    )?;
    if !logins.is_empty() {
        writeln!(out, "演示账号（仅显示这一次）/ demo logins (shown once):")?;
        for (u, role, pw) in &logins {
            writeln!(out, "  {u:<12} {pw:<20} {role}")?;
        }
    }
    out.flush()?;
    drop(out);
    let state = xingjian_web::AppState::new(
        store.clone(),
        xingjian_web::WebSettings {
            office_name: c.office_name.clone(),
            cookie_secure: c.security.cookie_secure || c.tls.is_some(),
            trust_forwarded_for: c.security.trust_forwarded_for,
            focus_areas: c.focus_areas.clone(),
            governance_min_files: c.governance_min_files,
            metrics_token: c
                .security
                .metrics_token
                .as_ref()
                .map(|t| t.expose().to_owned()),
        },
    )
    .with_screener(screener)
    .with_search(search.clone());
    let reminders = tokio::spawn(run_reminders(store.clone()));
    let indexer = tokio::spawn(run_indexer(store.clone(), search));
    let mail = match &c.smtp {
        Some(smtp) => Some(tokio::spawn(run_mail(
            store.clone(),
            xingjian_notify::SmtpAdapter::new(smtp)?,
        ))),
        None => None,
    };
    match &tls {
        Some(config) => {
            xingjian_web::serve_tls(listener, config.clone(), state, shutdown_signal()).await?
        }
        None => xingjian_web::serve(listener, state, shutdown_signal()).await?,
    }
    reminders.abort();
    indexer.abort();
    if let Some(m) = mail {
        m.abort();
    }
    store.db().close().await;
    Ok(())
}

/// A bulletin period: `2023`, `2023-06` or `2023-01-01..2023-10-16`.
fn parse_period(p: &str) -> Result<(String, String)> {
    use chrono::{Datelike, NaiveDate};
    let p = p.trim();
    let bad = || anyhow::anyhow!("期间“{p}”应写作 2023、2023-06 或 2023-01-01..2023-10-16");
    if let Some((a, b)) = p.split_once("..") {
        let a = NaiveDate::parse_from_str(a.trim(), "%Y-%m-%d").map_err(|_| bad())?;
        let b = NaiveDate::parse_from_str(b.trim(), "%Y-%m-%d").map_err(|_| bad())?;
        if a > b {
            return Err(bad());
        }
        return Ok((a.to_string(), b.to_string()));
    }
    if let Ok(y) = p.parse::<i32>()
        && (2000..=2100).contains(&y)
    {
        return Ok((format!("{y}-01-01"), format!("{y}-12-31")));
    }
    let first = NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d").map_err(|_| bad())?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(bad)?;
    let last = next.pred_opt().ok_or_else(bad)?;
    debug_assert_eq!(last.month(), first.month());
    Ok((first.to_string(), last.to_string()))
}

async fn run(cli: Cli) -> Result<()> {
    let listen = match &cli.command {
        Command::Serve { listen, .. } => *listen,
        _ => None,
    };
    let overrides = Overrides {
        listen,
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
    };
    let c = Config::load(cli.config.as_deref(), &overrides).map_err(anyhow::Error::msg)?;
    init_logging(&c.log_format);
    match cli.command {
        Command::Serve { demo, .. } => serve(c, demo).await,
        Command::Reindex => {
            let store = open_store(&c).await?;
            let started = std::time::Instant::now();
            let n = reindex(&c, &store).await?;
            println!(
                "检索索引已重建：{n} 条（{:.1} 秒）/ search index rebuilt",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Migrate => {
            let store = open_store(&c).await?;
            let v = store.db().schema_version().await?;
            println!("数据库已是最新（版本 {v}）/ database schema is at version {v}");
            Ok(())
        }
        Command::Import {
            files,
            table,
            agency,
            valid_rows,
            report,
            as_user,
        } => {
            let store = open_store(&c).await?;
            let args = import::Args {
                files,
                table,
                agency,
                valid_rows,
                report,
                as_user,
            };
            if import::run(&store, &c.objects_url(), args).await? {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "部分文件未导入 / some files were not imported"
                ))
            }
        }
        Command::Screen {
            datasets,
            rules,
            as_of,
            out,
            as_user,
        } => {
            let store = open_store(&c).await?;
            let args = screen::Args {
                datasets,
                rules,
                as_of,
                out,
                as_user,
            };
            screen::run(&store, &c, args).await
        }
        Command::Rules => screen::list(&c).await,
        Command::Backup { out } => ops::backup(&connect_db(&c).await?, &c, &out).await,
        Command::Restore { file } => ops::restore(&connect_db(&c).await?, &c, &file).await,
        Command::Keys { command } => match command {
            KeysCommand::Generate { out } => ops::generate_key(&out),
            KeysCommand::Status => ops::key_status(&open_store(&c).await?).await,
            KeysCommand::Rotate => {
                let store = open_store(&c).await?;
                ops::rotate_keys(&store).await?;
                // ID numbers are indexed under terms derived from the key.
                let n = reindex(&c, &store).await?;
                println!("检索索引已按新密钥重建：{n} 条 / search index rebuilt");
                Ok(())
            }
        },
        Command::Audit { command } => {
            let store = open_store(&c).await?;
            match command {
                AuditCommand::Verify { anchor, json } => {
                    ops::verify_audit(&store, anchor.as_deref(), json).await
                }
                AuditCommand::Head { json } => ops::audit_head(&store, json).await,
            }
        }
        Command::DemoData {
            cases,
            out,
            seed,
            rows_per_file,
        } => {
            let opts = xingjian_synthetic::Options {
                seed,
                rows_per_file,
                ..xingjian_synthetic::Options::for_cases(cases)
            };
            let started = std::time::Instant::now();
            let s = xingjian_synthetic::generate(opts, &out)
                .with_context(|| format!("无法写入 {}", out.display()))?;
            println!(
                "已写入 {}：行政处罚案件 {} 行，行政强制措施 {} 行，执法人员 {} 行，车辆许可 {} 行，预期结果 {} 条（labels.csv，截止日期 {}），用时 {:.1} 秒",
                out.display(),
                s.cases,
                s.measures,
                s.officers,
                s.permits,
                s.labels,
                xingjian_synthetic::AS_OF,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Calendar {
            command: CalendarCommand::Import { file },
        } => screen::import_calendar(&c, &file),
        Command::Bulletin {
            demo,
            period,
            from,
            to,
            masthead,
            issue,
            issuer,
            out,
        } => {
            let today = xingjian_store::today();
            let seed = demo.then_some(xingjian_demo::story::BULLETIN);
            let (pf, pt) = match period.as_deref() {
                Some(p) => {
                    let (a, b) = parse_period(p)?;
                    (Some(a), Some(b))
                }
                None => (None, None),
            };
            let from = from.or(pf).or(seed.map(|b| b.from.to_owned()));
            let to = to.or(pt).or(seed.map(|b| b.to.to_owned()));
            let day = |s: Option<String>, default: String| -> Result<String> {
                let s = s.unwrap_or(default);
                chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                    .with_context(|| format!("日期“{s}”格式应为 2026-06-01"))?;
                Ok(s)
            };
            let from = day(from, format!("{}-01-01", today.format("%Y")))?;
            let to = day(to, today.format("%Y-%m-%d").to_string())?;
            let store = open_store(&c).await?;
            let ctx = RequestCtx::cli();
            let fig = store.system(&ctx).bulletin_figures(&from, &to).await?;
            let short = c.office_name.replace("人民检察院", "检察院");
            let text = xingjian_domain::bulletin::compose(&short, &fig);
            let pick = |given: Option<String>,
                        demo: fn(&xingjian_demo::story::Bulletin) -> &str,
                        default: &str| {
                given
                    .or(seed.map(|b| demo(&b).to_owned()))
                    .unwrap_or_else(|| default.to_owned())
            };
            let doc = xingjian_documents::BulletinDoc {
                masthead: pick(masthead, |b| b.masthead, "工作简报"),
                issue: pick(issue, |b| b.issue, "第  期"),
                issuer: pick(issuer, |b| b.issuer, &c.office_name),
                date: if seed.is_some() {
                    to.clone()
                } else {
                    today.format("%Y-%m-%d").to_string()
                },
                headline: text.headline,
                paragraphs: text.paragraphs,
                source: "（区检察院）".into(),
                distribution: pick(None, |b| b.distribution, ""),
                editor: pick(None, |b| b.editor, ""),
                ..Default::default()
            };
            let bytes = xingjian_documents::bulletin_docx(&doc)?;
            ops::write_atomically(&out, &bytes)?;
            println!("已写入 {}（{from} 至 {to}）", out.display());
            Ok(())
        }
        Command::CheckConfig => {
            println!("{c:#?}");
            println!("database: {}", redact_url(&c.database_url()));
            Ok(())
        }
        Command::User { command } => {
            let store = open_store(&c).await?;
            let ctx = RequestCtx::cli();
            let sys = store.system(&ctx);
            match command {
                UserCommand::Add {
                    username,
                    name,
                    role,
                    agency,
                    password_stdin,
                } => {
                    let Some(role) = Role::from_code(&role) else {
                        let codes: Vec<_> = Role::ALL
                            .iter()
                            .map(|r| format!("{}（{}）", r.code(), r.label()))
                            .collect();
                        bail!("未知角色“{role}”。可用角色 / roles: {}", codes.join("、"));
                    };
                    let agency_id = match agency {
                        Some(a) => Some(
                            sys.find_agency(&a)
                                .await?
                                .with_context(|| format!("找不到行政机关“{a}” / no such agency"))?
                                .id,
                        ),
                        None => None,
                    };
                    let (password, generated) = read_password(password_stdin, &username)?;
                    let u = sys
                        .create_user(NewUser {
                            username,
                            display_name: name,
                            role,
                            agency_id,
                            password: password.clone(),
                        })
                        .await?;
                    println!(
                        "已创建账号 {}（{}）/ account created",
                        u.username,
                        u.role.label()
                    );
                    if generated {
                        println!(
                            "初始密码（仅显示这一次）/ initial password (shown once): {password}"
                        );
                    }
                    Ok(())
                }
                UserCommand::ResetPassword {
                    username,
                    password_stdin,
                } => {
                    let (password, generated) = read_password(password_stdin, &username)?;
                    sys.reset_password(&username, &password)
                        .await
                        .map_err(|e| match e {
                            xingjian_store::StoreError::NotFound => {
                                anyhow::anyhow!("找不到账号“{username}” / no such account")
                            }
                            other => other.into(),
                        })?;
                    println!(
                        "已重置 {username} 的密码，其全部会话已注销 / password reset, sessions ended"
                    );
                    if generated {
                        println!("新密码（仅显示这一次）/ new password (shown once): {password}");
                    }
                    Ok(())
                }
            }
        }
    }
}

fn main() -> std::process::ExitCode {
    // No transparent huge pages: mimalloc advises them for its arenas, then hands
    // memory back in 64 KiB pieces, so the kernel kept zeroing and splitting 2 MiB
    // pages (~30-48 % of a large screening rule's time in `clear_page`, by perf).
    // Best effort: an older kernel without the flag changes nothing.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("无法启动运行时 / cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 / error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_period;

    #[test]
    fn bulletin_periods() {
        let p = |s: &str| parse_period(s).ok();
        assert_eq!(p("2023"), Some(("2023-01-01".into(), "2023-12-31".into())));
        assert_eq!(
            p("2024-02"),
            Some(("2024-02-01".into(), "2024-02-29".into()))
        );
        assert_eq!(
            p("2023-12"),
            Some(("2023-12-01".into(), "2023-12-31".into()))
        );
        assert_eq!(
            p("2023-01-01..2023-10-16"),
            Some(("2023-01-01".into(), "2023-10-16".into()))
        );
        assert_eq!(p("2023-10-16..2023-01-01"), None, "backwards");
        assert_eq!(p("2023-13"), None);
        assert_eq!(p("上半年"), None);
    }
}
