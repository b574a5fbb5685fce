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
                "{table_alias}.subject IN ('file_request', 'exchange', 'recommendation') AND {table_alias}.agency_id = "
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

/// Attachments: staff see all; a liaison only the documents of file
/// requests and exchanges of its own agency, of meetings it took part in and
/// of agreements it signed.
pub(crate) fn attachments(actor: &Actor) -> Sql {
    match (actor.role, actor.agency_id) {
        (Role::Liaison, Some(a)) => {
            let mut s = Sql::new(
                "(attachments.owner = 'file_request' AND attachments.owner_id IN \
                 (SELECT r.id FROM file_requests r WHERE r.agency_id = ",
            );
            s.bind(a.0).push(
                ")) OR (attachments.owner = 'exchange' AND attachments.owner_id IN \
                 (SELECT x.id FROM exchanges x WHERE x.agency_id = ",
            );
            s.bind(a.0).push(
                ")) OR (attachments.owner = 'meeting' AND attachments.owner_id IN \
                 (SELECT ma.meeting_id FROM meeting_agencies ma WHERE ma.agency_id = ",
            );
            s.bind(a.0).push(
                ")) OR (attachments.owner = 'agreement' AND attachments.owner_id IN \
                 (SELECT ap.agreement_id FROM agreement_parties ap WHERE ap.agency_id = ",
            );
            s.bind(a.0).push(
                ")) OR (attachments.owner = 'recommendation' AND attachments.owner_id IN \
                 (SELECT x.recommendation_id FROM recommendation_recipients x WHERE x.delivered_on IS NOT NULL AND x.agency_id = ",
            );
            s.bind(a.0).push("))");
            s
        }
        (r, _) if r.is_internal() => Sql::new("1 = 1"),
        _ => Sql::new("1 = 0"),
    }
}

/// Campaigns and tasks: the office's own work.
pub(crate) fn campaigns(actor: &Actor) -> Sql {
    clues(actor)
}

/// Tasks (a campaign's or a meeting's follow-ups): the office's own work.
pub(crate) fn tasks(actor: &Actor) -> Sql {
    clues(actor)
}

/// Exchanges: staff see all; a liaison those of its own agency, either way.
pub(crate) fn exchanges(actor: &Actor, table_alias: &str) -> Sql {
    datasets(actor, table_alias)
}

/// Meetings: staff see all; a liaison those its agency took part in.
pub(crate) fn meetings(actor: &Actor, table_alias: &str) -> Sql {
    match (actor.role, actor.agency_id) {
        (Role::Liaison, Some(a)) => {
            let mut s = Sql::new(&format!(
                "{table_alias}.id IN (SELECT meeting_id FROM meeting_agencies WHERE agency_id = "
            ));
            s.bind(a.0).push(")");
            s
        }
        (r, _) if r.is_internal() && r != Role::PeopleSupervisor => Sql::new("1 = 1"),
        _ => Sql::new("1 = 0"),
    }
}

/// Agreements: staff see all; a liaison those its agency signed.
pub(crate) fn agreements(actor: &Actor, table_alias: &str) -> Sql {
    match (actor.role, actor.agency_id) {
        (Role::Liaison, Some(a)) => {
            let mut s = Sql::new(&format!(
                "{table_alias}.id IN (SELECT agreement_id FROM agreement_parties WHERE agency_id = "
            ));
            s.bind(a.0).push(")");
            s
        }
        (r, _) if r.is_internal() && r != Role::PeopleSupervisor => Sql::new("1 = 1"),
        _ => Sql::new("1 = 0"),
    }
}

/// Recommendations: staff see all; a liaison those addressed to its agency
/// once issued, and drafts shared with it for pre-consultation; a people's
/// supervisor those whose delivery it was invited to.
pub(crate) fn recommendations(actor: &Actor, table_alias: &str) -> Sql {
    match (actor.role, actor.agency_id) {
        (Role::Liaison, Some(a)) => {
            let mut s = Sql::new(&format!(
                "({table_alias}.status NOT IN ('draft', 'pending_approval') AND {table_alias}.id IN \
                 (SELECT recommendation_id FROM recommendation_recipients WHERE agency_id = "
            ));
            s.bind(a.0).push(&format!(
                ")) OR {table_alias}.id IN (SELECT recommendation_id FROM recommendation_consultations WHERE agency_id = "
            ));
            s.bind(a.0).push(")");
            s
        }
        (Role::PeopleSupervisor, _) => {
            let mut s = Sql::new(&format!(
                "{table_alias}.id IN (SELECT d.recommendation_id FROM recommendation_deliveries d \
                 JOIN recommendation_supervisors s ON s.delivery_id = d.id WHERE s.user_id = "
            ));
            s.bind(actor.user_id.0).push(")");
            s
        }
        (r, _) if r.is_internal() => Sql::new("1 = 1"),
        _ => Sql::new("1 = 0"),
    }
}
