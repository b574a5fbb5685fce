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

    /// Planted case scenarios; `k` numbers the occurrence. Returns the rows.
    fn case_scenario(&mut self, s: usize, i: u64) -> Vec<Row> {
        let key = |suffix: &str| format!("S{i:09}{suffix}");
        let mut r = self.clean_case(i);
        let k = key("");
        r.set("案件编号", k.clone())
            .set("违法类型", "超限运输")
            .set("罚款金额", "2000")
            .set("当事人类型", "个人");
        let mut simple = self.clean_simple(i);
        simple.set("案件编号", k.clone());
        let t = "penalty_cases";
        match s {
            0 => {
                simple.set("罚款金额", "200.01");
                self.label("XCF-51", "hit", t, POLICE, &k);
                return vec![simple];
            }
            1 => {
                // exactly the limit for a 单位
                simple.set("当事人类型", "单位").set("罚款金额", "3000");
                return vec![simple];
            }
            2 => {
                r.set("事先告知", "否");
                self.label("XCF-44", "hit", t, TRANSPORT, &k);
            }
            3 => {
                let d = r.get("决定日期").to_owned();
                r.set("告知日期", d);
            }
            4 => {
                let d = date(r.get("决定日期")) + Duration::days(1);
                r.set("告知日期", ds(d));
                self.label("XCF-44", "hit", t, TRANSPORT, &k);
            }
            5..=8 => {
                // 90 days exactly; 91; 91 with approval; 91 with approval unknown
                let filing = date(r.get("立案日期"));
                let days = if s == 5 { 90 } else { 91 };
                let decision = filing + Duration::days(days);
                r.set("决定日期", ds(decision))
                    .set("送达日期", ds(decision))
                    .set("缴款日期", ds(decision + Duration::days(3)));
                if last_days(decision) {
                    // keep MONTH-END-SPIKE clean: shift the whole case
                    let f = filing - Duration::days(4);
                    let d = f + Duration::days(days);
                    r.set("立案日期", ds(f))
                        .set("告知日期", ds(f + Duration::days(2)))
                        .set("违法行为发生日期", ds(f))
                        .set("决定日期", ds(d))
                        .set("送达日期", ds(d));
                }
                match s {
                    6 => self.label("XCF-60", "hit", t, TRANSPORT, &k),
                    7 => {
                        r.set("延期批准", "是");
                    }
                    8 => {
                        r.set("延期批准", "");
                        self.label("XCF-60", "incomplete", t, TRANSPORT, &k);
                    }
                    _ => {}
                }
            }
            9 | 10 => {
                // delivery on the 7th working day (lawful) or the day after
                let decision = date(r.get("决定日期"));
                let due = self.cal.add_working_days(decision, 7).unwrap_or(decision);
                let delivery = if s == 9 { due } else { due + Duration::days(1) };
                r.set("送达方式", "邮寄").set("送达日期", ds(delivery));
                if s == 10 {
                    self.label("XCF-61", "hit", t, TRANSPORT, &k);
                }
            }
            11 | 12 => {
                // 国庆 2024: from 09-27 (Fri) the 7th working day is 10-12, counting the
                // make-up days 09-29 (Sun) and 10-12 (Sat); 春节 2024: from 02-07 it is
                // 02-22, counting the make-up Sunday 02-18.
                let (decision, due) = if s == 11 {
                    ("2024-09-27", "2024-10-12")
                } else {
                    ("2024-02-07", "2024-02-22")
                };
                let v = date(decision) - Duration::days(20);
                r.set("违法行为发生日期", ds(v))
                    .set("立案日期", ds(v))
                    .set("告知日期", ds(v + Duration::days(5)))
                    .set("决定日期", decision)
                    .set("送达方式", "留置");
                if i.is_multiple_of(2) {
                    r.set("送达日期", due);
                } else {
                    r.set("送达日期", ds(date(due) + Duration::days(1)));
                    self.label("XCF-61", "hit", t, TRANSPORT, &k);
                }
            }
            13 => {
                r.set("送达日期", "");
                self.label("XCF-61", "incomplete", t, TRANSPORT, &k);
            }
            14 => {
                r.set("罚款金额", "10000").set("听证告知", "否");
                self.label("XCF-63", "hit", t, TRANSPORT, &k);
            }
            15 => {
                r.set("罚款金额", "9999.99").set("听证告知", "否");
            }
            16 => {
                let v = simple.get("违法行为发生日期").to_owned();
                simple
                    .set("程序类型", "普通")
                    .set("立案日期", v.clone())
                    .set("罚款金额", "2000")
                    .set("听证告知", "否")
                    .set("事先告知", "是")
                    .set("告知日期", v)
                    .set("执法人员", "GA001;GA002")
                    .set("法制审核", "是")
                    .set("申请听证", "否")
                    .set("延期批准", "否");
                self.label("XCF-63", "hit", t, POLICE, &k);
                return vec![simple];
            }
            17 => {
                r.set("罚款金额", "50000").set("法制审核", "否");
                self.label("XCF-58", "hit", t, TRANSPORT, &k);
            }
            18 => {
                r.set("罚款金额", "49999").set("法制审核", "否");
            }
            19 => {
                r.set("处罚种类", "罚款、吊销许可证件")
                    .set("法制审核", "否");
                self.label("XCF-58", "hit", t, TRANSPORT, &k);
            }
            20 => {
                r.set("罚款金额", "20000").set("听证告知", "");
                self.label("XCF-63", "incomplete", t, TRANSPORT, &k);
            }
            21 => {
                simple.set("罚款金额", "100").set("收缴方式", "当场收缴");
                return vec![simple];
            }
            22 => {
                r.set("收缴方式", "当场收缴");
                self.label("XCF-68", "hit", t, TRANSPORT, &k);
            }
            23..=26 => {
                let (v, f) = match s {
                    23 => ("2022-03-01", "2024-03-01"),
                    24 => ("2022-03-01", "2024-03-02"),
                    25 => ("2020-02-29", "2022-02-28"),
                    _ => ("2020-02-29", "2022-03-01"),
                };
                let f = date(f);
                r.set("违法行为发生日期", v)
                    .set("立案日期", ds(f))
                    .set("告知日期", ds(f + Duration::days(5)))
                    .set("决定日期", ds(f + Duration::days(10)))
                    .set("送达日期", ds(f + Duration::days(11)));
                if s == 24 || s == 26 {
                    self.label("XCF-36", "hit", t, TRANSPORT, &k);
                }
            }
            27 => {
                r.set("执法人员", "JT001;JT-AUX");
                self.label("XCF-42", "hit", t, TRANSPORT, &k);
            }
            28 => {
                r.set("执法人员", "JT001;JT-EXPIRED");
                self.label("XCF-42", "hit", t, TRANSPORT, &k);
            }
            29 => {
                r.set("执法人员", "JT001;JT-NOBODY");
                self.label("XCF-42", "incomplete", t, TRANSPORT, &k);
            }
            30..=36 => {
                // 非法营运 fine ranges by law version
                r.set("违法类型", "非法营运").set("罚款金额", "30000");
                let (v, cat, gain, fine, out) = match s {
                    30 => ("2023-07-20", "普货", "0", "50000", None),
                    31 => ("2023-07-20", "普货", "0", "50001", Some("hit")),
                    32 => ("2023-07-19", "普货", "0", "29999", Some("hit")),
                    33 => ("2023-08-01", "客运", "0", "9999", Some("hit")),
                    34 => ("2023-08-01", "普货", "", "5000", Some("incomplete")),
                    35 => ("2023-08-01", "", "0", "5000", Some("incomplete")),
                    _ => ("2023-08-01", "危货", "20001", "40002", None),
                };
                let vd = date(v);
                r.set("违法行为发生日期", v)
                    .set("运输类别", cat)
                    .set("违法所得", gain)
                    .set("罚款金额", fine)
                    .set("立案日期", v)
                    .set("告知日期", ds(vd + Duration::days(5)))
                    .set("决定日期", ds(vd + Duration::days(8)))
                    .set("送达日期", ds(vd + Duration::days(8)));
                if fine == "50000" || fine == "50001" {
                    // 重大 threshold reached: reviewed, as it must be
                    r.set("法制审核", "是");
                }
                if let Some(o) = out {
                    self.label("DYT-63-RANGE", o, t, TRANSPORT, &k);
                }
            }
            37..=40 => {
                let plate = format!("豫H{i:07}");
                let v = date(r.get("违法行为发生日期"));
                r.set(
                    "违法类型",
                    if s.is_multiple_of(2) {
                        "网约车非法经营"
                    } else {
                        "非法营运"
                    },
                )
                .set("罚款金额", "30000")
                .set("车牌号", plate.clone());
                match s {
                    37 => {
                        self.permit(&plate, "网络预约出租汽车运输证", v - Duration::days(300), v);
                        self.label("PERMIT-HELD", "hit", t, TRANSPORT, &k);
                    }
                    38 => self.permit(
                        &plate,
                        "道路运输证",
                        v - Duration::days(300),
                        v - Duration::days(1),
                    ),
                    39 => self.permit(
                        &plate,
                        "出租汽车运输证",
                        v - Duration::days(300),
                        v + Duration::days(30),
                    ),
                    _ => {
                        r.set("车牌号", "");
                        self.label("PERMIT-HELD", "incomplete", t, TRANSPORT, &k);
                    }
                }
            }
            41 | 42 => {
                // three fines for one plate: first and third exactly 30 days apart (fires), or 31
                let plate = format!("豫K{i:07}");
                let offsets = [0, 10, if s == 41 { 30 } else { 31 }];
                let mut first = self.clean_decision(date("2023-01-01"), 0, 900);
                while offsets
                    .iter()
                    .any(|o| last_days(first + Duration::days(*o)))
                {
                    first += Duration::days(1);
                }
                let mut rows = Vec::new();
                for (n, off) in offsets.into_iter().enumerate() {
                    let mut x = self.clean_case(i);
                    let d = first + Duration::days(off);
                    x.set("案件编号", format!("{k}-{n}"))
                        .set("违法类型", "超限运输")
                        .set("罚款金额", "2000")
                        .set("车牌号", plate.clone())
                        .set("违法行为发生日期", ds(d - Duration::days(20)))
                        .set("立案日期", ds(d - Duration::days(20)))
                        .set("告知日期", ds(d - Duration::days(10)))
                        .set("决定日期", ds(d))
                        .set("送达日期", ds(d));
                    rows.push(x);
                }
                if s == 41 {
                    self.label("REPEAT-OVERLOAD", "hit", t, TRANSPORT, &plate);
                }
                return rows;
            }
            _ => {}
        }
        vec![r]
    }

    fn measure_scenario(&mut self, s: usize, i: u64) -> Option<Row> {
        let mut r = self.clean_measure(i);
        let k = format!("SM{i:09}");
        r.set("措施编号", k.clone())
            .set("执法机关", TRANSPORT)
            .set("措施类型", "扣押车辆")
            .set("执法人员", officer_pair(TRANSPORT, i));
        let t = "compulsory_measures";
        let start = date(&r.get("实施时间")[..10]);
        match s {
            0 => {
                r.set("决定书当场交付", "否");
                self.label("XQZ-24-DECISION", "hit", t, TRANSPORT, &k);
            }
            1 => {
                r.set("决定书当场交付", "");
                self.label("XQZ-24-DECISION", "incomplete", t, TRANSPORT, &k);
            }
            2 => {
                r.set("措施类型", "扣押物品").set("清单当场交付", "否");
                self.label("XQZ-24-INVENTORY", "hit", t, TRANSPORT, &k);
            }
            3 => {
                r.set("执法机关", POLICE)
                    .set("措施类型", "扣留驾驶证")
                    .set("清单当场交付", "否")
                    .set("执法人员", "GA001;GA002");
            }
            4 => {
                r.set("措施类型", "查封场所").set("清单当场交付", "");
                self.label("XQZ-24-INVENTORY", "incomplete", t, TRANSPORT, &k);
            }
            5 => {
                r.set("现场笔录", "否");
                self.label("XQZ-18-RECORD", "hit", t, TRANSPORT, &k);
            }
            6 => {
                r.set("当事人签名", "拒签").set("见证人签名", "否");
                self.label("XQZ-18-RECORD", "hit", t, TRANSPORT, &k);
            }
            7 => {
                r.set("当事人签名", "拒签").set("见证人签名", "是");
            }
            8 => {
                r.set("当事人到场", "否")
                    .set("当事人签名", "未签")
                    .set("见证人签名", "是");
            }
            9 => {
                r.set("告知理由依据权利", "否");
                self.label("XQZ-18-RIGHTS", "hit", t, TRANSPORT, &k);
            }
            10 => {
                r.set("执法人员", "JT002;JT-AUX");
                self.label("XQZ-18-OFFICERS", "hit", t, TRANSPORT, &k);
            }
            11 => {
                r.set("执法人员", "JT002;JT-NOBODY");
                self.label("XQZ-18-OFFICERS", "incomplete", t, TRANSPORT, &k);
            }
            12..=14 => {
                let st = format!("{} 09:30:00", ds(start));
                r.set("实施时间", st).set("情况紧急", "是");
                match s {
                    12 => {
                        r.set(
                            "报告批准时间",
                            format!("{} 09:30:00", ds(start + Duration::days(1))),
                        );
                    }
                    13 => {
                        r.set(
                            "报告批准时间",
                            format!("{} 09:30:01", ds(start + Duration::days(1))),
                        );
                        self.label("XQZ-19", "hit", t, TRANSPORT, &k);
                    }
                    _ => {
                        self.label("XQZ-19", "hit", t, TRANSPORT, &k);
                    }
                }
            }
            15..=21 => {
                let (held, extended, ext, appraisal, out) = match s {
                    15 => (30, "否", "", "", None),
                    16 => (31, "否", "", "", Some("hit")),
                    17 => (60, "是", "30", "", None),
                    18 => (61, "是", "30", "", Some("hit")),
                    19 => (20, "是", "31", "", Some("hit")),
                    20 => (35, "否", "", "5", None),
                    _ => (40, "是", "", "", Some("incomplete")),
                };
                r.set("解除日期", ds(start + Duration::days(held)))
                    .set("延长批准", extended)
                    .set("延长天数", ext)
                    .set("检测鉴定天数", appraisal);
                if let Some(o) = out {
                    self.label("XQZ-25", o, t, TRANSPORT, &k);
                }
            }
            22 => {
                // still held on the as-of date
                r.set("实施时间", "2026-01-05 10:00:00").set("解除日期", "");
                self.label("XQZ-25", "hit", t, TRANSPORT, &k);
            }
            23 => {
                r.set("保管费", "300");
                self.label("XQZ-26", "hit", t, TRANSPORT, &k);
                self.label("DYT-62", "hit", t, TRANSPORT, &k);
            }
            24 => {
                r.set("执法机关", POLICE)
                    .set("措施类型", "扣留车辆")
                    .set("保管费", "100")
                    .set("执法人员", "GA001;GA002");
                self.label("XQZ-26", "hit", t, POLICE, &k);
            }
            25 => {
                r.set("保管费", "");
                self.label("XQZ-26", "incomplete", t, TRANSPORT, &k);
                self.label("DYT-62", "incomplete", t, TRANSPORT, &k);
            }
            _ => return None,
        }
        Some(r)
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
