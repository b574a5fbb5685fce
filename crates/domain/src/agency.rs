//! The registry of administrative agencies the office supervises and works with.

use crate::{AgencyId, ValidationErrors};
use serde::{Deserialize, Serialize};

/// What kind of agency: decides which rules and workflows apply later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// 交通运输
    Transport,
    /// 公安交管
    TrafficPolice,
    /// 司法行政
    Justice,
    /// 教育
    Education,
    /// 其他
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 5] = [
        AgencyKind::Transport,
        AgencyKind::TrafficPolice,
        AgencyKind::Justice,
        AgencyKind::Education,
        AgencyKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AgencyKind::Transport => "transport",
            AgencyKind::TrafficPolice => "traffic_police",
            AgencyKind::Justice => "justice",
            AgencyKind::Education => "education",
            AgencyKind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            AgencyKind::Transport => "交通运输",
            AgencyKind::TrafficPolice => "公安交管",
            AgencyKind::Justice => "司法行政",
            AgencyKind::Education => "教育",
            AgencyKind::Other => "其他",
        }
    }
}

/// An agency as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Agency {
    pub id: AgencyId,
    pub name: String,
    /// Other names the agency is known by (e.g. 区交通局, 区交通运输管理局), used to
    /// match imported records and free text to the registry.
    pub aliases: Vec<String>,
    pub kind: AgencyKind,
    pub created_at: String,
    pub updated_at: String,
    /// Optimistic-lock version: an update must name the version it read.
    pub version: i64,
}

/// What a user submits to create or change an agency.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct AgencyInput {
    pub name: String,
    /// Aliases, one per element (the form sends them one per line).
    #[serde(default)]
    pub aliases: Vec<String>,
    pub kind: AgencyKind,
}

const NAME_MAX: usize = 60;

impl AgencyInput {
    /// Trim, drop empty and duplicate aliases, and check lengths.
    pub fn normalized(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errors.add("name", "请填写机关名称");
        } else if name.chars().count() > NAME_MAX {
            errors.add("name", format!("机关名称不能超过 {NAME_MAX} 个字"));
        }
        let mut aliases: Vec<String> = Vec::new();
        for a in self.aliases {
            let a = a.trim().to_owned();
            if a.is_empty() || a == name || aliases.contains(&a) {
                continue;
            }
            if a.chars().count() > NAME_MAX {
                errors.add("aliases", format!("别名“{a}”超过 {NAME_MAX} 个字"));
            }
            aliases.push(a);
        }
        if aliases.len() > 20 {
            errors.add("aliases", "别名最多 20 个");
        }
        errors.into_result()?;
        Ok(Self {
            name,
            aliases,
            kind: self.kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_aliases_and_rejects_empty_names() {
        let ok = AgencyInput {
            name: " 区交通运输局 ".into(),
            aliases: vec![
                "区交通局".into(),
                "".into(),
                "区交通局".into(),
                "区交通运输局".into(),
            ],
            kind: AgencyKind::Transport,
        }
        .normalized();
        assert_eq!(
            ok,
            Ok(AgencyInput {
                name: "区交通运输局".into(),
                aliases: vec!["区交通局".into()],
                kind: AgencyKind::Transport
            })
        );
        let err = AgencyInput {
            name: "  ".into(),
            aliases: vec![],
            kind: AgencyKind::Other,
        }
        .normalized()
        .err();
        assert_eq!(
            err.as_ref().and_then(|e| e.for_field("name")),
            Some("请填写机关名称")
        );
    }

    #[test]
    fn kind_codes_round_trip() {
        for k in AgencyKind::ALL {
            assert_eq!(AgencyKind::from_code(k.code()), Some(k));
        }
    }
}
