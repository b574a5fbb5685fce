//! Reading one cell: dates, date-times, three-valued booleans, money, lists, plates.
//!
//! Every parser takes the raw text and returns the value or a reason in
//! Chinese that names the value and says what would have been understood.
//! Empty (after trimming) is always `Value::Null`: unknown, never "no".

use crate::contract::ColumnKind;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;
use std::borrow::Cow;

/// A parsed cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Text(String),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Bool(bool),
    /// Money in fen (1/100 yuan).
    Fen(i64),
    Int(i64),
    List(Vec<String>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

fn is_full_width(c: char) -> bool {
    matches!(c, '\u{3000}' | '\u{FF01}'..='\u{FF5E}')
}

/// Full-width ASCII forms and the ideographic space become their ASCII twins
/// (borrowed when there are none, as in almost every cell).
pub fn half_width(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || !s.chars().any(is_full_width) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{3000}' => ' ',
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect(),
    )
}

/// `dddd-dd-dd` exactly: the contract's own form, read without allocating.
fn iso_date(b: &[u8]) -> Option<Option<NaiveDate>> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    Some(NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d))
}

/// Parse a cell of `kind`.
pub fn parse(kind: ColumnKind, raw: &str) -> Result<Value, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(Value::Null);
    }
    match kind {
        ColumnKind::Text => Ok(Value::Text(t.to_owned())),
        ColumnKind::Choice(options) => parse_choice(options, t).map(|s| Value::Text(s.to_owned())),
        ColumnKind::Date => parse_date(t).map(Value::Date),
        ColumnKind::DateTime => parse_datetime(t).map(Value::DateTime),
        ColumnKind::Bool => parse_bool(t).map(Value::Bool),
        ColumnKind::Money => parse_money(t).map(Value::Fen),
        ColumnKind::Integer => parse_integer(t).map(Value::Int),
        ColumnKind::List => Ok(Value::List(parse_list(t))),
        ColumnKind::Plate => {
            let p = normalize_plate(t);
            if p.is_empty() {
                Ok(Value::Null)
            } else {
                Ok(Value::Text(p))
            }
        }
    }
}

/// `2023-10-16`, `2023/10/16`, `2023.10.16`, `20231016`, `2023年10月16日` (month and day may be one digit).
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    if let Some(d) = iso_date(raw.trim().as_bytes()) {
        return d.ok_or_else(|| format!("日期“{raw}”不存在"));
    }
    let s = half_width(raw.trim());
    let bad = || {
        format!(
            "日期“{raw}”无法识别，应为 2023-10-16、2023/10/16、2023.10.16、20231016 或 2023年10月16日"
        )
    };
    let normalized: String = if s.len() == 8 && s.chars().all(|c| c.is_ascii_digit()) {
        format!("{}-{}-{}", &s[0..4], &s[4..6], &s[6..8])
    } else {
        s.replace(['年', '月', '/', '.'], "-")
            .trim_end_matches('日')
            .to_owned()
    };
    let parts: Vec<&str> = normalized.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return Err(bad());
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err(bad());
    };
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("日期“{raw}”不存在"))
}

/// A date as above followed by `HH:MM` or `HH:MM:SS` (local time).
pub fn parse_datetime(raw: &str) -> Result<NaiveDateTime, String> {
    // `dddd-dd-dd dd:dd:dd`, the contract's own form, without allocating.
    let b = raw.trim().as_bytes();
    if b.len() == 19 && b[10] == b' ' && b[13] == b':' && b[16] == b':' {
        let two = |i: usize| -> Option<u32> {
            (b[i].is_ascii_digit() && b[i + 1].is_ascii_digit())
                .then(|| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0'))
        };
        if let (Some(Some(date)), Some(h), Some(m), Some(sec)) =
            (iso_date(&b[..10]), two(11), two(14), two(17))
            && let Some(t) = NaiveTime::from_hms_opt(h, m, sec)
        {
            return Ok(date.and_time(t));
        }
    }
    let s = half_width(raw.trim());
    let split = s
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || *c == 'T')
        .map(|(i, c)| (s[..i].to_owned(), s[i + c.len_utf8()..].trim().to_owned()));
    let Some((date, time)) = split.filter(|(_, t)| !t.is_empty()) else {
        return Err(format!(
            "时间“{raw}”缺少时分，应为 2023-10-16 09:30 或 2023-10-16 09:30:00"
        ));
    };
    let date = parse_date(&date)?;
    let time = NaiveTime::parse_from_str(&time, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(&time, "%H:%M"))
        .map_err(|_| format!("时间“{raw}”中的时分无法识别，应为 09:30 或 09:30:00"))?;
    Ok(date.and_time(time))
}

/// 是/否, Y/N, true/false, 1/0, 有/无 (and yes/no).
pub fn parse_bool(raw: &str) -> Result<bool, String> {
    // The contract's own 是/否 first, without allocating.
    match raw.trim() {
        "是" => return Ok(true),
        "否" => return Ok(false),
        _ => {}
    }
    match half_width(raw.trim()).to_lowercase().as_str() {
        "是" | "y" | "yes" | "true" | "1" | "有" => Ok(true),
        "否" | "n" | "no" | "false" | "0" | "无" => Ok(false),
        _ => Err(format!(
            "“{raw}”不是有效的是否值，可填 是/否、Y/N、true/false、1/0、有/无"
        )),
    }
}

/// Yuan with up to two decimals; `元`, thousands separators, `万`/`万元` (×10,000). Returns fen.
pub fn parse_money(raw: &str) -> Result<i64, String> {
    let s: String = half_width(raw.trim())
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '，')
        .collect();
    let s = s.strip_suffix('元').unwrap_or(&s);
    let (number, wan) = match s.strip_suffix('万') {
        Some(n) => (n, true),
        None => (s, false),
    };
    let bad = || format!("金额“{raw}”无法识别，应为元（最多两位小数），可带“元”“万元”及千位分隔符");
    if number.starts_with('-') {
        return Err(format!("金额“{raw}”不能为负数"));
    }
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    // Fen per unit, and how many decimals that unit allows.
    let (scale, max_decimals) = if wan { (1_000_000_i64, 6) } else { (100, 2) };
    if frac.len() > max_decimals {
        return Err(format!("金额“{raw}”的小数超过两位（分）"));
    }
    let int: i64 = int.parse().map_err(|_| bad())?;
    let frac_fen: i64 = if frac.is_empty() {
        0
    } else {
        let padded = format!("{frac:0<width$}", width = max_decimals);
        padded.parse().map_err(|_| bad())?
    };
    int.checked_mul(scale)
        .and_then(|v| v.checked_add(frac_fen))
        .ok_or_else(|| format!("金额“{raw}”过大"))
}

/// A non-negative whole number; a trailing `天` is accepted.
pub fn parse_integer(raw: &str) -> Result<i64, String> {
    let s = half_width(raw.trim());
    let s = s.strip_suffix('天').unwrap_or(&s).trim();
    // Spreadsheets often turn 30 into "30.0".
    let s = s.strip_suffix(".0").unwrap_or(s);
    s.parse::<i64>()
        .ok()
        .filter(|v| *v >= 0)
        .ok_or_else(|| format!("“{raw}”不是有效的天数（非负整数）"))
}

/// Items separated by `;` `；` `、` `,` `，`, trimmed, empty and repeated items dropped.
pub fn parse_list(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in raw.split([';', '；', '、', ',', '，']) {
        let item = item.trim();
        if !item.is_empty() && !out.iter().any(|x| x == item) {
            out.push(item.to_owned());
        }
    }
    out
}

/// Plates compared as the contract says: half-width, upper case, no spaces, no separator dot.
pub fn normalize_plate(raw: &str) -> String {
    half_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '・' | '.' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Map common variants to the contract's values (e.g. 简易程序 → 简易, 自然人 → 个人).
pub fn parse_choice(options: &'static [&'static str], raw: &str) -> Result<&'static str, String> {
    let s = half_width(raw.trim());
    if let Some(o) = options.iter().find(|o| **o == s) {
        return Ok(o);
    }
    let alias = match s.as_ref() {
        "简易程序" => "简易",
        "普通程序" | "一般程序" => "普通",
        "自然人" | "公民" => "个人",
        "法人" | "企业" | "公司" | "组织" | "其他组织" => "单位",
        "交通" | "交通运输执法" | "道路运输" => "交通运输",
        "公安" | "交警" | "公安交警" | "交通管理" => "公安交管",
        "签名" | "已签名" | "签字" | "已签字" => "已签",
        "拒绝签名" | "拒绝签字" => "拒签",
        "未签名" | "未签字" => "未签",
        "普通货运" | "货运" => "普货",
        "旅客运输" | "客车" => "客运",
        "危险货物" | "危险品" | "危货运输" => "危货",
        "网络预约出租汽车" => "网约车",
        "巡游出租车" | "出租汽车" => "出租车",
        "辅警" | "协管员" | "辅助执法人员" => "辅助人员",
        "道路运输经营许可证" => "道路运输证",
        "网约车运输证" => "网络预约出租汽车运输证",
        other => other,
    };
    options
        .iter()
        .find(|o| **o == alias)
        .copied()
        .ok_or_else(|| format!("“{raw}”不是可选值之一：{}", options.join("、")))
}

/// The contract's violation types, from what an agency wrote (the original is kept beside it).
pub fn normalize_violation_type(raw: &str) -> &'static str {
    let s = raw.trim();
    if s.contains("网约") || s.contains("网络预约") {
        "网约车非法经营"
    } else if s.contains("超限") {
        "超限运输"
    } else if s.contains("超员") {
        "客车超员"
    } else if s.contains("超载") {
        "货车超载"
    } else if s.contains("非法营运")
        || s.contains("未取得道路运输经营许可")
        || s.contains("擅自从事")
        || s.contains("无证经营")
    {
        "非法营运"
    } else {
        "其他"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_every_contract_form() {
        for s in [
            "2023-10-16",
            "2023/10/16",
            "2023.10.16",
            "20231016",
            "2023年10月16日",
            " 2023-10-16 ",
            "２０２３－１０－１６",
        ] {
            assert_eq!(parse_date(s), Ok(d(2023, 10, 16)), "{s}");
        }
        assert_eq!(parse_date("2023/1/5"), Ok(d(2023, 1, 5)));
        assert!(parse_date("2023-02-29").unwrap_err().contains("不存在"));
        assert_eq!(parse_date("2024-02-29"), Ok(d(2024, 2, 29)));
        assert!(parse_date("16/10/2023").is_err());
        assert!(parse_date("2023-10").is_err());
        assert!(parse_date("昨天").unwrap_err().contains("无法识别"));
    }

    #[test]
    fn date_times_need_a_time() {
        assert_eq!(
            parse_datetime("2023-10-16 09:30"),
            Ok(d(2023, 10, 16).and_hms_opt(9, 30, 0).unwrap())
        );
        assert_eq!(
            parse_datetime("2023/10/16 09:30:05"),
            Ok(d(2023, 10, 16).and_hms_opt(9, 30, 5).unwrap())
        );
        assert_eq!(
            parse_datetime("2023年10月16日 23:59:59"),
            Ok(d(2023, 10, 16).and_hms_opt(23, 59, 59).unwrap())
        );
        assert_eq!(
            parse_datetime("2023-10-16T09:30:00"),
            Ok(d(2023, 10, 16).and_hms_opt(9, 30, 0).unwrap())
        );
        assert!(
            parse_datetime("2023-10-16")
                .unwrap_err()
                .contains("缺少时分")
        );
        assert!(parse_datetime("2023-10-16 25:00").is_err());
    }

    #[test]
    fn booleans_are_three_valued() {
        for t in ["是", "Y", "y", "true", "TRUE", "1", "有", "yes"] {
            assert_eq!(parse(ColumnKind::Bool, t), Ok(Value::Bool(true)), "{t}");
        }
        for f in ["否", "N", "false", "0", "无", "no"] {
            assert_eq!(parse(ColumnKind::Bool, f), Ok(Value::Bool(false)), "{f}");
        }
        assert_eq!(
            parse(ColumnKind::Bool, ""),
            Ok(Value::Null),
            "empty is unknown, never 否"
        );
        assert_eq!(parse(ColumnKind::Bool, "  "), Ok(Value::Null));
        assert!(parse(ColumnKind::Bool, "不详").is_err());
    }

    #[test]
    fn money_in_yuan_wan_and_separators() {
        assert_eq!(parse_money("200"), Ok(20_000));
        assert_eq!(parse_money("200.5"), Ok(20_050));
        assert_eq!(parse_money("200.05元"), Ok(20_005));
        assert_eq!(parse_money("1,234,567.89"), Ok(123_456_789));
        assert_eq!(parse_money("3万"), Ok(3_000_000));
        assert_eq!(parse_money("1.5万元"), Ok(1_500_000));
        assert_eq!(parse_money("0.0001万"), Ok(100));
        assert_eq!(parse_money("２００元"), Ok(20_000));
        assert!(parse_money("200.123").unwrap_err().contains("两位"));
        assert!(parse_money("-5").unwrap_err().contains("负"));
        assert!(parse_money("二百元").is_err());
        assert!(parse_money("99999999999999999999").is_err());
    }

    #[test]
    fn lists_plates_and_integers() {
        assert_eq!(
            parse_list("A001；A002、A003,A001 , "),
            vec!["A001", "A002", "A003"]
        );
        assert_eq!(normalize_plate("豫A·12345"), "豫A12345");
        assert_eq!(normalize_plate(" 豫Ａ　１２３４５ "), "豫A12345");
        assert_eq!(normalize_plate("豫a.12345"), "豫A12345");
        assert_eq!(parse_integer("30"), Ok(30));
        assert_eq!(parse_integer("30天"), Ok(30));
        assert_eq!(parse_integer("30.0"), Ok(30));
        assert!(parse_integer("-1").is_err());
        assert!(parse_integer("三十").is_err());
    }

    #[test]
    fn choices_accept_common_variants() {
        use crate::contract::*;
        assert_eq!(parse_choice(PROCEDURES, "简易程序"), Ok("简易"));
        assert_eq!(parse_choice(PARTY_TYPES, "公司"), Ok("单位"));
        assert_eq!(parse_choice(SIGNATURES, "拒绝签名"), Ok("拒签"));
        assert!(
            parse_choice(PROCEDURES, "快速")
                .unwrap_err()
                .contains("简易、普通")
        );
    }

    #[test]
    fn violation_types_are_normalised() {
        assert_eq!(
            normalize_violation_type("未取得道路运输经营许可擅自从事道路客运经营"),
            "非法营运"
        );
        assert_eq!(
            normalize_violation_type("网约车未取得经营许可"),
            "网约车非法经营"
        );
        assert_eq!(normalize_violation_type("车辆超限运输"), "超限运输");
        assert_eq!(normalize_violation_type("货车超载"), "货车超载");
        assert_eq!(normalize_violation_type("客车超员20%"), "客车超员");
        assert_eq!(normalize_violation_type("闯红灯"), "其他");
    }
}
