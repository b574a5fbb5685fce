//! One scope function per entity: `(actor) -> WHERE fragment`.
//!
//! Every list, detail, API call, export and search of an entity goes through
//! its function here, so what a user may see is decided once, in SQL. Add a
//! function when you add an entity; never filter rows after fetching them.

use crate::sql::Sql;
use xingjian_domain::{Actor, Role};

/// Agencies: the office's staff see the whole registry; a liaison sees only
/// its own agency; a people's supervisor sees none.
pub(crate) fn agencies(actor: &Actor) -> Sql {
    match (actor.role, actor.agency_id) {
        (Role::Liaison, Some(a)) => {
            let mut s = Sql::new("agencies.id = ");
            s.bind(a.0);
            s
        }
        (r, _) if r.is_internal() => Sql::new("1 = 1"),
        _ => Sql::new("1 = 0"),
    }
}

/// Users: the administrator sees every account; everyone else only their own.
pub(crate) fn users(actor: &Actor) -> Sql {
    if actor.can_administer() {
        Sql::new("1 = 1")
    } else {
        let mut s = Sql::new("users.id = ");
        s.bind(actor.user_id.0);
        s
    }
}

/// The audit log: the administrator and the leadership read all of it;
/// everyone else only the rows about their own actions.
pub(crate) fn audit_log(actor: &Actor) -> Sql {
    if actor.can_read_audit() {
        Sql::new("1 = 1")
    } else {
        let mut s = Sql::new("audit_log.actor_user_id = ");
        s.bind(actor.user_id.0);
        s
    }
}

/// Imported files and datasets: staff see all; a liaison only those of its
/// own agency (a multi-agency file, with no single agency, stays internal).
pub(crate) fn datasets(actor: &Actor, table_alias: &str) -> Sql {
    match (actor.role, actor.agency_id) {
        (Role::Liaison, Some(a)) => {
            let mut s = Sql::new(&format!("{table_alias}.agency_id = "));
            s.bind(a.0);
            s
        }
        (r, _) if r.is_internal() => Sql::new("1 = 1"),
        _ => Sql::new("1 = 0"),
    }
}

/// Screening lines: staff see all; a liaison only lines about its own agency.
pub(crate) fn screening_hits(actor: &Actor, table_alias: &str) -> Sql {
    datasets(actor, table_alias)
}

/// Clues are the office's own work: staff see all; liaisons and people's
/// supervisors none (what an agency is told goes through exchanges).
pub(crate) fn clues(actor: &Actor) -> Sql {
    if actor.role.is_internal() && actor.role != Role::PeopleSupervisor {
        Sql::new("1 = 1")
    } else {
        Sql::new("1 = 0")
    }
}

/// Supervision cases, field visits, inquiries and evidence: the office's own
/// work, like clues.
pub(crate) fn supervision_cases(actor: &Actor) -> Sql {
    clues(actor)
}

/// File requests: staff see all; a liaison those sent to its own agency.
pub(crate) fn file_requests(actor: &Actor, table_alias: &str) -> Sql {
    datasets(actor, table_alias)
}

/// Deadlines: staff see all; a liaison only the clocks of file requests sent
/// to its own agency.
pub(crate) fn deadlines(actor: &Actor, table_alias: &str) -> Sql {
    match (actor.role, actor.agency_id) {
        (Role::Liaison, Some(a)) => {
            let mut s = Sql::new(&format!(
                "{table_alias}.subject = 'file_request' AND {table_alias}.agency_id = "
            ));
            s.bind(a.0);
            s
        }
        (r, _) if r.is_internal() => Sql::new("1 = 1"),
        _ => Sql::new("1 = 0"),
    }
}

/// Notifications: each user only their own.
pub(crate) fn notifications(actor: &Actor) -> Sql {
    let mut s = Sql::new("notifications.user_id = ");
    s.bind(actor.user_id.0);
    s
}

/// Attachments: staff see all; a liaison only the documents of file requests
/// sent to its own agency (which it uploaded in answer).
pub(crate) fn attachments(actor: &Actor) -> Sql {
    match (actor.role, actor.agency_id) {
        (Role::Liaison, Some(a)) => {
            let mut s = Sql::new(
                "attachments.owner = 'file_request' AND attachments.owner_id IN \
                 (SELECT r.id FROM file_requests r WHERE r.agency_id = ",
            );
            s.bind(a.0).push(")");
            s
        }
        (r, _) if r.is_internal() => Sql::new("1 = 1"),
        _ => Sql::new("1 = 0"),
    }
}
