//! The roles of the procuratorate and of its outside users.

use serde::{Deserialize, Serialize};

/// A user's role. Code names from the glossary; labels as the office says them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 检察长
    Chief,
    /// 分管检察长
    DeputyChief,
    /// 检察官
    Prosecutor,
    /// 检察官助理
    Assistant,
    /// 书记员
    Clerk,
    /// 系统管理员
    Admin,
    /// 联络员: an agency's named contact, limited to that agency's items.
    Liaison,
    /// 人民监督员: an outside citizen invited to watch, e.g. a public delivery.
    PeopleSupervisor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Chief,
        Role::DeputyChief,
        Role::Prosecutor,
        Role::Assistant,
        Role::Clerk,
        Role::Admin,
        Role::Liaison,
        Role::PeopleSupervisor,
    ];

    /// The stable code stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            Role::Chief => "chief",
            Role::DeputyChief => "deputy_chief",
            Role::Prosecutor => "prosecutor",
            Role::Assistant => "assistant",
            Role::Clerk => "clerk",
            Role::Admin => "admin",
            Role::Liaison => "liaison",
            Role::PeopleSupervisor => "people_supervisor",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The Chinese name shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::Chief => "检察长",
            Role::DeputyChief => "分管检察长",
            Role::Prosecutor => "检察官",
            Role::Assistant => "检察官助理",
            Role::Clerk => "书记员",
            Role::Admin => "系统管理员",
            Role::Liaison => "联络员",
            Role::PeopleSupervisor => "人民监督员",
        }
    }

    /// Staff of the procuratorate itself (not a liaison or people's supervisor).
    pub fn is_internal(self) -> bool {
        !matches!(self, Role::Liaison | Role::PeopleSupervisor)
    }

    /// Whether an account of this role must belong to an agency.
    pub fn requires_agency(self) -> bool {
        matches!(self, Role::Liaison)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        let mut codes: Vec<_> = Role::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Role::ALL.len());
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn only_liaisons_are_bound_to_an_agency() {
        assert!(Role::Liaison.requires_agency());
        assert!(!Role::Liaison.is_internal());
        assert!(!Role::PeopleSupervisor.is_internal());
        assert!(Role::Clerk.is_internal());
        assert!(Role::ALL.iter().filter(|r| r.requires_agency()).count() == 1);
    }
}
