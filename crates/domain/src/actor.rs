//! The acting user of a request or a command: what every scope decision is made from.

use crate::{AgencyId, Role, UserId};
use serde::Serialize;

/// Who is acting. Built by the store from a live session (or by the CLI for
/// system jobs); handlers never construct one from request input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The agency a liaison belongs to; `None` for the procuratorate's staff.
    pub agency_id: Option<AgencyId>,
}

impl Actor {
    /// The actor for a stored account (CLI jobs run as a named account).
    pub fn from_user(u: &crate::User) -> Self {
        Self {
            user_id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            agency_id: u.agency_id,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// May manage accounts and the agency registry.
    pub fn can_administer(&self) -> bool {
        self.role == Role::Admin
    }

    /// May read the audit log: the administrator and the office's leadership.
    pub fn can_read_audit(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Chief | Role::DeputyChief)
    }
}
