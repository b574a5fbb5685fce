//! Synthetic enforcement records in the import contract's format.
//!
//! Most rows are clean: every field a rule needs is filled and lawful, so no
//! rule fires and none is 资料不全. Among them, at a fixed period, planted
//! scenarios: a violation of each core rule, records with exactly the fields
//! a rule needs left blank, and boundary cases that must not fire (exact
//! limits; the 7th working day across 春节/国庆 and make-up workdays; 24 hours
//! exactly; 30 + 30 days). `labels.csv` lists the lines a correct screening
//! must give, as of [`AS_OF`], and nothing else.
//!
//! Output is deterministic for a given seed and size.

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::path::Path;
use xingjian_calendar::WorkCalendar;

mod scenarios;

/// The as-of date the labels assume (for measures not yet released).
pub const AS_OF: &str = "2026-06-30";

pub const TRANSPORT: &str = "区交通运输局";
pub const POLICE: &str = "区公安局交警大队";

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub cases: u64,
    pub measures: u64,
    pub permits: u64,
    pub seed: u64,
    /// Split the penalty cases into files of this many rows (0: one file).
    pub rows_per_file: u64,
}

impl Options {
    /// The benchmark's proportions: one measure and one permit per ten cases.
    pub fn for_cases(cases: u64) -> Options {
        Options {
            cases,
            measures: cases / 10,
            permits: cases / 10,
            seed: 20231016,
            rows_per_file: 0,
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub cases: u64,
    pub measures: u64,
    pub officers: u64,
    pub permits: u64,
    pub labels: u64,
}

const CASE_COLUMNS: [&str; 33] = [
    "案件编号",
    "执法机关",
    "执法领域",
    "违法类型",
    "运输类别",
    "违法行为发生日期",
    "违法地点",
    "立案日期",
    "程序类型",
    "当事人类型",
    "当事人",
    "证件号码",
    "车牌号",
    "执法人员",
    "事先告知",
    "告知日期",
    "陈述申辩",
    "听证告知",
    "申请听证",
    "法制审核",
    "集体讨论",
    "延期批准",
    "决定日期",
    "处罚种类",
    "罚款金额",
    "违法所得",
    "法律依据",
    "送达方式",
    "送达日期",
    "收缴方式",
    "缴款日期",
    "结案日期",
    "备注",
];

const MEASURE_COLUMNS: [&str; 23] = [
    "措施编号",
    "关联案件编号",
    "执法机关",
    "措施类型",
    "车牌号",
    "当事人",
    "实施时间",
    "情况紧急",
    "报告批准时间",
    "执法人员",
    "告知理由依据权利",
    "现场笔录",
    "当事人到场",
    "当事人签名",
    "见证人签名",
    "决定书当场交付",
    "清单当场交付",
    "期限天数",
    "延长批准",
    "延长天数",
    "检测鉴定天数",
    "解除日期",
    "保管费",
];

/// One row: values by column name, starting from a clean template.
struct Row {
    cols: &'static [&'static str],
    values: Vec<String>,
}

impl Row {
    fn new(cols: &'static [&'static str]) -> Row {
        Row {
            cols,
            values: vec![String::new(); cols.len()],
        }
    }

    fn set(&mut self, col: &str, v: impl Into<String>) -> &mut Row {
        if let Some(i) = self.cols.iter().position(|c| *c == col) {
            self.values[i] = v.into();
        }
        self
    }

    fn get(&self, col: &str) -> &str {
        self.cols
            .iter()
            .position(|c| *c == col)
            .map_or("", |i| self.values[i].as_str())
    }
}

struct Label {
    rule: &'static str,
    outcome: &'static str,
    table: &'static str,
    agency: String,
    key: String,
}

struct Gen {
    rng: StdRng,
    cal: WorkCalendar,
    labels: Vec<Label>,
    permits: Vec<[String; 6]>,
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

fn ds(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn last_days(d: NaiveDate) -> bool {
    (d + Duration::days(3)).month() != d.month()
}

fn officer_pair(agency: &str, i: u64) -> String {
    let p = if agency == TRANSPORT { "JT" } else { "GA" };
    let a = i % 40;
    let b = (i / 40 + a + 1) % 40;
    let b = if b == a { (a + 1) % 40 } else { b };
    format!("{p}{a:03};{p}{b:03}")
}

impl Gen {
    fn label(
        &mut self,
        rule: &'static str,
        outcome: &'static str,
        table: &'static str,
        agency: &str,
        key: &str,
    ) {
        self.labels.push(Label {
            rule,
            outcome,
            table,
            agency: agency.to_owned(),
            key: key.to_owned(),
        });
    }

    fn day_between(&mut self, from: &str, to: &str) -> NaiveDate {
        let (a, b) = (date(from), date(to));
        let span = (b - a).num_days().max(1);
        a + Duration::days(self.rng.gen_range(0..span))
    }

    /// A decision date that is not in the last three days of its month (clean rows
    /// keep MONTH-END-SPIKE's overall share at zero).
    fn clean_decision(&mut self, after: NaiveDate, min: i64, max: i64) -> NaiveDate {
        let mut d = after + Duration::days(self.rng.gen_range(min..=max));
        while last_days(d) {
            d -= Duration::days(1);
        }
        d
    }

    /// A clean 普通 transport case.
    fn clean_case(&mut self, i: u64) -> Row {
        let mut r = Row::new(&CASE_COLUMNS);
        let v = self.day_between("2022-01-01", "2026-03-31");
        let filing = v + Duration::days(self.rng.gen_range(0..=5));
        let notice = filing + Duration::days(self.rng.gen_range(3..=20));
        let decision = self.clean_decision(notice, 5, 30);
        let delivery = decision + Duration::days(self.rng.gen_range(0..=2));
        let kinds = ["超限运输", "货车超载", "非法营运", "客车超员"];
        let vt = kinds[(i % 4) as usize];
        let individual = self.rng.gen_bool(0.7);
        r.set("案件编号", format!("JT{i:09}"))
            .set("执法机关", TRANSPORT)
            .set("执法领域", "交通运输")
            .set("违法类型", vt)
            .set(
                "运输类别",
                if vt == "客车超员" {
                    "客运"
                } else {
                    "普货"
                },
            )
            .set("违法行为发生日期", ds(v))
            .set("违法地点", "上街区中心路")
            .set("立案日期", ds(filing))
            .set("程序类型", "普通")
            .set("当事人类型", if individual { "个人" } else { "单位" })
            .set(
                "当事人",
                if individual {
                    "张某"
                } else {
                    "某物流有限公司"
                },
            )
            .set(
                "证件号码",
                if individual {
                    "410106199001011234"
                } else {
                    "91410106MA3X000000"
                },
            )
            .set("车牌号", format!("豫A{i:07}"))
            .set("执法人员", officer_pair(TRANSPORT, i))
            .set("事先告知", "是")
            .set("告知日期", ds(notice))
            .set("陈述申辩", "放弃")
            .set("听证告知", "是")
            .set("申请听证", "否")
            .set("法制审核", "是")
            .set("集体讨论", "否")
            .set("延期批准", "否")
            .set("决定日期", ds(decision))
            .set("处罚种类", "罚款")
            .set(
                "罚款金额",
                if vt == "非法营运" {
                    "30000"
                } else {
                    "2000"
                },
            )
            .set("违法所得", "0")
            .set(
                "法律依据",
                if vt == "非法营运" {
                    "道路运输条例第六十三条"
                } else {
                    "公路安全保护条例第六十四条"
                },
            )
            .set("送达方式", "直接")
            .set("送达日期", ds(delivery))
            .set("收缴方式", "银行缴纳")
            .set("缴款日期", ds(delivery + Duration::days(5)))
            .set("结案日期", ds(delivery + Duration::days(10)));
        r
    }

    /// A clean 简易 traffic-police case: one officer, fine 200, delivered on the spot.
    fn clean_simple(&mut self, i: u64) -> Row {
        let mut r = Row::new(&CASE_COLUMNS);
        let v = self.day_between("2022-01-01", "2026-05-31");
        let v = if last_days(v) {
            v - Duration::days(3)
        } else {
            v
        };
        r.set("案件编号", format!("GA{i:09}"))
            .set("执法机关", POLICE)
            .set("执法领域", "公安交管")
            .set("违法类型", "货车超载")
            .set("违法行为发生日期", ds(v))
            .set("程序类型", "简易")
            .set("当事人类型", "个人")
            .set("当事人", "李某")
            .set("车牌号", format!("豫G{i:07}"))
            .set(
                "执法人员",
                officer_pair(POLICE, i).split(';').next().unwrap_or("GA000"),
            )
            .set("决定日期", ds(v))
            .set("处罚种类", "罚款")
            .set("罚款金额", "200")
            .set("送达方式", "当场")
            .set("送达日期", ds(v))
            .set("收缴方式", "银行缴纳");
        r
    }

    fn clean_measure(&mut self, i: u64) -> Row {
        let mut r = Row::new(&MEASURE_COLUMNS);
        let start = self.day_between("2022-01-01", "2026-05-31");
        let transport = i.is_multiple_of(2);
        let agency = if transport { TRANSPORT } else { POLICE };
        let held = self.rng.gen_range(1..=30);
        r.set("措施编号", format!("M{i:09}"))
            .set("执法机关", agency)
            .set(
                "措施类型",
                if transport {
                    "扣押车辆"
                } else {
                    "扣留车辆"
                },
            )
            .set("车牌号", format!("豫M{i:07}"))
            .set("当事人", "王某")
            .set(
                "实施时间",
                format!(
                    "{} {:02}:{:02}:00",
                    ds(start),
                    self.rng.gen_range(7..20),
                    self.rng.gen_range(0..60)
                ),
            )
            .set("情况紧急", "否")
            .set("执法人员", officer_pair(agency, i))
            .set("告知理由依据权利", "是")
            .set("现场笔录", "是")
            .set("当事人到场", "是")
            .set("当事人签名", "已签")
            .set("见证人签名", "否")
            .set("决定书当场交付", "是")
            .set("清单当场交付", "是")
            .set("期限天数", "30")
            .set("延长批准", "否")
            .set("解除日期", ds(start + Duration::days(held)))
            .set("保管费", "0");
        r
    }

    fn permit(&mut self, plate: &str, kind: &str, from: NaiveDate, to: NaiveDate) {
        let n = self.permits.len();
        self.permits.push([
            plate.to_owned(),
            kind.to_owned(),
            format!("豫交运管{n:08}"),
            "某运输公司".into(),
            ds(from),
            ds(to),
        ]);
    }
}

const CASE_SCENARIOS: usize = 43;
const MEASURE_SCENARIOS: usize = 26;
/// One planted scenario every this many rows.
const PERIOD: u64 = 7;

fn writer(
    dir: &Path,
    name: &str,
) -> std::io::Result<csv::Writer<std::io::BufWriter<std::fs::File>>> {
    let f = std::fs::File::create(dir.join(name))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    w.write_all("\u{feff}".as_bytes())?;
    Ok(csv::Writer::from_writer(w))
}

/// Write `penalty_cases.csv`, `compulsory_measures.csv`, `officers.csv`,
/// `vehicle_permits.csv` and `labels.csv` into `dir`.
pub fn generate(opts: Options, dir: &Path) -> std::io::Result<Summary> {
    std::fs::create_dir_all(dir)?;
    let mut g = Gen {
        rng: StdRng::seed_from_u64(opts.seed),
        cal: WorkCalendar::default_cn(),
        labels: Vec::new(),
        permits: Vec::new(),
    };
    let mut sum = Summary::default();

    let case_file = |n: u64| {
        if opts.rows_per_file == 0 {
            "penalty_cases.csv".to_owned()
        } else {
            format!("penalty_cases-{n:04}.csv")
        }
    };
    let mut part = 0;
    let mut w = writer(dir, &case_file(part))?;
    w.write_record(CASE_COLUMNS)?;
    let mut planted = 0usize;
    for i in 0..opts.cases {
        if opts.rows_per_file > 0 && i > 0 && i % opts.rows_per_file == 0 {
            w.flush()?;
            part += 1;
            w = writer(dir, &case_file(part))?;
            w.write_record(CASE_COLUMNS)?;
        }
        let rows = if i % PERIOD == PERIOD - 1 {
            planted += 1;
            g.case_scenario(planted % CASE_SCENARIOS, i)
        } else if i % 3 == 1 {
            vec![g.clean_simple(i)]
        } else {
            vec![g.clean_case(i)]
        };
        for r in rows {
            w.write_record(&r.values)?;
            sum.cases += 1;
        }
    }
    // MONTH-END-SPIKE: two officers deciding 150 cases together, all in the last
    // three days of the month; and two with 99 such cases (too few to compare).
    if opts.cases >= 1000 {
        for (prefix, officers, n, fires) in [
            ("SPIKE", "JT-SPIKE1;JT-SPIKE2", 150u64, true),
            ("LOW", "JT-LOW1;JT-LOW2", 99, false),
        ] {
            for j in 0..n {
                let mut r = g.clean_case(j);
                let month = date("2023-01-01") + Duration::days(31 * (j as i64 % 36));
                let end = NaiveDate::from_ymd_opt(month.year(), month.month(), 1)
                    .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                    .unwrap_or(month)
                    - Duration::days(1 + (j as i64 % 3));
                r.set("案件编号", format!("{prefix}{j:06}"))
                    .set("违法类型", "超限运输")
                    .set("罚款金额", "2000")
                    .set("车牌号", format!("豫{prefix}{j:06}"))
                    .set("当事人类型", "个人")
                    .set("执法人员", officers)
                    .set("违法行为发生日期", ds(end - Duration::days(20)))
                    .set("立案日期", ds(end - Duration::days(20)))
                    .set("告知日期", ds(end - Duration::days(10)))
                    .set("决定日期", ds(end))
                    .set("送达日期", ds(end));
                w.write_record(&r.values)?;
                sum.cases += 1;
            }
            if fires {
                g.label("MONTH-END-SPIKE", "hit", "officers", TRANSPORT, "JT-SPIKE1");
                g.label("MONTH-END-SPIKE", "hit", "officers", TRANSPORT, "JT-SPIKE2");
            }
        }
    }
    w.flush()?;

    let mut w = writer(dir, "compulsory_measures.csv")?;
    w.write_record(MEASURE_COLUMNS)?;
    let mut planted = 0usize;
    for i in 0..opts.measures {
        let row = if i % PERIOD == PERIOD - 1 {
            planted += 1;
            g.measure_scenario(planted % MEASURE_SCENARIOS, i)
        } else {
            None
        };
        let row = match row {
            Some(r) => r,
            None => g.clean_measure(i),
        };
        w.write_record(&row.values)?;
        sum.measures += 1;
    }
    w.flush()?;

    let mut w = writer(dir, "officers.csv")?;
    w.write_record([
        "执法证号",
        "姓名",
        "执法机关",
        "人员类别",
        "证件有效期起",
        "证件有效期止",
    ])?;
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    for (prefix, agency) in [("JT", TRANSPORT), ("GA", POLICE)] {
        for n in 0..40 {
            let name = format!("{}{}", surnames[n % 10], ["伟", "芳", "军", "静"][n / 10]);
            w.write_record([
                format!("{prefix}{n:03}"),
                name,
                agency.into(),
                "执法人员".into(),
                "2015-01-01".into(),
                "2030-12-31".into(),
            ])?;
            sum.officers += 1;
        }
    }
    for row in [
        [
            "JT-AUX",
            "辅助甲",
            TRANSPORT,
            "辅助人员",
            "2015-01-01",
            "2030-12-31",
        ],
        [
            "JT-EXPIRED",
            "过期乙",
            TRANSPORT,
            "执法人员",
            "2015-01-01",
            "2021-12-31",
        ],
        [
            "JT-SPIKE1",
            "月末丙",
            TRANSPORT,
            "执法人员",
            "2015-01-01",
            "2030-12-31",
        ],
        [
            "JT-SPIKE2",
            "月末丁",
            TRANSPORT,
            "执法人员",
            "2015-01-01",
            "2030-12-31",
        ],
        [
            "JT-LOW1",
            "月末戊",
            TRANSPORT,
            "执法人员",
            "2015-01-01",
            "2030-12-31",
        ],
        [
            "JT-LOW2",
            "月末己",
            TRANSPORT,
            "执法人员",
            "2015-01-01",
            "2030-12-31",
        ],
    ] {
        w.write_record(row)?;
        sum.officers += 1;
    }
    w.flush()?;

    let mut w = writer(dir, "vehicle_permits.csv")?;
    w.write_record([
        "车牌号",
        "许可类型",
        "证号",
        "持有人",
        "有效期起",
        "有效期止",
    ])?;
    for i in 0..opts.permits {
        let from = g.day_between("2021-01-01", "2025-12-31");
        let kind = ["道路运输证", "网络预约出租汽车运输证", "出租汽车运输证"][(i % 3) as usize];
        g.permit(
            &format!("豫P{i:07}"),
            kind,
            from,
            from + Duration::days(365 * 3),
        );
    }
    for p in &g.permits {
        w.write_record(p)?;
        sum.permits += 1;
    }
    w.flush()?;

    let mut w = writer(dir, "labels.csv")?;
    w.write_record(["rule_id", "outcome", "table", "agency", "record_key"])?;
    g.labels
        .sort_by(|a, b| (a.rule, &a.agency, &a.key).cmp(&(b.rule, &b.agency, &b.key)));
    for l in &g.labels {
        w.write_record([
            l.rule,
            l.outcome,
            l.table,
            l.agency.as_str(),
            l.key.as_str(),
        ])?;
        sum.labels += 1;
    }
    w.flush()?;
    Ok(sum)
}
