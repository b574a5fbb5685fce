//! `xingjian import FILE...`: enforcement records into datasets, with a report.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use xingjian_datasets::{
    ImportOptions, ImportOutcome, Objects, Report, Started, report_xlsx, start_import,
};
use xingjian_domain::Actor;
use xingjian_records::Table;
use xingjian_store::{RequestCtx, Store};

pub struct Args {
    pub files: Vec<PathBuf>,
    pub table: Option<String>,
    pub agency: Option<String>,
    pub valid_rows: bool,
    pub report: Option<PathBuf>,
    pub as_user: Option<String>,
}

const SHOWN: usize = 20;
/// Files read and checked ahead of the one being written.
const PREPARED_AHEAD: usize = 2;
/// At most this many bytes of files are read ahead (one file always may be).
const PREPARE_BUDGET: u64 = 1 << 30;

/// Read a file and start importing it (see `datasets::start_import`).
async fn start_one(
    store: &xingjian_store::ActorStore<'_>,
    path: &std::path::Path,
    name: &str,
    table: Option<Table>,
) -> Result<Started> {
    let bytes = tokio::fs::read(path)
        .await
        .with_context(|| format!("无法读取 {}", path.display()))?;
    Ok(start_import(store, name, bytes.into(), table).await?)
}

fn display_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn print_problems(report: &Report, imported: bool) {
    for p in report.rejected.iter().take(SHOWN) {
        println!("  第 {} 行 {} “{}”：{}", p.row, p.column, p.value, p.reason);
    }
    if report.rejected.len() > SHOWN {
        println!(
            "  ……另有 {} 条，完整列表请用 --report 导出",
            report.rejected.len() - SHOWN
        );
    }
    if !report.warnings.is_empty() {
        println!(
            "  提示 {} 条（值无法识别，按“未知”导入），例如：",
            report.warnings.len()
        );
        for p in report.warnings.iter().take(3) {
            println!(
                "    第 {} 行 {} “{}”：{}",
                p.row, p.column, p.value, p.reason
            );
        }
    }
    if !report.unknown_columns.is_empty() {
        println!(
            "  未识别的列（已作为附加属性保留）：{}",
            report.unknown_columns.join("、")
        );
    }
    if !report.new_agencies.is_empty() {
        let names = report.new_agencies.join("、");
        if imported {
            println!("  新登记的行政机关（请管理员确认或合并为别名）：{names}");
        } else {
            println!("  导入时将新登记的行政机关：{names}");
        }
    }
}

/// The account a command acts as: `--as USER`, else the first administrator.
pub async fn cli_actor(store: &Store, as_user: Option<&str>) -> Result<Actor> {
    let ctx = RequestCtx::cli();
    let sys = store.system(&ctx);
    let user = match as_user {
        Some(u) => sys
            .find_user(u)
            .await?
            .with_context(|| format!("找不到账号“{u}”"))?,
        None => sys.first_admin().await?.context(
            "没有可用的管理员账号：请用 --as 指定账号，或先用 `xingjian user add` 创建账号",
        )?,
    };
    Ok(Actor::from_user(&user))
}

/// Run the import; `Ok(false)` when some file was not (fully) imported.
pub async fn run(store: &Store, objects_url: &str, args: Args) -> Result<bool> {
    let ctx = RequestCtx::cli();
    let actor = cli_actor(store, args.as_user.as_deref()).await?;
    let table = match &args.table {
        Some(t) => Some(Table::from_name(t).with_context(|| {
            format!("未知的表“{t}”：可用 penalty_cases（行政处罚案件）、compulsory_measures（行政强制措施）、officers（执法人员）、vehicle_permits（车辆许可）")
        })?),
        None => None,
    };
    if args.report.is_some() && args.files.len() > 1 {
        bail!("--report 只能用于单个文件 / --report takes one file");
    }
    let objects = Objects::from_url(objects_url).map_err(anyhow::Error::msg)?;
    let opts = ImportOptions {
        table,
        agency: args.agency.clone(),
        import_valid_rows: args.valid_rows,
    };
    let scoped = store.as_actor(&actor, &ctx);
    if !scoped.may_import() {
        bail!("人民监督员不能导入执法记录");
    }
    // Reading and checking is CPU work: the next PREPARED_AHEAD files are
    // prepared on blocking threads while the one before them is written and
    // registered (its Parquet encoding is a third thread).
    // Large files are not read ahead beyond PREPARE_BUDGET bytes in flight
    // (a file and its records are held in memory while it is imported).
    let mut files = args.files.iter().peekable();
    let mut queue = std::collections::VecDeque::new();
    let mut in_flight: u64 = 0;
    let mut all_ok = true;
    loop {
        while queue.len() < PREPARED_AHEAD + 1 {
            let Some(&path) = files.peek() else { break };
            let size = std::fs::metadata(path).map_or(0, |m| m.len());
            if !queue.is_empty() && in_flight + size > PREPARE_BUDGET {
                break;
            }
            files.next();
            in_flight += size;
            let name = display_name(path);
            let step = start_one(&scoped, path, &name, table).await;
            queue.push_back((name, size, step));
        }
        let Some((name, size, step)) = queue.pop_front() else {
            break;
        };
        in_flight -= size;
        let outcome = match step {
            Ok(started) => started
                .finish(&scoped, &objects, &opts)
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                println!("{name}：未导入。{e}");
                all_ok = false;
                continue;
            }
        };
        let report = match &outcome {
            ImportOutcome::AlreadyImported(f) => {
                println!(
                    "{name}：与 {} 导入的“{}”完全相同（SHA-256 {}），未重复导入。",
                    f.imported_at.get(..10).unwrap_or(&f.imported_at),
                    f.file_name,
                    f.sha256.get(..12).unwrap_or(&f.sha256)
                );
                None
            }
            ImportOutcome::Imported { file, report } => {
                println!(
                    "{name}：{}，{}，共 {} 行，已导入 {} 行{}（数据集 {}）。",
                    report.table.map_or("", |t| t.zh()),
                    report.source_format,
                    report.rows_total,
                    file.rows_imported,
                    if report.rejected.is_empty() {
                        String::new()
                    } else {
                        format!("，拒绝 {} 行", file.rows_rejected)
                    },
                    file.dataset_id
                        .as_deref()
                        .and_then(|d| d.get(..12))
                        .unwrap_or("-"),
                );
                print_problems(report, true);
                Some(report)
            }
            ImportOutcome::Rejected(report) => {
                all_ok = false;
                if report.rows_valid == 0 {
                    println!("{name}：没有可导入的有效行，未导入。");
                } else {
                    println!(
                        "{name}：{} 行中有 {} 个问题，整个文件未导入。只导入有效的 {} 行请加 --valid-rows。",
                        report.rows_total,
                        report.rejected.len(),
                        report.rows_valid
                    );
                }
                print_problems(report, false);
                Some(report)
            }
        };
        if let (Some(out), Some(report)) = (&args.report, report) {
            let bytes = report_xlsx(report).context("生成导入报告失败")?;
            crate::ops::write_atomically(out, &bytes)?;
            println!("  导入报告已保存：{}", out.display());
        }
    }
    Ok(all_ok)
}
