//! 检察建议: drafted from a case, every version kept, shared with the agency
//! for pre-consultation, submitted and approved (each sign-off recorded),
//! numbered per kind and year, delivered (written or public, with people's
//! supervisors), replied to per recipient on the two-month clock, followed up
//! with rectification measures and an outcome.

use crate::cases::next_in_sequence;
use crate::deadlines::{self, NewDeadline};
use crate::error::{StoreError, StoreResult};
use crate::sql::{Sql, insert, update_versioned, v};
use crate::{ActorStore, Page, PageRequest, scope, time};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use xingjian_domain::recommendation::{
    DeliveryMode, Letter, MeasureKind, Outcome, RecKind, RecStatus,
};
use xingjian_domain::{AgencyId, Role, ValidationErrors, case, deadline};

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
    fn is_leader(&self) -> bool {
        matches!(self.actor.role, Role::Chief | Role::DeputyChief)
    }

    fn may_draft(&self) -> bool {
        matches!(
            self.actor.role,
            Role::Prosecutor | Role::Assistant | Role::DeputyChief | Role::Chief
        )
    }

    async fn refuse_rec(
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
    async fn leaders(tx: &mut AnyConnection) -> StoreResult<Vec<i64>> {
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

    /// Record a delivery: the recipients' receipt starts each reply clock
    /// (two months unless the letter sets less). A public delivery needs at
    /// least one invited people's supervisor, who may then read the letter
    /// and record an opinion.
    pub async fn deliver_recommendation(
        &self,
        id: i64,
        version: i64,
        d: DeliveryInput,
    ) -> StoreResult<Recommendation> {
        let r = self.get_recommendation(id).await?;
        if !self.may_screen() {
            return Err(self
                .refuse_rec("recommendation.deliver", Some(id), "无权记录送达")
                .await);
        }
        if !matches!(r.status.as_str(), "issued" | "delivered") {
            return Err(ValidationErrors::one("status", "检察建议签发后才能送达").into());
        }
        let mut e = ValidationErrors::new();
        let mode = DeliveryMode::from_code(d.mode.trim());
        if mode.is_none() {
            e.add("mode", "请选择送达方式");
        }
        let on = xingjian_domain::coordination::parse_date(
            "delivered_on",
            "送达日期",
            &d.delivered_on,
            true,
            &mut e,
        );
        if on.is_some_and(|x| x > time::today()) {
            e.add("delivered_on", "送达日期不能晚于今天");
        }
        if let (Some(x), Some(issued)) = (on, r.issued_on.as_deref().and_then(time::parse_date))
            && x < issued
        {
            e.add("delivered_on", "送达日期不能早于签发日期");
        }
        let targets: Vec<&Recipient> = r
            .recipients
            .iter()
            .filter(|x| {
                x.status == "sent"
                    && (d.recipient_ids.is_empty() || d.recipient_ids.contains(&x.id))
            })
            .collect();
        if targets.is_empty() {
            e.add("recipient_ids", "没有待送达的被建议单位");
        }
        if d.received_by.trim().is_empty() {
            e.add("received_by", "请填写签收人");
        }
        let mut supervisors = Vec::new();
        for s in &d.supervisor_ids {
            let mut q = Sql::new(
                "SELECT id, display_name FROM users WHERE active = 1 AND role = 'people_supervisor' AND id = ",
            );
            q.bind(*s);
            match q.fetch_optional(self.store.db.pool()).await? {
                Some(row) => supervisors.push((
                    row.try_get::<i64, _>("id")?,
                    row.try_get::<String, _>("display_name")?,
                )),
                None => e.add("supervisor_ids", "所选人民监督员不存在"),
            }
        }
        if mode == Some(DeliveryMode::Public) {
            if supervisors.is_empty() {
                e.add("supervisor_ids", "公开宣告送达请邀请至少一名人民监督员");
            }
            if d.place.trim().is_empty() {
                e.add("place", "请填写宣告地点");
            }
        }
        e.into_result()?;
        let (Some(mode), Some(on)) = (mode, on) else {
            return Err(StoreError::Internal("delivery".into()));
        };
        let (limit, unit) = r.letter.validate()?;
        let clock = deadline::clock("recommendation_reply")
            .ok_or_else(|| StoreError::Internal("clock".into()))?;
        let mut tx = self.store.db.begin().await?;
        if !update_versioned(
            &mut tx,
            "recommendations",
            id,
            version,
            vec![("status", v("delivered"))],
        )
        .await?
        {
            return Err(StoreError::Stale);
        }
        let delivery = insert(
            &mut tx,
            "recommendation_deliveries",
            vec![
                ("recommendation_id", v(id)),
                ("mode", v(mode.code())),
                ("delivered_on", v(time::fmt_date(on))),
                ("place", v(d.place.trim())),
                ("host", v(d.host.trim())),
                ("participants", v(d.participants.trim())),
                ("recorded_by_name", v(self.actor.display_name.as_str())),
                ("created_at", v(time::fmt(time::now_utc()))),
            ],
        )
        .await?;
        for (uid, _) in &supervisors {
            let mut q =
                Sql::new("INSERT INTO recommendation_supervisors (delivery_id, user_id) VALUES (");
            q.bind(delivery).push(", ").bind(*uid).push(")");
            q.execute(&mut tx).await?;
        }
        let supervisor_ids: Vec<i64> = supervisors.iter().map(|(u, _)| *u).collect();
        deadlines::notify(
            &mut tx,
            &supervisor_ids,
            &format!("邀请您监督检察建议宣告送达：{}", r.letter.title),
            &format!("/recommendations/{id}"),
            None,
        )
        .await?;
        for t in &targets {
            let (due, provisional) =
                deadline::due_date_provisional(&self.store.calendar, on, limit, unit);
            let _ = provisional;
            let mut q = Sql::new(
                "UPDATE recommendation_recipients SET status = 'delivered', delivered_on = ",
            );
            q.bind(time::fmt_date(on))
                .push(", received_by = ")
                .bind(d.received_by.trim())
                .push(", reply_due_on = ")
                .bind(time::fmt_date(due))
                .push(", version = version + 1 WHERE id = ")
                .bind(t.id);
            q.execute(&mut tx).await?;
            deadlines::start(
                &mut tx,
                &self.store.calendar,
                NewDeadline {
                    subject: "recommendation",
                    subject_id: id,
                    clock,
                    started_on: on,
                    due_on: None,
                    label: Some(format!("{}书面回复", t.agency_name)),
                    limit: Some((limit, unit)),
                    owner_id: r.handler_id,
                    agency_id: Some(t.agency_id),
                },
                &self.actor.display_name,
            )
            .await?;
            let liaisons = deadlines::liaisons_of(&mut tx, t.agency_id).await?;
            deadlines::notify(
                &mut tx,
                &liaisons,
                &format!(
                    "检察建议已送达：{}（请于 {} 前书面回复）",
                    r.letter.title,
                    time::fmt_date(due)
                ),
                &format!("/recommendations/{id}"),
                None,
            )
            .await?;
        }
        let names = targets
            .iter()
            .map(|t| t.agency_name.as_str())
            .collect::<Vec<_>>()
            .join("、");
        self.audit_change(
            &mut tx,
            "recommendation.deliver",
            "recommendation",
            id,
            None,
            format!("{}：{names}，{}", mode.label(), time::fmt_date(on)),
        )
        .await?;
        tx.commit().await?;
        self.get_recommendation(id).await
    }

    /// An invited people's supervisor records an opinion on the delivery.
    pub async fn supervisor_opinion(
        &self,
        id: i64,
        delivery_id: i64,
        opinion: &str,
    ) -> StoreResult<()> {
        self.get_recommendation(id).await?;
        let opinion = opinion.trim();
        if opinion.is_empty() {
            return Err(ValidationErrors::one("opinion", "请填写监督意见").into());
        }
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new("UPDATE recommendation_supervisors SET opinion = ");
        q.bind(opinion)
            .push(", opinion_at = ")
            .bind(time::fmt(time::now_utc()))
            .push(" WHERE user_id = ")
            .bind(self.actor.user_id.0)
            .push(" AND delivery_id = ")
            .bind(delivery_id)
            .push(" AND delivery_id IN (SELECT id FROM recommendation_deliveries WHERE recommendation_id = ")
            .bind(id)
            .push(")");
        if q.execute(&mut tx).await? != 1 {
            return Err(self
                .refuse_rec(
                    "recommendation.opinion",
                    Some(id),
                    "只有受邀的人民监督员可以提出监督意见",
                )
                .await);
        }
        self.audit_change(
            &mut tx,
            "recommendation.opinion",
            "recommendation",
            id,
            None,
            "人民监督员提出监督意见".into(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn recipient<'r>(
        &self,
        r: &'r Recommendation,
        recipient_id: i64,
    ) -> StoreResult<&'r Recipient> {
        r.recipients
            .iter()
            .find(|x| x.id == recipient_id)
            .ok_or(StoreError::NotFound)
    }

    /// The recipient's written reply: by its liaison (or recorded by staff).
    /// Stops its clock; when every recipient has replied, the recommendation is 已回复.
    pub async fn reply_recommendation(
        &self,
        id: i64,
        recipient_id: i64,
        version: i64,
        reply: &str,
    ) -> StoreResult<Recommendation> {
        let r = self.get_recommendation(id).await?;
        let x = self.recipient(&r, recipient_id)?;
        let own =
            self.actor.role == Role::Liaison && self.actor.agency_id == Some(AgencyId(x.agency_id));
        if !(own || self.may_screen()) {
            return Err(self
                .refuse_rec(
                    "recommendation.reply",
                    Some(id),
                    "只有被建议单位的联络员可以回复",
                )
                .await);
        }
        if x.status != "delivered" {
            return Err(ValidationErrors::one("status", "送达后、回复前才能登记回复").into());
        }
        let reply = reply.trim();
        if reply.is_empty() {
            return Err(ValidationErrors::one("reply", "请填写回复内容（整改措施、结果）").into());
        }
        let mut tx = self.store.db.begin().await?;
        if !update_versioned(
            &mut tx,
            "recommendation_recipients",
            recipient_id,
            version,
            vec![
                ("status", v("replied")),
                ("reply", v(reply)),
                ("replied_on", v(time::fmt_date(time::today()))),
                ("replied_by_name", v(self.actor.display_name.as_str())),
            ],
        )
        .await?
        {
            return Err(StoreError::Stale);
        }
        let mut q = Sql::new(
            "SELECT id FROM deadlines WHERE status IN ('running', 'paused') AND subject = 'recommendation' AND subject_id = ",
        );
        q.bind(id).push(" AND agency_id = ").bind(x.agency_id);
        for row in q.fetch_all(&mut *tx).await? {
            deadlines::finish_one(
                &mut tx,
                row.try_get("id")?,
                "done",
                "已书面回复",
                &self.actor.display_name,
            )
            .await?;
        }
        let mut q = Sql::new(
            "SELECT COUNT(*) AS n FROM recommendation_recipients WHERE status IN ('sent', 'delivered') AND recommendation_id = ",
        );
        q.bind(id);
        let waiting: i64 = q.fetch_one(&mut *tx).await?.try_get("n")?;
        if waiting == 0 {
            let mut u = Sql::new(
                "UPDATE recommendations SET status = 'replied', version = version + 1 WHERE status = 'delivered' AND id = ",
            );
            u.bind(id);
            u.execute(&mut tx).await?;
        }
        if let Some(h) = r.handler_id {
            deadlines::notify(
                &mut tx,
                &[h],
                &format!("{}已回复检察建议“{}”", x.agency_name, r.letter.title),
                &format!("/recommendations/{id}"),
                None,
            )
            .await?;
        }
        self.audit_change(
            &mut tx,
            "recommendation.reply",
            "recommendation",
            id,
            Some(x.agency_id),
            format!("{}书面回复", x.agency_name),
        )
        .await?;
        tx.commit().await?;
        self.get_recommendation(id).await
    }

    /// A rectification measure or a follow-up visit, with its date.
    pub async fn add_measure(
        &self,
        id: i64,
        recipient_id: i64,
        kind: &str,
        taken_on: &str,
        description: &str,
    ) -> StoreResult<()> {
        let r = self.get_recommendation(id).await?;
        let x = self.recipient(&r, recipient_id)?;
        let own =
            self.actor.role == Role::Liaison && self.actor.agency_id == Some(AgencyId(x.agency_id));
        if !(own || self.may_screen()) {
            return Err(self
                .refuse_rec("recommendation.measure", Some(id), "无权登记整改措施")
                .await);
        }
        let mut e = ValidationErrors::new();
        let kind = MeasureKind::from_code(kind.trim());
        if kind.is_none() {
            e.add("kind", "请选择措施类别");
        }
        let on =
            xingjian_domain::coordination::parse_date("taken_on", "日期", taken_on, true, &mut e);
        let description = xingjian_domain::coordination::required_text(
            "description",
            "内容",
            description,
            2000,
            &mut e,
        );
        if x.delivered_on.is_none() {
            e.add("recipient_id", "检察建议送达后才能登记整改");
        }
        if kind == Some(MeasureKind::Escalation) && !(x.overdue && self.may_screen()) {
            e.add("kind", "只有逾期未回复的，检察院才能抄送上级机关督促");
        }
        e.into_result()?;
        let (Some(kind), Some(on)) = (kind, on) else {
            return Err(StoreError::Internal("measure".into()));
        };
        let mut tx = self.store.db.begin().await?;
        insert(
            &mut tx,
            "recommendation_measures",
            vec![
                ("recipient_id", v(recipient_id)),
                ("kind", v(kind.code())),
                ("taken_on", v(time::fmt_date(on))),
                ("description", v(description)),
                ("recorded_by_name", v(self.actor.display_name.as_str())),
                ("created_at", v(time::fmt(time::now_utc()))),
            ],
        )
        .await?;
        if kind == MeasureKind::Escalation {
            // The leadership and the recipient's liaisons are told.
            let mut people = Self::leaders(&mut tx).await?;
            people.extend(deadlines::liaisons_of(&mut tx, x.agency_id).await?);
            deadlines::notify(
                &mut tx,
                &people,
                &format!(
                    "{}逾期未回复检察建议“{}”，已抄送上级机关：{description}",
                    x.agency_name, r.letter.title
                ),
                &format!("/recommendations/{id}"),
                None,
            )
            .await?;
        }
        self.audit_change(
            &mut tx,
            "recommendation.measure",
            "recommendation",
            id,
            Some(x.agency_id),
            format!(
                "{}：{}（{}）",
                x.agency_name,
                kind.label(),
                time::fmt_date(on)
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The office's judgement of a recipient's answer: 采纳 / 部分采纳 / 未采纳.
    pub async fn record_outcome(
        &self,
        id: i64,
        recipient_id: i64,
        version: i64,
        outcome: &str,
        note: &str,
    ) -> StoreResult<Recommendation> {
        let r = self.get_recommendation(id).await?;
        let x = self.recipient(&r, recipient_id)?;
        if !self.may_draft() {
            return Err(self
                .refuse_rec("recommendation.outcome", Some(id), "无权认定采纳情况")
                .await);
        }
        let Some(o) = Outcome::from_code(outcome.trim()) else {
            return Err(ValidationErrors::one("outcome", "请选择采纳情况").into());
        };
        if x.status != "replied" {
            return Err(ValidationErrors::one("status", "被建议单位回复后才能认定采纳情况").into());
        }
        if o != Outcome::Adopted && note.trim().is_empty() {
            return Err(ValidationErrors::one(
                "outcome_note",
                "部分采纳或未采纳请写明情况及后续措施",
            )
            .into());
        }
        let mut tx = self.store.db.begin().await?;
        if !update_versioned(
            &mut tx,
            "recommendation_recipients",
            recipient_id,
            version,
            vec![
                ("status", v("closed")),
                ("outcome", v(o.code())),
                ("outcome_note", v(note.trim())),
            ],
        )
        .await?
        {
            return Err(StoreError::Stale);
        }
        self.audit_change(
            &mut tx,
            "recommendation.outcome",
            "recommendation",
            id,
            Some(x.agency_id),
            format!("{}：{}", x.agency_name, o.label()),
        )
        .await?;
        tx.commit().await?;
        self.get_recommendation(id).await
    }

    /// Close the recommendation once every recipient's outcome is recorded.
    pub async fn close_recommendation(&self, id: i64, version: i64) -> StoreResult<Recommendation> {
        let r = self.get_recommendation(id).await?;
        if !self.may_draft() {
            return Err(self
                .refuse_rec("recommendation.close", Some(id), "无权结案")
                .await);
        }
        if r.recipients.iter().any(|x| x.outcome.is_none()) {
            return Err(ValidationErrors::one("status", "尚有被建议单位未认定采纳情况").into());
        }
        let mut tx = self.store.db.begin().await?;
        if !update_versioned(
            &mut tx,
            "recommendations",
            id,
            version,
            vec![
                ("status", v("closed")),
                ("closed_on", v(time::fmt_date(time::today()))),
            ],
        )
        .await?
        {
            return Err(StoreError::Stale);
        }
        self.audit_change(
            &mut tx,
            "recommendation.close",
            "recommendation",
            id,
            None,
            format!("检察建议“{}”办结", r.letter.title),
        )
        .await?;
        tx.commit().await?;
        self.get_recommendation(id).await
    }

    async fn recipients_of(&self, ids: &[i64]) -> StoreResult<Vec<(i64, Recipient)>> {
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

impl ActorStore<'_> {
    /// Every problem found in a file — screening hits of finished runs and
    /// confirmed review findings — for the office's staff, optionally within
    /// months `from`..=`to` (`YYYY-MM`) of when it was found.
    pub async fn problem_occurrences(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> StoreResult<Vec<xingjian_domain::governance::Occurrence>> {
        if !self.may_screen() {
            return Err(self
                .refuse_rec(
                    "governance.read",
                    None,
                    "只有检察院工作人员可以查看诉源治理分析",
                )
                .await);
        }
        let months = |q: &mut Sql, expr: &str| {
            if let Some(f) = from.filter(|s| !s.is_empty()) {
                q.push(&format!(" AND {expr} >= ")).bind(f);
            }
            if let Some(t) = to.filter(|s| !s.is_empty()) {
                q.push(&format!(" AND {expr} <= ")).bind(t);
            }
        };
        let mut hits = Sql::new(
            "SELECT DISTINCT h.rule_id, h.dimensions, h.agency_id, h.agency_name, h.record_key, h.officers, \
             substr(r.created_at, 1, 7) AS month FROM screening_hits h JOIN screening_runs r ON r.id = h.run_id \
             WHERE h.outcome = 'hit' AND r.status = 'done'",
        );
        months(&mut hits, "substr(r.created_at, 1, 7)");
        let mut out = Vec::new();
        for r in hits.fetch_all(self.store.db.pool()).await? {
            let dims: String = r.try_get("dimensions")?;
            let officers: String = r.try_get("officers")?;
            out.push(xingjian_domain::governance::Occurrence {
                rule_id: Some(r.try_get("rule_id")?),
                dimension: dims
                    .split(';')
                    .find(|d| !d.is_empty())
                    .unwrap_or_default()
                    .to_owned(),
                agency_id: r.try_get("agency_id")?,
                agency_name: r.try_get("agency_name")?,
                file: r.try_get("record_key")?,
                officers: officers
                    .split(';')
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect(),
                month: r.try_get("month")?,
            });
        }
        let mut found = Sql::new(
            "SELECT DISTINCT f.rule_id, f.dimension, b.agency_id, a.name AS agency_name, rf.case_number, \
             substr(COALESCE(f.decided_at, f.created_at), 1, 7) AS month FROM findings f \
             JOIN review_files rf ON rf.id = f.review_file_id JOIN review_batches b ON b.id = rf.batch_id \
             JOIN agencies a ON a.id = b.agency_id WHERE f.status = 'confirmed'",
        );
        months(
            &mut found,
            "substr(COALESCE(f.decided_at, f.created_at), 1, 7)",
        );
        for r in found.fetch_all(self.store.db.pool()).await? {
            out.push(xingjian_domain::governance::Occurrence {
                rule_id: r.try_get("rule_id")?,
                dimension: r.try_get("dimension")?,
                agency_id: Some(r.try_get("agency_id")?),
                agency_name: r.try_get("agency_name")?,
                file: r.try_get("case_number")?,
                officers: Vec::new(),
                month: r.try_get("month")?,
            });
        }
        Ok(out)
    }
}

impl ActorStore<'_> {
    /// 联合执法专项行动 recorded with a recommendation: dates, participating
    /// agencies (at least two, with the recipients usually among them), results.
    pub async fn add_joint_action(
        &self,
        id: i64,
        input: JointActionInput,
    ) -> StoreResult<JointAction> {
        let r = self.get_recommendation(id).await?;
        if !self.may_screen() {
            return Err(self
                .refuse_rec(
                    "recommendation.joint_action",
                    Some(id),
                    "无权登记联合执法行动",
                )
                .await);
        }
        let mut e = ValidationErrors::new();
        let title = xingjian_domain::coordination::required_text(
            "title",
            "行动名称",
            &input.title,
            200,
            &mut e,
        )
        .to_owned();
        let starts = xingjian_domain::coordination::parse_date(
            "starts_on",
            "开始日期",
            &input.starts_on,
            true,
            &mut e,
        );
        let ends = xingjian_domain::coordination::parse_date(
            "ends_on",
            "结束日期",
            &input.ends_on,
            true,
            &mut e,
        );
        if let (Some(a), Some(b)) = (starts, ends)
            && b < a
        {
            e.add("ends_on", "结束日期不能早于开始日期");
        }
        let agencies = self
            .chosen_agencies(&input.agency_ids, "agency_ids", &mut e)
            .await?;
        if agencies.len() < 2 {
            e.add("agency_ids", "联合执法行动请选择至少两个参加单位");
        }
        e.into_result()?;
        let mut tx = self.store.db.begin().await?;
        let jid = insert(
            &mut tx,
            "joint_actions",
            vec![
                ("recommendation_id", v(id)),
                ("title", v(title.as_str())),
                ("starts_on", v(input.starts_on.trim())),
                ("ends_on", v(input.ends_on.trim())),
                ("participants", v(input.participants.trim())),
                ("results", v(input.results.trim())),
                ("recorded_by_name", v(self.actor.display_name.as_str())),
                ("created_at", v(time::fmt(time::now_utc()))),
            ],
        )
        .await?;
        crate::sql::link_agencies(
            &mut tx,
            "joint_action_agencies",
            "joint_action_id",
            jid,
            &agencies,
        )
        .await?;
        let names = crate::agencies::names(&agencies);
        self.audit_change(
            &mut tx,
            "recommendation.joint_action",
            "recommendation",
            id,
            None,
            format!("“{}”后续联合执法行动“{title}”：{names}", r.letter.title),
        )
        .await?;
        tx.commit().await?;
        self.joint_actions_of(id)
            .await?
            .into_iter()
            .find(|j| j.id == jid)
            .ok_or(StoreError::NotFound)
    }

    async fn joint_actions_of(&self, id: i64) -> StoreResult<Vec<JointAction>> {
        let mut q = Sql::new(
            "SELECT id, recommendation_id, title, starts_on, ends_on, participants, results, recorded_by_name \
             FROM joint_actions WHERE recommendation_id = ",
        );
        q.bind(id).push(" ORDER BY starts_on, id");
        let mut out = Vec::new();
        for r in q.fetch_all(self.store.db.pool()).await? {
            out.push(JointAction {
                id: r.try_get("id")?,
                recommendation_id: r.try_get("recommendation_id")?,
                title: r.try_get("title")?,
                starts_on: r.try_get("starts_on")?,
                ends_on: r.try_get("ends_on")?,
                agencies: Vec::new(),
                participants: r.try_get("participants")?,
                results: r.try_get("results")?,
                recorded_by_name: r.try_get("recorded_by_name")?,
            });
        }
        let ids: Vec<i64> = out.iter().map(|j| j.id).collect();
        for (j, a, n) in crate::sql::agencies_of(
            self.store.db.pool(),
            "joint_action_agencies",
            "joint_action_id",
            &ids,
        )
        .await?
        {
            if let Some(x) = out.iter_mut().find(|x| x.id == j) {
                x.agencies.push((a, n));
            }
        }
        Ok(out)
    }
}
