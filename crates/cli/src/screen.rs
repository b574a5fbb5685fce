//! `xingjian screen`: run rules over datasets and write the contract's hit export.
//! `xingjian rules`: list and check the rules in force.
//! `xingjian calendar import`: add a year of holidays.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use xingjian_calendar::WorkCalendar;
use xingjian_datasets::Objects;
use xingjian_rules::export::{self, Format};
use xingjian_rules::{Engine, LoadedRule, rule};
use xingjian_screening::{Screener, Selection};
use xingjian_store::{RequestCtx, Store};

use crate::config::Config;

pub struct Args {
    pub datasets: Vec<String>,
    pub rules: Vec<String>,
    pub as_of: Option<String>,
    pub out: PathBuf,
    pub as_user: Option<String>,
}

/// The working-day calendar: the shipped years plus every CSV in the calendar directory.
pub fn calendar(dir: &Path) -> Result<WorkCalendar> {
    let mut cal = WorkCalendar::default_cn();
    if dir.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f)
                .with_context(|| format!("无法读取节假日文件 {}", f.display()))?;
            cal.merge_csv(&text)
                .with_context(|| format!("节假日文件 {} 有误", f.display()))?;
        }
    }
    Ok(cal)
}

/// Load and check every rule (core + rules directory): each problem is listed.
pub async fn load_rules(c: &Config, engine: &Engine) -> Result<Vec<LoadedRule>> {
    let dir = c.rules_dir();
    let rules = rule::load(Some(&dir)).map_err(|errs| {
        anyhow::anyhow!(
            "规则有误，请修改后重试 / rules are invalid:\n  {}",
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n  ")
        )
    })?;
    engine.validate(&rules).await.map_err(|errs| {
        anyhow::anyhow!(
            "规则查询有误 / rule queries are invalid:\n  {}",
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n  ")
        )
    })?;
    Ok(rules)
}

/// The screener of this configuration.
pub async fn screener(c: &Config) -> Result<Screener> {
    let engine = Engine::new(calendar(&c.calendar_dir())?);
    let rules = load_rules(c, &engine).await?;
    let objects = Objects::from_url(&c.objects_url()).map_err(anyhow::Error::msg)?;
    Ok(Screener {
        engine,
        rules,
        objects,
    })
}

pub async fn run(store: &Store, c: &Config, args: Args) -> Result<()> {
    let actor = crate::import::cli_actor(store, args.as_user.as_deref()).await?;
    let screener = screener(c).await?;
    let as_of = match &args.as_of {
        Some(s) => Some(
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .with_context(|| format!("--as-of “{s}” 应为 YYYY-MM-DD"))?,
        ),
        None => None,
    };
    let sel = Selection {
        dataset_ids: (!args.datasets.is_empty()).then(|| args.datasets.clone()),
        rule_ids: (!args.rules.is_empty()).then(|| args.rules.clone()),
        as_of,
    };
    let ctx = RequestCtx::cli();
    let scoped = store.as_actor(&actor, &ctx);
    let plan = screener.plan(&scoped, &sel).await?;
    eprintln!(
        "筛查 #{}：{} 个数据集，{} 条规则，截止日期 {}",
        plan.run_id,
        plan.datasets.len(),
        plan.rules.len(),
        plan.as_of
    );
    let screened = screener.execute(store, &plan).await?;
    let format = Format::from_path(&args.out);
    let tmp = args.out.with_extension("partial");
    {
        let file =
            std::fs::File::create(&tmp).with_context(|| format!("无法写入 {}", tmp.display()))?;
        let mut w = std::io::BufWriter::new(file);
        export::write(&screened.hits, format, &mut w)?;
        std::io::Write::flush(&mut w)?;
    }
    std::fs::rename(&tmp, &args.out)?;
    for c in &screened.counts {
        eprintln!(
            "  {:<18} 命中 {:>6}  资料不全 {:>6}  {:>6} ms",
            c.rule_id, c.hits, c.incomplete, c.millis
        );
    }
    for w in &screened.warnings {
        eprintln!("  警告：{w}");
    }
    let hits = screened
        .hits
        .iter()
        .filter(|h| h.outcome == xingjian_rules::Outcome::Hit)
        .count();
    println!(
        "已写入 {}：命中 {} 条，资料不全 {} 条（筛查 #{}）",
        args.out.display(),
        hits,
        screened.hits.len() - hits,
        plan.run_id
    );
    Ok(())
}

/// `xingjian rules`: list the rules in force, or fail with every problem.
pub async fn list(c: &Config) -> Result<()> {
    let engine = Engine::new(calendar(&c.calendar_dir())?);
    let rules = load_rules(c, &engine).await?;
    for r in &rules {
        let source = match &r.source {
            rule::Source::Core => "内置".to_owned(),
            rule::Source::File(f) => f.clone(),
        };
        println!(
            "{:<18} v{:<3} {:<6} {}（{}）",
            r.rule.id,
            r.rule.version,
            r.rule.severity.label(),
            r.rule.title,
            source
        );
    }
    println!("共 {} 条规则，均已通过检查。", rules.len());
    Ok(())
}

/// `xingjian calendar import FILE`: check a holiday file and keep it.
pub fn import_calendar(c: &Config, file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let mut cal = WorkCalendar::default_cn();
    cal.merge_csv(&text)
        .with_context(|| format!("{} 不是有效的节假日文件", file.display()))?;
    let Some(name) = file.file_name() else {
        bail!("无效的文件名");
    };
    let dir = c.calendar_dir();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), text)?;
    let (first, last) = cal.years().unwrap_or((0, 0));
    println!("已导入节假日安排，工作日历现覆盖 {first}–{last} 年。");
    Ok(())
}
