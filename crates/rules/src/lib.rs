//! Rules as data (`rules/core/*.toml`, plus an admin's rules directory) and the
//! DataFusion engine that screens the imported datasets with them.

pub mod engine;
pub mod export;
pub mod rule;
pub mod udf;

pub use engine::{AgencyRow, Engine, Hit, Inputs, Outcome, RuleCount, Screened};
pub use rule::{LoadedRule, Rule, Severity};

/// Errors of loading, validating and running rules; each has a stable code.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("规则文件 {origin} 无法解析：{message}")]
    Parse { origin: String, message: String },
    #[error("规则文件 {origin}（{id}）有误：{message}")]
    Invalid {
        origin: String,
        id: String,
        message: String,
    },
    #[error("规则 {id} 的查询有误：{message}")]
    Sql { id: String, message: String },
    #[error("无法读取规则目录 {origin}：{message}")]
    Io { origin: String, message: String },
    #[error("筛查引擎出错：{0}")]
    Engine(String),
}

impl RuleError {
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::Parse { .. } => "rule_parse",
            RuleError::Invalid { .. } => "rule_invalid",
            RuleError::Sql { .. } => "rule_sql",
            RuleError::Io { .. } => "rule_io",
            RuleError::Engine(_) => "engine",
        }
    }
}
