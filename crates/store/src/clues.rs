//! Clues (问题线索) made from screening hits, with the records they concern.

use crate::audit::{self, AuditEntry, Outcome, Who};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{ActorStore, Page, PageRequest, scope, time};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use xingjian_domain::deadline;
use xingjian_domain::{ClueInput, ClueSource, Disposition, TriageInput, ValidationErrors, mask};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Clue {
    pub id: i64,
    pub source: String,
    pub title: String,
    pub content: String,
    pub agency_id: Option<i64>,
    pub agency_name: Option<String>,
    /// new | triaged | case | closed
    pub status: String,
    pub created_by_name: String,
    pub created_at: String,
    pub received_at: Option<String>,
    pub anonymous: bool,
    /// Personal data: masked unless read with [`ActorStore::reveal_clue_reporter`].
    pub reporter_name: String,
    pub reporter_contact: String,
    pub plate: String,
    pub party: String,
    pub field_visit_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub disposition: Option<String>,
    pub disposition_reason: String,
    pub merged_into: Option<i64>,
    pub case_id: Option<i64>,
    pub version: i64,
}

impl Clue {
    pub fn source_label(&self) -> &'static str {
        ClueSource::from_code(&self.source).map_or("其他", ClueSource::label)
    }

    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "new" => "待分流",
            "triaged" => "办理中",
            "case" => "已成案",
            _ => "已处置",
        }
    }

    pub fn disposition_label(&self) -> &'static str {
        self.disposition
            .as_deref()
            .and_then(Disposition::from_code)
            .map_or("", Disposition::label)
    }

    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "new" | "triaged")
    }

    fn mask(mut self) -> Self {
        self.reporter_name = mask::mask_name(&self.reporter_name);
        self.reporter_contact = mask::mask_id(&self.reporter_contact);
        self
    }
}

/// Filters of the clue list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ClueFilter {
    pub source: Option<String>,
    /// open | new | triaged | case | closed
    pub status: Option<String>,
    /// Text in title, content, party or plate.
    pub q: Option<String>,
    pub assignee_id: Option<i64>,
    pub field_visit_id: Option<i64>,
    /// newest (default) | oldest | received
    pub sort: Option<String>,
}

/// A reply to the person who reported a 12309 clue.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ClueReply {
    /// procedural (程序性回复) | substantive (实体性答复)
    pub kind: String,
    pub note: String,
}

/// An enforcement record a clue concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClueRecord {
    pub hit_id: Option<i64>,
    pub rule_id: Option<String>,
    pub table_name: String,
    pub record_key: String,
    pub source_file: String,
    pub source_row: i64,
    pub explanation: String,
}

const COLUMNS: &str = "c.id, c.source, c.title, c.content, c.agency_id, a.name AS agency_name, c.status, \
    c.created_by_name, c.created_at, c.received_at, c.anonymous, c.reporter_name, c.reporter_contact, c.plate, \
    c.party, c.field_visit_id, c.assignee_id, u.display_name AS assignee_name, c.disposition, \
    c.disposition_reason, c.merged_into, c.case_id, c.version";
const FROM: &str = "FROM clues c LEFT JOIN agencies a ON a.id = c.agency_id LEFT JOIN users u ON u.id = c.assignee_id";

fn from_row(r: &AnyRow) -> StoreResult<Clue> {
    Ok(Clue {
        id: r.try_get("id")?,
        source: r.try_get("source")?,
        title: r.try_get("title")?,
        content: r.try_get("content")?,
        agency_id: r.try_get("agency_id")?,
        agency_name: r.try_get("agency_name")?,
        status: r.try_get("status")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        received_at: r.try_get("received_at")?,
        anonymous: r.try_get::<i64, _>("anonymous")? != 0,
        reporter_name: r.try_get("reporter_name")?,
        reporter_contact: r.try_get("reporter_contact")?,
        plate: r.try_get("plate")?,
        party: r.try_get("party")?,
        field_visit_id: r.try_get("field_visit_id")?,
        assignee_id: r.try_get("assignee_id")?,
        assignee_name: r.try_get("assignee_name")?,
        disposition: r.try_get("disposition")?,
        disposition_reason: r.try_get("disposition_reason")?,
        merged_into: r.try_get("merged_into")?,
        case_id: r.try_get("case_id")?,
        version: r.try_get("version")?,
    })
}

/// Character bigrams of a text, for a rough "similar wording" test.
fn bigrams(s: &str) -> std::collections::HashSet<(char, char)> {
    let chars: Vec<char> = s
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation())
        .collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Jaccard similarity of two texts' bigrams, 0–1.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    x.intersection(&y).count() as f64 / x.union(&y).count() as f64
}

impl ActorStore<'_> {
    /// A clue from screening lines the actor can see; the lines' records are
    /// linked to it. One agency per clue: lines of several agencies are refused.
    pub async fn create_clue_from_hits(&self, hit_ids: &[i64], title: &str) -> StoreResult<Clue> {
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "clue.create",
                    "clue",
                    None,
                    StoreError::Forbidden("只有检察院工作人员可以登记线索"),
                )
                .await);
        }
        let title = title.trim();
        if hit_ids.is_empty() {
            return Err(StoreError::Validation(ValidationErrors::one(
                "hit",
                "请至少选择一条筛查结果",
            )));
        }
        let mut hits = Vec::with_capacity(hit_ids.len());
        for id in hit_ids {
            hits.push(self.get_hit(*id).await?);
        }
        let agency = hits[0].agency_id;
        if hits.iter().any(|h| h.agency_id != agency) {
            return Err(StoreError::Validation(ValidationErrors::one(
                "hit",
                "所选结果属于不同的行政机关，请按机关分别生成线索",
            )));
        }
        let title = if title.is_empty() {
            format!(
                "{}：{} 条筛查结果（{}）",
                hits[0].agency_name,
                hits.len(),
                hits.iter()
                    .map(|h| h.rule_id.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join("、")
            )
        } else {
            title.chars().take(200).collect()
        };
        let content = hits
            .iter()
            .map(|h| format!("{} {}：{}", h.rule_id, h.record_key, h.explanation))
            .collect::<Vec<_>>()
            .join("\n");
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new(
            "INSERT INTO clues (source, title, content, agency_id, status, created_by, received_at, created_by_name, \
             created_at) VALUES ('screening_hit', ",
        );
        q.bind(title.as_str())
            .push(", ")
            .bind(content.as_str())
            .push(", ")
            .bind(agency)
            .push(", 'new', ")
            .bind(self.actor.user_id.0);
        q.push(", ").bind(time::beijing_minute(time::now_utc()));
        q.push(", ")
            .bind(self.actor.display_name.as_str())
            .push(", ")
            .bind(time::fmt(time::now_utc()))
            .push(") RETURNING id");
        let id: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
        for h in &hits {
            let mut q = Sql::new(
                "INSERT INTO clue_records (clue_id, hit_id, rule_id, table_name, agency_id, record_key, source_file, \
                 source_row, explanation) VALUES (",
            );
            q.bind(id)
                .push(", ")
                .bind(h.id)
                .push(", ")
                .bind(h.rule_id.as_str());
            q.push(", ")
                .bind(h.table_name.as_str())
                .push(", ")
                .bind(h.agency_id);
            q.push(", ")
                .bind(h.record_key.as_str())
                .push(", ")
                .bind(h.source_file.as_str());
            q.push(", ")
                .bind(h.source_row)
                .push(", ")
                .bind(h.explanation.as_str())
                .push(")");
            q.execute(&mut tx).await?;
        }
        self.audit_change(
            &mut tx,
            "clue.create",
            "clue",
            id,
            agency,
            format!("由 {} 条筛查结果生成线索“{title}”", hits.len()),
        )
        .await?;
        tx.commit().await?;
        self.get_clue(id).await.map(|(c, _)| c)
    }

    pub async fn list_clues(&self, f: &ClueFilter, page: PageRequest) -> StoreResult<Page<Clue>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::clues(self.actor)).push(")");
        if let Some(s) = f.source.as_deref().filter(|s| !s.is_empty()) {
            w.push(" AND c.source = ").bind(s);
        }
        match f.status.as_deref().unwrap_or("") {
            "" => {}
            "open" => {
                w.push(" AND c.status IN ('new', 'triaged')");
            }
            s => {
                w.push(" AND c.status = ").bind(s);
            }
        }
        let mut page = page;
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            page = page.counting_to(crate::SEARCH_COUNT_CAP);
            let like = crate::sql::like_contains(q);
            let plate = crate::sql::like_contains(&xingjian_domain::normalize_plate(q));
            w.push(" AND (c.title LIKE ").bind(like.as_str());
            w.push(" ESCAPE '\\' OR c.content LIKE ")
                .bind(like.as_str());
            w.push(" ESCAPE '\\' OR c.party LIKE ").bind(like.as_str());
            w.push(" ESCAPE '\\' OR c.plate LIKE ")
                .bind(plate)
                .push(" ESCAPE '\\')");
        }
        if let Some(a) = f.assignee_id {
            w.push(" AND c.assignee_id = ").bind(a);
        }
        if let Some(v) = f.field_visit_id {
            w.push(" AND c.field_visit_id = ").bind(v);
        }
        let page = crate::paged_by(
            self.store.db.pool(),
            Some(crate::Keyed {
                key: "c.id",
                from: "FROM clues c",
            }),
            COLUMNS,
            FROM,
            w,
            match f.sort.as_deref() {
                Some("oldest") => " ORDER BY c.id",
                Some("received") => " ORDER BY c.received_at DESC, c.id DESC",
                _ => " ORDER BY c.id DESC",
            },
            page,
            from_row,
        )
        .await?;
        let items = page
            .items
            .into_iter()
            .map(|c| self.opened(c).map(Clue::mask))
            .collect::<StoreResult<_>>()?;
        Ok(Page { items, ..page })
    }

    /// The clue with its reporter's contact opened (stored sealed).
    fn opened(&self, mut c: Clue) -> StoreResult<Clue> {
        c.reporter_contact = self.store.keyring.open(&c.reporter_contact)?;
        Ok(c)
    }

    /// A clue and its records; absent or out of scope → `NotFound` (the latter audited).
    pub async fn get_clue(&self, id: i64) -> StoreResult<(Clue, Vec<ClueRecord>)> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE c.id = "));
        q.bind(id).push(" AND (");
        q.append(scope::clues(self.actor)).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("clues", id, "clue.read", "clue")
                .await);
        };
        let clue = self.opened(from_row(&row)?)?.mask();
        let mut q = Sql::new(
            "SELECT hit_id, rule_id, table_name, record_key, source_file, source_row, explanation \
             FROM clue_records WHERE clue_id = ",
        );
        q.bind(id).push(" ORDER BY id");
        let records = q
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(ClueRecord {
                    hit_id: r.try_get("hit_id")?,
                    rule_id: r.try_get("rule_id")?,
                    table_name: r.try_get("table_name")?,
                    record_key: r.try_get("record_key")?,
                    source_file: r.try_get("source_file")?,
                    source_row: r.try_get("source_row")?,
                    explanation: r.try_get("explanation")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok((clue, records))
    }

    /// A clue from 12309, a field visit, an agency or elsewhere. A 12309 clue
    /// starts its two reply clocks (procedural: 7 working days; substantive: 3 months).
    pub async fn create_clue(&self, input: ClueInput) -> StoreResult<Clue> {
        if let Some(e) = self.staff_only("只有检察院工作人员可以办理线索") {
            return Err(self.refuse("clue.create", "clue", None, e).await);
        }
        let input = input.normalized();
        let source = input.validate(time::today())?;
        if let Some(a) = input.agency_id {
            self.get_agency(xingjian_domain::AgencyId(a))
                .await
                .map_err(|_| {
                    StoreError::Validation(ValidationErrors::one("agency_id", "所选行政机关不存在"))
                })?;
        }
        if let Some(v) = input.field_visit_id {
            self.get_field_visit(v).await?;
        }
        let mut tx = self.store.db.begin().await?;
        let id = self.insert_clue(&mut tx, &input, source).await?;
        tx.commit().await?;
        self.get_clue(id).await.map(|(c, _)| c)
    }

    /// Insert a validated clue (and start a 12309 clue's clocks) inside the
    /// caller's transaction; audited there.
    pub(crate) async fn insert_clue(
        &self,
        tx: &mut sqlx::AnyConnection,
        input: &ClueInput,
        source: ClueSource,
    ) -> StoreResult<i64> {
        let received = input.received_on().unwrap_or_else(time::today);
        let received_at = if input.received_at.len() > 10 {
            input.received_at.clone()
        } else {
            format!("{}T00:00", input.received_at)
        };
        let now = time::fmt(time::now_utc());
        let mut q = Sql::new(
            "INSERT INTO clues (source, title, content, agency_id, status, created_by, created_by_name, created_at, \
             received_at, anonymous, reporter_name, reporter_contact, plate, party, field_visit_id, updated_at) VALUES (",
        );
        q.bind(source.code())
            .push(", ")
            .bind(input.title.as_str())
            .push(", ");
        q.bind(input.content.as_str())
            .push(", ")
            .bind(input.agency_id);
        q.push(", 'new', ").bind(self.actor.user_id.0).push(", ");
        q.bind(self.actor.display_name.as_str())
            .push(", ")
            .bind(now.as_str())
            .push(", ");
        q.bind(received_at.as_str())
            .push(", ")
            .bind(i64::from(input.anonymous))
            .push(", ");
        q.bind(input.reporter_name.as_str())
            .push(", ")
            .bind(self.store.keyring.seal(&input.reporter_contact)?);
        q.push(", ")
            .bind(input.plate.as_str())
            .push(", ")
            .bind(input.party.as_str());
        q.push(", ")
            .bind(input.field_visit_id)
            .push(", ")
            .bind(now.as_str());
        q.push(") RETURNING id");
        let id: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
        if source == ClueSource::Petition12309 {
            for code in ["petition_procedural", "petition_substantive"] {
                let clock =
                    deadline::clock(code).ok_or_else(|| StoreError::Internal(code.into()))?;
                crate::deadlines::start(
                    &mut *tx,
                    &self.store.calendar,
                    crate::deadlines::NewDeadline {
                        subject: "clue",
                        subject_id: id,
                        clock,
                        started_on: received,
                        due_on: None,
                        label: None,
                        limit: None,
                        owner_id: Some(self.actor.user_id.0),
                        agency_id: input.agency_id,
                    },
                    &self.actor.display_name,
                )
                .await?;
            }
        }
        let mut entry = AuditEntry::new("clue.create", "clue", Some(id.to_string()), Outcome::Ok)
            .detail(format!("登记{}线索“{}”", source.label(), input.title));
        entry.agency_id = input.agency_id;
        audit::write(tx, &Who::actor(self.actor), self.ctx, &entry).await?;
        Ok(id)
    }

    /// Clues that may be the same matter: the same plate or party, or the same
    /// agency with similar wording. Each with the reason it is shown.
    pub async fn possible_duplicates(
        &self,
        plate: &str,
        party: &str,
        agency_id: Option<i64>,
        text: &str,
        exclude: Option<i64>,
    ) -> StoreResult<Vec<(Clue, String)>> {
        let plate = xingjian_domain::normalize_plate(plate);
        let party = party.trim();
        let mut w = Sql::new(" WHERE (");
        w.append(scope::clues(self.actor))
            .push(") AND c.merged_into IS NULL AND (1 = 0");
        if !plate.is_empty() {
            w.push(" OR c.plate = ").bind(plate.as_str());
        }
        if !party.is_empty() {
            w.push(" OR c.party = ").bind(party);
        }
        if let Some(a) = agency_id {
            w.push(" OR c.agency_id = ").bind(a);
        }
        w.push(")");
        if let Some(x) = exclude {
            w.push(" AND c.id <> ").bind(x);
        }
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM}"));
        q.append(w).push(" ORDER BY c.id DESC LIMIT 300");
        let mut out = Vec::new();
        for r in q.fetch_all(self.store.db.pool()).await? {
            let c = self.opened(from_row(&r)?)?;
            let mut why = Vec::new();
            if !plate.is_empty() && c.plate == plate {
                why.push(format!("车牌相同（{plate}）"));
            }
            if !party.is_empty() && c.party == party {
                why.push("当事人相同".to_owned());
            }
            let sim = similarity(text, &format!("{}{}", c.title, c.content));
            if agency_id.is_some() && c.agency_id == agency_id && sim >= 0.3 {
                why.push(format!("同一机关、内容相似（{:.0}%）", sim * 100.0));
            }
            if !why.is_empty() {
                out.push((c.mask(), why.join("；")));
            }
            if out.len() >= 20 {
                break;
            }
        }
        Ok(out)
    }

    /// Assign a clue and/or dispose of it (成案 is done by opening a case).
    pub async fn triage_clue(&self, id: i64, t: TriageInput) -> StoreResult<Clue> {
        if let Some(e) = self.staff_only("只有检察院工作人员可以办理线索") {
            return Err(self
                .refuse("clue.triage", "clue", Some(id.to_string()), e)
                .await);
        }
        let (before, _) = self.get_clue(id).await?;
        let disposition = t.validate()?;
        if before.version != t.version {
            return Err(StoreError::Stale);
        }
        if !before.is_open() {
            return Err(ValidationErrors::one("disposition", "该线索已处置，不能再次分流").into());
        }
        if disposition == Some(Disposition::Case) {
            return Err(ValidationErrors::one(
                "disposition",
                "成案请使用“立案办理”，将创建监督案件",
            )
            .into());
        }
        if let Some(a) = t.assignee_id
            && !self.staff_directory().await?.iter().any(|m| m.id == a)
        {
            return Err(ValidationErrors::one("assignee_id", "承办人须为本院在职人员").into());
        }
        if disposition == Some(Disposition::Merge) {
            let target = t.merge_into.unwrap_or_default();
            if target == id {
                return Err(ValidationErrors::one("merge_into", "不能并入自身").into());
            }
            let (tc, _) = self.get_clue(target).await.map_err(|_| {
                StoreError::Validation(ValidationErrors::one("merge_into", "并入的线索不存在"))
            })?;
            if tc.merged_into.is_some() {
                return Err(ValidationErrors::one(
                    "merge_into",
                    "目标线索本身已被合并，请并入其主线索",
                )
                .into());
            }
        }
        let mut tx = self.store.db.begin().await?;
        let status = if disposition.is_some() {
            "closed"
        } else {
            "triaged"
        };
        let mut q = Sql::new("UPDATE clues SET status = ");
        q.bind(status)
            .push(", version = version + 1, updated_at = ")
            .bind(time::fmt(time::now_utc()));
        if let Some(a) = t.assignee_id {
            q.push(", assignee_id = ").bind(a);
        }
        if let Some(d) = disposition {
            q.push(", disposition = ").bind(d.code());
            q.push(", disposition_reason = ").bind(t.reason.trim());
            if d == Disposition::Merge {
                q.push(", merged_into = ").bind(t.merge_into);
            }
        }
        q.push(" WHERE id = ")
            .bind(id)
            .push(" AND version = ")
            .bind(t.version);
        if q.execute(&mut tx).await? != 1 {
            return Err(StoreError::Stale);
        }
        if let Some(a) = t.assignee_id {
            crate::deadlines::reassign(&mut tx, "clue", id, a).await?;
            if a != self.actor.user_id.0 {
                crate::deadlines::notify(
                    &mut tx,
                    &[a],
                    &format!("线索 #{id}“{}”已分配给您承办", before.title),
                    &format!("/clues/{id}"),
                    None,
                )
                .await?;
            }
        }
        let detail = match disposition {
            Some(d) => format!("处置为“{}”：{}", d.label(), t.reason.trim()),
            None => "分配承办人".to_owned(),
        };
        self.audit_change(&mut tx, "clue.triage", "clue", id, before.agency_id, detail)
            .await?;
        tx.commit().await?;
        self.get_clue(id).await.map(|(c, _)| c)
    }

    /// Record a reply to a 12309 reporter, which stops that reply clock.
    pub async fn record_clue_reply(&self, id: i64, reply: ClueReply) -> StoreResult<Clue> {
        if let Some(e) = self.staff_only("只有检察院工作人员可以办理线索") {
            return Err(self
                .refuse("clue.reply", "clue", Some(id.to_string()), e)
                .await);
        }
        let (c, _) = self.get_clue(id).await?;
        let clock = match reply.kind.as_str() {
            "procedural" => "petition_procedural",
            "substantive" => "petition_substantive",
            _ => return Err(ValidationErrors::one("kind", "请选择答复类型").into()),
        };
        let note = reply.note.trim();
        if note.is_empty() {
            return Err(ValidationErrors::one("note", "请填写答复内容摘要").into());
        }
        let mut tx = self.store.db.begin().await?;
        let n = crate::deadlines::finish(
            &mut tx,
            "clue",
            id,
            Some(clock),
            "done",
            note,
            &self.actor.display_name,
        )
        .await?;
        if n == 0 {
            return Err(ValidationErrors::one("kind", "该线索没有正在计时的此类答复期限").into());
        }
        self.audit_change(
            &mut tx,
            "clue.reply",
            "clue",
            id,
            c.agency_id,
            format!(
                "{}：{note}",
                if clock == "petition_procedural" {
                    "程序性回复"
                } else {
                    "实体性答复"
                }
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// The reporter's name and contact unmasked; the view is audited.
    pub async fn reveal_clue_reporter(&self, id: i64) -> StoreResult<(String, String)> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE c.id = "));
        q.bind(id).push(" AND (");
        q.append(scope::clues(self.actor)).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("clues", id, "clue.reveal", "clue")
                .await);
        };
        let c = self.opened(from_row(&row)?)?;
        self.audit(
            AuditEntry::new(
                "personal_data.view",
                "clue",
                Some(id.to_string()),
                Outcome::Ok,
            )
            .detail("查看反映人姓名及联系方式"),
        )
        .await?;
        Ok((c.reporter_name, c.reporter_contact))
    }

    /// The clue's history (intake, triage, replies, views of personal data).
    pub async fn clue_history(&self, id: i64) -> StoreResult<Vec<crate::HistoryEntry>> {
        self.get_clue(id).await?;
        self.history_of("clue", id).await
    }
}
