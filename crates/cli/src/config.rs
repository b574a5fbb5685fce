//! Typed, layered configuration: defaults → TOML file (`--config`) →
//! environment `XINGJIAN_*` (nested keys with `__`, e.g.
//! `XINGJIAN_SESSION__IDLE_MINUTES`) → command-line flags.
//! Unknown keys are refused; secrets never appear in `Debug` output.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A secret string: usable, never printed.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Holds the embedded database and stored files.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: SQLite in `data_dir`.
    pub database_url: Option<Secret>,
    /// Where datasets and original files are kept: `file:///dir`; default `data_dir/objects`.
    pub objects_url: Option<String>,
    /// Rule files (`*.toml`) and parameter overrides (`params.toml`) added to the
    /// core rules at start-up; default `data_dir/rules`.
    pub rules_dir: Option<PathBuf>,
    /// Holiday files (`*.csv`, the format of cn-holidays.csv) for years the shipped
    /// calendar does not cover; default `data_dir/calendar`.
    pub calendar_dir: Option<PathBuf>,
    /// The office's name on every page.
    pub office_name: String,
    /// Supervision case numbers: `{year}`, `{seq}` or `{seq:N}` (zero-padded),
    /// e.g. `上检行监〔{year}〕{seq}号`.
    pub case_number_pattern: String,
    /// 文号 of recommendations by kind (`correction`, `social_governance`, `other`),
    /// e.g. `{ correction = "上检行建〔{year}〕{seq}号" }`; a yearly sequence per kind.
    pub recommendation_number_patterns: std::collections::BTreeMap<String, String>,
    /// Time limit of each case stage, overriding the defaults, e.g.
    /// `{ accepted = "7wd", investigating = "2m", reviewing = "30d" }`.
    pub case_stage_limits: std::collections::BTreeMap<String, String>,
    /// The focus areas (监督重点) a campaign may choose from.
    pub focus_areas: Vec<String>,
    /// 诉源治理: a problem found in at least this many files of one agency is
    /// listed as recurring and can start a social-governance recommendation.
    pub governance_min_files: usize,
    /// Mail delivery of notifications (off unless this section is present).
    pub smtp: Option<xingjian_notify::SmtpConfig>,
    /// `text` or `json`.
    pub log_format: String,
    /// Demo accounts get this password instead of random ones (tests, trainings).
    pub demo_password: Option<Secret>,
    pub session: SessionConfig,
    pub security: SecurityConfig,
    /// Serve HTTPS directly (otherwise plain HTTP, e.g. behind a reverse proxy).
    pub tls: Option<TlsConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain, the server's certificate first.
    pub cert_file: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    pub idle_minutes: i64,
    pub absolute_hours: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Mark cookies Secure; set when users reach Xingjian over HTTPS.
    pub cookie_secure: bool,
    /// Trust `X-Forwarded-For` (only behind your own reverse proxy).
    pub trust_forwarded_for: bool,
    pub login_max_failures_per_account: i64,
    pub login_max_failures_per_address: i64,
    /// Bearer token for Prometheus to read `/metrics` (administrators always may).
    pub metrics_token: Option<Secret>,
    /// The data key (base64 of 32 bytes) sealing ID and phone numbers at rest;
    /// default `data_dir/keys/data.key`, created on first use.
    pub data_key_file: Option<PathBuf>,
    /// Earlier data keys, still needed to read values until `xingjian keys rotate`.
    pub previous_data_key_files: Vec<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            objects_url: None,
            rules_dir: None,
            calendar_dir: None,
            office_name: "上街区人民检察院".into(),
            case_number_pattern: "上检行监〔{year}〕{seq}号".into(),
            recommendation_number_patterns: [
                ("correction", "上检行建〔{year}〕{seq}号"),
                ("social_governance", "上检社建〔{year}〕{seq}号"),
                ("other", "上检建〔{year}〕{seq}号"),
            ]
            .into_iter()
            .map(|(k, p)| (k.to_owned(), p.to_owned()))
            .collect(),
            case_stage_limits: Default::default(),
            focus_areas: xingjian_web::default_focus_areas(),
            governance_min_files: 3,
            smtp: None,
            log_format: "text".into(),
            demo_password: None,
            session: SessionConfig::default(),
            security: SecurityConfig::default(),
            tls: None,
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_minutes: 30,
            absolute_hours: 12,
        }
    }
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            cookie_secure: false,
            trust_forwarded_for: false,
            login_max_failures_per_account: 5,
            login_max_failures_per_address: 20,
            metrics_token: None,
            data_key_file: None,
            previous_data_key_files: Vec::new(),
        }
    }
}

/// What the command line may override.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

impl Config {
    /// Load and validate.
    pub fn load(file: Option<&Path>, o: &Overrides) -> Result<Self, String> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = file {
            if !f.exists() {
                return Err(format!(
                    "找不到配置文件 {} / configuration file not found",
                    f.display()
                ));
            }
            fig = fig.merge(Toml::file(f));
        }
        // XINGJIAN_CONFIG names the file itself and XINGJIAN_LOG the log filter: not keys.
        fig = fig.merge(
            Env::prefixed("XINGJIAN_")
                .ignore(&["config", "log"])
                .split("__"),
        );
        let mut c: Config = fig.extract().map_err(|e| {
            let mut msg = String::from("配置有误 / invalid configuration:");
            for err in e {
                msg.push_str(&format!("\n  - {err}"));
            }
            msg.push_str(
                "\n可用的配置项见 docs/CONFIGURATION.md / see docs/CONFIGURATION.md for the keys",
            );
            msg
        })?;
        if let Some(l) = o.listen {
            c.listen = l;
        }
        if let Some(d) = &o.data_dir {
            c.data_dir = d.clone();
        }
        if let Some(u) = &o.database_url {
            c.database_url = Some(Secret(u.clone()));
        }
        // An empty value (common in compose files) means "not set".
        if c.database_url
            .as_ref()
            .is_some_and(|u| u.expose().trim().is_empty())
        {
            c.database_url = None;
        }
        c.validate()?;
        Ok(c)
    }

    fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if let Some(url) = &self.database_url
            && let Err(e) = xingjian_store::Backend::from_url(url.expose())
        {
            problems.push(e.to_string());
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            problems.push(format!(
                "log_format 应为 text 或 json，而不是“{}” / log_format must be text or json",
                self.log_format
            ));
        }
        if !(5..=24 * 60).contains(&self.session.idle_minutes) {
            problems.push("session.idle_minutes 应在 5 到 1440 之间 / must be 5..=1440".into());
        }
        if !(1..=72).contains(&self.session.absolute_hours) {
            problems.push("session.absolute_hours 应在 1 到 72 之间 / must be 1..=72".into());
        }
        if self.security.login_max_failures_per_account < 1
            || self.security.login_max_failures_per_address < 1
        {
            problems.push("security.login_max_failures_* 至少为 1 / must be at least 1".into());
        }
        for (stage, limit) in &self.case_stage_limits {
            if xingjian_domain::Stage::from_code(stage)
                .is_none_or(|s| s == xingjian_domain::Stage::Closed)
            {
                problems.push(format!(
                    "case_stage_limits：未知的阶段“{stage}”（可用 accepted、filed、investigating、reviewing、decided、following_up）"
                ));
            }
            if xingjian_domain::deadline::parse_limit(limit).is_none() {
                problems.push(format!("case_stage_limits.{stage}：期限“{limit}”无效，应如 7wd（工作日）、30d（日）、2m（月）"));
            }
        }
        if let Err(e) = xingjian_domain::case::format_number(&self.case_number_pattern, 2026, 1) {
            problems.push(format!("case_number_pattern：{e}"));
        }
        for (kind, pattern) in &self.recommendation_number_patterns {
            if xingjian_domain::recommendation::RecKind::from_code(kind).is_none() {
                problems.push(format!(
                    "recommendation_number_patterns：未知的类别“{kind}”（可用 correction、social_governance、other）"
                ));
            }
            if let Err(e) = xingjian_domain::case::format_number(pattern, 2026, 1) {
                problems.push(format!("recommendation_number_patterns.{kind}：{e}"));
            }
        }
        if self.office_name.trim().is_empty() {
            problems.push("office_name 不能为空 / office_name must not be empty".into());
        }
        if !(1..=1000).contains(&self.governance_min_files) {
            problems.push("governance_min_files：应在 1 到 1000 之间".into());
        }
        if self.focus_areas.iter().all(|f| f.trim().is_empty()) {
            problems.push("focus_areas：至少需要一个监督重点".into());
        }
        if let Some(smtp) = &self.smtp
            && let Err(e) = xingjian_notify::SmtpAdapter::new(smtp)
        {
            problems.push(format!("smtp：{e}"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "配置有误 / invalid configuration:\n  - {}",
                problems.join("\n  - ")
            ))
        }
    }

    /// The object store in force (datasets, original files).
    pub fn objects_url(&self) -> String {
        self.objects_url
            .clone()
            .unwrap_or_else(|| format!("file://{}", self.data_dir.join("objects").display()))
    }

    pub fn rules_dir(&self) -> PathBuf {
        self.rules_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("rules"))
    }

    /// The full-text index (rebuilt by `xingjian reindex`; safe to delete).
    /// The current data key's file.
    pub fn data_key_file(&self) -> PathBuf {
        self.security
            .data_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys").join("data.key"))
    }

    pub fn search_dir(&self) -> PathBuf {
        self.data_dir.join("search")
    }

    pub fn calendar_dir(&self) -> PathBuf {
        self.calendar_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("calendar"))
    }

    /// The database URL in force (SQLite in the data directory by default).
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.expose().to_owned(),
            None => xingjian_store::sqlite_url_for(&self.data_dir),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)]
    fn mail_settings_are_checked_and_the_password_stays_hidden() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("x.toml");
        std::fs::write(
            &file,
            "focus_areas = [\"校车安全\"]\n[smtp]\nhost = \"mail.example.gov.cn\"\nfrom = \"行检 <xj@example.gov.cn>\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("XINGJIAN_SMTP__PASSWORD", "s3cret-relay");
            let c = Config::load(Some(&file), &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(c.focus_areas, vec!["校车安全".to_owned()]);
            let smtp = c.smtp.clone().unwrap_or_else(|| panic!("smtp section"));
            assert_eq!((smtp.port, smtp.security.as_str()), (587, "starttls"));
            assert_eq!(smtp.password, "s3cret-relay");
            let shown = format!("{c:#?}");
            assert!(
                !shown.contains("s3cret-relay") && shown.contains("[hidden]"),
                "{shown}"
            );
            jail.set_env("XINGJIAN_SMTP__SECURITY", "ssl");
            let err = Config::load(Some(&file), &Overrides::default())
                .err()
                .unwrap_or_default();
            assert!(err.contains("smtp") && err.contains("starttls"), "{err}");
            jail.set_env("XINGJIAN_SMTP__SECURITY", "tls");
            jail.set_env("XINGJIAN_FOCUS_AREAS", "[]");
            let err = Config::load(Some(&file), &Overrides::default())
                .err()
                .unwrap_or_default();
            assert!(err.contains("focus_areas"), "{err}");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("x.toml");
        std::fs::write(&file, "office_name = \"某区人民检察院\"\nlisten = \"127.0.0.1:9000\"\n[session]\nidle_minutes = 20\n")
            .unwrap_or_else(|e| panic!("{e}"));
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("XINGJIAN_LISTEN", "127.0.0.1:9100");
            jail.set_env("XINGJIAN_SESSION__IDLE_MINUTES", "15");
            jail.set_env("XINGJIAN_LOG", "debug");
            let c = Config::load(Some(&file), &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(c.office_name, "某区人民检察院");
            assert_eq!(c.listen.port(), 9100);
            assert_eq!(c.session.idle_minutes, 15);
            let o = Overrides {
                listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
                ..Default::default()
            };
            let c = Config::load(Some(&file), &o).map_err(|e| e.to_string())?;
            assert_eq!(c.listen.port(), 0);
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn unknown_keys_and_bad_values_are_refused_clearly() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("x.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:1\"\n").unwrap_or_else(|e| panic!("{e}"));
        let limits = dir.path().join("limits.toml");
        std::fs::write(&limits, "case_number_pattern = \"{year}\"\n[case_stage_limits]\nfiled = \"15x\"\nclosed = \"1d\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            let err = Config::load(Some(&limits), &Overrides::default())
                .err()
                .unwrap_or_default();
            assert!(
                err.contains("15x") && err.contains("closed") && err.contains("{seq}"),
                "{err}"
            );
            let err = Config::load(Some(&file), &Overrides::default())
                .err()
                .unwrap_or_default();
            assert!(err.contains("lisen"), "{err}");
            let o = Overrides {
                database_url: Some("mysql://root:hunter2@db/x".into()),
                ..Default::default()
            };
            let err = Config::load(None, &o).err().unwrap_or_default();
            assert!(
                err.contains("sqlite://") && !err.contains("hunter2"),
                "{err}"
            );
            jail.set_env("XINGJIAN_SOMETHING", "1");
            let err = Config::load(None, &Overrides::default())
                .err()
                .unwrap_or_default();
            assert!(
                err.contains("something") && err.contains("docs/CONFIGURATION.md"),
                "{err}"
            );
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("XINGJIAN_DATABASE_URL", "");
            let c = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert!(c.database_url().starts_with("sqlite://"));
            Ok(())
        });
        let missing = Config::load(
            Some(Path::new("/nonexistent/x.toml")),
            &Overrides::default(),
        );
        assert!(missing.is_err_and(|e| e.contains("找不到配置文件")));
    }

    #[test]
    fn secrets_are_not_printed() {
        let c = Config {
            database_url: Some(Secret("postgres://u:hunter2@h/db".into())),
            demo_password: Some(Secret("Demo-Password-1".into())),
            ..Config::default()
        };
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("hunter2") && !dbg.contains("Demo-Password-1"),
            "{dbg}"
        );
    }
}
