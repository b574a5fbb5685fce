//! Exchanges between the office and an agency, either way: 信息共享 (an
//! agency's records through the importer), 案情通报 and 线索移送. The receiver
//! acknowledges and responds; a received clue transfer becomes a clue.

use crate::deadlines::{self, NewDeadline};
use crate::error::{StoreError, StoreResult};
use crate::sql::{Sql, insert, update_versioned, v};
use crate::{ActorStore, Page, PageRequest, scope, time};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use xingjian_domain::coordination::{
    Direction, ExchangeKind, ExchangeStatus, parse_date, required_text,
};
use xingjian_domain::{AgencyId, ClueInput, Role, ValidationErrors, deadline};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Exchange {
    pub id: i64,
    /// data_share | case_notice | clue_transfer
    pub kind: String,
    /// outbound (to the agency) | inbound (from the agency)
    pub direction: String,
    pub agency_id: i64,
    pub agency_name: String,
    pub title: String,
    pub content: String,
    pub due_on: Option<String>,
    /// sent | acknowledged | answered | closed
    pub status: String,
    pub response: String,
    pub import_file_id: Option<i64>,
    pub clue_id: Option<i64>,
    pub case_id: Option<i64>,
    pub sent_by_name: String,
    pub sent_at: String,
    pub acknowledged_by_name: Option<String>,
    pub acknowledged_at: Option<String>,
    pub answered_by_name: Option<String>,
    pub answered_at: Option<String>,
    pub version: i64,
    /// Past its due date without a response.
    pub overdue: bool,
}

impl Exchange {
    pub fn kind_label(&self) -> &str {
        ExchangeKind::label_of(&self.kind)
    }
    pub fn direction_label(&self) -> &str {
        Direction::label_of(&self.direction)
    }
    pub fn status_label(&self) -> &str {
        ExchangeStatus::label_of(&self.status)
    }
    pub fn is_inbound(&self) -> bool {
        self.direction == "inbound"
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ExchangeInput {
    /// data_share | case_notice | clue_transfer
    pub kind: String,
    /// The agency (for the office's staff; a liaison always sends from its own).
    pub agency_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub content: String,
    /// `YYYY-MM-DD` for a response; empty for the default 10 working days.
    #[serde(default)]
    pub due_on: String,
    /// An agency's data share: its import through the importer.
    pub import_file_id: Option<i64>,
    pub clue_id: Option<i64>,
    pub case_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ExchangeFilter {
    pub kind: Option<String>,
    pub direction: Option<String>,
    /// open | overdue | a status code
    pub status: Option<String>,
    pub agency_id: Option<i64>,
}

const COLUMNS: &str = "x.id, x.kind, x.direction, x.agency_id, a.name AS agency_name, x.title, x.content, x.due_on, \
    x.status, x.response, x.import_file_id, x.clue_id, x.case_id, x.sent_by_name, x.sent_at, \
    x.acknowledged_by_name, x.acknowledged_at, x.answered_by_name, x.answered_at, x.version";
const FROM: &str = "FROM exchanges x JOIN agencies a ON a.id = x.agency_id";

fn from_row(r: &AnyRow) -> StoreResult<Exchange> {
    let due_on: Option<String> = r.try_get("due_on")?;
    let status: String = r.try_get("status")?;
    let overdue = matches!(status.as_str(), "sent" | "acknowledged")
        && due_on
            .as_deref()
            .is_some_and(|d| d < time::fmt_date(time::today()).as_str());
    Ok(Exchange {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        direction: r.try_get("direction")?,
        agency_id: r.try_get("agency_id")?,
        agency_name: r.try_get("agency_name")?,
        title: r.try_get("title")?,
        content: r.try_get("content")?,
        due_on,
        status,
        response: r.try_get("response")?,
        import_file_id: r.try_get("import_file_id")?,
        clue_id: r.try_get("clue_id")?,
        case_id: r.try_get("case_id")?,
        sent_by_name: r.try_get("sent_by_name")?,
        sent_at: r.try_get("sent_at")?,
        acknowledged_by_name: r.try_get("acknowledged_by_name")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        answered_by_name: r.try_get("answered_by_name")?,
        answered_at: r.try_get("answered_at")?,
        version: r.try_get("version")?,
        overdue,
    })
}

/// The office's people who receive what agencies send: the leadership and
/// the prosecutors.
async fn office_receivers(tx: &mut sqlx::AnyConnection) -> StoreResult<Vec<i64>> {
    Ok(Sql::new(
        "SELECT id FROM users WHERE active = 1 AND role IN ('chief', 'deputy_chief', 'prosecutor') ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?)
}

impl ActorStore<'_> {
    /// Is the actor on the receiving side of this exchange?
    fn receives(&self, x: &Exchange) -> bool {
        if x.is_inbound() {
            self.may_screen()
        } else {
            self.actor.role == Role::Liaison && self.actor.agency_id == Some(AgencyId(x.agency_id))
        }
    }

    /// Is the actor on the sending side?
    fn sends(&self, x: &Exchange) -> bool {
        if x.is_inbound() {
            self.actor.role == Role::Liaison && self.actor.agency_id == Some(AgencyId(x.agency_id))
        } else {
            self.may_screen()
        }
    }

    /// Send an exchange: the office's staff to an agency, or a liaison from
    /// its own agency to the office. The receivers are notified; the response
    /// runs on a clock (the date given, or 10 working days).
    pub async fn create_exchange(&self, input: ExchangeInput) -> StoreResult<Exchange> {
        let inbound = match (self.actor.role, self.actor.agency_id) {
            (Role::Liaison, Some(_)) => true,
            _ if self.may_screen() => false,
            _ => {
                return Err(self
                    .refuse(
                        "exchange.create",
                        "exchange",
                        None,
                        StoreError::Forbidden("只有检察院工作人员或行政机关联络员可以发起"),
                    )
                    .await);
            }
        };
        let mut e = ValidationErrors::new();
        let kind = ExchangeKind::from_code(input.kind.trim());
        if kind.is_none() {
            e.add("kind", "请选择类别：信息共享、案情通报或线索移送");
        }
        let title = required_text("title", "标题", &input.title, 200, &mut e).to_owned();
        let content = input.content.trim().to_owned();
        let today = time::today();
        let due = parse_date("due_on", "反馈期限", &input.due_on, false, &mut e);
        if due.is_some_and(|d| d <= today) {
            e.add("due_on", "反馈期限须晚于今天");
        }
        let agency_id = if inbound {
            self.actor.agency_id.map(|a| a.0)
        } else {
            input.agency_id
        };
        let agency = match agency_id {
            None => {
                e.add("agency_id", "请选择行政机关");
                None
            }
            Some(a) => match self.get_agency(AgencyId(a)).await {
                Ok(a) => Some(a),
                Err(_) => {
                    e.add("agency_id", "所选行政机关不存在");
                    None
                }
            },
        };
        if kind == Some(ExchangeKind::DataShare) && inbound && input.import_file_id.is_none() {
            e.add(
                "import_file_id",
                "共享执法数据请先在“执法数据”页面导入，再在此选择该次导入",
            );
        }
        if content.is_empty() && kind != Some(ExchangeKind::DataShare) {
            e.add("content", "请填写内容");
        }
        if let Some(i) = input.import_file_id {
            match self.get_import(i).await {
                Ok((f, _)) if f.agency_id == agency_id.map(AgencyId) => {}
                Ok((f, _)) => e.add(
                    "import_file_id",
                    format!("导入记录“{}”不属于该行政机关", f.file_name),
                ),
                Err(_) => e.add("import_file_id", "导入记录不存在或无权使用"),
            }
        }
        if inbound && (input.clue_id.is_some() || input.case_id.is_some()) {
            e.add("clue_id", "联络员不能关联检察院的线索或案件");
        }
        e.into_result()?;
        let (Some(kind), Some(agency)) = (kind, agency) else {
            return Err(StoreError::Internal("exchange".into()));
        };
        if let Some(c) = input.clue_id {
            self.get_clue(c).await?;
        }
        if let Some(c) = input.case_id {
            self.get_case(c).await?;
        }
        let clock = deadline::clock("exchange_reply")
            .ok_or_else(|| StoreError::Internal("clock".into()))?;
        let due = due.unwrap_or_else(|| {
            deadline::due_date_provisional(&self.store.calendar, today, clock.limit, clock.unit).0
        });
        let direction = if inbound {
            Direction::Inbound
        } else {
            Direction::Outbound
        };
        let mut tx = self.store.db.begin().await?;
        let id = insert(
            &mut tx,
            "exchanges",
            vec![
                ("kind", v(kind.code())),
                ("direction", v(direction.code())),
                ("agency_id", v(agency.id.0)),
                ("title", v(title.as_str())),
                ("content", v(content.as_str())),
                ("due_on", v(time::fmt_date(due))),
                ("status", v("sent")),
                ("response", v("")),
                ("import_file_id", v(input.import_file_id)),
                ("clue_id", v(input.clue_id)),
                ("case_id", v(input.case_id)),
                ("sent_by", v(self.actor.user_id.0)),
                ("sent_by_name", v(self.actor.display_name.as_str())),
                ("sent_at", v(time::fmt(time::now_utc()))),
            ],
        )
        .await?;
        deadlines::start(
            &mut tx,
            &self.store.calendar,
            NewDeadline {
                subject: "exchange",
                subject_id: id,
                clock,
                started_on: today,
                due_on: Some(due),
                label: Some(format!("{}反馈", kind.label())),
                limit: None,
                owner_id: None,
                agency_id: Some(agency.id.0),
            },
            &self.actor.display_name,
        )
        .await?;
        let (receivers, headline) = if inbound {
            (
                office_receivers(&mut tx).await?,
                format!("{}{}：{title}", agency.name, kind.label()),
            )
        } else {
            (
                deadlines::liaisons_of(&mut tx, agency.id.0).await?,
                format!("检察院{}：{title}（请签收）", kind.label()),
            )
        };
        deadlines::notify(
            &mut tx,
            &receivers,
            &headline,
            &format!("/exchanges/{id}"),
            None,
        )
        .await?;
        let to_from = if inbound {
            format!("{}向本院", agency.name)
        } else {
            format!("向{}", agency.name)
        };
        self.audit_change(
            &mut tx,
            "exchange.create",
            "exchange",
            id,
            Some(agency.id.0),
            format!("{to_from}{}“{title}”", kind.label()),
        )
        .await?;
        tx.commit().await?;
        self.get_exchange(id).await
    }

    pub async fn get_exchange(&self, id: i64) -> StoreResult<Exchange> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE x.id = "));
        q.bind(id).push(" AND (");
        q.append(scope::exchanges(self.actor, "x")).push(")");
        match q.fetch_optional(self.store.db.pool()).await? {
            Some(r) => from_row(&r),
            None => Err(self
                .absent_or_refused("exchanges", id, "exchange.read", "exchange")
                .await),
        }
    }

    pub async fn list_exchanges(
        &self,
        f: &ExchangeFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Exchange>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::exchanges(self.actor, "x")).push(")");
        if let Some(k) = f.kind.as_deref().filter(|k| !k.is_empty()) {
            w.push(" AND x.kind = ").bind(k);
        }
        if let Some(d) = f.direction.as_deref().filter(|k| !k.is_empty()) {
            w.push(" AND x.direction = ").bind(d);
        }
        if let Some(a) = f.agency_id {
            w.push(" AND x.agency_id = ").bind(a);
        }
        match f.status.as_deref().unwrap_or("") {
            "" => {}
            "open" => {
                w.push(" AND x.status IN ('sent', 'acknowledged')");
            }
            "overdue" => {
                w.push(" AND x.status IN ('sent', 'acknowledged') AND x.due_on < ")
                    .bind(time::fmt_date(time::today()));
            }
            s => {
                w.push(" AND x.status = ").bind(s);
            }
        }
        crate::paged(
            self.store.db.pool(),
            COLUMNS,
            FROM,
            w,
            " ORDER BY x.id DESC",
            page,
            from_row,
        )
        .await
    }

    async fn exchange_step(
        &self,
        id: i64,
        version: i64,
        action: &'static str,
        allowed_from: &[&str],
        by_receiver: bool,
    ) -> StoreResult<Exchange> {
        let x = self.get_exchange(id).await?;
        let permitted = if by_receiver {
            self.receives(&x)
        } else {
            self.sends(&x) || self.may_screen()
        };
        if !permitted {
            let why = if by_receiver {
                "只有接收方可以签收、反馈"
            } else {
                "只有发送方或检察院工作人员可以办结"
            };
            return Err(self
                .refuse(
                    action,
                    "exchange",
                    Some(id.to_string()),
                    StoreError::Forbidden(why),
                )
                .await);
        }
        if x.version != version {
            return Err(StoreError::Stale);
        }
        if !allowed_from.contains(&x.status.as_str()) {
            return Err(ValidationErrors::one(
                "status",
                format!("该事项当前为“{}”，不能执行此操作", x.status_label()),
            )
            .into());
        }
        Ok(x)
    }

    pub async fn acknowledge_exchange(&self, id: i64, version: i64) -> StoreResult<Exchange> {
        let x = self
            .exchange_step(id, version, "exchange.acknowledge", &["sent"], true)
            .await?;
        let mut tx = self.store.db.begin().await?;
        self.mark_acknowledged(&mut tx, &x).await?;
        tx.commit().await?;
        self.get_exchange(id).await
    }

    async fn mark_acknowledged(
        &self,
        tx: &mut sqlx::AnyConnection,
        x: &Exchange,
    ) -> StoreResult<()> {
        let ok = update_versioned(
            tx,
            "exchanges",
            x.id,
            x.version,
            vec![
                ("status", v("acknowledged")),
                ("acknowledged_by_name", v(self.actor.display_name.as_str())),
                ("acknowledged_at", v(time::fmt(time::now_utc()))),
            ],
        )
        .await?;
        if !ok {
            return Err(StoreError::Stale);
        }
        if x.is_inbound() {
            // The staff member who signs for it now owns the response clock.
            deadlines::reassign(tx, "exchange", x.id, self.actor.user_id.0).await?;
        }
        self.audit_change(
            tx,
            "exchange.acknowledge",
            "exchange",
            x.id,
            Some(x.agency_id),
            format!("签收{}“{}”", x.kind_label(), x.title),
        )
        .await
    }

    /// The receiver's response (what was done with it). Stops the clock and
    /// tells the sender.
    pub async fn respond_exchange(
        &self,
        id: i64,
        version: i64,
        response: &str,
    ) -> StoreResult<Exchange> {
        let x = self
            .exchange_step(
                id,
                version,
                "exchange.respond",
                &["sent", "acknowledged"],
                true,
            )
            .await?;
        let response = response.trim();
        if response.is_empty() {
            return Err(ValidationErrors::one("response", "请填写反馈内容").into());
        }
        let now = time::fmt(time::now_utc());
        let mut cols = vec![
            ("status", v("answered")),
            ("response", v(response)),
            ("answered_by_name", v(self.actor.display_name.as_str())),
            ("answered_at", v(now.as_str())),
        ];
        if x.status == "sent" {
            cols.push(("acknowledged_by_name", v(self.actor.display_name.as_str())));
            cols.push(("acknowledged_at", v(now.as_str())));
        }
        let mut tx = self.store.db.begin().await?;
        if !update_versioned(&mut tx, "exchanges", id, version, cols).await? {
            return Err(StoreError::Stale);
        }
        deadlines::finish(
            &mut tx,
            "exchange",
            id,
            None,
            "done",
            "已反馈",
            &self.actor.display_name,
        )
        .await?;
        self.notify_sender(
            &mut tx,
            &x,
            &format!("{}已反馈：{}", x.kind_label(), x.title),
        )
        .await?;
        self.audit_change(
            &mut tx,
            "exchange.respond",
            "exchange",
            id,
            Some(x.agency_id),
            format!("反馈{}“{}”", x.kind_label(), x.title),
        )
        .await?;
        tx.commit().await?;
        self.get_exchange(id).await
    }

    async fn notify_sender(
        &self,
        tx: &mut sqlx::AnyConnection,
        x: &Exchange,
        title: &str,
    ) -> StoreResult<()> {
        let mut q = Sql::new("SELECT sent_by FROM exchanges WHERE id = ");
        q.bind(x.id);
        let sender: Option<i64> = q.fetch_one(&mut *tx).await?.try_get("sent_by")?;
        deadlines::notify(
            tx,
            &sender.into_iter().collect::<Vec<_>>(),
            title,
            &format!("/exchanges/{}", x.id),
            None,
        )
        .await
    }

    /// Register a received clue transfer as a clue (source 线索移送), in one
    /// transaction with marking the transfer acknowledged and linked.
    pub async fn register_exchange_clue(&self, id: i64, version: i64) -> StoreResult<i64> {
        let x = self
            .exchange_step(
                id,
                version,
                "exchange.register_clue",
                &["sent", "acknowledged", "answered"],
                true,
            )
            .await?;
        if !(x.is_inbound() && x.kind == ExchangeKind::ClueTransfer.code()) {
            return Err(ValidationErrors::one("kind", "只有机关移送的线索可以登记为线索").into());
        }
        if x.clue_id.is_some() {
            return Err(ValidationErrors::one("clue_id", "该移送线索已登记").into());
        }
        let received = time::parse(&x.sent_at)
            .map(time::beijing_minute)
            .unwrap_or_default();
        let input = ClueInput {
            source: "clue_transfer".into(),
            title: x.title.clone(),
            content: if x.content.is_empty() {
                x.title.clone()
            } else {
                x.content.clone()
            },
            agency_id: Some(x.agency_id),
            received_at: received,
            ..ClueInput::default()
        }
        .normalized();
        let source = input.validate(time::today())?;
        let mut tx = self.store.db.begin().await?;
        let clue_id = self.insert_clue(&mut tx, &input, source).await?;
        let mut cols = vec![("clue_id", v(clue_id))];
        if x.status == "sent" {
            cols.push(("status", v("acknowledged")));
            cols.push(("acknowledged_by_name", v(self.actor.display_name.as_str())));
            cols.push(("acknowledged_at", v(time::fmt(time::now_utc()))));
        }
        if !update_versioned(&mut tx, "exchanges", id, version, cols).await? {
            return Err(StoreError::Stale);
        }
        if x.status == "sent" {
            deadlines::reassign(&mut tx, "exchange", id, self.actor.user_id.0).await?;
        }
        self.notify_sender(
            &mut tx,
            &x,
            &format!("检察院已将移送线索“{}”登记受理", x.title),
        )
        .await?;
        self.audit_change(
            &mut tx,
            "exchange.register_clue",
            "exchange",
            id,
            Some(x.agency_id),
            format!("将移送线索“{}”登记为线索 #{clue_id}", x.title),
        )
        .await?;
        tx.commit().await?;
        Ok(clue_id)
    }

    pub async fn close_exchange(&self, id: i64, version: i64) -> StoreResult<Exchange> {
        let x = self
            .exchange_step(
                id,
                version,
                "exchange.close",
                &["sent", "acknowledged", "answered"],
                false,
            )
            .await?;
        let mut tx = self.store.db.begin().await?;
        if !update_versioned(
            &mut tx,
            "exchanges",
            id,
            version,
            vec![("status", v("closed"))],
        )
        .await?
        {
            return Err(StoreError::Stale);
        }
        deadlines::finish(
            &mut tx,
            "exchange",
            id,
            None,
            "cancelled",
            "办结",
            &self.actor.display_name,
        )
        .await?;
        self.audit_change(
            &mut tx,
            "exchange.close",
            "exchange",
            id,
            Some(x.agency_id),
            format!("办结{}“{}”", x.kind_label(), x.title),
        )
        .await?;
        tx.commit().await?;
        self.get_exchange(id).await
    }

    pub async fn exchange_history(&self, id: i64) -> StoreResult<Vec<crate::HistoryEntry>> {
        self.get_exchange(id).await?;
        self.history_of("exchange", id).await
    }

    /// May the actor attach a document to this exchange (either side, while open)?
    pub(crate) async fn exchange_accepts_attachment(&self, id: i64) -> StoreResult<()> {
        let x = self.get_exchange(id).await?;
        if !(self.sends(&x) || self.receives(&x)) || x.status == "closed" {
            return Err(self
                .refuse(
                    "attachment.create",
                    "exchange",
                    Some(id.to_string()),
                    StoreError::Forbidden("该事项已办结或无权上传"),
                )
                .await);
        }
        Ok(())
    }
}
