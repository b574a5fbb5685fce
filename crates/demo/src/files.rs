//! The 56 enforcement files the demo office retrieves from 区交通运输局 (调取卷宗):
//! 40 penalty cases of 社会车辆非法营运 and 16 vehicle seizures, written in the
//! import contract's Chinese columns so they go through the real importer.
//!
//! All are lawful on the core rules except five, which the screening flags:
//! four seizures (the seed's "行政强制措施不规范、现场笔录记录不全、未当场交付
//! 《行政强制措施决定书》") and one penalty case whose delivery date was typed
//! wrong, which the review dismisses with the postal receipt.

use chrono::{Duration, NaiveDate};

pub const AGENCY: &str = "区交通运输局";
pub const PENALTY_CASES: usize = 40;
pub const MEASURES: usize = 16;

/// Seizures the review confirms as problems (1-based measure numbers), and why.
pub const FLAGGED_MEASURES: [(usize, &str); 4] = [
    (3, "未当场交付《行政强制措施决定书》"),
    (7, "现场笔录无当事人签名，亦无见证人签名，笔录记录不全"),
    (
        11,
        "实施扣押前未告知当事人采取强制措施的理由、依据以及依法享有的权利、救济途径",
    ),
    (14, "未当场交付《行政强制措施决定书》和扣押清单"),
];

/// The penalty case whose late delivery is a data-entry error (dismissed in review).
pub const MISTYPED_DELIVERY: usize = 17;

const OFFICERS: [(&str, &str); 6] = [
    ("豫交执41010601", "张建国"),
    ("豫交执41010602", "李卫东"),
    ("豫交执41010603", "王海涛"),
    ("豫交执41010604", "赵永强"),
    ("豫交执41010605", "孙志刚"),
    ("豫交执41010606", "周明亮"),
];

const PARTIES: [&str; 16] = [
    "马某军",
    "杨某峰",
    "朱某伟",
    "胡某",
    "郭某强",
    "何某平",
    "高某亮",
    "林某",
    "罗某刚",
    "郑某华",
    "梁某",
    "谢某勇",
    "宋某涛",
    "唐某",
    "许某辉",
    "韩某",
];

const PLACES: [&str; 4] = [
    "上街区高铁站东广场",
    "上街区汽车站出站口",
    "上街区中心路与济源路交叉口",
    "上街区工业园区南门",
];

fn day0() -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 11, 1).unwrap_or_default()
}

/// The day of violation `i` (0-based): every other day from 2022-11-01.
pub fn violation_day(i: usize) -> NaiveDate {
    day0() + Duration::days(2 * i64::try_from(i).unwrap_or(0))
}

pub fn case_no(i: usize) -> String {
    let y = chrono::Datelike::year(&violation_day(i));
    format!("上交运罚〔{y}〕{}号", 101 + i)
}

pub fn measure_no(i: usize) -> String {
    let y = chrono::Datelike::year(&violation_day(i));
    format!("上交运扣〔{y}〕{}号", 21 + i)
}

pub fn plate(i: usize) -> String {
    format!("豫A·7{:04}", 3100 + i * 37)
}

pub fn party(i: usize) -> &'static str {
    PARTIES[i % PARTIES.len()]
}

fn id_number(i: usize) -> String {
    format!(
        "41010219{:02}{:02}{:02}{:03}{}",
        70 + i % 25,
        1 + i % 12,
        1 + i % 28,
        100 + i,
        i % 10
    )
}

fn officers(i: usize) -> String {
    let a = i % OFFICERS.len();
    let b = (i + 1) % OFFICERS.len();
    format!("{};{}", OFFICERS[a].0, OFFICERS[b].0)
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// 执法人员 of 区交通运输局, certificates valid throughout.
pub fn officers_csv() -> String {
    let mut s = String::from("执法证号,姓名,执法机关,人员类别,证件有效期起,证件有效期止\n");
    for (id, name) in OFFICERS {
        s.push_str(&format!(
            "{id},{name},{AGENCY},执法人员,2020-01-01,2028-12-31\n"
        ));
    }
    s
}

/// 行政处罚案件: 非法营运 before the 2023 revision, fined 30,000 元 (the
/// lowest amount of 道路运输条例第六十三条 as then in force), hearing offered,
/// legal review done, delivered in person within two days.
pub fn penalty_cases_csv() -> String {
    let mut s = String::from(
        "案件编号,执法机关,执法领域,违法类型,运输类别,违法行为发生日期,违法地点,立案日期,程序类型,当事人类型,当事人,\
         证件号码,车牌号,执法人员,事先告知,告知日期,陈述申辩,听证告知,申请听证,法制审核,集体讨论,延期批准,决定日期,\
         处罚种类,罚款金额,违法所得,法律依据,送达方式,送达日期,收缴方式,缴款日期,结案日期\n",
    );
    for i in 0..PENALTY_CASES {
        let v = violation_day(i);
        let decided = v + Duration::days(20);
        let (method, delivered) = if i + 1 == MISTYPED_DELIVERY {
            ("邮寄", decided + Duration::days(24))
        } else {
            ("直接", decided + Duration::days(2))
        };
        let fields = [
            case_no(i),
            AGENCY.into(),
            "交通运输".into(),
            "非法营运".into(),
            "客运".into(),
            ymd(v),
            PLACES[i % PLACES.len()].into(),
            ymd(v),
            "普通".into(),
            "个人".into(),
            party(i).into(),
            id_number(i),
            plate(i),
            officers(i),
            "是".into(),
            ymd(v + Duration::days(10)),
            "是".into(),
            "是".into(),
            "否".into(),
            "是".into(),
            "否".into(),
            "否".into(),
            ymd(decided),
            "罚款".into(),
            "30000".into(),
            format!("{}", 200 + 40 * (i % 10)),
            "道路运输条例第六十三条".into(),
            method.into(),
            ymd(delivered),
            "银行缴纳".into(),
            ymd(decided + Duration::days(9)),
            ymd(decided + Duration::days(12)),
        ];
        s.push_str(&fields.join(","));
        s.push('\n');
    }
    s
}

/// 行政强制措施: vehicles seized in the first 16 cases, released after 15 days.
pub fn compulsory_measures_csv() -> String {
    let mut s = String::from(
        "措施编号,关联案件编号,执法机关,措施类型,车牌号,当事人,实施时间,情况紧急,报告批准时间,执法人员,告知理由依据权利,\
         现场笔录,当事人到场,当事人签名,见证人签名,决定书当场交付,清单当场交付,期限天数,延长批准,延长天数,检测鉴定天数,\
         解除日期,保管费\n",
    );
    for i in 0..MEASURES {
        let n = i + 1;
        let v = violation_day(i);
        let rights = if n == 11 { "否" } else { "是" };
        let signature = if n == 7 { "未签" } else { "已签" };
        let decision = if n == 3 || n == 14 { "否" } else { "是" };
        let inventory = if n == 14 { "否" } else { "是" };
        let fields = [
            measure_no(i),
            case_no(i),
            AGENCY.into(),
            "扣押车辆".into(),
            plate(i),
            party(i).into(),
            format!("{} 10:30", ymd(v)),
            "否".into(),
            format!("{} 10:00", ymd(v)),
            officers(i),
            rights.into(),
            "是".into(),
            "是".into(),
            signature.into(),
            "否".into(),
            decision.into(),
            inventory.into(),
            "30".into(),
            "否".into(),
            "0".into(),
            "0".into(),
            ymd(v + Duration::days(15)),
            "0".into(),
        ];
        s.push_str(&fields.join(","));
        s.push('\n');
    }
    s
}

/// The 56 file numbers, as the 调取卷宗 request lists them.
pub fn file_numbers() -> Vec<String> {
    (0..PENALTY_CASES)
        .map(case_no)
        .chain((0..MEASURES).map(measure_no))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_six_distinct_files() {
        let mut n = file_numbers();
        assert_eq!(n.len(), 56);
        n.sort();
        n.dedup();
        assert_eq!(n.len(), 56);
        assert_eq!(id_number(3).chars().count(), 18);
        assert_eq!(penalty_cases_csv().lines().count(), 41);
        assert_eq!(compulsory_measures_csv().lines().count(), 17);
        // Every line has as many cells as the header.
        for csv in [
            penalty_cases_csv(),
            compulsory_measures_csv(),
            officers_csv(),
        ] {
            let width = csv.lines().next().map(|h| h.split(',').count());
            assert!(csv.lines().all(|l| Some(l.split(',').count()) == width));
        }
    }
}
