//! 逐案评查: review batches of enforcement files, each file checked on the
//! five dimensions; screening lines come in as suggested findings, which the
//! reviewer confirms or dismisses with a reason. Two reviewers may split a
//! batch: every change to a file carries the version read (optimistic locking).

use crate::audit::{self, AuditEntry, Outcome, Who};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{ActorStore, Page, PageRequest, scope, time};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;
use xingjian_domain::{AgencyId, DIMENSIONS, ValidationErrors};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReviewBatch {
    pub id: i64,
    pub title: String,
    pub agency_id: i64,
    pub agency_name: String,
    pub file_request_id: Option<i64>,
    pub created_by_name: String,
    pub created_at: String,
    pub files: i64,
    pub reviewed: i64,
    pub flagged: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReviewFile {
    pub id: i64,
    pub batch_id: i64,
    pub case_number: String,
    pub reviewer_id: Option<i64>,
    pub reviewer_name: Option<String>,
    /// pending | reviewed
    pub status: String,
    pub notes: String,
    pub reviewed_by_name: Option<String>,
    pub clue_id: Option<i64>,
    pub version: i64,
    pub suggested: i64,
    pub confirmed: i64,
}

impl ReviewFile {
    /// 可能存在问题的卷宗: at least one confirmed finding.
    pub fn flagged(&self) -> bool {
        self.confirmed > 0
    }
    pub fn status_label(&self) -> &'static str {
        if self.status == "reviewed" {
            "已评查"
        } else {
            "待评查"
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Finding {
    pub id: i64,
    pub hit_id: Option<i64>,
    pub rule_id: Option<String>,
    pub dimension: String,
    pub description: String,
    pub evidence: String,
    /// suggested | confirmed | dismissed
    pub status: String,
    pub reason: String,
    pub decided_by_name: Option<String>,
    pub created_by_name: String,
}

impl Finding {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "suggested" => "待确认（筛查提示）",
            "confirmed" => "已确认",
            _ => "已排除",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub location: String,
    pub uploaded_by_name: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReviewBatchInput {
    pub title: String,
    pub agency_id: Option<i64>,
    /// Take the case numbers of this file request when none are listed.
    pub file_request_id: Option<i64>,
    /// One enforcement case number per line.
    #[serde(default)]
    pub case_numbers: String,
}

/// A batch's figures: files reviewed and flagged, confirmed findings by dimension and rule.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ReviewSummary {
    pub files: i64,
    pub reviewed: i64,
    pub flagged: i64,
    pub by_dimension: BTreeMap<String, i64>,
    pub by_rule: BTreeMap<String, i64>,
}

const BATCH_COLUMNS: &str = "b.id, b.title, b.agency_id, a.name AS agency_name, b.file_request_id, b.created_by_name, \
    b.created_at, (SELECT COUNT(*) FROM review_files f WHERE f.batch_id = b.id) AS files, \
    (SELECT COUNT(*) FROM review_files f WHERE f.batch_id = b.id AND f.status = 'reviewed') AS reviewed, \
    (SELECT COUNT(*) FROM review_files f WHERE f.batch_id = b.id AND EXISTS (SELECT 1 FROM findings g \
      WHERE g.review_file_id = f.id AND g.status = 'confirmed')) AS flagged";
const BATCH_FROM: &str = "FROM review_batches b JOIN agencies a ON a.id = b.agency_id";

fn batch_row(r: &AnyRow) -> StoreResult<ReviewBatch> {
    Ok(ReviewBatch {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        agency_id: r.try_get("agency_id")?,
        agency_name: r.try_get("agency_name")?,
        file_request_id: r.try_get("file_request_id")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        files: r.try_get("files")?,
        reviewed: r.try_get("reviewed")?,
        flagged: r.try_get("flagged")?,
    })
}

const FILE_COLUMNS: &str = "f.id, f.batch_id, f.case_number, f.reviewer_id, u.display_name AS reviewer_name, f.status, \
    f.notes, f.reviewed_by_name, f.clue_id, f.version, \
    (SELECT COUNT(*) FROM findings g WHERE g.review_file_id = f.id AND g.status = 'suggested') AS suggested, \
    (SELECT COUNT(*) FROM findings g WHERE g.review_file_id = f.id AND g.status = 'confirmed') AS confirmed";
const FILE_FROM: &str = "FROM review_files f LEFT JOIN users u ON u.id = f.reviewer_id";

fn file_row(r: &AnyRow) -> StoreResult<ReviewFile> {
    Ok(ReviewFile {
        id: r.try_get("id")?,
        batch_id: r.try_get("batch_id")?,
        case_number: r.try_get("case_number")?,
        reviewer_id: r.try_get("reviewer_id")?,
        reviewer_name: r.try_get("reviewer_name")?,
        status: r.try_get("status")?,
        notes: r.try_get("notes")?,
        reviewed_by_name: r.try_get("reviewed_by_name")?,
        clue_id: r.try_get("clue_id")?,
        version: r.try_get("version")?,
        suggested: r.try_get("suggested")?,
        confirmed: r.try_get("confirmed")?,
    })
}

/// Bump a file's version if it is still at `version`: the one check that
/// keeps two reviewers from overwriting each other.
async fn touch(tx: &mut AnyConnection, file_id: i64, version: i64) -> StoreResult<()> {
    let mut q = Sql::new("UPDATE review_files SET version = version + 1 WHERE id = ");
    q.bind(file_id).push(" AND version = ").bind(version);
    if q.execute(tx).await? != 1 {
        return Err(StoreError::Stale);
    }
    Ok(())
}

impl ActorStore<'_> {
    fn review_refusal(&self) -> Option<StoreError> {
        (!self.may_screen()).then_some(StoreError::Forbidden("只有检察院工作人员可以评查卷宗"))
    }

    async fn audit_review(
        &self,
        tx: &mut AnyConnection,
        action: &str,
        id: i64,
        detail: String,
    ) -> StoreResult<()> {
        let entry =
            AuditEntry::new(action, "review", Some(id.to_string()), Outcome::Ok).detail(detail);
        audit::write(tx, &Who::actor(self.actor), self.ctx, &entry).await
    }

    /// A batch of files of one agency; screening lines about each case number
    /// (hits, not incomplete lines) become suggested findings, one per rule.
    pub async fn create_review_batch(&self, input: ReviewBatchInput) -> StoreResult<ReviewBatch> {
        if let Some(e) = self.review_refusal() {
            return Err(self.refuse("review.create", "review", None, e).await);
        }
        let mut e = ValidationErrors::new();
        let title = input.title.trim();
        if title.is_empty() {
            e.add("title", "请填写评查批次名称");
        }
        let mut numbers: Vec<String> = input
            .case_numbers
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        let mut agency = input.agency_id;
        if let Some(r) = input.file_request_id {
            let (fr, _) = self.get_file_request(r).await?;
            agency = agency.or(Some(fr.agency_id));
            if numbers.is_empty() {
                numbers = fr
                    .case_number_list()
                    .into_iter()
                    .map(String::from)
                    .collect();
            }
        }
        numbers.sort();
        numbers.dedup();
        if numbers.is_empty() {
            e.add("case_numbers", "请列出要评查的案件编号（每行一个）");
        }
        if numbers.len() > 5000 {
            e.add("case_numbers", "一个批次最多 5000 件");
        }
        let Some(agency) = agency else {
            e.add("agency_id", "请选择被评查的行政机关");
            return Err(e.into());
        };
        if self.get_agency(AgencyId(agency)).await.is_err() {
            e.add("agency_id", "所选行政机关不存在");
        }
        e.into_result()?;
        let now = time::fmt(time::now_utc());
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new(
            "INSERT INTO review_batches (title, agency_id, file_request_id, created_by_name, created_at) VALUES (",
        );
        q.bind(title)
            .push(", ")
            .bind(agency)
            .push(", ")
            .bind(input.file_request_id)
            .push(", ");
        q.bind(self.actor.display_name.as_str())
            .push(", ")
            .bind(now.as_str())
            .push(") RETURNING id");
        let id: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
        let mut suggested = 0;
        for n in &numbers {
            let mut q =
                Sql::new("INSERT INTO review_files (batch_id, case_number, status) VALUES (");
            q.bind(id)
                .push(", ")
                .bind(n.as_str())
                .push(", 'pending') RETURNING id");
            let file_id: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
            // The latest hit line per rule about this record of this agency.
            let mut h = Sql::new(
                "SELECT h.id, h.rule_id, h.dimensions, h.explanation FROM screening_hits h WHERE h.id IN \
                 (SELECT MAX(x.id) FROM screening_hits x WHERE x.outcome = 'hit' AND x.agency_id = ",
            );
            h.bind(agency).push(" AND x.record_key = ").bind(n.as_str());
            h.push(" GROUP BY x.rule_id) ORDER BY h.rule_id");
            for r in h.fetch_all(&mut *tx).await? {
                let dims: String = r.try_get("dimensions")?;
                let dimension = dims
                    .split(';')
                    .find(|d| !d.is_empty())
                    .unwrap_or(DIMENSIONS[1])
                    .to_owned();
                let mut f = Sql::new(
                    "INSERT INTO findings (review_file_id, hit_id, rule_id, dimension, description, status, \
                     created_by_name, created_at) VALUES (",
                );
                f.bind(file_id)
                    .push(", ")
                    .bind(r.try_get::<i64, _>("id")?)
                    .push(", ");
                f.bind(r.try_get::<String, _>("rule_id")?)
                    .push(", ")
                    .bind(dimension)
                    .push(", ");
                f.bind(r.try_get::<String, _>("explanation")?)
                    .push(", 'suggested', '数据筛查', ");
                f.bind(now.as_str()).push(")");
                f.execute(&mut tx).await?;
                suggested += 1;
            }
        }
        self.audit_review(
            &mut tx,
            "review.create",
            id,
            format!(
                "评查批次“{title}”：{} 件，筛查提示 {suggested} 条",
                numbers.len()
            ),
        )
        .await?;
        tx.commit().await?;
        self.get_review_batch(id).await
    }

    pub async fn list_review_batches(&self, page: PageRequest) -> StoreResult<Page<ReviewBatch>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::supervision_cases(self.actor)).push(")");
        crate::paged(
            self.store.db.pool(),
            BATCH_COLUMNS,
            BATCH_FROM,
            w,
            " ORDER BY b.id DESC",
            page,
            batch_row,
        )
        .await
    }

    pub async fn get_review_batch(&self, id: i64) -> StoreResult<ReviewBatch> {
        let mut q = Sql::new(&format!(
            "SELECT {BATCH_COLUMNS} {BATCH_FROM} WHERE b.id = "
        ));
        q.bind(id).push(" AND (");
        q.append(scope::supervision_cases(self.actor)).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("review_batches", id, "review.read", "review")
                .await);
        };
        batch_row(&row)
    }

    /// The batch's files (optionally only flagged, or only one reviewer's) and its summary.
    pub async fn review_batch_files(
        &self,
        id: i64,
    ) -> StoreResult<(Vec<ReviewFile>, ReviewSummary)> {
        let b = self.get_review_batch(id).await?;
        let mut q = Sql::new(&format!(
            "SELECT {FILE_COLUMNS} {FILE_FROM} WHERE f.batch_id = "
        ));
        q.bind(b.id).push(" ORDER BY f.case_number");
        let files: Vec<ReviewFile> = q
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(file_row)
            .collect::<StoreResult<_>>()?;
        let mut s = ReviewSummary {
            files: b.files,
            reviewed: b.reviewed,
            flagged: b.flagged,
            ..Default::default()
        };
        let mut q = Sql::new(
            "SELECT g.dimension, g.rule_id FROM findings g JOIN review_files f ON f.id = g.review_file_id \
             WHERE g.status = 'confirmed' AND f.batch_id = ",
        );
        q.bind(b.id);
        for r in q.fetch_all(self.store.db.pool()).await? {
            *s.by_dimension.entry(r.try_get("dimension")?).or_default() += 1;
            let rule: Option<String> = r.try_get("rule_id")?;
            *s.by_rule
                .entry(rule.unwrap_or_else(|| "人工发现".into()))
                .or_default() += 1;
        }
        Ok((files, s))
    }

    /// One file (without its findings), in scope.
    async fn review_file(&self, id: i64) -> StoreResult<ReviewFile> {
        let mut q = Sql::new(&format!("SELECT {FILE_COLUMNS} {FILE_FROM} WHERE f.id = "));
        q.bind(id).push(" AND (");
        q.append(scope::supervision_cases(self.actor)).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("review_files", id, "review.read", "review")
                .await);
        };
        file_row(&row)
    }

    pub async fn get_review_file(
        &self,
        id: i64,
    ) -> StoreResult<(ReviewFile, Vec<Finding>, Vec<Attachment>)> {
        let file = self.review_file(id).await?;
        let mut q = Sql::new(
            "SELECT id, hit_id, rule_id, dimension, description, evidence, status, reason, decided_by_name, \
             created_by_name FROM findings WHERE review_file_id = ",
        );
        q.bind(id).push(" ORDER BY id");
        let findings = q
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(Finding {
                    id: r.try_get("id")?,
                    hit_id: r.try_get("hit_id")?,
                    rule_id: r.try_get("rule_id")?,
                    dimension: r.try_get("dimension")?,
                    description: r.try_get("description")?,
                    evidence: r.try_get("evidence")?,
                    status: r.try_get("status")?,
                    reason: r.try_get("reason")?,
                    decided_by_name: r.try_get("decided_by_name")?,
                    created_by_name: r.try_get("created_by_name")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        let attachments = self.attachments_of("review_file", id).await?;
        Ok((file, findings, attachments))
    }

    async fn open_review_file(&self, id: i64, action: &'static str) -> StoreResult<ReviewFile> {
        if let Some(e) = self.review_refusal() {
            return Err(self.refuse(action, "review", Some(id.to_string()), e).await);
        }
        self.review_file(id).await
    }

    /// Take a file (or give it to a colleague) so a batch can be split.
    pub async fn assign_review_file(
        &self,
        id: i64,
        reviewer_id: i64,
        version: i64,
    ) -> StoreResult<()> {
        let f = self.open_review_file(id, "review.assign").await?;
        if !self
            .staff_directory()
            .await?
            .iter()
            .any(|m| m.id == reviewer_id)
        {
            return Err(ValidationErrors::one("reviewer_id", "评查人须为本院在职人员").into());
        }
        let mut tx = self.store.db.begin().await?;
        touch(&mut tx, id, version).await?;
        let mut q = Sql::new("UPDATE review_files SET reviewer_id = ");
        q.bind(reviewer_id).push(" WHERE id = ").bind(id);
        q.execute(&mut tx).await?;
        self.audit_review(
            &mut tx,
            "review.assign",
            f.batch_id,
            format!("卷宗 {} 分配评查人", f.case_number),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Confirm or dismiss a suggested finding, with a reason either way.
    pub async fn decide_finding(
        &self,
        file_id: i64,
        finding_id: i64,
        confirm: bool,
        reason: &str,
        version: i64,
    ) -> StoreResult<()> {
        let f = self.open_review_file(file_id, "review.decide").await?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ValidationErrors::one(
                "reason",
                if confirm {
                    "请写明确认的依据"
                } else {
                    "请写明排除的理由"
                },
            )
            .into());
        }
        let mut tx = self.store.db.begin().await?;
        touch(&mut tx, file_id, version).await?;
        let mut q = Sql::new("UPDATE findings SET status = ");
        q.bind(if confirm { "confirmed" } else { "dismissed" })
            .push(", reason = ")
            .bind(reason);
        q.push(", decided_by_name = ")
            .bind(self.actor.display_name.as_str());
        q.push(", decided_at = ").bind(time::fmt(time::now_utc()));
        q.push(" WHERE status = 'suggested' AND id = ")
            .bind(finding_id)
            .push(" AND review_file_id = ")
            .bind(file_id);
        if q.execute(&mut tx).await? != 1 {
            return Err(ValidationErrors::one("finding", "该评查意见不存在或已处理").into());
        }
        let what = if confirm { "确认" } else { "排除" };
        self.audit_review(
            &mut tx,
            "review.decide",
            f.batch_id,
            format!(
                "卷宗 {}：{what}筛查提示 #{finding_id}：{reason}",
                f.case_number
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A finding the reviewer found by reading the file.
    pub async fn add_finding(
        &self,
        file_id: i64,
        dimension: &str,
        description: &str,
        evidence: &str,
        version: i64,
    ) -> StoreResult<()> {
        let f = self.open_review_file(file_id, "review.finding").await?;
        let mut e = ValidationErrors::new();
        if !DIMENSIONS.contains(&dimension) {
            e.add("dimension", "请选择问题所属的方面");
        }
        if description.trim().is_empty() {
            e.add("description", "请写明发现的问题");
        }
        if evidence.trim().is_empty() {
            e.add("evidence", "请写明依据（卷宗页码、笔录等）");
        }
        e.into_result()?;
        let now = time::fmt(time::now_utc());
        let mut tx = self.store.db.begin().await?;
        touch(&mut tx, file_id, version).await?;
        let mut q = Sql::new(
            "INSERT INTO findings (review_file_id, dimension, description, evidence, status, reason, decided_by_name, \
             decided_at, created_by_name, created_at) VALUES (",
        );
        q.bind(file_id)
            .push(", ")
            .bind(dimension)
            .push(", ")
            .bind(description.trim())
            .push(", ");
        q.bind(evidence.trim())
            .push(", 'confirmed', '评查人发现', ")
            .bind(self.actor.display_name.as_str());
        q.push(", ")
            .bind(now.as_str())
            .push(", ")
            .bind(self.actor.display_name.as_str())
            .push(", ");
        q.bind(now.as_str()).push(")");
        q.execute(&mut tx).await?;
        self.audit_review(
            &mut tx,
            "review.finding",
            f.batch_id,
            format!("卷宗 {}：{dimension}", f.case_number),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finish a file's review; every suggested finding must be decided first.
    pub async fn complete_review_file(
        &self,
        id: i64,
        notes: &str,
        version: i64,
    ) -> StoreResult<()> {
        let f = self.open_review_file(id, "review.complete").await?;
        if f.suggested > 0 {
            return Err(ValidationErrors::one(
                "findings",
                format!("还有 {} 条筛查提示未确认或排除", f.suggested),
            )
            .into());
        }
        let mut tx = self.store.db.begin().await?;
        touch(&mut tx, id, version).await?;
        let mut q = Sql::new("UPDATE review_files SET status = 'reviewed', notes = ");
        q.bind(notes.trim())
            .push(", reviewed_by_name = ")
            .bind(self.actor.display_name.as_str());
        q.push(", reviewed_at = ")
            .bind(time::fmt(time::now_utc()))
            .push(" WHERE id = ")
            .bind(id);
        q.execute(&mut tx).await?;
        let verdict = if f.flagged() {
            "可能存在问题"
        } else {
            "未发现问题"
        };
        self.audit_review(
            &mut tx,
            "review.complete",
            f.batch_id,
            format!("卷宗 {} 评查完毕：{verdict}", f.case_number),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A flagged file becomes a clue (source: other), which can then be opened as a case.
    pub async fn review_file_to_clue(&self, id: i64, version: i64) -> StoreResult<i64> {
        let (f, findings, _) = self.get_review_file(id).await?;
        if !f.flagged() {
            return Err(
                ValidationErrors::one("findings", "该卷宗没有已确认的问题，不能生成线索").into(),
            );
        }
        if let Some(c) = f.clue_id {
            return Ok(c);
        }
        if f.version != version {
            return Err(StoreError::Stale);
        }
        let b = self.get_review_batch(f.batch_id).await?;
        let content = findings
            .iter()
            .filter(|g| g.status == "confirmed")
            .map(|g| {
                format!(
                    "【{}】{}{}",
                    g.dimension,
                    g.rule_id
                        .as_deref()
                        .map(|r| format!("{r} "))
                        .unwrap_or_default(),
                    g.description
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        let clue = self
            .create_clue(xingjian_domain::ClueInput {
                source: "other".into(),
                title: format!("逐案评查发现问题：{} {}", b.agency_name, f.case_number),
                content,
                agency_id: Some(b.agency_id),
                received_at: time::fmt_date(time::today()),
                ..Default::default()
            })
            .await?;
        let mut tx = self.store.db.begin().await?;
        touch(&mut tx, id, version).await?;
        let mut q = Sql::new("UPDATE review_files SET clue_id = ");
        q.bind(clue.id).push(" WHERE id = ").bind(id);
        q.execute(&mut tx).await?;
        tx.commit().await?;
        Ok(clue.id)
    }

    /// May the actor attach documents to this owner? Answers the owner's page,
    /// where the upload returns. Asked before any bytes are stored, and again
    /// when the attachment is registered.
    pub async fn attachment_owner_page(&self, owner: &str, owner_id: i64) -> StoreResult<String> {
        match owner {
            "review_file" => {
                self.open_review_file(owner_id, "attachment.create").await?;
                Ok(format!("/review-files/{owner_id}"))
            }
            "file_request" => {
                // Documents answering a request: its agency's liaison, or the office.
                let (r, _) = self.get_file_request(owner_id).await?;
                let own = self.actor.agency_id == Some(AgencyId(r.agency_id));
                if !(own || self.may_screen()) || r.status == "closed" {
                    return Err(self
                        .refuse(
                            "attachment.create",
                            "file_request",
                            Some(owner_id.to_string()),
                            StoreError::Forbidden("该调取函已办结或无权上传"),
                        )
                        .await);
                }
                Ok(format!("/file-requests/{owner_id}"))
            }
            "inquiry" => {
                // The inquiry's case must be readable and still under investigation.
                let mut q = Sql::new("SELECT case_id FROM inquiries WHERE id = ");
                q.bind(owner_id);
                let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
                    return Err(StoreError::NotFound);
                };
                let case_id: i64 = row.try_get("case_id")?;
                self.case_for_investigation(case_id, "attachment.create")
                    .await?;
                Ok(format!("/cases/{case_id}"))
            }
            "exchange" => {
                self.exchange_accepts_attachment(owner_id).await?;
                Ok(format!("/exchanges/{owner_id}"))
            }
            "recommendation" => {
                // The office, or a recipient's liaison once it is delivered (its reply's scan).
                let r = self.get_recommendation(owner_id).await?;
                let recipient = r.recipients.iter().any(|x| {
                    self.actor.agency_id == Some(AgencyId(x.agency_id)) && x.delivered_on.is_some()
                });
                if !(self.may_screen() || recipient) || r.status == "closed" {
                    return Err(self
                        .refuse(
                            "attachment.create",
                            "recommendation",
                            Some(owner_id.to_string()),
                            StoreError::Forbidden("该检察建议已办结或无权上传"),
                        )
                        .await);
                }
                Ok(format!("/recommendations/{owner_id}"))
            }
            "campaign" | "task" | "meeting" | "agreement" => {
                // The office's own records: staff only.
                match owner {
                    "campaign" => self.get_campaign(owner_id).await.map(|_| ())?,
                    "task" => self.get_task(owner_id).await.map(|_| ())?,
                    "meeting" => self.get_meeting(owner_id).await.map(|_| ())?,
                    _ => self.get_agreement(owner_id).await.map(|_| ())?,
                }
                if !self.may_screen() {
                    return Err(self
                        .refuse(
                            "attachment.create",
                            owner,
                            Some(owner_id.to_string()),
                            StoreError::Forbidden("只有检察院工作人员可以上传"),
                        )
                        .await);
                }
                let path = match owner {
                    "campaign" => "campaigns",
                    "task" => "tasks",
                    "meeting" => "meetings",
                    _ => "agreements",
                };
                Ok(format!("/{path}/{owner_id}"))
            }
            _ => Err(StoreError::Internal(format!("attachment owner {owner}"))),
        }
    }

    /// Register a stored document (the bytes are already in the object store).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_attachment(
        &self,
        owner: &'static str,
        owner_id: i64,
        file_name: &str,
        content_type: &str,
        size: i64,
        sha256: &str,
        location: &str,
    ) -> StoreResult<Attachment> {
        self.attachment_owner_page(owner, owner_id).await?;
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new(
            "INSERT INTO attachments (owner, owner_id, file_name, content_type, size_bytes, sha256, location, \
             uploaded_by_name, created_at) VALUES (",
        );
        q.bind(owner)
            .push(", ")
            .bind(owner_id)
            .push(", ")
            .bind(file_name)
            .push(", ")
            .bind(content_type);
        q.push(", ")
            .bind(size)
            .push(", ")
            .bind(sha256)
            .push(", ")
            .bind(location)
            .push(", ");
        q.bind(self.actor.display_name.as_str())
            .push(", ")
            .bind(time::fmt(time::now_utc()));
        q.push(") RETURNING id");
        let id: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
        let entry = AuditEntry::new(
            "attachment.create",
            owner,
            Some(owner_id.to_string()),
            Outcome::Ok,
        )
        .detail(format!("上传 {file_name}（{size} 字节，SHA-256 {sha256}）"));
        audit::write(&mut tx, &Who::actor(self.actor), self.ctx, &entry).await?;
        tx.commit().await?;
        self.get_attachment(id).await
    }

    pub async fn attachments_of(&self, owner: &str, owner_id: i64) -> StoreResult<Vec<Attachment>> {
        let mut q = Sql::new(
            "SELECT id, file_name, content_type, size_bytes, sha256, location, uploaded_by_name, created_at \
             FROM attachments WHERE owner = ",
        );
        q.bind(owner)
            .push(" AND owner_id = ")
            .bind(owner_id)
            .push(" AND (");
        q.append(scope::attachments(self.actor))
            .push(") ORDER BY id");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(attachment_row)
            .collect()
    }

    /// One attachment, readable when its owner is (see `scope::attachments`).
    pub async fn get_attachment(&self, id: i64) -> StoreResult<Attachment> {
        let mut q = Sql::new(
            "SELECT id, file_name, content_type, size_bytes, sha256, location, uploaded_by_name, created_at \
             FROM attachments WHERE id = ",
        );
        q.bind(id).push(" AND (");
        q.append(scope::attachments(self.actor)).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("attachments", id, "attachment.read", "attachment")
                .await);
        };
        attachment_row(&row)
    }
}

fn attachment_row(r: &AnyRow) -> StoreResult<Attachment> {
    Ok(Attachment {
        id: r.try_get("id")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        size_bytes: r.try_get("size_bytes")?,
        sha256: r.try_get("sha256")?,
        location: r.try_get("location")?,
        uploaded_by_name: r.try_get("uploaded_by_name")?,
        created_at: r.try_get("created_at")?,
    })
}
