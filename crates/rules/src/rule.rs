//! Rule files: one TOML file per rule, with its legal basis, parameters and
//! one DataFusion SQL query.
//!
//! The query reads the contract tables (`penalty_cases`, `compulsory_measures`,
//! `officers`, `vehicle_permits`) and `agencies` (id, name, kind), and returns
//! one row per screened record with these columns:
//!
//! | column | meaning |
//! |---|---|
//! | `agency_id` | registry id of the record's agency |
//! | `record_key` | 案件编号 / 措施编号 / plate / 执法证号 |
//! | `violated` | `TRUE` → hit, `NULL` → incomplete (资料不全), `FALSE` → no line |
//! | `explanation` | one Chinese sentence with the numbers (may be NULL for incomplete rows) |
//! | `officers` | the record's 执法证号, `;`-separated, or NULL |
//! | `_file`, `_row` | the source file (SHA-256) and row |
//!
//! `${name}` in the query is replaced by a parameter's value (numbers as they
//! are, text and dates as SQL literals); `${as_of}` is the screening's as-of date.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

use crate::RuleError;

/// Problem dimensions of the seed (五个维度).
pub use xingjian_domain::DIMENSIONS;

const TABLES: [&str; 4] = [
    "penalty_cases",
    "compulsory_measures",
    "officers",
    "vehicle_permits",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A violation of the law when it fires.
    Violation,
    /// Needs a prosecutor's review (the law allows exceptions, or it is an indicator).
    Review,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Violation => "违法",
            Severity::Review => "需审查",
        }
    }
}

/// One legal provision a rule applies, in one version of the law.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    pub law: String,
    pub article: String,
    /// The text's date, e.g. `2023-07-20` (道路运输条例 2023).
    pub version: String,
    pub effective_from: Option<String>,
    pub effective_to: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Text(String),
}

impl ParamValue {
    /// The value as it is written into SQL.
    pub fn sql_literal(&self) -> String {
        match self {
            ParamValue::Int(i) => i.to_string(),
            ParamValue::Float(f) => f.to_string(),
            ParamValue::Text(s) => {
                if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
                    format!("DATE '{s}'")
                } else {
                    format!("'{}'", s.replace('\'', "''"))
                }
            }
        }
    }

    pub fn display(&self) -> String {
        match self {
            ParamValue::Int(i) => i.to_string(),
            ParamValue::Float(f) => f.to_string(),
            ParamValue::Text(s) => s.clone(),
        }
    }

    fn same_kind(&self, other: &ParamValue) -> bool {
        matches!(
            (self, other),
            (ParamValue::Int(_), ParamValue::Int(_))
                | (
                    ParamValue::Float(_) | ParamValue::Int(_),
                    ParamValue::Float(_)
                )
                | (ParamValue::Text(_), ParamValue::Text(_))
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub default: ParamValue,
    pub description: String,
}

/// A rule as written in its file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub version: u32,
    pub title: String,
    /// The table a hit's `record_key` belongs to.
    pub table: String,
    pub dimensions: Vec<String>,
    pub severity: Severity,
    /// Contract columns (English names) the condition reads.
    pub requires: Vec<String>,
    #[serde(default)]
    pub legal_basis: Vec<LegalBasis>,
    #[serde(default)]
    pub params: BTreeMap<String, Param>,
    pub sql: String,
}

/// Where a rule came from: shipped with the binary, or a file in the rules directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Source {
    Core,
    File(String),
}

#[derive(Debug, Clone)]
pub struct LoadedRule {
    pub rule: Rule,
    pub source: Source,
    /// Parameter values in force: defaults overridden by the settings file.
    pub values: BTreeMap<String, ParamValue>,
}

/// The core rules, compiled in so that a fresh installation screens out of the box.
pub const CORE_RULES: &[(&str, &str)] = &[
    (
        "XQZ-24-DECISION",
        include_str!("../core/XQZ-24-DECISION.toml"),
    ),
    (
        "XQZ-24-INVENTORY",
        include_str!("../core/XQZ-24-INVENTORY.toml"),
    ),
    ("XQZ-18-RECORD", include_str!("../core/XQZ-18-RECORD.toml")),
    ("XQZ-18-RIGHTS", include_str!("../core/XQZ-18-RIGHTS.toml")),
    (
        "XQZ-18-OFFICERS",
        include_str!("../core/XQZ-18-OFFICERS.toml"),
    ),
    ("XQZ-19", include_str!("../core/XQZ-19.toml")),
    ("XQZ-25", include_str!("../core/XQZ-25.toml")),
    ("XQZ-26", include_str!("../core/XQZ-26.toml")),
    ("XCF-42", include_str!("../core/XCF-42.toml")),
    ("XCF-51", include_str!("../core/XCF-51.toml")),
    ("XCF-44", include_str!("../core/XCF-44.toml")),
    ("XCF-60", include_str!("../core/XCF-60.toml")),
    ("XCF-61", include_str!("../core/XCF-61.toml")),
    ("XCF-63", include_str!("../core/XCF-63.toml")),
    ("XCF-58", include_str!("../core/XCF-58.toml")),
    ("XCF-68", include_str!("../core/XCF-68.toml")),
    ("XCF-36", include_str!("../core/XCF-36.toml")),
    ("DYT-63-RANGE", include_str!("../core/DYT-63-RANGE.toml")),
    ("DYT-62", include_str!("../core/DYT-62.toml")),
    ("PERMIT-HELD", include_str!("../core/PERMIT-HELD.toml")),
    (
        "REPEAT-OVERLOAD",
        include_str!("../core/REPEAT-OVERLOAD.toml"),
    ),
    (
        "MONTH-END-SPIKE",
        include_str!("../core/MONTH-END-SPIKE.toml"),
    ),
];

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

impl Rule {
    /// Parse and check a rule file (everything except the SQL, which the engine plans).
    pub fn parse(text: &str, origin: &str) -> Result<Rule, RuleError> {
        let rule: Rule = toml::from_str(text).map_err(|e| RuleError::Parse {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        rule.check(origin)?;
        Ok(rule)
    }

    fn check(&self, origin: &str) -> Result<(), RuleError> {
        let bad = |message: String| RuleError::Invalid {
            origin: origin.to_owned(),
            id: self.id.clone(),
            message,
        };
        if !valid_id(&self.id) {
            return Err(bad("规则编号只能由大写字母、数字和“-”组成".into()));
        }
        if self.version == 0 {
            return Err(bad("版本号应从 1 开始".into()));
        }
        if self.title.trim().is_empty() {
            return Err(bad("缺少标题 title".into()));
        }
        if !TABLES.contains(&self.table.as_str()) {
            return Err(bad(format!(
                "table “{}” 不是数据契约中的表（应为 {}）",
                self.table,
                TABLES.join(" / ")
            )));
        }
        if self.dimensions.is_empty() {
            return Err(bad("至少标注一个问题维度 dimensions".into()));
        }
        if let Some(d) = self
            .dimensions
            .iter()
            .find(|d| !DIMENSIONS.contains(&d.as_str()))
        {
            return Err(bad(format!(
                "问题维度“{d}”不在五个维度之内（{}）",
                DIMENSIONS.join("、")
            )));
        }
        if let Some(t) = xingjian_records::Table::from_name(&self.table) {
            for f in &self.requires {
                if t.column(f).is_none() && !self.mentions_other_table(f) {
                    return Err(bad(format!(
                        "requires 中的字段“{f}”不是 {} 的列",
                        self.table
                    )));
                }
            }
        }
        if self.legal_basis.is_empty() {
            return Err(bad("缺少法律依据 legal_basis".into()));
        }
        for lb in &self.legal_basis {
            if lb.law.trim().is_empty() || lb.article.trim().is_empty() || lb.text.trim().is_empty()
            {
                return Err(bad("法律依据须写明法律名称、条文和条文内容".into()));
            }
            for d in [
                Some(&lb.version),
                lb.effective_from.as_ref(),
                lb.effective_to.as_ref(),
            ]
            .into_iter()
            .flatten()
            {
                if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
                    return Err(bad(format!("法律依据的日期“{d}”应为 YYYY-MM-DD")));
                }
            }
        }
        for name in self.placeholders() {
            if name != "as_of" && !self.params.contains_key(&name) {
                return Err(bad(format!(
                    "查询中的 ${{{name}}} 没有对应的参数 params.{name}"
                )));
            }
        }
        Ok(())
    }

    fn mentions_other_table(&self, field: &str) -> bool {
        TABLES.iter().any(|t| {
            xingjian_records::Table::from_name(t).is_some_and(|t| t.column(field).is_some())
        })
    }

    /// Names of `${…}` placeholders in the query.
    pub fn placeholders(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = self.sql.as_str();
        while let Some(i) = rest.find("${") {
            rest = &rest[i + 2..];
            match rest.find('}') {
                Some(j) => {
                    out.push(rest[..j].to_owned());
                    rest = &rest[j + 1..];
                }
                None => break,
            }
        }
        out
    }

    /// The query with parameters and the as-of date substituted.
    pub fn render_sql(
        &self,
        values: &BTreeMap<String, ParamValue>,
        as_of: chrono::NaiveDate,
    ) -> String {
        let mut sql = self.sql.replace("${as_of}", &format!("DATE '{as_of}'"));
        for (name, value) in values {
            sql = sql.replace(&format!("${{{name}}}"), &value.sql_literal());
        }
        sql
    }

    /// The legal basis in force on a date (the latest version effective then),
    /// or every provision when none has dates.
    pub fn basis_on(&self, date: chrono::NaiveDate) -> Vec<&LegalBasis> {
        let d = date.format("%Y-%m-%d").to_string();
        self.legal_basis
            .iter()
            .filter(|lb| {
                lb.effective_from.as_deref().is_none_or(|f| f <= d.as_str())
                    && lb.effective_to.as_deref().is_none_or(|t| d.as_str() <= t)
            })
            .collect()
    }
}

/// Parameter overrides (`params.toml` in the rules directory):
/// `[XCF-51]` / `individual_limit = 200`.
pub type Overrides = BTreeMap<String, BTreeMap<String, ParamValue>>;

/// The core rules, then every `*.toml` rule file in `dir` (a file with a core
/// rule's id replaces it: that is how an admin tunes a query), then the
/// parameter overrides of `dir/params.toml`. All errors are collected.
pub fn load(dir: Option<&Path>) -> Result<Vec<LoadedRule>, Vec<RuleError>> {
    let mut errors = Vec::new();
    let mut rules: BTreeMap<String, LoadedRule> = BTreeMap::new();
    for (name, text) in CORE_RULES {
        match Rule::parse(text, &format!("core/{name}.toml")) {
            Ok(rule) => {
                rules.insert(
                    rule.id.clone(),
                    LoadedRule {
                        rule,
                        source: Source::Core,
                        values: BTreeMap::new(),
                    },
                );
            }
            Err(e) => errors.push(e),
        }
    }
    let mut overrides = Overrides::new();
    if let Some(dir) = dir {
        match read_dir(dir) {
            Ok(files) => {
                for (path, text) in files {
                    let origin = path.display().to_string();
                    if path.file_name().is_some_and(|n| n == "params.toml") {
                        match toml::from_str::<Overrides>(&text) {
                            Ok(o) => overrides = o,
                            Err(e) => errors.push(RuleError::Parse {
                                origin,
                                message: e.to_string(),
                            }),
                        }
                        continue;
                    }
                    match Rule::parse(&text, &origin) {
                        Ok(rule) => {
                            rules.insert(
                                rule.id.clone(),
                                LoadedRule {
                                    rule,
                                    source: Source::File(origin),
                                    values: BTreeMap::new(),
                                },
                            );
                        }
                        Err(e) => errors.push(e),
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    for lr in rules.values_mut() {
        lr.values = lr
            .rule
            .params
            .iter()
            .map(|(k, p)| (k.clone(), p.default.clone()))
            .collect();
    }
    for (id, values) in overrides {
        let Some(lr) = rules.get_mut(&id) else {
            errors.push(RuleError::Invalid {
                origin: "params.toml".into(),
                id: id.clone(),
                message: "没有这条规则".into(),
            });
            continue;
        };
        for (name, v) in values {
            match lr.rule.params.get(&name) {
                Some(p) if p.default.same_kind(&v) => {
                    lr.values.insert(name, v);
                }
                Some(p) => errors.push(RuleError::Invalid {
                    origin: "params.toml".into(),
                    id: id.clone(),
                    message: format!("参数 {name} 的类型应与默认值 {} 相同", p.default.display()),
                }),
                None => errors.push(RuleError::Invalid {
                    origin: "params.toml".into(),
                    id: id.clone(),
                    message: format!("没有参数 {name}"),
                }),
            }
        }
    }
    if errors.is_empty() {
        Ok(rules.into_values().collect())
    } else {
        Err(errors)
    }
}

fn read_dir(dir: &Path) -> Result<Vec<(std::path::PathBuf, String)>, RuleError> {
    let io = |e: std::io::Error| RuleError::Io {
        origin: dir.display().to_string(),
        message: e.to_string(),
    };
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(io)?;
            Ok((p, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_rule_parses() {
        let rules = load(None).unwrap();
        assert_eq!(rules.len(), CORE_RULES.len());
        for (id, _) in CORE_RULES {
            assert!(rules.iter().any(|r| r.rule.id == *id), "{id}");
        }
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let dir = tempfile_dir();
        std::fs::write(dir.join("X-1.toml"), "id = \"x\"").unwrap();
        let errs = load(Some(&dir)).unwrap_err();
        assert!(errs[0].to_string().contains("X-1.toml"), "{}", errs[0]);

        let core = CORE_RULES[0].1.replace("执法不规范", "执法太慢");
        std::fs::write(dir.join("X-1.toml"), core).unwrap();
        let errs = load(Some(&dir)).unwrap_err();
        assert!(errs[0].to_string().contains("执法太慢"), "{}", errs[0]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn params_override_defaults_and_unknown_ones_are_refused() {
        let dir = tempfile_dir();
        std::fs::write(
            dir.join("params.toml"),
            "[XCF-51]\nindividual_limit = 300\n",
        )
        .unwrap();
        let rules = load(Some(&dir)).unwrap();
        let r = rules.iter().find(|r| r.rule.id == "XCF-51").unwrap();
        assert_eq!(r.values["individual_limit"], ParamValue::Int(300));

        std::fs::write(dir.join("params.toml"), "[XCF-51]\nnope = 1\n").unwrap();
        let errs = load(Some(&dir)).unwrap_err();
        assert!(errs[0].to_string().contains("nope"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "xj-rules-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
