//! Persistence for Xingjian.
//!
//! One data-access layer for SQLite (embedded default) and PostgreSQL: every
//! query is written once in portable SQL with `$n` placeholders and runs on
//! sqlx's `Any` driver; the backend is chosen by the URL scheme.
//!
//! Authorization lives here, in the queries. Callers reach data only through
//! [`Store::as_actor`], which returns a handle whose every read is filtered by
//! the scope function of its entity (see [`scope`]); the one explicit escape
//! hatch for system jobs is [`Store::system`].

mod agencies;
mod agreements;
mod audit;
mod audit_chain;
mod auth;
mod backup;
mod campaigns;
mod cases;
mod clues;
mod crypt;
mod dashboard;
mod db;
mod deadlines;
mod error;
mod exchanges;
mod field_visits;
mod file_requests;
mod findings;
mod governance;
mod imports;
mod meetings;
mod migrate;
mod outbox;
mod recommendation_follow_up;
mod recommendations;
mod reviews;
mod scope;
mod screenings;
mod search_docs;
mod sql;
mod time;
mod users;

pub use agencies::AgencyFilter;
pub use agreements::{Agreement, AgreementInput, Fulfilment, Obligation, ObligationInput};
pub use audit::{AuditEntry, AuditFilter, AuditRecord, HistoryEntry, Outcome};
pub use audit_chain::{ChainHead, ChainProblem, ChainReport, GENESIS};
pub use auth::{LoginFailure, LoginOutcome, LoginPolicy, SessionInfo, SessionPolicy};
pub use backup::{Backup, Column, Restore, TableSchema};
pub use campaigns::{Campaign, CampaignInput, CampaignMember, Task, TaskFilter, TaskInput};
pub use cases::{
    CaseDetail, CaseEvent, CaseFilter, EVIDENCE_KINDS, Evidence, EvidenceInput, Inquiry,
    InquiryInput, NewCase, SupervisionCase,
};
pub use clues::{Clue, ClueFilter, ClueRecord, ClueReply};
pub use crypt::{Keyring, SEALED_COLUMNS};
pub use dashboard::{Count, Dashboard, DashboardFilter};
pub use db::{Backend, Db, redact_url, sqlite_url_for};
pub use deadlines::{Deadline, DeadlineEvent, DeadlineFilter, Notification};
pub use error::{StoreError, StoreResult};
pub use exchanges::{Exchange, ExchangeFilter, ExchangeInput};
pub use field_visits::{FieldVisit, FieldVisitInput, Interview};
pub use file_requests::{FileRequest, FileRequestFilter, FileRequestInput};
pub use findings::{ConfirmedFinding, FindingFilter};
pub use imports::{ImportFile, NewDataset, NewImport, guess_agency_kind};
pub use meetings::{Attendee, Meeting, MeetingFilter, MeetingInput, MeetingRecord};
pub use migrate::{MIGRATIONS, MigrationReport};
pub use outbox::{MAX_ATTEMPTS, OutboxCounts, OutboxMessage};
pub use recommendations::{
    Consultation, Delivery, DeliveryInput, JointAction, JointActionInput, LetterVersion, Measure,
    NewRecommendation, Recipient, Recommendation, RecommendationFilter, RecommendationRecord,
    SignOff, SupervisorOpinion, default_number_patterns,
};
pub use reviews::{Attachment, Finding, ReviewBatch, ReviewBatchInput, ReviewFile, ReviewSummary};
pub use screenings::{
    AgencyKindRow, DatasetRef, HitFilter, HitRecord, NewHit, NewRun, ScreeningRun,
};
pub use search_docs::{Change, INDEXED_ENTITIES};
pub use time::{now_utc, replay, replay_at, today};
pub use users::{Contact, StaffMember, UserFilter, UserUpdate};

use xingjian_domain::Actor;

/// Where a change came from: carried into every audit row.
#[derive(Debug, Clone, Default)]
pub struct RequestCtx {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl RequestCtx {
    /// A change made from the command line on this machine.
    pub fn cli() -> Self {
        Self {
            ip: Some("cli".into()),
            request_id: None,
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// What the rows were counted up to (see [`PageRequest::counting_to`]).
    #[serde(skip)]
    pub count_cap: i64,
}

/// Lists count their rows up to this many; beyond it the total reads
/// "10000 以上" (counting every row of a large table on each page view cost
/// more than the page itself: 45 ms of 46 for 100,000 clues on PostgreSQL).
pub const COUNT_CAP: i64 = 10_000;

/// A list narrowed by a substring search counts up to this many: each
/// counted row's text is matched again (a trigram index only narrows), so
/// counting 10,000 matches of a common phrase cost more than the page
/// (9 ms of the page's ~10 on PostgreSQL for 100,000 clues).
pub const SEARCH_COUNT_CAP: i64 = 1_000;

impl<T> Page<T> {
    /// Whether `total` is only a lower bound (more rows than were counted).
    pub fn is_capped(&self) -> bool {
        self.total > self.count_cap
    }

    pub fn pages(&self) -> i64 {
        let counted = ((self.total + self.per_page - 1) / self.per_page).max(1);
        if self.is_capped() {
            let full = i64::try_from(self.items.len()).unwrap_or(0) == self.per_page;
            counted.max(self.page + i64::from(full))
        } else {
            counted
        }
    }

    /// The total as shown: the count, or "10000 以上".
    pub fn total_label(&self) -> String {
        if self.is_capped() {
            format!("{} 以上", self.count_cap)
        } else {
            self.total.to_string()
        }
    }
}

#[cfg(test)]
mod page_tests {
    use super::*;

    fn page(total: i64, page: i64, items: usize) -> Page<u8> {
        Page {
            items: vec![0; items],
            total,
            page,
            per_page: 50,
            count_cap: COUNT_CAP,
        }
    }

    #[test]
    fn a_capped_total_is_a_lower_bound_and_paging_goes_on() {
        let exact = page(120, 1, 50);
        assert_eq!((exact.pages(), exact.total_label().as_str()), (3, "120"));
        let at_cap = page(COUNT_CAP, 200, 50);
        assert_eq!((at_cap.pages(), at_cap.is_capped()), (200, false));
        let capped = page(COUNT_CAP + 1, 201, 50);
        assert_eq!(capped.total_label(), "10000 以上");
        assert_eq!(
            capped.pages(),
            202,
            "a full page beyond the count has a next one"
        );
        let deep = page(COUNT_CAP + 1, 900, 50);
        assert_eq!(deep.pages(), 901);
        let last = page(COUNT_CAP + 1, 900, 7);
        assert_eq!(last.pages(), 900, "a short page is the last");
        let searched = Page {
            count_cap: SEARCH_COUNT_CAP,
            ..page(SEARCH_COUNT_CAP + 1, 1, 50)
        };
        assert_eq!(searched.total_label(), "1000 以上");
        assert!(searched.is_capped());
    }
}

/// One page of `SELECT {columns} {from}{filter}{order}`, with the total count of
/// `{from}{filter}`: the one place list queries are paged.
pub(crate) async fn paged<T>(
    pool: &sqlx::AnyPool,
    columns: &str,
    from: &str,
    filter: sql::Sql,
    order: &str,
    page: PageRequest,
    map: impl Fn(&sqlx::any::AnyRow) -> StoreResult<T>,
) -> StoreResult<Page<T>> {
    paged_by(pool, None, columns, from, filter, order, page, map).await
}

/// A long list's own table, when its filter and order read no joined one:
/// its unique key (`c.id`) and its `FROM` without the joins (`FROM clues c`).
#[derive(Clone, Copy)]
pub(crate) struct Keyed<'a> {
    pub key: &'a str,
    pub from: &'a str,
}

/// [`paged`] for long lists: with `keyed`, the rows are counted on the table
/// alone (PostgreSQL then counts from an index: 4.4 → 1.7 ms for 10,000 of
/// 100,000 clues of one status), and the rows an `OFFSET` skips are only
/// keys — just the page's rows are joined and fetched (a page 200 deep:
/// 3.2 → 1.3 ms). Figures from EXPLAIN ANALYZE under bench/http.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn paged_by<T>(
    pool: &sqlx::AnyPool,
    keyed: Option<Keyed<'_>>,
    columns: &str,
    from: &str,
    filter: sql::Sql,
    order: &str,
    page: PageRequest,
    map: impl Fn(&sqlx::any::AnyRow) -> StoreResult<T>,
) -> StoreResult<Page<T>> {
    use sqlx::Row;
    let table = keyed.map_or(from, |k| k.from);
    let mut count = sql::Sql::new(&format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 AS one {table}"
    ));
    count
        .append(filter.clone())
        .push(&format!(" LIMIT {}) counted", page.count_cap + 1));
    let total: i64 = count.fetch_one(pool).await?.try_get("n")?;
    let mut q = sql::Sql::new(&format!("SELECT {columns} {from}"));
    match keyed {
        Some(Keyed { key, from: table }) => {
            q.push(&format!(" WHERE {key} IN (SELECT {key} {table}"));
            q.append(filter).push(order);
            limit(&mut q, page);
            q.push(")").push(order);
        }
        None => {
            q.append(filter).push(order);
            limit(&mut q, page);
        }
    }
    let items = q
        .fetch_all(pool)
        .await?
        .iter()
        .map(map)
        .collect::<StoreResult<_>>()?;
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
        count_cap: page.count_cap,
    })
}

fn limit(q: &mut sql::Sql, page: PageRequest) {
    q.push(" LIMIT ")
        .bind(page.per_page)
        .push(" OFFSET ")
        .bind(page.offset());
}

/// Page number (from 1) and size, clamped to sane bounds.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
    count_cap: i64,
}

impl PageRequest {
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Self {
        Self {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(20).clamp(1, 200),
            count_cap: COUNT_CAP,
        }
    }

    /// Count the rows up to `cap` instead of [`COUNT_CAP`].
    pub fn counting_to(self, cap: i64) -> Self {
        Self {
            count_cap: cap,
            ..self
        }
    }

    fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::new(None, None)
    }
}

/// The store: a database plus the policies that govern sessions and logins.
#[derive(Clone)]
pub struct Store {
    db: Db,
    pub sessions: SessionPolicy,
    pub logins: LoginPolicy,
    /// The working-day calendar every clock runs on.
    pub calendar: std::sync::Arc<xingjian_calendar::WorkCalendar>,
    /// How numbers are made (case numbers; later 文号).
    pub numbering: Numbering,
    /// The data keys sealing personal data at rest.
    pub keyring: std::sync::Arc<crypt::Keyring>,
    /// Time limit of each case stage.
    pub stage_limits: Vec<(
        xingjian_domain::Stage,
        u32,
        xingjian_domain::deadline::ClockUnit,
    )>,
}

/// Number patterns, see `xingjian_domain::case::format_number`.
#[derive(Debug, Clone)]
pub struct Numbering {
    pub case_number: String,
    /// 文号 of recommendations by kind code.
    pub recommendation: std::collections::BTreeMap<String, String>,
}

impl Default for Numbering {
    fn default() -> Self {
        Self {
            case_number: "行监〔{year}〕{seq}号".into(),
            recommendation: recommendations::default_number_patterns(),
        }
    }
}

impl Store {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            sessions: SessionPolicy::default(),
            logins: LoginPolicy::default(),
            calendar: std::sync::Arc::new(xingjian_calendar::WorkCalendar::default_cn()),
            numbering: Numbering::default(),
            stage_limits: xingjian_domain::case::STAGE_LIMITS.to_vec(),
            keyring: std::sync::Arc::new(crypt::Keyring::default()),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// A handle whose every query is scoped to what `actor` may see and do.
    pub fn as_actor<'a>(&'a self, actor: &'a Actor, ctx: &'a RequestCtx) -> ActorStore<'a> {
        ActorStore {
            store: self,
            actor,
            ctx,
        }
    }

    /// Unscoped access for system jobs (the CLI, demo set-up, login itself).
    /// Never reachable from a request handler with user input as the actor.
    pub fn system<'a>(&'a self, ctx: &'a RequestCtx) -> SystemStore<'a> {
        SystemStore { store: self, ctx }
    }
}

/// Data access on behalf of one user: scoped reads, authorised and audited writes.
pub struct ActorStore<'a> {
    store: &'a Store,
    actor: &'a Actor,
    ctx: &'a RequestCtx,
}

/// Data access for system jobs, audited as the system.
pub struct SystemStore<'a> {
    store: &'a Store,
    ctx: &'a RequestCtx,
}
