//! Xingjian's domain vocabulary. Names follow `shared/domain/glossary.md`.
//!
//! This crate does no I/O: it holds ids, roles, agencies, the acting user and
//! validated values, so that every other crate speaks the same words.

#[macro_use]
mod macros;

mod actor;
mod agency;
pub mod bulletin;
pub mod case;
pub mod clue;
pub mod coordination;
pub mod deadline;
mod error;
pub mod governance;
mod ids;
pub mod mask;
pub mod recommendation;
mod role;
pub mod search;
mod user;

pub use actor::Actor;
pub use agency::{Agency, AgencyInput, AgencyKind};
pub use case::{Decision, Stage};
pub use clue::{ClueInput, ClueSource, Disposition, TriageInput, normalize_plate};
pub use error::{FieldError, ValidationErrors};
pub use ids::{AgencyId, UserId};

/// Lowercase hexadecimal of bytes (digests, content addresses, key ids).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The five problem dimensions of the seed's file review (五个方面).
pub const DIMENSIONS: [&str; 5] = [
    "逐利执法",
    "执法不规范",
    "执法方式简单僵化",
    "执法粗暴",
    "执法寻租",
];
pub use role::Role;
pub use user::{NewUser, User, validate_password, validate_username};
