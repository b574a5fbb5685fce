//! 专项活动 and 监督任务清单: a campaign with its plan, leading group and
//! office, focus areas, and tasks with owners and deadlines (a meeting's
//! follow-ups join the same list).

use crate::deadlines::{self, NewDeadline};
use crate::error::{StoreError, StoreResult};
use crate::sql::{Sql, insert, update_versioned, v};
use crate::{ActorStore, Page, PageRequest, scope, time};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use xingjian_domain::ValidationErrors;
use xingjian_domain::coordination::{Body, TaskStatus, parse_date, parse_people, required_text};
use xingjian_domain::deadline;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub goals: String,
    pub focus_areas: Vec<String>,
    /// active | closed
    pub status: String,
    pub created_by_name: String,
    pub created_at: String,
    pub version: i64,
    pub tasks_total: i64,
    pub tasks_done: i64,
    pub tasks_overdue: i64,
}

impl Campaign {
    pub fn status_label(&self) -> &'static str {
        if self.status == "closed" {
            "已结束"
        } else {
            "进行中"
        }
    }

    /// Done tasks as a whole percentage of the non-cancelled ones.
    pub fn progress(&self) -> i64 {
        if self.tasks_total == 0 {
            0
        } else {
            self.tasks_done * 100 / self.tasks_total
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CampaignMember {
    /// leading_group | office
    pub body: String,
    pub name: String,
    pub position: String,
    pub responsibility: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CampaignInput {
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    #[serde(default)]
    pub goals: String,
    #[serde(default)]
    pub focus_areas: Vec<String>,
    /// The leading group, one member per line: `姓名，职务，职责`.
    #[serde(default)]
    pub leading_group: String,
    /// The leading group's office, same format.
    #[serde(default)]
    pub office: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: i64,
    pub campaign_id: Option<i64>,
    pub campaign_name: Option<String>,
    pub meeting_id: Option<i64>,
    pub meeting_title: Option<String>,
    pub title: String,
    pub category: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub co_owner_ids: Vec<i64>,
    pub due_on: String,
    /// open | in_progress | done | cancelled
    pub status: String,
    pub completion_note: String,
    pub completed_on: Option<String>,
    pub created_by_name: String,
    pub version: i64,
    pub overdue: bool,
}

impl Task {
    pub fn status_label(&self) -> &str {
        TaskStatus::label_of(&self.status)
    }

    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "open" | "in_progress")
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TaskInput {
    pub campaign_id: Option<i64>,
    pub meeting_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub category: String,
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub co_owner_ids: Vec<i64>,
    pub due_on: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct TaskFilter {
    /// mine | open | overdue | done | all (default: open)
    pub view: Option<String>,
    pub campaign_id: Option<i64>,
}

/// The campaign columns with its task counts; overdue is counted against
/// today's date, formatted by us (digits and dashes), never input.
fn campaign_columns() -> String {
    let today = time::fmt_date(time::today());
    format!(
        "c.id, c.name, c.starts_on, c.ends_on, c.goals, c.focus_areas, c.status, \
         c.created_by_name, c.created_at, c.version, \
         (SELECT COUNT(*) FROM tasks t WHERE t.campaign_id = c.id AND t.status <> 'cancelled') AS tasks_total, \
         (SELECT COUNT(*) FROM tasks t WHERE t.campaign_id = c.id AND t.status = 'done') AS tasks_done, \
         (SELECT COUNT(*) FROM tasks t WHERE t.campaign_id = c.id AND t.status IN ('open', 'in_progress') \
            AND t.due_on < '{today}') AS tasks_overdue"
    )
}

fn campaign_from_row(r: &AnyRow) -> StoreResult<Campaign> {
    let focus: String = r.try_get("focus_areas")?;
    Ok(Campaign {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        starts_on: r.try_get("starts_on")?,
        ends_on: r.try_get("ends_on")?,
        goals: r.try_get("goals")?,
        focus_areas: serde_json::from_str(&focus).unwrap_or_default(),
        status: r.try_get("status")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        version: r.try_get("version")?,
        tasks_total: r.try_get("tasks_total")?,
        tasks_done: r.try_get("tasks_done")?,
        tasks_overdue: r.try_get("tasks_overdue")?,
    })
}

const TASK_COLUMNS: &str = "t.id, t.campaign_id, c.name AS campaign_name, t.meeting_id, m.title AS meeting_title, \
    t.title, t.category, t.owner_id, u.display_name AS owner_name, t.co_owner_ids, t.due_on, t.status, \
    t.completion_note, t.completed_on, t.created_by_name, t.version";
const TASK_FROM: &str = "FROM tasks t JOIN users u ON u.id = t.owner_id \
    LEFT JOIN campaigns c ON c.id = t.campaign_id LEFT JOIN meetings m ON m.id = t.meeting_id";

fn task_from_row(r: &AnyRow) -> StoreResult<Task> {
    let co: String = r.try_get("co_owner_ids")?;
    let due_on: String = r.try_get("due_on")?;
    let status: String = r.try_get("status")?;
    let overdue =
        matches!(status.as_str(), "open" | "in_progress") && due_on < time::fmt_date(time::today());
    Ok(Task {
        id: r.try_get("id")?,
        campaign_id: r.try_get("campaign_id")?,
        campaign_name: r.try_get("campaign_name")?,
        meeting_id: r.try_get("meeting_id")?,
        meeting_title: r.try_get("meeting_title")?,
        title: r.try_get("title")?,
        category: r.try_get("category")?,
        owner_id: r.try_get("owner_id")?,
        owner_name: r.try_get("owner_name")?,
        co_owner_ids: serde_json::from_str(&co).unwrap_or_default(),
        due_on,
        status,
        completion_note: r.try_get("completion_note")?,
        completed_on: r.try_get("completed_on")?,
        created_by_name: r.try_get("created_by_name")?,
        version: r.try_get("version")?,
        overdue,
    })
}

struct CheckedCampaign {
    name: String,
    starts_on: String,
    ends_on: String,
    goals: String,
    focus: String,
    members: Vec<(Body, xingjian_domain::coordination::PersonLine)>,
}

fn check_campaign(input: &CampaignInput) -> StoreResult<CheckedCampaign> {
    let mut e = ValidationErrors::new();
    let name = required_text("name", "活动名称", &input.name, 100, &mut e).to_owned();
    let starts = parse_date("starts_on", "开始日期", &input.starts_on, true, &mut e);
    let ends = parse_date("ends_on", "结束日期", &input.ends_on, true, &mut e);
    if let (Some(s), Some(x)) = (starts, ends)
        && x < s
    {
        e.add("ends_on", "结束日期不能早于开始日期");
    }
    let focus: Vec<String> = input
        .focus_areas
        .iter()
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .collect();
    if focus.is_empty() {
        e.add("focus_areas", "请至少选择一个监督重点");
    }
    let mut members = Vec::new();
    for (body, text, field) in [
        (Body::LeadingGroup, &input.leading_group, "leading_group"),
        (Body::Office, &input.office, "office"),
    ] {
        for p in parse_people(field, text, &mut e) {
            members.push((body, p));
        }
    }
    if !members.iter().any(|(b, _)| *b == Body::LeadingGroup) {
        e.add(
            "leading_group",
            "请填写领导小组成员（每行：姓名，职务，职责）",
        );
    }
    e.into_result()?;
    Ok(CheckedCampaign {
        name,
        starts_on: input.starts_on.trim().to_owned(),
        ends_on: input.ends_on.trim().to_owned(),
        goals: input.goals.trim().to_owned(),
        focus: serde_json::to_string(&focus).map_err(|e| StoreError::Internal(e.to_string()))?,
        members,
    })
}

async fn replace_members(
    tx: &mut sqlx::AnyConnection,
    campaign_id: i64,
    members: &[(Body, xingjian_domain::coordination::PersonLine)],
) -> StoreResult<()> {
    let mut d = Sql::new("DELETE FROM campaign_members WHERE campaign_id = ");
    d.bind(campaign_id);
    d.execute(tx).await?;
    for (i, (body, p)) in members.iter().enumerate() {
        insert(
            tx,
            "campaign_members",
            vec![
                ("campaign_id", v(campaign_id)),
                ("body", v(body.code())),
                ("name", v(p.name.as_str())),
                ("position", v(p.position.as_str())),
                ("responsibility", v(p.third.as_str())),
                ("ordinal", v(i as i64)),
            ],
        )
        .await?;
    }
    Ok(())
}

impl ActorStore<'_> {
    pub async fn create_campaign(&self, input: CampaignInput) -> StoreResult<Campaign> {
        if let Some(e) = self.staff_only("只有检察院工作人员可以办理") {
            return Err(self.refuse("campaign.create", "campaign", None, e).await);
        }
        let c = check_campaign(&input)?;
        let now = time::fmt(time::now_utc());
        let mut tx = self.store.db.begin().await?;
        let id = insert(
            &mut tx,
            "campaigns",
            vec![
                ("name", v(c.name.as_str())),
                ("starts_on", v(c.starts_on.as_str())),
                ("ends_on", v(c.ends_on.as_str())),
                ("goals", v(c.goals.as_str())),
                ("focus_areas", v(c.focus.as_str())),
                ("status", v("active")),
                ("created_by_name", v(self.actor.display_name.as_str())),
                ("created_at", v(now.as_str())),
                ("updated_at", v(now.as_str())),
            ],
        )
        .await?;
        replace_members(&mut tx, id, &c.members).await?;
        self.audit_change(
            &mut tx,
            "campaign.create",
            "campaign",
            id,
            None,
            format!(
                "建立专项活动“{}”（{} 至 {}）",
                c.name, c.starts_on, c.ends_on
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(self.get_campaign(id).await?.0)
    }

    pub async fn update_campaign(
        &self,
        id: i64,
        version: i64,
        input: CampaignInput,
    ) -> StoreResult<Campaign> {
        let (before, _) = self.get_campaign(id).await?;
        if let Some(e) = self.staff_only("只有检察院工作人员可以办理") {
            return Err(self
                .refuse("campaign.update", "campaign", Some(id.to_string()), e)
                .await);
        }
        let c = check_campaign(&input)?;
        let mut tx = self.store.db.begin().await?;
        let ok = update_versioned(
            &mut tx,
            "campaigns",
            id,
            version,
            vec![
                ("name", v(c.name.as_str())),
                ("starts_on", v(c.starts_on.as_str())),
                ("ends_on", v(c.ends_on.as_str())),
                ("goals", v(c.goals.as_str())),
                ("focus_areas", v(c.focus.as_str())),
                ("updated_at", v(time::fmt(time::now_utc()))),
            ],
        )
        .await?;
        if !ok {
            return Err(StoreError::Stale);
        }
        replace_members(&mut tx, id, &c.members).await?;
        self.audit_change(
            &mut tx,
            "campaign.update",
            "campaign",
            id,
            None,
            format!("修改专项活动“{}”（原名“{}”）", c.name, before.name),
        )
        .await?;
        tx.commit().await?;
        Ok(self.get_campaign(id).await?.0)
    }

    /// End a campaign (or reopen it).
    pub async fn set_campaign_status(
        &self,
        id: i64,
        version: i64,
        closed: bool,
    ) -> StoreResult<Campaign> {
        let (c, _) = self.get_campaign(id).await?;
        if let Some(e) = self.staff_only("只有检察院工作人员可以办理") {
            return Err(self
                .refuse("campaign.update", "campaign", Some(id.to_string()), e)
                .await);
        }
        let mut tx = self.store.db.begin().await?;
        let status = if closed { "closed" } else { "active" };
        if !update_versioned(
            &mut tx,
            "campaigns",
            id,
            version,
            vec![("status", v(status))],
        )
        .await?
        {
            return Err(StoreError::Stale);
        }
        let what = if closed { "结束" } else { "重新开启" };
        self.audit_change(
            &mut tx,
            "campaign.update",
            "campaign",
            id,
            None,
            format!("{what}专项活动“{}”", c.name),
        )
        .await?;
        tx.commit().await?;
        Ok(self.get_campaign(id).await?.0)
    }

    pub async fn list_campaigns(&self, page: PageRequest) -> StoreResult<Page<Campaign>> {
        let mut w = Sql::new(" WHERE ");
        w.append(scope::campaigns(self.actor));
        crate::paged(
            self.store.db.pool(),
            &campaign_columns(),
            "FROM campaigns c",
            w,
            " ORDER BY c.starts_on DESC, c.id DESC",
            page,
            campaign_from_row,
        )
        .await
    }

    pub async fn get_campaign(&self, id: i64) -> StoreResult<(Campaign, Vec<CampaignMember>)> {
        let mut q = Sql::new(&format!(
            "SELECT {} FROM campaigns c WHERE c.id = ",
            campaign_columns()
        ));
        q.bind(id).push(" AND ");
        q.append(scope::campaigns(self.actor));
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("campaigns", id, "campaign.read", "campaign")
                .await);
        };
        let c = campaign_from_row(&row)?;
        let mut m = Sql::new(
            "SELECT body, name, position, responsibility FROM campaign_members WHERE campaign_id = ",
        );
        m.bind(id).push(" ORDER BY ordinal");
        let members = m
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(CampaignMember {
                    body: r.try_get("body")?,
                    name: r.try_get("name")?,
                    position: r.try_get("position")?,
                    responsibility: r.try_get("responsibility")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok((c, members))
    }

    pub async fn campaign_history(&self, id: i64) -> StoreResult<Vec<crate::HistoryEntry>> {
        self.get_campaign(id).await?;
        self.history_of("campaign", id).await
    }

    /// A task of a campaign or a meeting's follow-up. The owner and co-owners
    /// are notified; the task's deadline runs on the deadline engine.
    pub async fn create_task(&self, input: TaskInput) -> StoreResult<Task> {
        if let Some(e) = self.staff_only("只有检察院工作人员可以办理") {
            return Err(self.refuse("task.create", "task", None, e).await);
        }
        let mut e = ValidationErrors::new();
        let title = required_text("title", "任务内容", &input.title, 200, &mut e).to_owned();
        let category = input.category.trim().to_owned();
        if category.chars().count() > 20 {
            e.add("category", "类别不能超过 20 字");
        }
        let due = parse_date("due_on", "责任时限", &input.due_on, true, &mut e);
        let staff = self.staff_directory().await?;
        let known = |id: i64| staff.iter().any(|s| s.id == id);
        match input.owner_id {
            None => e.add("owner_id", "请选择责任人"),
            Some(o) if !known(o) => e.add("owner_id", "责任人须为本院在职工作人员"),
            _ => {}
        }
        let mut co: Vec<i64> = Vec::new();
        for c in &input.co_owner_ids {
            if !known(*c) {
                e.add("co_owner_ids", "协办人须为本院在职工作人员");
            } else if Some(*c) != input.owner_id && !co.contains(c) {
                co.push(*c);
            }
        }
        let mut campaign_name = None;
        if let Some(c) = input.campaign_id {
            match self.get_campaign(c).await {
                Ok((c, _)) => {
                    if c.status == "closed" {
                        e.add("campaign_id", "该专项活动已结束，不能再添加任务");
                    }
                    if let Some(d) = due
                        && time::fmt_date(d) < c.starts_on
                    {
                        e.add("due_on", "责任时限不能早于专项活动开始日期");
                    }
                    campaign_name = Some(c.name);
                }
                Err(StoreError::NotFound) => e.add("campaign_id", "专项活动不存在"),
                Err(x) => return Err(x),
            }
        }
        if let Some(m) = input.meeting_id {
            self.get_meeting(m).await?;
        }
        e.into_result()?;
        let (Some(owner), Some(due)) = (input.owner_id, due) else {
            return Err(StoreError::Internal("task".into()));
        };
        let now = time::fmt(time::now_utc());
        let mut tx = self.store.db.begin().await?;
        let id = insert(
            &mut tx,
            "tasks",
            vec![
                ("campaign_id", v(input.campaign_id)),
                ("meeting_id", v(input.meeting_id)),
                ("title", v(title.as_str())),
                ("category", v(category.as_str())),
                ("owner_id", v(owner)),
                (
                    "co_owner_ids",
                    v(serde_json::to_string(&co).unwrap_or_default()),
                ),
                ("due_on", v(time::fmt_date(due))),
                ("status", v("open")),
                ("completion_note", v("")),
                ("created_by_name", v(self.actor.display_name.as_str())),
                ("created_at", v(now.as_str())),
                ("updated_at", v(now.as_str())),
            ],
        )
        .await?;
        let clock = deadline::clock("task").ok_or_else(|| StoreError::Internal("clock".into()))?;
        deadlines::start(
            &mut tx,
            &self.store.calendar,
            NewDeadline {
                subject: "task",
                subject_id: id,
                clock,
                started_on: time::today().min(due),
                due_on: Some(due),
                label: None,
                limit: None,
                owner_id: Some(owner),
                agency_id: None,
            },
            &self.actor.display_name,
        )
        .await?;
        let mut people = vec![owner];
        people.extend(&co);
        people.retain(|p| *p != self.actor.user_id.0);
        deadlines::notify(
            &mut tx,
            &people,
            &format!("新的监督任务：{title}（{} 前完成）", time::fmt_date(due)),
            &format!("/tasks/{id}"),
            None,
        )
        .await?;
        let within = campaign_name.map_or_else(String::new, |c| format!("（{c}）"));
        self.audit_change(
            &mut tx,
            "task.create",
            "task",
            id,
            None,
            format!(
                "布置监督任务“{title}”{within}，{} 前完成",
                time::fmt_date(due)
            ),
        )
        .await?;
        tx.commit().await?;
        self.get_task(id).await
    }

    pub async fn get_task(&self, id: i64) -> StoreResult<Task> {
        let mut q = Sql::new(&format!("SELECT {TASK_COLUMNS} {TASK_FROM} WHERE t.id = "));
        q.bind(id).push(" AND ");
        q.append(scope::tasks(self.actor));
        match q.fetch_optional(self.store.db.pool()).await? {
            Some(r) => task_from_row(&r),
            None => Err(self
                .absent_or_refused("tasks", id, "task.read", "task")
                .await),
        }
    }

    pub async fn list_tasks(&self, f: &TaskFilter, page: PageRequest) -> StoreResult<Page<Task>> {
        let mut w = Sql::new(" WHERE ");
        w.append(scope::tasks(self.actor));
        if let Some(c) = f.campaign_id {
            w.push(" AND t.campaign_id = ").bind(c);
        }
        let today = time::fmt_date(time::today());
        match f.view.as_deref().unwrap_or("open") {
            "all" => {}
            "done" => {
                w.push(" AND t.status = 'done'");
            }
            "overdue" => {
                w.push(" AND t.status IN ('open', 'in_progress') AND t.due_on < ")
                    .bind(today);
            }
            "mine" => {
                let me = self.actor.user_id.0;
                w.push(" AND t.status IN ('open', 'in_progress') AND (t.owner_id = ")
                    .bind(me)
                    .push(" OR t.co_owner_ids LIKE ")
                    .bind(format!("%[{me}]%"))
                    .push(" OR t.co_owner_ids LIKE ")
                    .bind(format!("%[{me},%"))
                    .push(" OR t.co_owner_ids LIKE ")
                    .bind(format!("%,{me},%"))
                    .push(" OR t.co_owner_ids LIKE ")
                    .bind(format!("%,{me}]%"))
                    .push(")");
            }
            _ => {
                w.push(" AND t.status IN ('open', 'in_progress')");
            }
        }
        crate::paged(
            self.store.db.pool(),
            TASK_COLUMNS,
            TASK_FROM,
            w,
            " ORDER BY t.due_on, t.id",
            page,
            task_from_row,
        )
        .await
    }

    /// Every task of a campaign (its task list), or of a meeting.
    pub async fn tasks_of(
        &self,
        campaign_id: Option<i64>,
        meeting_id: Option<i64>,
    ) -> StoreResult<Vec<Task>> {
        let mut q = Sql::new(&format!("SELECT {TASK_COLUMNS} {TASK_FROM} WHERE "));
        q.append(scope::tasks(self.actor));
        if let Some(c) = campaign_id {
            q.push(" AND t.campaign_id = ").bind(c);
        }
        if let Some(m) = meeting_id {
            q.push(" AND t.meeting_id = ").bind(m);
        }
        q.push(" ORDER BY t.id");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(task_from_row)
            .collect()
    }

    /// Move a task on: start it, complete it (with a note of what was done;
    /// the evidence is attached to the task), or cancel it with a reason.
    pub async fn update_task_status(
        &self,
        id: i64,
        version: i64,
        status: &str,
        note: &str,
    ) -> StoreResult<Task> {
        let t = self.get_task(id).await?;
        if let Some(e) = self.staff_only("只有检察院工作人员可以办理") {
            return Err(self
                .refuse("task.update", "task", Some(id.to_string()), e)
                .await);
        }
        let Some(to) = TaskStatus::from_code(status) else {
            return Err(ValidationErrors::one("status", "未知的任务状态").into());
        };
        if !t.is_open() {
            return Err(ValidationErrors::one(
                "status",
                format!("该任务已{}，不能再变更", t.status_label()),
            )
            .into());
        }
        let note = note.trim();
        match to {
            TaskStatus::Done if note.is_empty() => {
                return Err(ValidationErrors::one("completion_note", "请填写完成情况").into());
            }
            TaskStatus::Cancelled if note.is_empty() => {
                return Err(ValidationErrors::one("completion_note", "请填写取消原因").into());
            }
            TaskStatus::Open => {
                return Err(ValidationErrors::one("status", "任务不能退回未开始").into());
            }
            _ => {}
        }
        if t.version != version {
            return Err(StoreError::Stale);
        }
        let mut tx = self.store.db.begin().await?;
        let mut cols = vec![
            ("status", v(to.code())),
            ("updated_at", v(time::fmt(time::now_utc()))),
        ];
        if matches!(to, TaskStatus::Done | TaskStatus::Cancelled) {
            cols.push(("completion_note", v(note)));
            cols.push(("completed_on", v(time::fmt_date(time::today()))));
        }
        if !update_versioned(&mut tx, "tasks", id, version, cols).await? {
            return Err(StoreError::Stale);
        }
        match to {
            TaskStatus::Done => {
                deadlines::finish(
                    &mut tx,
                    "task",
                    id,
                    None,
                    "done",
                    note,
                    &self.actor.display_name,
                )
                .await?;
            }
            TaskStatus::Cancelled => {
                deadlines::finish(
                    &mut tx,
                    "task",
                    id,
                    None,
                    "cancelled",
                    note,
                    &self.actor.display_name,
                )
                .await?;
            }
            _ => {}
        }
        let detail = if note.is_empty() {
            format!("任务“{}”：{}", t.title, to.label())
        } else {
            format!("任务“{}”：{}（{note}）", t.title, to.label())
        };
        self.audit_change(&mut tx, "task.update", "task", id, None, detail)
            .await?;
        tx.commit().await?;
        self.get_task(id).await
    }

    pub async fn task_history(&self, id: i64) -> StoreResult<Vec<crate::HistoryEntry>> {
        self.get_task(id).await?;
        self.history_of("task", id).await
    }
}
