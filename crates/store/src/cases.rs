//! Supervision cases (行政检察监督案件): opened on clues, moved through the
//! stages of `xingjian_domain::case::TRANSITIONS`, with inquiries, evidence,
//! stage clocks and the dispute-resolution outcome.

use crate::audit::{self, AuditEntry, Outcome, Who};
use crate::deadlines::{self, Deadline, NewDeadline};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{ActorStore, Clue, FileRequest, Page, PageRequest, scope, time};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;
use xingjian_domain::case::{self, Decision, QuestionAnswer, Stage, TransitionError};
use xingjian_domain::{ValidationErrors, deadline, mask};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SupervisionCase {
    pub id: i64,
    pub case_number: String,
    pub title: String,
    pub summary: String,
    pub agency_id: Option<i64>,
    pub agency_name: Option<String>,
    pub stage: Stage,
    pub decision: Option<Decision>,
    pub handler_id: Option<i64>,
    pub handler_name: Option<String>,
    pub dispute_outcome: Option<String>,
    pub dispute_note: String,
    pub opened_by_name: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl SupervisionCase {
    pub fn dispute_label(&self) -> &'static str {
        self.dispute_outcome
            .as_deref()
            .map_or("", case::dispute_outcome_label)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseEvent {
    pub from_stage: Option<Stage>,
    pub to_stage: Stage,
    pub action: String,
    /// The fields the transition asked for, by code.
    pub fields: BTreeMap<String, String>,
    pub actor_name: String,
    pub at: String,
}

impl CaseEvent {
    /// The fields with their Chinese names, in table order.
    pub fn labelled_fields(&self) -> Vec<(&'static str, String)> {
        let all = [
            case::Field::FilingReason,
            case::Field::InvestigationPlan,
            case::Field::Conclusion,
            case::Field::ReturnReason,
            case::Field::Decision,
            case::Field::DecisionReason,
            case::Field::FollowUpPlan,
            case::Field::ClosingSummary,
        ];
        all.iter()
            .filter_map(|f| {
                self.fields.get(f.code()).map(|v| {
                    let v = if *f == case::Field::Decision {
                        Decision::from_code(v).map_or(v.clone(), |d| d.label().to_owned())
                    } else {
                        v.clone()
                    };
                    (f.label(), v)
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Inquiry {
    pub id: i64,
    pub seq: i64,
    pub started_at: String,
    pub ended_at: String,
    pub place: String,
    pub interviewers: String,
    pub recorder: String,
    pub interviewee_name: String,
    /// party | officer | witness
    pub interviewee_role: String,
    /// Masked (first 3 and last 4 characters).
    pub interviewee_id_number: String,
    pub interviewee_unit: String,
    pub qa: Vec<QuestionAnswer>,
    /// signed | refused | pending
    pub signature: String,
    pub signature_note: String,
    pub created_by_name: String,
    pub created_at: String,
    /// The signed record's scan, recordings' indexes and the like.
    pub attachments: Vec<crate::Attachment>,
}

impl Inquiry {
    pub fn role_label(&self) -> &'static str {
        case::interviewee_role_label(&self.interviewee_role)
    }
    pub fn signature_label(&self) -> &'static str {
        match self.signature.as_str() {
            "signed" => "已签名确认",
            "refused" => "拒绝签名",
            _ => "待签名",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct InquiryInput {
    /// `YYYY-MM-DDTHH:MM`
    pub started_at: String,
    pub ended_at: String,
    pub place: String,
    /// At least two names, separated by 、 or commas.
    pub interviewers: String,
    pub recorder: String,
    pub interviewee_name: String,
    pub interviewee_role: String,
    #[serde(default)]
    pub interviewee_id_number: String,
    #[serde(default)]
    pub interviewee_unit: String,
    /// Lines starting 问： and 答：.
    pub qa: String,
    pub signature: String,
    #[serde(default)]
    pub signature_note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub source: String,
    pub description: String,
    pub created_by_name: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EvidenceInput {
    pub title: String,
    pub kind: String,
    pub source: String,
    #[serde(default)]
    pub description: String,
}

/// Kinds of evidence (行政诉讼法第三十三条).
pub const EVIDENCE_KINDS: [&str; 8] = [
    "书证",
    "物证",
    "视听资料",
    "电子数据",
    "证人证言",
    "当事人的陈述",
    "鉴定意见",
    "勘验笔录、现场笔录",
];

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewCase {
    pub clue_ids: Vec<i64>,
    pub title: String,
    pub summary: String,
    pub handler_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct CaseFilter {
    pub stage: Option<String>,
    pub q: Option<String>,
    /// newest (default) | updated | number
    pub sort: Option<String>,
}

/// Everything on a case's page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    pub case: SupervisionCase,
    pub events: Vec<CaseEvent>,
    pub clues: Vec<Clue>,
    pub inquiries: Vec<Inquiry>,
    pub evidence: Vec<Evidence>,
    pub deadlines: Vec<Deadline>,
    pub file_requests: Vec<FileRequest>,
}

const COLUMNS: &str = "s.id, s.case_number, s.title, s.summary, s.agency_id, a.name AS agency_name, s.stage, \
    s.decision, s.handler_id, u.display_name AS handler_name, s.dispute_outcome, s.dispute_note, s.opened_by_name, \
    s.created_at, s.updated_at, s.version";
const FROM: &str = "FROM supervision_cases s LEFT JOIN agencies a ON a.id = s.agency_id \
    LEFT JOIN users u ON u.id = s.handler_id";

fn from_row(r: &AnyRow) -> StoreResult<SupervisionCase> {
    let stage: String = r.try_get("stage")?;
    let decision: Option<String> = r.try_get("decision")?;
    Ok(SupervisionCase {
        id: r.try_get("id")?,
        case_number: r.try_get("case_number")?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        agency_id: r.try_get("agency_id")?,
        agency_name: r.try_get("agency_name")?,
        stage: Stage::from_code(&stage)
            .ok_or_else(|| StoreError::Internal(format!("stage {stage}")))?,
        decision: decision.as_deref().and_then(Decision::from_code),
        handler_id: r.try_get("handler_id")?,
        handler_name: r.try_get("handler_name")?,
        dispute_outcome: r.try_get("dispute_outcome")?,
        dispute_note: r.try_get("dispute_note")?,
        opened_by_name: r.try_get("opened_by_name")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

/// The next number of a yearly sequence, inside the caller's transaction:
/// the row update serialises concurrent callers, so numbers have no gaps
/// and no duplicates.
pub(crate) async fn next_in_sequence(
    tx: &mut AnyConnection,
    name: &str,
    year: i32,
) -> StoreResult<i64> {
    let mut q = Sql::new("INSERT INTO sequences (name, year, value) VALUES (");
    q.bind(name)
        .push(", ")
        .bind(i64::from(year))
        .push(", 0) ON CONFLICT (name, year) DO NOTHING");
    q.execute(tx).await?;
    let mut q = Sql::new("UPDATE sequences SET value = value + 1 WHERE name = ");
    q.bind(name)
        .push(" AND year = ")
        .bind(i64::from(year))
        .push(" RETURNING value");
    Ok(q.fetch_one(&mut *tx).await?.try_get("value")?)
}

impl ActorStore<'_> {
    /// Start the clock of `stage` for case `id` (owned by its handler).
    async fn start_stage_clock(
        &self,
        tx: &mut AnyConnection,
        id: i64,
        handler_id: Option<i64>,
        agency_id: Option<i64>,
        stage: Stage,
    ) -> StoreResult<()> {
        let Some((_, limit, unit)) = self.store.stage_limits.iter().find(|l| l.0 == stage) else {
            return Ok(());
        };
        let clock =
            deadline::clock("case_stage").ok_or_else(|| StoreError::Internal("clock".into()))?;
        deadlines::start(
            tx,
            &self.store.calendar,
            NewDeadline {
                subject: "case",
                subject_id: id,
                clock,
                started_on: time::today(),
                due_on: None,
                label: Some(format!("{}阶段期限", stage.label())),
                limit: Some((*limit, *unit)),
                owner_id: handler_id,
                agency_id,
            },
            &self.actor.display_name,
        )
        .await
        .map(|_| ())
    }

    /// Open a case on open clues (成案). The number comes from the office's
    /// pattern and this year's sequence.
    pub async fn open_case(&self, input: NewCase) -> StoreResult<SupervisionCase> {
        if let Some(e) = self.staff_only("只有检察院工作人员可以办理监督案件") {
            return Err(self.refuse("case.create", "case", None, e).await);
        }
        let mut e = ValidationErrors::new();
        let title = input.title.trim();
        if title.is_empty() {
            e.add("title", "请填写案件名称");
        }
        if input.clue_ids.is_empty() {
            e.add("clue_ids", "监督案件须由线索成案，请至少选择一条线索");
        }
        if let Some(h) = input.handler_id
            && !self.staff_directory().await?.iter().any(|m| m.id == h)
        {
            e.add("handler_id", "承办检察官须为本院在职人员");
        }
        e.into_result()?;
        let mut clues = Vec::new();
        for id in &input.clue_ids {
            let (c, _) = self.get_clue(*id).await?;
            if !c.is_open() {
                return Err(ValidationErrors::one(
                    "clue_ids",
                    format!("线索 #{id} 已处置，不能再成案"),
                )
                .into());
            }
            clues.push(c);
        }
        let agency_id = clues.iter().find_map(|c| c.agency_id);
        let year = chrono::Datelike::year(&time::today());
        let mut tx = self.store.db.begin().await?;
        let seq = next_in_sequence(&mut tx, "case", year).await?;
        let number = case::format_number(&self.store.numbering.case_number, year, seq)
            .map_err(StoreError::Internal)?;
        let now = time::fmt(time::now_utc());
        let handler = input.handler_id.unwrap_or(self.actor.user_id.0);
        let mut q = Sql::new(
            "INSERT INTO supervision_cases (case_number, title, summary, agency_id, stage, handler_id, opened_by, \
             opened_by_name, created_at, updated_at) VALUES (",
        );
        q.bind(number.as_str())
            .push(", ")
            .bind(title)
            .push(", ")
            .bind(input.summary.trim());
        q.push(", ")
            .bind(agency_id)
            .push(", 'accepted', ")
            .bind(handler)
            .push(", ");
        q.bind(self.actor.user_id.0)
            .push(", ")
            .bind(self.actor.display_name.as_str());
        q.push(", ")
            .bind(now.as_str())
            .push(", ")
            .bind(now.as_str())
            .push(") RETURNING id");
        let id: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
        for c in &clues {
            let mut q = Sql::new(
                "UPDATE clues SET status = 'case', disposition = 'case', disposition_reason = ",
            );
            q.bind(format!("成案：{number}"))
                .push(", case_id = ")
                .bind(id);
            q.push(", version = version + 1, updated_at = ")
                .bind(now.as_str());
            q.push(" WHERE id = ")
                .bind(c.id)
                .push(" AND version = ")
                .bind(c.version);
            if q.execute(&mut tx).await? != 1 {
                return Err(StoreError::Stale);
            }
        }
        let mut ev = Sql::new(
            "INSERT INTO case_events (case_id, from_stage, to_stage, action, fields, actor_id, actor_name, at) VALUES (",
        );
        ev.bind(id).push(", NULL, 'accepted', '受理', ");
        let opened = serde_json::json!({ "clues": input.clue_ids }).to_string();
        ev.bind(opened)
            .push(", ")
            .bind(self.actor.user_id.0)
            .push(", ");
        ev.bind(self.actor.display_name.as_str())
            .push(", ")
            .bind(now.as_str())
            .push(")");
        ev.execute(&mut tx).await?;
        self.start_stage_clock(&mut tx, id, Some(handler), agency_id, Stage::Accepted)
            .await?;
        if handler != self.actor.user_id.0 {
            deadlines::notify(
                &mut tx,
                &[handler],
                &format!("您承办的监督案件 {number}“{title}”已受理"),
                &format!("/cases/{id}"),
                None,
            )
            .await?;
        }
        self.audit_change(
            &mut tx,
            "case.create",
            "case",
            id,
            agency_id,
            format!("{number}“{title}”由 {} 条线索成案", clues.len()),
        )
        .await?;
        tx.commit().await?;
        self.get_case(id).await
    }

    pub async fn list_cases(
        &self,
        f: &CaseFilter,
        page: PageRequest,
    ) -> StoreResult<Page<SupervisionCase>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::supervision_cases(self.actor)).push(")");
        match f.stage.as_deref().unwrap_or("") {
            "" => {}
            "open" => {
                w.push(" AND s.stage <> 'closed'");
            }
            s => {
                w.push(" AND s.stage = ").bind(s);
            }
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let like = crate::sql::like_contains(q);
            w.push(" AND (s.title LIKE ").bind(like.as_str());
            w.push(" ESCAPE '\\' OR s.case_number LIKE ")
                .bind(like.as_str())
                .push(" ESCAPE '\\')");
        }
        let order = match f.sort.as_deref() {
            Some("updated") => " ORDER BY s.updated_at DESC, s.id DESC",
            Some("number") => " ORDER BY s.case_number, s.id",
            _ => " ORDER BY s.id DESC",
        };
        crate::paged(
            self.store.db.pool(),
            COLUMNS,
            FROM,
            w,
            order,
            page,
            from_row,
        )
        .await
    }

    pub async fn get_case(&self, id: i64) -> StoreResult<SupervisionCase> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE s.id = "));
        q.bind(id).push(" AND (");
        q.append(scope::supervision_cases(self.actor)).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("supervision_cases", id, "case.read", "case")
                .await);
        };
        from_row(&row)
    }

    pub async fn case_detail(&self, id: i64) -> StoreResult<CaseDetail> {
        let case = self.get_case(id).await?;
        let pool = self.store.db.pool();
        let mut q = Sql::new(
            "SELECT from_stage, to_stage, action, fields, actor_name, at FROM case_events WHERE case_id = ",
        );
        q.bind(id).push(" ORDER BY id");
        let events = q
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                let from: Option<String> = r.try_get("from_stage")?;
                let to: String = r.try_get("to_stage")?;
                let fields: String = r.try_get("fields")?;
                Ok(CaseEvent {
                    from_stage: from.as_deref().and_then(Stage::from_code),
                    to_stage: Stage::from_code(&to).unwrap_or(Stage::Accepted),
                    action: r.try_get("action")?,
                    fields: serde_json::from_str::<BTreeMap<String, serde_json::Value>>(&fields)
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                        .collect(),
                    actor_name: r.try_get("actor_name")?,
                    at: r.try_get("at")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        let mut q = Sql::new("SELECT id FROM clues WHERE case_id = ");
        q.bind(id).push(" ORDER BY id");
        let mut clues = Vec::new();
        for r in q.fetch_all(pool).await? {
            clues.push(self.get_clue(r.try_get("id")?).await?.0);
        }
        let mut q = Sql::new(
            "SELECT id, seq, started_at, ended_at, place, interviewers, recorder, interviewee_name, interviewee_role, \
             interviewee_id_number, interviewee_unit, qa, signature, signature_note, created_by_name, created_at \
             FROM inquiries WHERE case_id = ",
        );
        q.bind(id).push(" ORDER BY seq");
        let inquiries = q
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                let qa: String = r.try_get("qa")?;
                let idn = self
                    .store
                    .keyring
                    .open(&r.try_get::<String, _>("interviewee_id_number")?)?;
                Ok(Inquiry {
                    id: r.try_get("id")?,
                    seq: r.try_get("seq")?,
                    started_at: r.try_get("started_at")?,
                    ended_at: r.try_get("ended_at")?,
                    place: r.try_get("place")?,
                    interviewers: r.try_get("interviewers")?,
                    recorder: r.try_get("recorder")?,
                    interviewee_name: r.try_get("interviewee_name")?,
                    interviewee_role: r.try_get("interviewee_role")?,
                    interviewee_id_number: mask::mask_id(&idn),
                    interviewee_unit: r.try_get("interviewee_unit")?,
                    qa: serde_json::from_str(&qa).unwrap_or_default(),
                    signature: r.try_get("signature")?,
                    signature_note: r.try_get("signature_note")?,
                    created_by_name: r.try_get("created_by_name")?,
                    created_at: r.try_get("created_at")?,
                    attachments: Vec::new(),
                })
            })
            .collect::<StoreResult<Vec<Inquiry>>>()?;
        let mut inquiries = inquiries;
        for i in &mut inquiries {
            i.attachments = self.attachments_of("inquiry", i.id).await?;
        }
        let mut q = Sql::new(
            "SELECT id, title, kind, source, description, created_by_name, created_at FROM case_evidence WHERE case_id = ",
        );
        q.bind(id).push(" ORDER BY id");
        let evidence = q
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Evidence {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    kind: r.try_get("kind")?,
                    source: r.try_get("source")?,
                    description: r.try_get("description")?,
                    created_by_name: r.try_get("created_by_name")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        let deadlines = self.deadlines_of("case", id).await?;
        let mut q = Sql::new("SELECT id FROM file_requests WHERE case_id = ");
        q.bind(id).push(" ORDER BY id");
        let mut file_requests = Vec::new();
        for r in q.fetch_all(pool).await? {
            file_requests.push(self.get_file_request(r.try_get("id")?).await?.0);
        }
        Ok(CaseDetail {
            case,
            events,
            clues,
            inquiries,
            evidence,
            deadlines,
            file_requests,
        })
    }

    /// Move a case to another stage, as the transition table allows.
    pub async fn transition_case(
        &self,
        id: i64,
        to: Stage,
        fields: &BTreeMap<String, String>,
        version: i64,
    ) -> StoreResult<SupervisionCase> {
        let c = self.get_case(id).await?;
        let (t, decision) = match case::check(c.stage, c.decision, to, self.actor.role, fields) {
            Ok(x) => x,
            Err(TransitionError::Fields(v)) => return Err(v.into()),
            Err(TransitionError::NotAllowed { .. }) => {
                let msg = TransitionError::NotAllowed { from: c.stage, to }.message();
                return Err(ValidationErrors::one("to", msg).into());
            }
            Err(TransitionError::Role { .. }) => {
                return Err(self
                    .refuse(
                        "case.transition",
                        "case",
                        Some(id.to_string()),
                        StoreError::Forbidden("本角色不能执行此办案步骤"),
                    )
                    .await);
            }
        };
        if c.version != version {
            return Err(StoreError::Stale);
        }
        if to == Stage::Closed && c.stage == Stage::FollowingUp {
            // The follow-up ends when the case's recommendations are closed.
            let mut q = Sql::new(
                "SELECT COUNT(*) AS n FROM recommendations WHERE status <> 'closed' AND case_id = ",
            );
            q.bind(id);
            let open: i64 = q.fetch_one(self.store.db.pool()).await?.try_get("n")?;
            if open > 0 {
                return Err(ValidationErrors::one(
                    "to",
                    format!("本案尚有 {open} 件检察建议未办结，办结后才能结案"),
                )
                .into());
            }
        }
        let kept: BTreeMap<&str, &str> = t
            .requires
            .iter()
            .filter_map(|f| fields.get(f.code()).map(|v| (f.code(), v.trim())))
            .collect();
        let now = time::fmt(time::now_utc());
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new("UPDATE supervision_cases SET stage = ");
        q.bind(to.code())
            .push(", decision = ")
            .bind(decision.map(Decision::code));
        q.push(", updated_at = ")
            .bind(now.as_str())
            .push(", version = version + 1 WHERE id = ")
            .bind(id);
        q.push(" AND version = ").bind(version);
        if q.execute(&mut tx).await? != 1 {
            return Err(StoreError::Stale);
        }
        let mut ev = Sql::new(
            "INSERT INTO case_events (case_id, from_stage, to_stage, action, fields, actor_id, actor_name, at) VALUES (",
        );
        ev.bind(id)
            .push(", ")
            .bind(c.stage.code())
            .push(", ")
            .bind(to.code())
            .push(", ");
        ev.bind(t.action)
            .push(", ")
            .bind(serde_json::to_string(&kept).unwrap_or_default());
        ev.push(", ")
            .bind(self.actor.user_id.0)
            .push(", ")
            .bind(self.actor.display_name.as_str());
        ev.push(", ").bind(now.as_str()).push(")");
        ev.execute(&mut tx).await?;
        deadlines::finish(
            &mut tx,
            "case",
            id,
            Some("case_stage"),
            "done",
            t.action,
            &self.actor.display_name,
        )
        .await?;
        if to == Stage::Closed {
            deadlines::finish(
                &mut tx,
                "case",
                id,
                None,
                "cancelled",
                "结案",
                &self.actor.display_name,
            )
            .await?;
        } else {
            self.start_stage_clock(&mut tx, c.id, c.handler_id, c.agency_id, to)
                .await?;
        }
        let mut entry =
            AuditEntry::new("case.transition", "case", Some(id.to_string()), Outcome::Ok).detail(
                format!(
                    "{}：{} → {}（{}）",
                    c.case_number,
                    c.stage.label(),
                    to.label(),
                    t.action
                ),
            );
        entry.agency_id = c.agency_id;
        audit::write(&mut tx, &Who::actor(self.actor), self.ctx, &entry).await?;
        tx.commit().await?;
        self.get_case(id).await
    }

    pub(crate) async fn case_for_investigation(
        &self,
        id: i64,
        action: &'static str,
    ) -> StoreResult<SupervisionCase> {
        if let Some(e) = self.staff_only("只有检察院工作人员可以办理监督案件") {
            return Err(self.refuse(action, "case", Some(id.to_string()), e).await);
        }
        let c = self.get_case(id).await?;
        if !matches!(
            c.stage,
            Stage::Filed | Stage::Investigating | Stage::Reviewing
        ) {
            return Err(ValidationErrors::one(
                "stage",
                format!(
                    "案件处于“{}”阶段，调查核实材料须在立案后、处理决定前记录",
                    c.stage.label()
                ),
            )
            .into());
        }
        Ok(c)
    }

    pub async fn add_inquiry(&self, case_id: i64, i: InquiryInput) -> StoreResult<Inquiry> {
        let c = self
            .case_for_investigation(case_id, "inquiry.create")
            .await?;
        let mut e = ValidationErrors::new();
        let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").ok();
        let (start, end) = (at(&i.started_at), at(&i.ended_at));
        if start.is_none() {
            e.add("started_at", "请填写询问开始时间，如 2026-06-01T09:30");
        }
        if end.is_none() {
            e.add("ended_at", "请填写询问结束时间");
        }
        if let (Some(s), Some(t)) = (start, end)
            && t <= s
        {
            e.add("ended_at", "结束时间须晚于开始时间");
        }
        if i.place.trim().is_empty() {
            e.add("place", "请填写询问地点");
        }
        let interviewers: Vec<&str> = i
            .interviewers
            .split(['、', ',', '，', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if interviewers.len() < 2 {
            e.add(
                "interviewers",
                "询问应由两名以上检察人员进行，请填写至少两名询问人",
            );
        }
        if i.recorder.trim().is_empty() {
            e.add("recorder", "请填写记录人");
        }
        if i.interviewee_name.trim().is_empty() {
            e.add("interviewee_name", "请填写被询问人姓名");
        }
        if !case::INTERVIEWEE_ROLES
            .iter()
            .any(|(c, _)| *c == i.interviewee_role)
        {
            e.add("interviewee_role", "请选择被询问人身份");
        }
        let idn = i.interviewee_id_number.trim().to_uppercase();
        let well_formed = idn.chars().count() == 18
            && idn.chars().take(17).all(|c| c.is_ascii_digit())
            && idn
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_digit() || c == 'X');
        if !idn.is_empty() && !well_formed {
            e.add("interviewee_id_number", "身份证号码应为 18 位");
        }
        let qa = case::parse_qa(&i.qa);
        if qa.is_empty() {
            e.add("qa", "请记录问答内容，每问以“问：”开头，每答以“答：”开头");
        }
        if !["signed", "refused", "pending"].contains(&i.signature.as_str()) {
            e.add("signature", "请选择签名情况");
        }
        if i.signature == "refused" && i.signature_note.trim().is_empty() {
            e.add("signature_note", "被询问人拒绝签名的，应注明情况");
        }
        e.into_result()?;
        let mut tx = self.store.db.begin().await?;
        let mut q =
            Sql::new("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM inquiries WHERE case_id = ");
        q.bind(case_id);
        let seq: i64 = q.fetch_one(&mut *tx).await?.try_get("n")?;
        let mut q = Sql::new(
            "INSERT INTO inquiries (case_id, seq, started_at, ended_at, place, interviewers, recorder, interviewee_name, \
             interviewee_role, interviewee_id_number, interviewee_unit, qa, signature, signature_note, created_by, \
             created_by_name, created_at) VALUES (",
        );
        q.bind(case_id)
            .push(", ")
            .bind(seq)
            .push(", ")
            .bind(i.started_at.trim())
            .push(", ");
        q.bind(i.ended_at.trim())
            .push(", ")
            .bind(i.place.trim())
            .push(", ")
            .bind(interviewers.join("、"));
        q.push(", ")
            .bind(i.recorder.trim())
            .push(", ")
            .bind(i.interviewee_name.trim())
            .push(", ");
        q.bind(i.interviewee_role.as_str())
            .push(", ")
            .bind(self.store.keyring.seal(&idn)?)
            .push(", ");
        q.bind(i.interviewee_unit.trim())
            .push(", ")
            .bind(serde_json::to_string(&qa).unwrap_or_default());
        q.push(", ")
            .bind(i.signature.as_str())
            .push(", ")
            .bind(i.signature_note.trim())
            .push(", ");
        q.bind(self.actor.user_id.0)
            .push(", ")
            .bind(self.actor.display_name.as_str())
            .push(", ");
        q.bind(time::fmt(time::now_utc())).push(") RETURNING id");
        let iid: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
        self.audit_change(
            &mut tx,
            "inquiry.create",
            "case",
            case_id,
            c.agency_id,
            format!(
                "{} 第 {seq} 次询问（{}）",
                c.case_number,
                case::interviewee_role_label(&i.interviewee_role)
            ),
        )
        .await?;
        tx.commit().await?;
        self.case_detail(case_id)
            .await?
            .inquiries
            .into_iter()
            .find(|x| x.id == iid)
            .ok_or(StoreError::NotFound)
    }

    pub async fn add_evidence(&self, case_id: i64, i: EvidenceInput) -> StoreResult<()> {
        let c = self
            .case_for_investigation(case_id, "evidence.create")
            .await?;
        let mut e = ValidationErrors::new();
        if i.title.trim().is_empty() {
            e.add("title", "请填写证据名称");
        }
        if !EVIDENCE_KINDS.contains(&i.kind.as_str()) {
            e.add("kind", "请选择证据种类");
        }
        if i.source.trim().is_empty() {
            e.add("source", "请填写证据来源（如 调取自区交通运输局）");
        }
        e.into_result()?;
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new(
            "INSERT INTO case_evidence (case_id, title, kind, source, description, created_by_name, created_at) VALUES (",
        );
        q.bind(case_id)
            .push(", ")
            .bind(i.title.trim())
            .push(", ")
            .bind(i.kind.as_str())
            .push(", ");
        q.bind(i.source.trim())
            .push(", ")
            .bind(i.description.trim())
            .push(", ");
        q.bind(self.actor.display_name.as_str())
            .push(", ")
            .bind(time::fmt(time::now_utc()))
            .push(")");
        q.execute(&mut tx).await?;
        self.audit_change(
            &mut tx,
            "evidence.create",
            "case",
            case_id,
            c.agency_id,
            format!("{} 证据：{}", c.case_number, i.title.trim()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record how the underlying dispute was resolved.
    pub async fn set_dispute_outcome(
        &self,
        id: i64,
        outcome: &str,
        note: &str,
        version: i64,
    ) -> StoreResult<SupervisionCase> {
        if let Some(e) = self.staff_only("只有检察院工作人员可以办理监督案件") {
            return Err(self
                .refuse("case.dispute", "case", Some(id.to_string()), e)
                .await);
        }
        let c = self.get_case(id).await?;
        if case::dispute_outcome_label(outcome).is_empty() {
            return Err(ValidationErrors::one("outcome", "请选择争议化解情况").into());
        }
        if c.version != version {
            return Err(StoreError::Stale);
        }
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new("UPDATE supervision_cases SET dispute_outcome = ");
        q.bind(outcome).push(", dispute_note = ").bind(note.trim());
        q.push(", updated_at = ").bind(time::fmt(time::now_utc()));
        q.push(", version = version + 1 WHERE id = ")
            .bind(id)
            .push(" AND version = ")
            .bind(version);
        if q.execute(&mut tx).await? != 1 {
            return Err(StoreError::Stale);
        }
        self.audit_change(
            &mut tx,
            "case.dispute",
            "case",
            id,
            c.agency_id,
            format!(
                "{} 争议化解：{}",
                c.case_number,
                case::dispute_outcome_label(outcome)
            ),
        )
        .await?;
        tx.commit().await?;
        self.get_case(id).await
    }
}
