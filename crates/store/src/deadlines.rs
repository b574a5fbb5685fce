//! The deadline engine: every clock of the office in one table, on the
//! working-day calendar, with reminders scheduled as jobs in the database.

use crate::audit::{self, AuditEntry, Outcome, Who};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{ActorStore, Page, PageRequest, SystemStore, scope, time};
use chrono::{Days, NaiveDate};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use xingjian_calendar::{CalendarError, WorkCalendar};
use xingjian_domain::deadline::{self, Clock, ClockUnit, Standing};
use xingjian_domain::{Role, ValidationErrors};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Deadline {
    pub id: i64,
    /// clue | file_request | case | recommendation
    pub subject: String,
    pub subject_id: i64,
    pub clock: String,
    pub label: String,
    pub unit: String,
    pub started_on: String,
    pub due_on: String,
    /// The due date reaches past the calendar's years: counted with weekends
    /// only until that year's holidays are imported.
    pub provisional: bool,
    /// running | paused | done | cancelled
    pub status: String,
    pub paused_on: Option<String>,
    pub done_on: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub agency_id: Option<i64>,
    pub version: i64,
    /// Where a running clock stands today; `None` when stopped or unknown.
    pub standing: Option<Standing>,
    /// Calendar days left (negative when overdue).
    pub days_left: i64,
}

impl Deadline {
    pub fn link(&self) -> String {
        subject_link(&self.subject, self.subject_id)
    }

    pub fn subject_label(&self) -> &'static str {
        match self.subject.as_str() {
            "clue" => "线索",
            "file_request" => "调取卷宗",
            "case" => "监督案件",
            "recommendation" => "检察建议",
            "task" => "监督任务",
            "exchange" => "协作事项",
            _ => "",
        }
    }

    pub fn status_label(&self) -> &'static str {
        match (self.status.as_str(), self.standing) {
            ("running", Some(s)) => s.label(),
            ("running", None) => "进行中",
            ("paused", _) => "已暂停",
            ("done", _) => "已完成",
            _ => "已撤销",
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "running" | "paused")
    }
}

pub(crate) fn subject_link(subject: &str, id: i64) -> String {
    match subject {
        "clue" => format!("/clues/{id}"),
        "file_request" => format!("/file-requests/{id}"),
        "case" => format!("/cases/{id}"),
        "recommendation" => format!("/recommendations/{id}"),
        "task" => format!("/tasks/{id}"),
        "exchange" => format!("/exchanges/{id}"),
        _ => "/deadlines".into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeadlineEvent {
    pub action: String,
    pub due_before: Option<String>,
    pub due_after: Option<String>,
    pub reason: String,
    pub approver_name: Option<String>,
    pub actor_name: String,
    pub at: String,
}

impl DeadlineEvent {
    pub fn action_label(&self) -> &'static str {
        match self.action.as_str() {
            "start" => "开始计时",
            "recompute" => "按新节假日重算",
            "pause" => "暂停",
            "resume" => "恢复",
            "extend" => "延长",
            "done" => "完成",
            _ => "撤销",
        }
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct DeadlineFilter {
    /// open (default) | overdue | due_soon | all
    pub view: Option<String>,
    /// clue | file_request | case | recommendation
    pub subject: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    pub title: String,
    pub link: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

fn calendar_error(e: CalendarError) -> StoreError {
    StoreError::Validation(ValidationErrors::one("calendar", e.to_string()))
}

const COLUMNS: &str = "d.id, d.subject, d.subject_id, d.clock, d.label, d.unit, d.started_on, d.due_on, d.provisional, \
    d.status, d.paused_on, d.done_on, d.owner_id, u.display_name AS owner_name, d.agency_id, d.version";
const FROM: &str = "FROM deadlines d LEFT JOIN users u ON u.id = d.owner_id";

fn from_row(cal: &WorkCalendar, today: NaiveDate, r: &AnyRow) -> StoreResult<Deadline> {
    let due_on: String = r.try_get("due_on")?;
    let status: String = r.try_get("status")?;
    let due = time::parse_date(&due_on);
    let standing = match (status.as_str(), due) {
        ("running", Some(d)) => deadline::standing(cal, today, d).ok(),
        _ => None,
    };
    Ok(Deadline {
        id: r.try_get("id")?,
        subject: r.try_get("subject")?,
        subject_id: r.try_get("subject_id")?,
        clock: r.try_get("clock")?,
        label: r.try_get("label")?,
        unit: r.try_get("unit")?,
        started_on: r.try_get("started_on")?,
        days_left: due.map_or(0, |d| deadline::days_left(today, d)),
        due_on,
        provisional: r.try_get::<i64, _>("provisional")? != 0,
        status,
        paused_on: r.try_get("paused_on")?,
        done_on: r.try_get("done_on")?,
        owner_id: r.try_get("owner_id")?,
        owner_name: r.try_get("owner_name")?,
        agency_id: r.try_get("agency_id")?,
        version: r.try_get("version")?,
        standing,
    })
}

/// A clock to start, inside the transaction of the change that starts it.
pub(crate) struct NewDeadline<'a> {
    pub subject: &'a str,
    pub subject_id: i64,
    pub clock: &'static Clock,
    pub started_on: NaiveDate,
    /// A due date set by the user instead of the clock's legal limit.
    pub due_on: Option<NaiveDate>,
    /// A label and limit instead of the clock's own (e.g. per case stage).
    pub label: Option<String>,
    pub limit: Option<(u32, ClockUnit)>,
    pub owner_id: Option<i64>,
    pub agency_id: Option<i64>,
}

pub(crate) async fn start(
    tx: &mut AnyConnection,
    cal: &WorkCalendar,
    d: NewDeadline<'_>,
    actor_name: &str,
) -> StoreResult<i64> {
    let (limit, unit) = d.limit.unwrap_or((d.clock.limit, d.clock.unit));
    let label = d.label.as_deref().unwrap_or(d.clock.label);
    let (due, provisional, limit) = match d.due_on {
        Some(x) => (x, false, 0),
        None => {
            let (due, provisional) = deadline::due_date_provisional(cal, d.started_on, limit, unit);
            (due, provisional, limit)
        }
    };
    let mut q = Sql::new(
        "INSERT INTO deadlines (subject, subject_id, clock, label, unit, started_on, limit_value, due_on, provisional, \
         status, owner_id, agency_id, created_at) VALUES (",
    );
    q.bind(d.subject).push(", ").bind(d.subject_id).push(", ");
    q.bind(d.clock.code).push(", ").bind(label).push(", ");
    q.bind(unit.code()).push(", ");
    q.bind(time::fmt_date(d.started_on))
        .push(", ")
        .bind(i64::from(limit))
        .push(", ");
    q.bind(time::fmt_date(due))
        .push(", ")
        .bind(i64::from(provisional));
    q.push(", 'running', ")
        .bind(d.owner_id)
        .push(", ")
        .bind(d.agency_id);
    q.push(", ")
        .bind(time::fmt(time::now_utc()))
        .push(") RETURNING id");
    let id: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
    event(
        tx,
        id,
        "start",
        None,
        Some(due),
        d.clock.basis,
        None,
        actor_name,
    )
    .await?;
    schedule(tx, cal, id, d.started_on, due).await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn event(
    tx: &mut AnyConnection,
    id: i64,
    action: &str,
    before: Option<NaiveDate>,
    after: Option<NaiveDate>,
    reason: &str,
    approver: Option<&str>,
    actor_name: &str,
) -> StoreResult<()> {
    let mut q = Sql::new(
        "INSERT INTO deadline_events (deadline_id, action, due_before, due_after, reason, approver_name, actor_name, at) \
         VALUES (",
    );
    q.bind(id).push(", ").bind(action).push(", ");
    q.bind(before.map(time::fmt_date))
        .push(", ")
        .bind(after.map(time::fmt_date));
    q.push(", ")
        .bind(reason)
        .push(", ")
        .bind(approver)
        .push(", ");
    q.bind(actor_name)
        .push(", ")
        .bind(time::fmt(time::now_utc()))
        .push(")");
    q.execute(tx).await?;
    Ok(())
}

/// Replace a clock's pending reminders: "due soon" two working days before
/// its last day, "overdue" the day after.
async fn schedule(
    tx: &mut AnyConnection,
    cal: &WorkCalendar,
    id: i64,
    start: NaiveDate,
    due: NaiveDate,
) -> StoreResult<()> {
    cancel_jobs(tx, id).await?;
    let soon = deadline::reminder_date(cal, start, due);
    let now = time::fmt(time::now_utc());
    for (kind, on) in [
        ("deadline_due_soon", soon),
        ("deadline_overdue", due + Days::new(1)),
    ] {
        let mut q =
            Sql::new("INSERT INTO jobs (kind, deadline_id, run_on, status, created_at) VALUES (");
        q.bind(kind)
            .push(", ")
            .bind(id)
            .push(", ")
            .bind(time::fmt_date(on));
        q.push(", 'pending', ").bind(now.as_str()).push(")");
        q.execute(tx).await?;
    }
    Ok(())
}

async fn cancel_jobs(tx: &mut AnyConnection, id: i64) -> StoreResult<()> {
    let mut q = Sql::new(
        "UPDATE jobs SET status = 'cancelled' WHERE status = 'pending' AND deadline_id = ",
    );
    q.bind(id);
    q.execute(tx).await?;
    Ok(())
}

/// Stop the open clocks of a subject (one clock, or all when `clock` is None):
/// met (`done`) or no longer relevant (`cancelled`).
pub(crate) async fn finish(
    tx: &mut AnyConnection,
    subject: &str,
    subject_id: i64,
    clock: Option<&str>,
    status: &str,
    note: &str,
    actor_name: &str,
) -> StoreResult<u64> {
    let mut q =
        Sql::new("SELECT id FROM deadlines WHERE status IN ('running', 'paused') AND subject = ");
    q.bind(subject).push(" AND subject_id = ").bind(subject_id);
    if let Some(c) = clock {
        q.push(" AND clock = ").bind(c);
    }
    let ids: Vec<i64> = q
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    for id in &ids {
        finish_one(tx, *id, status, note, actor_name).await?;
    }
    Ok(ids.len() as u64)
}

/// Stop one clock: met (`done`) or no longer relevant (`cancelled`).
pub(crate) async fn finish_one(
    tx: &mut AnyConnection,
    id: i64,
    status: &str,
    note: &str,
    actor_name: &str,
) -> StoreResult<()> {
    let mut u = Sql::new("UPDATE deadlines SET status = ");
    u.bind(status)
        .push(", done_on = ")
        .bind(time::fmt_date(time::today()));
    u.push(", version = version + 1 WHERE id = ").bind(id);
    u.execute(tx).await?;
    cancel_jobs(tx, id).await?;
    let action = if status == "done" { "done" } else { "cancel" };
    event(tx, id, action, None, None, note, None, actor_name).await
}

/// Give a subject's open clocks a new owner (e.g. when a clue is assigned).
pub(crate) async fn reassign(
    tx: &mut AnyConnection,
    subject: &str,
    subject_id: i64,
    owner_id: i64,
) -> StoreResult<()> {
    let mut q = Sql::new("UPDATE deadlines SET owner_id = ");
    q.bind(owner_id)
        .push(" WHERE status IN ('running', 'paused') AND subject = ");
    q.bind(subject).push(" AND subject_id = ").bind(subject_id);
    q.execute(tx).await?;
    Ok(())
}

impl ActorStore<'_> {
    fn deadline_scope(&self) -> Sql {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::deadlines(self.actor, "d")).push(")");
        w
    }

    pub async fn list_deadlines(
        &self,
        f: &DeadlineFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Deadline>> {
        let cal = self.store.calendar.clone();
        let today = time::today();
        let mut w = self.deadline_scope();
        match f.view.as_deref().unwrap_or("open") {
            "all" => {}
            "overdue" => {
                w.push(" AND d.status = 'running' AND d.due_on < ")
                    .bind(time::fmt_date(today));
            }
            "due_soon" => {
                let (limit, _) = deadline::due_date_provisional(
                    &cal,
                    today,
                    deadline::DUE_SOON_WORKING_DAYS,
                    ClockUnit::WorkingDays,
                );
                w.push(" AND d.status = 'running' AND d.due_on >= ")
                    .bind(time::fmt_date(today))
                    .push(" AND d.due_on <= ")
                    .bind(time::fmt_date(limit));
            }
            _ => {
                w.push(" AND d.status IN ('running', 'paused')");
            }
        }
        if let Some(s) = f.subject.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND d.subject = ").bind(s);
        }
        crate::paged(
            self.store.db.pool(),
            COLUMNS,
            FROM,
            w,
            " ORDER BY d.due_on, d.id",
            page,
            |r| from_row(&cal, today, r),
        )
        .await
    }

    /// The clocks of one subject (the caller has already read the subject in scope).
    pub async fn deadlines_of(&self, subject: &str, subject_id: i64) -> StoreResult<Vec<Deadline>> {
        let today = time::today();
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM}"));
        q.append(self.deadline_scope());
        q.push(" AND d.subject = ").bind(subject);
        q.push(" AND d.subject_id = ")
            .bind(subject_id)
            .push(" ORDER BY d.id");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| from_row(&self.store.calendar, today, r))
            .collect()
    }

    pub async fn get_deadline(&self, id: i64) -> StoreResult<(Deadline, Vec<DeadlineEvent>)> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM}"));
        q.append(self.deadline_scope())
            .push(" AND d.id = ")
            .bind(id);
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("deadlines", id, "deadline.read", "deadline")
                .await);
        };
        let d = from_row(&self.store.calendar, time::today(), &row)?;
        let mut q = Sql::new(
            "SELECT action, due_before, due_after, reason, approver_name, actor_name, at \
             FROM deadline_events WHERE deadline_id = ",
        );
        q.bind(id).push(" ORDER BY id");
        let events = q
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(DeadlineEvent {
                    action: r.try_get("action")?,
                    due_before: r.try_get("due_before")?,
                    due_after: r.try_get("due_after")?,
                    reason: r.try_get("reason")?,
                    approver_name: r.try_get("approver_name")?,
                    actor_name: r.try_get("actor_name")?,
                    at: r.try_get("at")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok((d, events))
    }

    /// Pause, resume or extend a clock. Pausing and resuming are for the
    /// office's handlers; an extension needs a deputy chief or the chief, who
    /// is recorded as its approver. `days` is the extension in the clock's unit.
    pub async fn adjust_deadline(
        &self,
        id: i64,
        action: &str,
        days: Option<u32>,
        reason: &str,
        version: i64,
    ) -> StoreResult<Deadline> {
        let (d, _) = self.get_deadline(id).await?;
        let leader = matches!(self.actor.role, Role::Chief | Role::DeputyChief);
        let handler = leader || self.actor.role == Role::Prosecutor;
        let allowed = match action {
            "extend" => leader,
            "pause" | "resume" => handler,
            _ => false,
        };
        if !allowed {
            return Err(self
                .refuse(
                    "deadline.adjust",
                    "deadline",
                    Some(id.to_string()),
                    StoreError::Forbidden(
                        "延长期限须经分管检察长或检察长批准；暂停、恢复由检察官办理",
                    ),
                )
                .await);
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ValidationErrors::one("reason", "请填写理由").into());
        }
        if d.version != version {
            return Err(StoreError::Stale);
        }
        let cal = self.store.calendar.clone();
        let today = time::today();
        let due =
            time::parse_date(&d.due_on).ok_or_else(|| StoreError::Internal("bad due_on".into()))?;
        let started = time::parse_date(&d.started_on).unwrap_or(today);
        let unit = ClockUnit::from_code(&d.unit).unwrap_or(ClockUnit::Days);
        let mut tx = self.store.db.begin().await?;
        let (new_status, new_due, paused_on, approver) = match (action, d.status.as_str()) {
            ("pause", "running") => ("paused", due, Some(today), None),
            ("resume", "paused") => {
                let paused = d
                    .paused_on
                    .as_deref()
                    .and_then(time::parse_date)
                    .unwrap_or(today);
                let nd =
                    deadline::resume(&cal, due, unit, paused, today).map_err(calendar_error)?;
                ("running", nd, None, None)
            }
            ("extend", "running" | "paused") => {
                let n = days.filter(|n| (1..=365).contains(n)).ok_or_else(|| {
                    StoreError::Validation(ValidationErrors::one("days", "延长期限应为 1–365"))
                })?;
                let (nd, _) = deadline::due_date_provisional(&cal, due, n, unit);
                let paused = d.paused_on.as_deref().and_then(time::parse_date);
                (
                    d.status.as_str(),
                    nd,
                    paused,
                    Some(self.actor.display_name.as_str()),
                )
            }
            _ => {
                return Err(ValidationErrors::one(
                    "action",
                    format!("期限当前为“{}”，不能执行此操作", d.status_label()),
                )
                .into());
            }
        };
        let mut q = Sql::new("UPDATE deadlines SET status = ");
        q.bind(new_status)
            .push(", due_on = ")
            .bind(time::fmt_date(new_due));
        q.push(", paused_on = ").bind(paused_on.map(time::fmt_date));
        q.push(", version = version + 1 WHERE id = ").bind(id);
        q.push(" AND version = ").bind(version);
        if q.execute(&mut tx).await? != 1 {
            return Err(StoreError::Stale);
        }
        event(
            &mut tx,
            id,
            action,
            Some(due),
            Some(new_due),
            reason,
            approver,
            &self.actor.display_name,
        )
        .await?;
        if new_status == "running" {
            schedule(&mut tx, &cal, id, started.max(today), new_due).await?;
        } else {
            cancel_jobs(&mut tx, id).await?;
        }
        let mut entry = AuditEntry::new(
            &format!("deadline.{action}"),
            "deadline",
            Some(id.to_string()),
            Outcome::Ok,
        )
        .detail(format!(
            "{}：{} → {}；理由：{reason}",
            d.label,
            d.due_on,
            time::fmt_date(new_due)
        ));
        entry.agency_id = d.agency_id;
        audit::write(&mut tx, &Who::actor(self.actor), self.ctx, &entry).await?;
        tx.commit().await?;
        Ok(self.get_deadline(id).await?.0)
    }

    pub async fn list_notifications(&self, page: PageRequest) -> StoreResult<Page<Notification>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::notifications(self.actor)).push(")");
        crate::paged(
            self.store.db.pool(),
            "id, title, link, created_at, read_at",
            "FROM notifications",
            w,
            " ORDER BY id DESC",
            page,
            |r| {
                Ok(Notification {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    link: r.try_get("link")?,
                    created_at: r.try_get("created_at")?,
                    read_at: r.try_get("read_at")?,
                })
            },
        )
        .await
    }

    pub async fn unread_notifications(&self) -> StoreResult<i64> {
        let mut q = Sql::new("SELECT COUNT(*) AS n FROM notifications WHERE read_at IS NULL AND (");
        q.append(scope::notifications(self.actor)).push(")");
        Ok(q.fetch_one(self.store.db.pool()).await?.try_get("n")?)
    }

    pub async fn mark_notifications_read(&self) -> StoreResult<()> {
        let mut q = Sql::new("UPDATE notifications SET read_at = ");
        q.bind(time::fmt(time::now_utc()))
            .push(" WHERE read_at IS NULL AND (");
        q.append(scope::notifications(self.actor)).push(")");
        let mut conn = self.store.db.pool().acquire().await?;
        q.execute(&mut conn).await?;
        Ok(())
    }
}

/// Notify users in the transaction of the change that concerns them.
pub(crate) async fn notify(
    tx: &mut AnyConnection,
    users: &[i64],
    title: &str,
    link: &str,
    job_id: Option<i64>,
) -> StoreResult<()> {
    let now = time::fmt(time::now_utc());
    let mut seen = std::collections::BTreeSet::new();
    for u in users {
        if !seen.insert(*u) {
            continue;
        }
        let id = crate::sql::insert(
            tx,
            "notifications",
            vec![
                ("user_id", crate::sql::v(*u)),
                ("title", crate::sql::v(title)),
                ("link", crate::sql::v(link)),
                ("job_id", crate::sql::v(job_id)),
                ("created_at", crate::sql::v(now.as_str())),
            ],
        )
        .await?;
        crate::outbox::enqueue(tx, id, *u, title, link).await?;
    }
    Ok(())
}

/// The active liaisons of an agency.
pub(crate) async fn liaisons_of(tx: &mut AnyConnection, agency_id: i64) -> StoreResult<Vec<i64>> {
    let mut q =
        Sql::new("SELECT id FROM users WHERE role = 'liaison' AND active = 1 AND agency_id = ");
    q.bind(agency_id).push(" ORDER BY id");
    Ok(q.fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?)
}

impl SystemStore<'_> {
    /// Clocks still running or paused, as `subject#id label (due …)`, the
    /// earliest due first: for checks after a replay and for operators.
    /// How many clocks are running or paused.
    pub async fn count_open_deadlines(&self) -> StoreResult<i64> {
        Ok(
            Sql::new("SELECT COUNT(*) AS n FROM deadlines WHERE status IN ('running', 'paused')")
                .fetch_one(self.store.db.pool())
                .await?
                .try_get("n")?,
        )
    }

    pub async fn open_deadlines(&self) -> StoreResult<Vec<String>> {
        let rows = Sql::new(
            "SELECT subject, subject_id, label, due_on FROM deadlines WHERE status IN ('running', 'paused') \
             ORDER BY due_on, id",
        )
        .fetch_all(self.store.db.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(format!(
                    "{}#{} {}（{}）",
                    r.try_get::<String, _>("subject")?,
                    r.try_get::<i64, _>("subject_id")?,
                    r.try_get::<String, _>("label")?,
                    r.try_get::<String, _>("due_on")?
                ))
            })
            .collect()
    }

    /// Recompute provisional due dates now that the calendar may know their
    /// year (after a holiday import); clocks adjusted by hand are left alone.
    pub async fn recompute_provisional_deadlines(&self) -> StoreResult<usize> {
        let cal = self.store.calendar.clone();
        let rows = Sql::new(
            "SELECT d.id, d.started_on, d.limit_value, d.unit, d.due_on FROM deadlines d WHERE d.provisional = 1 \
             AND d.status = 'running' AND d.limit_value > 0 \
             AND (SELECT COUNT(*) FROM deadline_events e WHERE e.deadline_id = d.id) = 1",
        )
        .fetch_all(self.store.db.pool())
        .await?;
        let mut n = 0;
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let started = r
                .try_get::<String, _>("started_on")
                .ok()
                .and_then(|s| time::parse_date(&s));
            let old = r
                .try_get::<String, _>("due_on")
                .ok()
                .and_then(|s| time::parse_date(&s));
            let unit = r
                .try_get::<String, _>("unit")
                .ok()
                .and_then(|u| ClockUnit::from_code(&u));
            let limit: i64 = r.try_get("limit_value")?;
            let (Some(started), Some(unit), Ok(limit)) = (started, unit, u32::try_from(limit))
            else {
                continue;
            };
            let Ok(due) = deadline::due_date(&cal, started, limit, unit) else {
                continue;
            };
            let mut tx = self.store.db.begin().await?;
            let mut q =
                Sql::new("UPDATE deadlines SET provisional = 0, version = version + 1, due_on = ");
            q.bind(time::fmt_date(due))
                .push(" WHERE provisional = 1 AND id = ")
                .bind(id);
            if q.execute(&mut tx).await? == 1 {
                event(
                    &mut tx,
                    id,
                    "recompute",
                    old,
                    Some(due),
                    "导入节假日安排后按工作日历重新计算",
                    None,
                    "系统",
                )
                .await?;
                schedule(&mut tx, &cal, id, started.max(time::today()), due).await?;
                n += 1;
            }
            tx.commit().await?;
        }
        Ok(n)
    }

    /// Run the reminder jobs due on or before `today`. Each job is claimed by
    /// flipping it from pending to done in the transaction that writes its
    /// notifications, so after a crash or restart every job runs exactly once.
    pub async fn run_due_jobs(&self, today: NaiveDate) -> StoreResult<usize> {
        let mut q = Sql::new(
            "SELECT j.id, j.kind, d.id AS deadline_id, d.subject, d.subject_id, d.label, d.due_on, d.status, \
             d.owner_id, d.agency_id FROM jobs j JOIN deadlines d ON d.id = j.deadline_id \
             WHERE j.status = 'pending' AND j.run_on <= ",
        );
        q.bind(time::fmt_date(today))
            .push(" ORDER BY j.id LIMIT 500");
        let jobs = q.fetch_all(self.store.db.pool()).await?;
        let mut fired = 0;
        for j in &jobs {
            let job_id: i64 = j.try_get("id")?;
            let mut tx = self.store.db.begin().await?;
            let mut claim = Sql::new("UPDATE jobs SET status = 'done', done_at = ");
            claim.bind(time::fmt(time::now_utc()));
            claim
                .push(" WHERE status = 'pending' AND id = ")
                .bind(job_id);
            if claim.execute(&mut tx).await? != 1 {
                continue; // another worker took it
            }
            let status: String = j.try_get("status")?;
            if status == "running" {
                let subject: String = j.try_get("subject")?;
                let subject_id: i64 = j.try_get("subject_id")?;
                let label: String = j.try_get("label")?;
                let due: String = j.try_get("due_on")?;
                let kind: String = j.try_get("kind")?;
                let mut users: Vec<i64> = j
                    .try_get::<Option<i64>, _>("owner_id")?
                    .into_iter()
                    .collect();
                if matches!(
                    subject.as_str(),
                    "file_request" | "exchange" | "recommendation"
                ) && let Some(a) = j.try_get::<Option<i64>, _>("agency_id")?
                {
                    users.extend(liaisons_of(&mut tx, a).await?);
                }
                let what = match subject.as_str() {
                    "clue" => format!("线索 #{subject_id}"),
                    "file_request" => format!("调取卷宗 #{subject_id}"),
                    "case" => format!("监督案件 #{subject_id}"),
                    "task" => format!("监督任务 #{subject_id}"),
                    "exchange" => format!("协作事项 #{subject_id}"),
                    "recommendation" => format!("检察建议 #{subject_id}"),
                    _ => format!("#{subject_id}"),
                };
                let title = if kind == "deadline_overdue" {
                    format!("已超期：{what}的“{label}”期限为 {due}")
                } else {
                    format!("即将到期：{what}的“{label}”将于 {due} 届满")
                };
                notify(
                    &mut tx,
                    &users,
                    &title,
                    &subject_link(&subject, subject_id),
                    Some(job_id),
                )
                .await?;
                fired += 1;
            }
            tx.commit().await?;
        }
        Ok(fired)
    }
}
