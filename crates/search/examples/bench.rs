//! The search benchmark (bench/search/run.sh): N synthetic documents of the
//! office's kinds in Chinese, indexed on disk; then 1-, 2- and 3-term queries
//! and plate lookups, as a prosecutor and as a liaison (whose audience filter
//! sits inside the query). Prints indexing docs/s and query p50/p99.
//!
//!   cargo run --profile bench-fast -p xingjian-search --example bench -- 1000000 /tmp/xj-search
//!   REUSE=1 … (search the index left by the last run)

use std::time::Instant;
use xingjian_domain::search::{SearchDoc, exact_key};
use xingjian_domain::{Actor, AgencyId, Role, UserId};
use xingjian_search::{SearchIndex, SearchQuery};

const WORDS: &[&str] = &[
    "扣押车辆",
    "现场笔录",
    "决定书",
    "当场交付",
    "非法营运",
    "网约车",
    "货车",
    "超限",
    "超载",
    "执法人员",
    "行政处罚",
    "罚款",
    "听证",
    "告知",
    "陈述申辩",
    "法制审核",
    "送达",
    "强制措施",
    "扣押清单",
    "当事人",
    "签名",
    "见证人",
    "高铁站",
    "汽车站",
    "货运站",
    "检测站",
    "交通运输局",
    "公安局",
    "司法局",
    "教育局",
    "检察建议",
    "整改",
    "约谈",
    "警示教育",
    "规章制度",
    "联席会议",
    "座谈会",
    "线索移送",
    "信息共享",
    "案情通报",
    "逐利执法",
    "执法不规范",
    "简单僵化",
    "执法粗暴",
    "执法寻租",
    "调查核实",
    "询问",
    "卷宗",
    "评查",
    "校车",
    "学生",
    "安全隐患",
    "专项行动",
    "违法所得",
    "道路运输",
    "许可证",
    "驾驶证",
    "营运证",
    "出租车",
    "客运",
];

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[usize::try_from(self.next()).unwrap_or(0) % xs.len()]
    }
}

const KINDS: [&str; 8] = [
    "clue",
    "review_file",
    "inquiry",
    "recommendation",
    "meeting",
    "exchange",
    "file_request",
    "case",
];

fn plate(i: u64) -> String {
    format!("豫A{:05}", i % 100_000)
}

fn doc(i: u64, rng: &mut Lcg) -> SearchDoc {
    let kind = KINDS[usize::try_from(i).unwrap_or(0) % KINDS.len()];
    let agency = 1 + i % 20;
    let title: Vec<&str> = (0..4).map(|_| rng.pick(WORDS)).collect();
    let body: Vec<&str> = (0..40).map(|_| rng.pick(WORDS)).collect();
    let p = plate(i);
    SearchDoc {
        key: format!("{kind}:{i}"),
        group: format!("{kind}:{i}"),
        kind: kind.into(),
        url: format!("/{kind}/{i}"),
        title: format!("关于{}的{}", title[..3].join(""), title[3]),
        body: format!("车牌{p}，{}。", body.join("，")),
        exact: vec![exact_key(&p), exact_key(&format!("上交运罚〔2023〕{i}号"))],
        agencies: vec![format!("第{agency}执法机关")],
        date: format!("20{:02}-{:02}-{:02}", 20 + i % 7, 1 + i % 12, 1 + i % 28),
        // Every document is open to prosecutors (their audience clause is
        // left out of the query); all but one to assistants (theirs is kept:
        // the worst case, an intersection with a term on every other document).
        audience: std::iter::once("role:prosecutor".to_owned())
            .chain((i != 0).then(|| "role:assistant".to_owned()))
            .chain(std::iter::once(format!("agency:{agency}")))
            .collect(),
        ..Default::default()
    }
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or(0.0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::path::PathBuf::from(args.get(2).cloned().unwrap_or("/tmp/xj-search".into()));
    // REUSE=1 searches the index a previous run left in the directory.
    let reuse = std::env::var("REUSE").is_ok_and(|v| v == "1") && dir.exists();
    if !reuse {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let idx = SearchIndex::open(&dir, None)?;
    let mut rng = Lcg(42);
    if !reuse {
        let started = Instant::now();
        let batch = 100_000;
        let mut done = 0;
        while done < n {
            let docs: Vec<SearchDoc> = (done..(done + batch).min(n))
                .map(|i| doc(i, &mut rng))
                .collect();
            idx.add(&docs).await?;
            done += docs.len() as u64;
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "indexed {n} documents in {secs:.1} s: {:.0} docs/s",
            n as f64 / secs
        );
    }
    println!("{} documents in {} segments", idx.len(), idx.segments());
    let who = |role: Role, agency: Option<i64>| Actor {
        user_id: UserId(1),
        username: "bench".into(),
        display_name: "bench".into(),
        role,
        agency_id: agency.map(AgencyId),
    };
    println!("| query | as | p50 ms | p99 ms | p99 by relevance | p99 by date | mean hits |");
    println!("|---|---|---|---|---|---|---|");
    for (label, actor) in [
        ("prosecutor", who(Role::Prosecutor, None)),
        ("assistant", who(Role::Assistant, None)),
        ("liaison", who(Role::Liaison, Some(7))),
    ] {
        for (terms, no_facets) in [
            (1, false),
            (2, false),
            (3, false),
            (0, false),
            (1, true),
            (3, true),
        ] {
            let mut times = Vec::new();
            let mut by_sort = [Vec::new(), Vec::new()];
            let mut hits = 0usize;
            for k in 0..300 {
                let q = if terms == 0 {
                    // A plate typed the way people do.
                    format!("豫a·{:05}", rng.next() % n.min(100_000))
                } else {
                    (0..terms)
                        .map(|_| rng.pick(WORDS))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let sq = SearchQuery {
                    q,
                    sort: if k % 2 == 0 {
                        String::new()
                    } else {
                        "date".into()
                    },
                    no_facets,
                    ..Default::default()
                };
                let t = Instant::now();
                let r = idx.search(&actor, &sq)?;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                times.push(ms);
                by_sort[k % 2].push(ms);
                hits += r.total;
            }
            let name = match (terms, no_facets) {
                (0, _) => "plate".to_owned(),
                (t, false) => format!("{t}-term"),
                (t, true) => format!("{t}-term, no facets"),
            };
            let mean = hits / times.len();
            let [relevance, date] = &mut by_sort;
            println!(
                "| {name} | {label} | {:.1} | {:.1} | {:.1} | {:.1} | {mean} |",
                pct(&mut times.clone(), 0.5),
                pct(&mut times, 0.99),
                pct(relevance, 0.99),
                pct(date, 0.99)
            );
        }
    }
    Ok(())
}
