//! 调取卷宗: file requests to an agency, which its liaison acknowledges and
//! answers with files brought in through the importer.

use crate::deadlines::{self, NewDeadline};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{ActorStore, ImportFile, Page, PageRequest, scope, time};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use xingjian_domain::{AgencyId, Role, ValidationErrors, deadline};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FileRequest {
    pub id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub clue_id: Option<i64>,
    pub case_id: Option<i64>,
    pub title: String,
    /// One enforcement case number per line.
    pub case_numbers: String,
    pub criteria: String,
    pub due_on: String,
    /// sent | acknowledged | answered | closed
    pub status: String,
    pub response: String,
    pub sent_by_name: String,
    pub sent_at: String,
    pub acknowledged_by_name: Option<String>,
    pub acknowledged_at: Option<String>,
    pub answered_by_name: Option<String>,
    pub answered_at: Option<String>,
    pub version: i64,
}

impl FileRequest {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "sent" => "待签收",
            "acknowledged" => "已签收",
            "answered" => "已答复",
            _ => "已办结",
        }
    }

    pub fn case_number_list(&self) -> Vec<&str> {
        self.case_numbers
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FileRequestInput {
    pub agency_id: Option<i64>,
    pub clue_id: Option<i64>,
    pub case_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub case_numbers: String,
    #[serde(default)]
    pub criteria: String,
    /// `YYYY-MM-DD`; empty for the default of 10 working days.
    #[serde(default)]
    pub due_on: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct FileRequestFilter {
    pub status: Option<String>,
    pub agency_id: Option<i64>,
}

const COLUMNS: &str = "r.id, r.agency_id, a.name AS agency_name, r.clue_id, r.case_id, r.title, r.case_numbers, \
    r.criteria, r.due_on, r.status, r.response, r.sent_by_name, r.sent_at, r.acknowledged_by_name, \
    r.acknowledged_at, r.answered_by_name, r.answered_at, r.version";
const FROM: &str = "FROM file_requests r JOIN agencies a ON a.id = r.agency_id";

fn from_row(r: &AnyRow) -> StoreResult<FileRequest> {
    Ok(FileRequest {
        id: r.try_get("id")?,
        agency_id: r.try_get("agency_id")?,
        agency_name: r.try_get("agency_name")?,
        clue_id: r.try_get("clue_id")?,
        case_id: r.try_get("case_id")?,
        title: r.try_get("title")?,
        case_numbers: r.try_get("case_numbers")?,
        criteria: r.try_get("criteria")?,
        due_on: r.try_get("due_on")?,
        status: r.try_get("status")?,
        response: r.try_get("response")?,
        sent_by_name: r.try_get("sent_by_name")?,
        sent_at: r.try_get("sent_at")?,
        acknowledged_by_name: r.try_get("acknowledged_by_name")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        answered_by_name: r.try_get("answered_by_name")?,
        answered_at: r.try_get("answered_at")?,
        version: r.try_get("version")?,
    })
}

impl ActorStore<'_> {
    fn own_agency_liaison(&self, r: &FileRequest) -> bool {
        self.actor.role == Role::Liaison && self.actor.agency_id == Some(AgencyId(r.agency_id))
    }

    pub async fn create_file_request(&self, input: FileRequestInput) -> StoreResult<FileRequest> {
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "file_request.create",
                    "file_request",
                    None,
                    StoreError::Forbidden("只有检察院工作人员可以调取卷宗"),
                )
                .await);
        }
        let mut e = ValidationErrors::new();
        let title = input.title.trim();
        if title.is_empty() {
            e.add("title", "请填写调取事由");
        }
        let numbers: Vec<&str> = input
            .case_numbers
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if numbers.is_empty() && input.criteria.trim().is_empty() {
            e.add("case_numbers", "请列明案件编号，或写明调取范围（条件）");
        }
        if numbers.len() > 1000 {
            e.add("case_numbers", "一次最多列 1000 个案件编号");
        }
        let today = time::today();
        let due = if input.due_on.trim().is_empty() {
            None
        } else {
            match time::parse_date(input.due_on.trim()) {
                Some(d) if d > today => Some(d),
                Some(_) => {
                    e.add("due_on", "答复期限须晚于今天");
                    None
                }
                None => {
                    e.add("due_on", "答复期限格式应为 2026-06-01");
                    None
                }
            }
        };
        let agency = match input.agency_id {
            None => {
                e.add("agency_id", "请选择被调取卷宗的行政机关");
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
        e.into_result()?;
        let Some(agency) = agency else {
            return Err(StoreError::Internal("agency".into()));
        };
        if let Some(c) = input.clue_id {
            self.get_clue(c).await?;
        }
        if let Some(c) = input.case_id {
            self.get_case(c).await?;
        }
        let clock =
            deadline::clock("file_request").ok_or_else(|| StoreError::Internal("clock".into()))?;
        let due = match due {
            Some(d) => d,
            None => {
                deadline::due_date_provisional(&self.store.calendar, today, clock.limit, clock.unit)
                    .0
            }
        };
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new(
            "INSERT INTO file_requests (agency_id, clue_id, case_id, title, case_numbers, criteria, due_on, status, \
             sent_by, sent_by_name, sent_at) VALUES (",
        );
        q.bind(agency.id.0)
            .push(", ")
            .bind(input.clue_id)
            .push(", ")
            .bind(input.case_id)
            .push(", ");
        q.bind(title)
            .push(", ")
            .bind(numbers.join("\n"))
            .push(", ")
            .bind(input.criteria.trim());
        q.push(", ")
            .bind(time::fmt_date(due))
            .push(", 'sent', ")
            .bind(self.actor.user_id.0);
        q.push(", ")
            .bind(self.actor.display_name.as_str())
            .push(", ")
            .bind(time::fmt(time::now_utc()));
        q.push(") RETURNING id");
        let id: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
        deadlines::start(
            &mut tx,
            &self.store.calendar,
            NewDeadline {
                subject: "file_request",
                subject_id: id,
                clock,
                started_on: today,
                due_on: Some(due),
                label: None,
                limit: None,
                owner_id: Some(self.actor.user_id.0),
                agency_id: Some(agency.id.0),
            },
            &self.actor.display_name,
        )
        .await?;
        let liaisons = deadlines::liaisons_of(&mut tx, agency.id.0).await?;
        deadlines::notify(
            &mut tx,
            &liaisons,
            &format!(
                "检察院调取卷宗：{title}（请于 {} 前答复）",
                time::fmt_date(due)
            ),
            &format!("/file-requests/{id}"),
            None,
        )
        .await?;
        self.audit_change(
            &mut tx,
            "file_request.create",
            "file_request",
            id,
            Some(agency.id.0),
            format!("向{}调取卷宗“{title}”，{} 件", agency.name, numbers.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(self.get_file_request(id).await?.0)
    }

    pub async fn list_file_requests(
        &self,
        f: &FileRequestFilter,
        page: PageRequest,
    ) -> StoreResult<Page<FileRequest>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::file_requests(self.actor, "r")).push(")");
        if let Some(a) = f.agency_id {
            w.push(" AND r.agency_id = ").bind(a);
        }
        match f.status.as_deref().unwrap_or("") {
            "" => {}
            "open" => {
                w.push(" AND r.status IN ('sent', 'acknowledged')");
            }
            "overdue" => {
                w.push(" AND r.status IN ('sent', 'acknowledged') AND r.due_on < ")
                    .bind(time::fmt_date(time::today()));
            }
            s => {
                w.push(" AND r.status = ").bind(s);
            }
        }
        crate::paged(
            self.store.db.pool(),
            COLUMNS,
            FROM,
            w,
            " ORDER BY r.id DESC",
            page,
            from_row,
        )
        .await
    }

    /// A request and the imports that answer it.
    pub async fn get_file_request(&self, id: i64) -> StoreResult<(FileRequest, Vec<ImportFile>)> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE r.id = "));
        q.bind(id).push(" AND (");
        q.append(scope::file_requests(self.actor, "r")).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("file_requests", id, "file_request.read", "file_request")
                .await);
        };
        let r = from_row(&row)?;
        let mut q =
            Sql::new("SELECT import_file_id FROM file_request_imports WHERE file_request_id = ");
        q.bind(id).push(" ORDER BY import_file_id");
        let mut imports = Vec::new();
        for row in q.fetch_all(self.store.db.pool()).await? {
            imports.push(self.get_import(row.try_get("import_file_id")?).await?.0);
        }
        Ok((r, imports))
    }

    async fn file_request_step(
        &self,
        id: i64,
        version: i64,
        action: &'static str,
        allowed_from: &[&str],
        by_liaison: bool,
    ) -> StoreResult<FileRequest> {
        let (r, _) = self.get_file_request(id).await?;
        let permitted = if by_liaison {
            self.own_agency_liaison(&r)
        } else {
            self.may_screen()
        };
        if !permitted {
            let why = if by_liaison {
                "只有被调取机关的联络员可以签收、答复"
            } else {
                "只有检察院工作人员可以办结"
            };
            return Err(self
                .refuse(
                    action,
                    "file_request",
                    Some(id.to_string()),
                    StoreError::Forbidden(why),
                )
                .await);
        }
        if r.version != version {
            return Err(StoreError::Stale);
        }
        if !allowed_from.contains(&r.status.as_str()) {
            return Err(ValidationErrors::one(
                "status",
                format!("该调取函当前为“{}”，不能执行此操作", r.status_label()),
            )
            .into());
        }
        Ok(r)
    }

    pub async fn acknowledge_file_request(
        &self,
        id: i64,
        version: i64,
    ) -> StoreResult<FileRequest> {
        let r = self
            .file_request_step(id, version, "file_request.acknowledge", &["sent"], true)
            .await?;
        let mut tx = self.store.db.begin().await?;
        let mut q =
            Sql::new("UPDATE file_requests SET status = 'acknowledged', acknowledged_by_name = ");
        q.bind(self.actor.display_name.as_str())
            .push(", acknowledged_at = ")
            .bind(time::fmt(time::now_utc()));
        q.push(", version = version + 1 WHERE id = ")
            .bind(id)
            .push(" AND version = ")
            .bind(version);
        if q.execute(&mut tx).await? != 1 {
            return Err(StoreError::Stale);
        }
        self.audit_change(
            &mut tx,
            "file_request.acknowledge",
            "file_request",
            id,
            Some(r.agency_id),
            format!("{}签收调取函“{}”", r.agency_name, r.title),
        )
        .await?;
        tx.commit().await?;
        Ok(self.get_file_request(id).await?.0)
    }

    /// The liaison's answer: a response and the imports (made through the
    /// importer, of its own agency) that carry the files. Stops the clock.
    pub async fn answer_file_request(
        &self,
        id: i64,
        response: &str,
        import_ids: &[i64],
        version: i64,
    ) -> StoreResult<FileRequest> {
        let r = self
            .file_request_step(
                id,
                version,
                "file_request.answer",
                &["sent", "acknowledged"],
                true,
            )
            .await?;
        let response = response.trim();
        if response.is_empty() {
            return Err(ValidationErrors::one(
                "response",
                "请填写答复内容（提供了哪些卷宗、未能提供的原因）",
            )
            .into());
        }
        for i in import_ids {
            let (f, _) = self.get_import(*i).await.map_err(|_| {
                StoreError::Validation(ValidationErrors::one(
                    "import_ids",
                    format!("导入记录 {i} 不存在或无权使用"),
                ))
            })?;
            if f.agency_id != Some(AgencyId(r.agency_id)) {
                return Err(ValidationErrors::one(
                    "import_ids",
                    format!("导入记录“{}”不属于本机关", f.file_name),
                )
                .into());
            }
        }
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new("UPDATE file_requests SET status = 'answered', response = ");
        q.bind(response)
            .push(", answered_by_name = ")
            .bind(self.actor.display_name.as_str());
        q.push(", answered_at = ").bind(time::fmt(time::now_utc()));
        q.push(", version = version + 1 WHERE id = ")
            .bind(id)
            .push(" AND version = ")
            .bind(version);
        if q.execute(&mut tx).await? != 1 {
            return Err(StoreError::Stale);
        }
        for i in import_ids {
            let mut q = Sql::new(
                "INSERT INTO file_request_imports (file_request_id, import_file_id) VALUES (",
            );
            q.bind(id).push(", ").bind(*i).push(")");
            q.execute(&mut tx).await?;
        }
        deadlines::finish(
            &mut tx,
            "file_request",
            id,
            None,
            "done",
            "机关已答复",
            &self.actor.display_name,
        )
        .await?;
        let mut q = Sql::new("SELECT sent_by FROM file_requests WHERE id = ");
        q.bind(id);
        let sender: Option<i64> = q.fetch_one(&mut *tx).await?.try_get("sent_by")?;
        deadlines::notify(
            &mut tx,
            &sender.into_iter().collect::<Vec<_>>(),
            &format!("{}已答复调取函“{}”", r.agency_name, r.title),
            &format!("/file-requests/{id}"),
            None,
        )
        .await?;
        self.audit_change(
            &mut tx,
            "file_request.answer",
            "file_request",
            id,
            Some(r.agency_id),
            format!(
                "答复调取函“{}”，附 {} 个导入文件",
                r.title,
                import_ids.len()
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(self.get_file_request(id).await?.0)
    }

    pub async fn close_file_request(&self, id: i64, version: i64) -> StoreResult<FileRequest> {
        let r = self
            .file_request_step(
                id,
                version,
                "file_request.close",
                &["sent", "acknowledged", "answered"],
                false,
            )
            .await?;
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new("UPDATE file_requests SET status = 'closed', closed_at = ");
        q.bind(time::fmt(time::now_utc()));
        q.push(", version = version + 1 WHERE id = ")
            .bind(id)
            .push(" AND version = ")
            .bind(version);
        if q.execute(&mut tx).await? != 1 {
            return Err(StoreError::Stale);
        }
        deadlines::finish(
            &mut tx,
            "file_request",
            id,
            None,
            "cancelled",
            "检察院办结",
            &self.actor.display_name,
        )
        .await?;
        self.audit_change(
            &mut tx,
            "file_request.close",
            "file_request",
            id,
            Some(r.agency_id),
            format!("办结调取函“{}”", r.title),
        )
        .await?;
        tx.commit().await?;
        Ok(self.get_file_request(id).await?.0)
    }

    /// The request's history: sent, acknowledged, answered, closed.
    pub async fn file_request_history(&self, id: i64) -> StoreResult<Vec<crate::HistoryEntry>> {
        self.get_file_request(id).await?;
        self.history_of("file_request", id).await
    }
}
