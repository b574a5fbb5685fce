//! 检察建议: the types, drafting from a case, every version kept,
//! pre-consultation with the agency, submission and approval (each sign-off
//! recorded, 文号 per kind and year), and reading within scope. What follows
//! approval — delivery, replies, measures, outcome — is in
//! `recommendation_follow_up.rs`; 诉源治理's occurrences in `governance.rs`.

use crate::cases::next_in_sequence;
use crate::deadlines;
use crate::error::{StoreError, StoreResult};
use crate::sql::{Sql, insert, update_versioned, v};
use crate::{ActorStore, Page, PageRequest, scope, time};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use xingjian_domain::recommendation::{
    DeliveryMode, Letter, MeasureKind, Outcome, RecKind, RecStatus,
};
use xingjian_domain::{AgencyId, Role, ValidationErrors, case};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub id: i64,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    /// correction | social_governance | other
    pub kind: String,
    /// draft | pending_approval | issued | delivered | replied | closed
    pub status: String,
    pub doc_number: Option<String>,
    pub letter: Letter,
    pub current_version: i64,
    pub handler_id: Option<i64>,
    pub created_by_name: String,
    pub created_at: String,
    pub issued_on: Option<String>,
    pub closed_on: Option<String>,
    pub version: i64,
    pub recipients: Vec<Recipient>,
}

impl Recommendation {
    pub fn kind_label(&self) -> &str {
        RecKind::label_of(&self.kind)
    }
    pub fn status_label(&self) -> &str {
        RecStatus::label_of(&self.status)
    }
    pub fn recipient_names(&self) -> String {
        self.recipients
            .iter()
            .map(|r| r.agency_name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }
    pub fn is_draft(&self) -> bool {
        self.status == "draft"
    }
    /// Some recipient has not been delivered to yet.
    pub fn has_undelivered(&self) -> bool {
        self.recipients.iter().any(|x| x.status == "sent")
    }
    /// Every recipient's outcome is recorded.
    pub fn all_decided(&self) -> bool {
        self.recipients.iter().all(|x| x.outcome.is_some())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Recipient {
    pub id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    /// sent | delivered | replied | closed
    pub status: String,
    pub delivered_on: Option<String>,
    pub received_by: Option<String>,
    pub reply_due_on: Option<String>,
    pub reply: String,
    pub replied_on: Option<String>,
    pub replied_by_name: Option<String>,
    pub outcome: Option<String>,
    pub outcome_note: String,
    pub version: i64,
    /// Delivered, not replied, past its due date.
    pub overdue: bool,
}

impl Recipient {
    pub fn outcome_label(&self) -> &str {
        self.outcome.as_deref().map_or("", Outcome::label_of)
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "sent" => "待送达",
            "delivered" => "待回复",
            "replied" => "已回复",
            _ => "已办结",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LetterVersion {
    pub version_no: i64,
    pub note: String,
    pub author_name: String,
    pub created_at: String,
    pub letter: Letter,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SignOff {
    /// submit | approve | return
    pub action: String,
    pub role: String,
    pub user_name: String,
    pub comment: String,
    pub at: String,
}

impl SignOff {
    pub fn action_label(&self) -> &'static str {
        match self.action.as_str() {
            "submit" => "提请审批",
            "approve" => "批准签发",
            _ => "退回修改",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Consultation {
    pub id: i64,
    pub agency_id: i64,
    pub agency_name: String,
    pub version_no: i64,
    pub shared_by_name: String,
    pub shared_at: String,
    pub views: Option<String>,
    pub views_by_name: Option<String>,
    pub views_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SupervisorOpinion {
    pub user_id: i64,
    pub name: String,
    pub opinion: Option<String>,
    pub opinion_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    /// written | public
    pub mode: String,
    pub delivered_on: String,
    pub place: String,
    pub host: String,
    pub participants: String,
    pub recorded_by_name: String,
    pub supervisors: Vec<SupervisorOpinion>,
}

impl Delivery {
    pub fn mode_label(&self) -> &str {
        DeliveryMode::label_of(&self.mode)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Measure {
    pub id: i64,
    pub recipient_id: i64,
    pub agency_name: String,
    pub kind: String,
    pub taken_on: String,
    pub description: String,
    pub recorded_by_name: String,
}

impl Measure {
    pub fn kind_label(&self) -> &str {
        MeasureKind::label_of(&self.kind)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct JointAction {
    pub id: i64,
    pub recommendation_id: Option<i64>,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub agencies: Vec<(i64, String)>,
    pub participants: String,
    pub results: String,
    pub recorded_by_name: String,
}

impl JointAction {
    pub fn agency_names(&self) -> String {
        self.agencies
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct JointActionInput {
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    #[serde(default)]
    pub agency_ids: Vec<i64>,
    #[serde(default)]
    pub participants: String,
    #[serde(default)]
    pub results: String,
}

/// Everything on a recommendation's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RecommendationRecord {
    pub recommendation: Recommendation,
    pub versions: Vec<LetterVersion>,
    pub signoffs: Vec<SignOff>,
    pub consultations: Vec<Consultation>,
    pub deliveries: Vec<Delivery>,
    pub measures: Vec<Measure>,
    pub joint_actions: Vec<JointAction>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewRecommendation {
    pub case_id: Option<i64>,
    /// correction | social_governance | other
    pub kind: String,
    /// One or several recipients (a social-governance recommendation often has several).
    #[serde(default)]
    pub agency_ids: Vec<i64>,
    pub letter: Letter,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DeliveryInput {
    /// written | public
    pub mode: String,
    pub delivered_on: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub participants: String,
    /// The recipients delivered to now (default: every one not yet delivered).
    #[serde(default)]
    pub recipient_ids: Vec<i64>,
    /// Who signed for it at the recipient.
    #[serde(default)]
    pub received_by: String,
    /// People's supervisors invited (accounts), for a public delivery.
    #[serde(default)]
    pub supervisor_ids: Vec<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct RecommendationFilter {
    pub case_id: Option<i64>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub agency_id: Option<i64>,
}

const COLUMNS: &str = "r.id, r.case_id, c.case_number, r.kind, r.status, r.doc_number, r.letter, r.current_version, \
    r.handler_id, r.created_by_name, r.created_at, r.issued_on, r.closed_on, r.version";
const FROM: &str = "FROM recommendations r LEFT JOIN supervision_cases c ON c.id = r.case_id";

fn from_row(r: &AnyRow) -> StoreResult<Recommendation> {
    let letter: String = r.try_get("letter")?;
    Ok(Recommendation {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        case_number: r.try_get("case_number")?,
        kind: r.try_get("kind")?,
        status: r.try_get("status")?,
        doc_number: r.try_get("doc_number")?,
        letter: serde_json::from_str(&letter).map_err(|e| StoreError::Internal(e.to_string()))?,
        current_version: r.try_get("current_version")?,
        handler_id: r.try_get("handler_id")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        issued_on: r.try_get("issued_on")?,
        closed_on: r.try_get("closed_on")?,
        version: r.try_get("version")?,
        recipients: Vec::new(),
    })
}

fn recipient_from_row(r: &AnyRow) -> StoreResult<Recipient> {
    let status: String = r.try_get("status")?;
    let due: Option<String> = r.try_get("reply_due_on")?;
    let overdue = status == "delivered"
        && due
            .as_deref()
            .is_some_and(|d| d < time::fmt_date(time::today()).as_str());
    Ok(Recipient {
        id: r.try_get("id")?,
        agency_id: r.try_get("agency_id")?,
        agency_name: r.try_get("agency_name")?,
        status,
        delivered_on: r.try_get("delivered_on")?,
        received_by: r.try_get("received_by")?,
        reply_due_on: due,
        reply: r.try_get("reply")?,
        replied_on: r.try_get("replied_on")?,
        replied_by_name: r.try_get("replied_by_name")?,
        outcome: r.try_get("outcome")?,
        outcome_note: r.try_get("outcome_note")?,
        version: r.try_get("version")?,
        overdue,
    })
}

fn letter_json(l: &Letter) -> StoreResult<String> {
    serde_json::to_string(l).map_err(|e| StoreError::Internal(e.to_string()))
}

/// Number patterns of 文号 per kind, see `xingjian_domain::case::format_number`.
pub fn default_number_patterns() -> std::collections::BTreeMap<String, String> {
    [
        ("correction", "行建〔{year}〕{seq}号"),
        ("social_governance", "社建〔{year}〕{seq}号"),
        ("other", "检建〔{year}〕{seq}号"),
    ]
    .into_iter()
    .map(|(k, p)| (k.to_owned(), p.to_owned()))
    .collect()
}

impl ActorStore<'_> {
    pub(crate) fn is_leader(&self) -> bool {
        matches!(self.actor.role, Role::Chief | Role::DeputyChief)
    }

    pub(crate) fn may_draft(&self) -> bool {
        matches!(
            self.actor.role,
            Role::Prosecutor | Role::Assistant | Role::DeputyChief | Role::Chief
        )
    }

    pub(crate) async fn refuse_rec(
        &self,
        action: &'static str,
        id: Option<i64>,
        why: &'static str,
    ) -> StoreError {
        self.refuse(
            action,
            "recommendation",
            id.map(|i| i.to_string()),
            StoreError::Forbidden(why),
        )
        .await
    }

    /// A new draft (version 1), from a case or on its own.
    pub async fn create_recommendation(
        &self,
        input: NewRecommendation,
    ) -> StoreResult<Recommendation> {
        if !self.may_draft() {
            return Err(self
                .refuse_rec(
                    "recommendation.create",
                    None,
                    "只有检察官、检察官助理和院领导可以起草检察建议",
                )
                .await);
        }
        let mut e = ValidationErrors::new();
        let kind = RecKind::from_code(input.kind.trim());
        if kind.is_none() {
            e.add("kind", "请选择建议类别：纠正违法、社会治理或其他");
        }
        let agencies = self
            .chosen_agencies(&input.agency_ids, "agency_ids", &mut e)
            .await?;
        if agencies.is_empty() {
            e.add("agency_ids", "请选择被建议单位");
        }
        if let Err(v) = input.letter.validate() {
            e.errors.extend(v.errors);
        }
        e.into_result()?;
        let Some(kind) = kind else {
            return Err(StoreError::Internal("kind".into()));
        };
        if let Some(c) = input.case_id {
            self.get_case(c).await?;
        }
        let now = time::fmt(time::now_utc());
        let json = letter_json(&input.letter)?;
        let mut tx = self.store.db.begin().await?;
        let id = insert(
            &mut tx,
            "recommendations",
            vec![
                ("case_id", v(input.case_id)),
                ("kind", v(kind.code())),
                ("status", v("draft")),
                ("letter", v(json.as_str())),
                ("current_version", v(1_i64)),
                ("handler_id", v(self.actor.user_id.0)),
                ("created_by_name", v(self.actor.display_name.as_str())),
                ("created_at", v(now.as_str())),
                ("updated_at", v(now.as_str())),
            ],
        )
        .await?;
        self.write_version(&mut tx, id, 1, &json, "初稿").await?;
        for a in &agencies {
            insert(
                &mut tx,
                "recommendation_recipients",
                vec![
                    ("recommendation_id", v(id)),
                    ("agency_id", v(a.id.0)),
                    ("status", v("sent")),
                    ("reply", v("")),
                    ("outcome_note", v("")),
                ],
            )
            .await?;
        }
        let to = crate::agencies::names(&agencies);
        self.audit_change(
            &mut tx,
            "recommendation.create",
            "recommendation",
            id,
            None,
            format!(
                "起草{}检察建议“{}”，被建议单位：{to}",
                kind.label(),
                input.letter.title
            ),
        )
        .await?;
        tx.commit().await?;
        self.get_recommendation(id).await
    }

    async fn write_version(
        &self,
        tx: &mut AnyConnection,
        id: i64,
        no: i64,
        json: &str,
        note: &str,
    ) -> StoreResult<()> {
        insert(
            tx,
            "recommendation_versions",
            vec![
                ("recommendation_id", v(id)),
                ("version_no", v(no)),
                ("letter", v(json)),
                ("note", v(note)),
                ("author_name", v(self.actor.display_name.as_str())),
                ("created_at", v(time::fmt(time::now_utc()))),
            ],
        )
        .await?;
        Ok(())
    }

    /// Save a new version of a draft; the older ones stay.
    pub async fn revise_recommendation(
        &self,
        id: i64,
        version: i64,
        letter: Letter,
        note: &str,
    ) -> StoreResult<Recommendation> {
        let r = self.get_recommendation(id).await?;
        if !self.may_draft() {
            return Err(self
                .refuse_rec("recommendation.revise", Some(id), "无权修改检察建议")
                .await);
        }
        if !r.is_draft() {
            return Err(ValidationErrors::one(
                "status",
                "只有起草中的检察建议可以修改（已提请审批的请先退回）",
            )
            .into());
        }
        letter.validate()?;
        if letter == r.letter {
            return Err(ValidationErrors::one("letter", "内容没有变化").into());
        }
        let json = letter_json(&letter)?;
        let no = r.current_version + 1;
        let mut tx = self.store.db.begin().await?;
        if !update_versioned(
            &mut tx,
            "recommendations",
            id,
            version,
            vec![
                ("letter", v(json.as_str())),
                ("current_version", v(no)),
                ("updated_at", v(time::fmt(time::now_utc()))),
            ],
        )
        .await?
        {
            return Err(StoreError::Stale);
        }
        let note = if note.trim().is_empty() {
            "修改"
        } else {
            note.trim()
        };
        self.write_version(&mut tx, id, no, &json, note).await?;
        self.audit_change(
            &mut tx,
            "recommendation.revise",
            "recommendation",
            id,
            None,
            format!("修改检察建议“{}”，形成第 {no} 稿（{note}）", letter.title),
        )
        .await?;
        tx.commit().await?;
        self.get_recommendation(id).await
    }

    /// 提前沟通: share the current version with a recipient through its liaisons.
    pub async fn share_recommendation(&self, id: i64, agency_id: i64) -> StoreResult<Consultation> {
        let r = self.get_recommendation(id).await?;
        if !self.may_draft() {
            return Err(self
                .refuse_rec("recommendation.share", Some(id), "无权发起提前沟通")
                .await);
        }
        if !r.is_draft() {
            return Err(ValidationErrors::one("status", "提前沟通在起草阶段进行").into());
        }
        let Some(to) = r.recipients.iter().find(|x| x.agency_id == agency_id) else {
            return Err(ValidationErrors::one("agency_id", "只能与被建议单位提前沟通").into());
        };
        let mut tx = self.store.db.begin().await?;
        let cid = insert(
            &mut tx,
            "recommendation_consultations",
            vec![
                ("recommendation_id", v(id)),
                ("agency_id", v(agency_id)),
                ("version_no", v(r.current_version)),
                ("shared_by_name", v(self.actor.display_name.as_str())),
                ("shared_at", v(time::fmt(time::now_utc()))),
            ],
        )
        .await?;
        let liaisons = deadlines::liaisons_of(&mut tx, agency_id).await?;
        deadlines::notify(
            &mut tx,
            &liaisons,
            &format!("检察建议征求意见稿：{}（请提出意见）", r.letter.title),
            &format!("/recommendations/{id}"),
            None,
        )
        .await?;
        self.audit_change(
            &mut tx,
            "recommendation.share",
            "recommendation",
            id,
            Some(agency_id),
            format!("将第 {} 稿送{}提前沟通", r.current_version, to.agency_name),
        )
        .await?;
        tx.commit().await?;
        self.consultations_of(id)
            .await?
            .into_iter()
            .find(|c| c.id == cid)
            .ok_or(StoreError::NotFound)
    }

    /// The consulted agency's views, given by its liaison.
    pub async fn give_views(&self, id: i64, consultation_id: i64, views: &str) -> StoreResult<()> {
        self.get_recommendation(id).await?;
        let c = self
            .consultations_of(id)
            .await?
            .into_iter()
            .find(|c| c.id == consultation_id)
            .ok_or(StoreError::NotFound)?;
        let own =
            self.actor.role == Role::Liaison && self.actor.agency_id == Some(AgencyId(c.agency_id));
        if !(own || self.may_draft()) {
            return Err(self
                .refuse_rec(
                    "recommendation.views",
                    Some(id),
                    "只有被征求意见单位的联络员可以提出意见",
                )
                .await);
        }
        let views = views.trim();
        if views.is_empty() {
            return Err(ValidationErrors::one("views", "请填写意见").into());
        }
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new("UPDATE recommendation_consultations SET views = ");
        q.bind(views)
            .push(", views_by_name = ")
            .bind(self.actor.display_name.as_str())
            .push(", views_at = ")
            .bind(time::fmt(time::now_utc()))
            .push(" WHERE id = ")
            .bind(consultation_id);
        q.execute(&mut tx).await?;
        self.audit_change(
            &mut tx,
            "recommendation.views",
            "recommendation",
            id,
            Some(c.agency_id),
            format!("{}对第 {} 稿提出意见", c.agency_name, c.version_no),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn sign(
        &self,
        tx: &mut AnyConnection,
        id: i64,
        action: &str,
        comment: &str,
    ) -> StoreResult<()> {
        insert(
            tx,
            "recommendation_signoffs",
            vec![
                ("recommendation_id", v(id)),
                ("action", v(action)),
                ("role", v(self.actor.role.label())),
                ("user_name", v(self.actor.display_name.as_str())),
                ("comment", v(comment)),
                ("at", v(time::fmt(time::now_utc()))),
            ],
        )
        .await?;
        Ok(())
    }

    /// Leaders (the deputy chief, the chief) who approve recommendations.
    pub(crate) async fn leaders(tx: &mut AnyConnection) -> StoreResult<Vec<i64>> {
        Ok(Sql::new(
            "SELECT id FROM users WHERE active = 1 AND role IN ('chief', 'deputy_chief') ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?)
    }

    /// Submit the draft for approval.
    pub async fn submit_recommendation(
        &self,
        id: i64,
        version: i64,
        comment: &str,
    ) -> StoreResult<Recommendation> {
        let r = self.get_recommendation(id).await?;
        if !self.may_draft() {
            return Err(self
                .refuse_rec("recommendation.submit", Some(id), "无权提请审批")
                .await);
        }
        if !r.is_draft() {
            return Err(ValidationErrors::one("status", "该检察建议不在起草阶段").into());
        }
        let mut tx = self.store.db.begin().await?;
        if !update_versioned(
            &mut tx,
            "recommendations",
            id,
            version,
            vec![("status", v("pending_approval"))],
        )
        .await?
        {
            return Err(StoreError::Stale);
        }
        self.sign(&mut tx, id, "submit", comment.trim()).await?;
        let leaders = Self::leaders(&mut tx).await?;
        deadlines::notify(
            &mut tx,
            &leaders,
            &format!("检察建议待审批：{}", r.letter.title),
            &format!("/recommendations/{id}"),
            None,
        )
        .await?;
        self.audit_change(
            &mut tx,
            "recommendation.submit",
            "recommendation",
            id,
            None,
            format!("第 {} 稿提请审批", r.current_version),
        )
        .await?;
        tx.commit().await?;
        self.get_recommendation(id).await
    }

    /// A leader approves: the 文号 is allocated from the kind's yearly
    /// sequence in the same transaction (no gaps, no duplicates) and the
    /// recommendation is issued. Or returns it to the drafter with a comment.
    pub async fn decide_recommendation(
        &self,
        id: i64,
        version: i64,
        approve: bool,
        comment: &str,
    ) -> StoreResult<Recommendation> {
        let r = self.get_recommendation(id).await?;
        if !self.is_leader() {
            return Err(self
                .refuse_rec(
                    "recommendation.approve",
                    Some(id),
                    "只有分管检察长或检察长可以审批检察建议",
                )
                .await);
        }
        if r.status != "pending_approval" {
            return Err(ValidationErrors::one("status", "该检察建议不在待审批状态").into());
        }
        let comment = comment.trim();
        if !approve && comment.is_empty() {
            return Err(ValidationErrors::one("comment", "退回修改请写明意见").into());
        }
        let mut tx = self.store.db.begin().await?;
        let detail = if approve {
            let today = time::today();
            let year = chrono::Datelike::year(&today);
            let pattern = self
                .store
                .numbering
                .recommendation
                .get(&r.kind)
                .cloned()
                .unwrap_or_else(|| "检建〔{year}〕{seq}号".into());
            let seq =
                next_in_sequence(&mut tx, &format!("recommendation:{}", r.kind), year).await?;
            let number = case::format_number(&pattern, year, seq)
                .map_err(|e| StoreError::Internal(e.to_string()))?;
            if !update_versioned(
                &mut tx,
                "recommendations",
                id,
                version,
                vec![
                    ("status", v("issued")),
                    ("doc_number", v(number.as_str())),
                    ("issued_on", v(time::fmt_date(today))),
                ],
            )
            .await?
            {
                return Err(StoreError::Stale);
            }
            self.sign(&mut tx, id, "approve", comment).await?;
            format!("批准签发，文号 {number}")
        } else {
            if !update_versioned(
                &mut tx,
                "recommendations",
                id,
                version,
                vec![("status", v("draft"))],
            )
            .await?
            {
                return Err(StoreError::Stale);
            }
            self.sign(&mut tx, id, "return", comment).await?;
            format!("退回修改：{comment}")
        };
        if let Some(h) = r.handler_id {
            deadlines::notify(
                &mut tx,
                &[h],
                &format!("检察建议“{}”：{detail}", r.letter.title),
                &format!("/recommendations/{id}"),
                None,
            )
            .await?;
        }
        self.audit_change(
            &mut tx,
            "recommendation.approve",
            "recommendation",
            id,
            None,
            detail,
        )
        .await?;
        tx.commit().await?;
        self.get_recommendation(id).await
    }

    pub(crate) async fn recipients_of(&self, ids: &[i64]) -> StoreResult<Vec<(i64, Recipient)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new(
            "SELECT x.recommendation_id, x.id, x.agency_id, a.name AS agency_name, x.status, x.delivered_on, x.received_by, \
             x.reply_due_on, x.reply, x.replied_on, x.replied_by_name, x.outcome, x.outcome_note, x.version \
             FROM recommendation_recipients x JOIN agencies a ON a.id = x.agency_id WHERE x.recommendation_id IN (",
        );
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(") ORDER BY x.id");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("recommendation_id")?, recipient_from_row(r)?)))
            .collect()
    }

    pub async fn get_recommendation(&self, id: i64) -> StoreResult<Recommendation> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE r.id = "));
        q.bind(id).push(" AND (");
        q.append(scope::recommendations(self.actor, "r")).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused(
                    "recommendations",
                    id,
                    "recommendation.read",
                    "recommendation",
                )
                .await);
        };
        let mut r = from_row(&row)?;
        r.recipients = self
            .recipients_of(&[id])
            .await?
            .into_iter()
            .map(|(_, x)| x)
            .collect();
        Ok(r)
    }

    pub async fn list_recommendations(
        &self,
        f: &RecommendationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Recommendation>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::recommendations(self.actor, "r")).push(")");
        if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND r.status = ").bind(s);
        }
        if let Some(k) = f.kind.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND r.kind = ").bind(k);
        }
        if let Some(c) = f.case_id {
            w.push(" AND r.case_id = ").bind(c);
        }
        if let Some(a) = f.agency_id {
            w.push(" AND r.id IN (SELECT recommendation_id FROM recommendation_recipients WHERE agency_id = ")
                .bind(a)
                .push(")");
        }
        let mut page = crate::paged(
            self.store.db.pool(),
            COLUMNS,
            FROM,
            w,
            " ORDER BY r.id DESC",
            page,
            from_row,
        )
        .await?;
        let ids: Vec<i64> = page.items.iter().map(|r| r.id).collect();
        for (rid, x) in self.recipients_of(&ids).await? {
            if let Some(r) = page.items.iter_mut().find(|r| r.id == rid) {
                r.recipients.push(x);
            }
        }
        Ok(page)
    }

    async fn consultations_of(&self, id: i64) -> StoreResult<Vec<Consultation>> {
        let mut q = Sql::new(
            "SELECT c.id, c.agency_id, a.name AS agency_name, c.version_no, c.shared_by_name, c.shared_at, c.views, \
             c.views_by_name, c.views_at FROM recommendation_consultations c JOIN agencies a ON a.id = c.agency_id \
             WHERE c.recommendation_id = ",
        );
        q.bind(id);
        if let (Role::Liaison, Some(a)) = (self.actor.role, self.actor.agency_id) {
            q.push(" AND c.agency_id = ").bind(a.0);
        }
        q.push(" ORDER BY c.id");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(Consultation {
                    id: r.try_get("id")?,
                    agency_id: r.try_get("agency_id")?,
                    agency_name: r.try_get("agency_name")?,
                    version_no: r.try_get("version_no")?,
                    shared_by_name: r.try_get("shared_by_name")?,
                    shared_at: r.try_get("shared_at")?,
                    views: r.try_get("views")?,
                    views_by_name: r.try_get("views_by_name")?,
                    views_at: r.try_get("views_at")?,
                })
            })
            .collect()
    }

    /// The recommendation with its versions, sign-offs, consultations,
    /// deliveries and measures. A liaison sees its own agency's consultation
    /// and measures, never the office's internal versions and sign-offs.
    pub async fn recommendation_record(&self, id: i64) -> StoreResult<RecommendationRecord> {
        let recommendation = self.get_recommendation(id).await?;
        let internal = self.may_screen();
        let mut versions = Vec::new();
        let mut signoffs = Vec::new();
        if internal {
            let mut q = Sql::new(
                "SELECT version_no, note, author_name, created_at, letter FROM recommendation_versions WHERE recommendation_id = ",
            );
            q.bind(id).push(" ORDER BY version_no");
            for r in q.fetch_all(self.store.db.pool()).await? {
                let letter: String = r.try_get("letter")?;
                versions.push(LetterVersion {
                    version_no: r.try_get("version_no")?,
                    note: r.try_get("note")?,
                    author_name: r.try_get("author_name")?,
                    created_at: r.try_get("created_at")?,
                    letter: serde_json::from_str(&letter)
                        .map_err(|e| StoreError::Internal(e.to_string()))?,
                });
            }
            let mut q = Sql::new(
                "SELECT action, role, user_name, comment, at FROM recommendation_signoffs WHERE recommendation_id = ",
            );
            q.bind(id).push(" ORDER BY id");
            for r in q.fetch_all(self.store.db.pool()).await? {
                signoffs.push(SignOff {
                    action: r.try_get("action")?,
                    role: r.try_get("role")?,
                    user_name: r.try_get("user_name")?,
                    comment: r.try_get("comment")?,
                    at: r.try_get("at")?,
                });
            }
        }
        let consultations = if self.actor.role == Role::PeopleSupervisor {
            Vec::new()
        } else {
            self.consultations_of(id).await?
        };
        let mut deliveries = Vec::new();
        let mut q = Sql::new(
            "SELECT id, mode, delivered_on, place, host, participants, recorded_by_name FROM recommendation_deliveries WHERE recommendation_id = ",
        );
        q.bind(id).push(" ORDER BY id");
        for r in q.fetch_all(self.store.db.pool()).await? {
            let did: i64 = r.try_get("id")?;
            let mut s = Sql::new(
                "SELECT s.user_id, u.display_name, s.opinion, s.opinion_at FROM recommendation_supervisors s JOIN users u ON u.id = s.user_id WHERE s.delivery_id = ",
            );
            s.bind(did).push(" ORDER BY s.user_id");
            let supervisors = s
                .fetch_all(self.store.db.pool())
                .await?
                .iter()
                .map(|x| {
                    Ok(SupervisorOpinion {
                        user_id: x.try_get("user_id")?,
                        name: x.try_get("display_name")?,
                        opinion: x.try_get("opinion")?,
                        opinion_at: x.try_get("opinion_at")?,
                    })
                })
                .collect::<StoreResult<_>>()?;
            deliveries.push(Delivery {
                id: did,
                mode: r.try_get("mode")?,
                delivered_on: r.try_get("delivered_on")?,
                place: r.try_get("place")?,
                host: r.try_get("host")?,
                participants: r.try_get("participants")?,
                recorded_by_name: r.try_get("recorded_by_name")?,
                supervisors,
            });
        }
        let mut q = Sql::new(
            "SELECT m.id, m.recipient_id, a.name AS agency_name, m.kind, m.taken_on, m.description, m.recorded_by_name \
             FROM recommendation_measures m JOIN recommendation_recipients x ON x.id = m.recipient_id \
             JOIN agencies a ON a.id = x.agency_id WHERE x.recommendation_id = ",
        );
        q.bind(id);
        if let (Role::Liaison, Some(a)) = (self.actor.role, self.actor.agency_id) {
            q.push(" AND x.agency_id = ").bind(a.0);
        }
        q.push(" ORDER BY m.taken_on, m.id");
        let measures = q
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(Measure {
                    id: r.try_get("id")?,
                    recipient_id: r.try_get("recipient_id")?,
                    agency_name: r.try_get("agency_name")?,
                    kind: r.try_get("kind")?,
                    taken_on: r.try_get("taken_on")?,
                    description: r.try_get("description")?,
                    recorded_by_name: r.try_get("recorded_by_name")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        let joint_actions = self.joint_actions_of(id).await?;
        Ok(RecommendationRecord {
            recommendation,
            versions,
            signoffs,
            consultations,
            deliveries,
            measures,
            joint_actions,
        })
    }

    pub async fn recommendation_history(&self, id: i64) -> StoreResult<Vec<crate::HistoryEntry>> {
        self.get_recommendation(id).await?;
        if !self.may_screen() {
            return Ok(Vec::new());
        }
        self.history_of("recommendation", id).await
    }

    /// What a case gives a first draft: its facts, the investigation's
    /// conclusion and the confirmed findings of its files (rule ids included;
    /// the caller adds the articles).
    pub async fn case_facts(
        &self,
        case_id: i64,
    ) -> StoreResult<(xingjian_domain::recommendation::CaseFacts, Option<i64>)> {
        let c = self.get_case(case_id).await?;
        let mut q = Sql::new("SELECT fields FROM case_events WHERE case_id = ");
        q.bind(case_id).push(" ORDER BY id");
        let mut conclusion = String::new();
        for r in q.fetch_all(self.store.db.pool()).await? {
            let fields: String = r.try_get("fields")?;
            if let Ok(map) =
                serde_json::from_str::<std::collections::BTreeMap<String, String>>(&fields)
                && let Some(x) = map.get("conclusion")
            {
                conclusion = x.clone();
            }
        }
        let mut q = Sql::new("SELECT source FROM clues WHERE case_id = ");
        q.bind(case_id).push(" ORDER BY id LIMIT 1");
        let source = match q.fetch_optional(self.store.db.pool()).await? {
            Some(r) => xingjian_domain::ClueSource::from_code(&r.try_get::<String, _>("source")?)
                .map_or_else(String::new, |s| s.label().to_owned()),
            None => String::new(),
        };
        let mut q = Sql::new(
            "SELECT rf.case_number, f.dimension, f.rule_id, f.description, f.evidence FROM findings f \
             JOIN review_files rf ON rf.id = f.review_file_id WHERE f.status = 'confirmed' \
             AND (rf.clue_id IN (SELECT id FROM clues WHERE case_id = ",
        );
        // Files flagged into the case's clues, or reviewed in a batch of a file
        // request made for the case or its clues.
        q.bind(case_id).push(
            ") OR rf.batch_id IN (SELECT b.id FROM review_batches b JOIN file_requests fr ON fr.id = b.file_request_id \
             WHERE fr.case_id = ",
        );
        q.bind(case_id)
            .push(" OR fr.clue_id IN (SELECT id FROM clues WHERE case_id = ")
            .bind(case_id)
            .push("))) ORDER BY rf.case_number, f.id");
        let findings = q
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(xingjian_domain::recommendation::FindingRef {
                    file: r.try_get("case_number")?,
                    dimension: r.try_get("dimension")?,
                    rule_id: r.try_get("rule_id")?,
                    description: r.try_get("description")?,
                    evidence: r.try_get("evidence")?,
                    citations: Vec::new(),
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok((
            xingjian_domain::recommendation::CaseFacts {
                case_number: c.case_number.clone(),
                case_title: c.title.clone(),
                agency_name: c.agency_name.clone().unwrap_or_default(),
                source,
                summary: c.summary.clone(),
                conclusion,
                findings,
            },
            c.agency_id,
        ))
    }
}
