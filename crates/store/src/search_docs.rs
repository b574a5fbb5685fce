//! What the search index is fed: documents built from the office's records,
//! each with its audience computed by the entity's own scope function (the
//! same SQL every list uses), and the changes to follow, read from the audit
//! log — every change is audited in its own transaction, so the log is the
//! index's outbox and a crash of the indexer loses nothing.

use crate::error::StoreResult;
use crate::sql::Sql;
use crate::{SystemStore, scope};
use sqlx::Row;
use sqlx::any::AnyRow;
use xingjian_domain::search::{AttachmentRef, DocKind, RecordsRef, SearchDoc, exact_key};
use xingjian_domain::{Actor, AgencyId, Role, UserId};

/// Audit entities whose changes rebuild documents.
pub const INDEXED_ENTITIES: [&str; 15] = [
    "clue",
    "field_visit",
    "case",
    "review",
    "review_file",
    "file_request",
    "recommendation",
    "meeting",
    "agreement",
    "exchange",
    "campaign",
    "task",
    "inquiry",
    "agency",
    "import",
];

/// A change to follow: the audit entry's id and what it touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub audit_id: i64,
    pub entity: String,
    pub entity_id: i64,
}

/// The actors whose views decide an audience: one per staff role, a liaison
/// of each agency, each people's supervisor.
struct Viewers(Vec<(String, Actor)>);

fn actor(role: Role, user: i64, agency: Option<i64>) -> Actor {
    Actor {
        user_id: UserId(user),
        username: String::new(),
        display_name: String::new(),
        role,
        agency_id: agency.map(AgencyId),
    }
}

fn no_alias(f: fn(&Actor) -> Sql) -> impl Fn(&Actor, &str) -> Sql {
    move |a, _| f(a)
}

fn text(r: &AnyRow, col: &str) -> String {
    r.try_get::<Option<String>, _>(col)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The strings of a stored JSON value, one per line (e.g. 问答 pairs).
fn json_text(stored: &str) -> String {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(stored) {
        Ok(v) => {
            let mut out = Vec::new();
            walk(&v, &mut out);
            out.join("\n")
        }
        Err(_) => stored.to_owned(),
    }
}

/// `a`, or `b` when `a` is empty.
fn either(a: String, b: String) -> String {
    if a.is_empty() { b } else { a }
}

fn day(s: &str) -> String {
    s.get(..10).unwrap_or_default().to_owned()
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

impl SystemStore<'_> {
    /// Changes after audit entry `after`, oldest first, at most `limit`.
    pub async fn search_changes(&self, after: i64, limit: i64) -> StoreResult<Vec<Change>> {
        let mut q = Sql::new("SELECT id, entity, entity_id FROM audit_log WHERE id > ");
        q.bind(after)
            .push(" AND outcome = 'ok' AND entity_id IS NOT NULL ORDER BY id LIMIT ")
            .bind(limit);
        let mut out = Vec::new();
        for r in q.fetch_all(self.store.db.pool()).await? {
            let entity: String = r.try_get("entity")?;
            let Ok(entity_id) = text(&r, "entity_id").parse::<i64>() else {
                // Still advance past it.
                out.push(Change {
                    audit_id: r.try_get("id")?,
                    entity: String::new(),
                    entity_id: 0,
                });
                continue;
            };
            out.push(Change {
                audit_id: r.try_get("id")?,
                entity,
                entity_id,
            });
        }
        Ok(out)
    }

    /// The newest audit entry, where a full rebuild leaves the cursor.
    pub async fn last_audit_id(&self) -> StoreResult<i64> {
        let r = Sql::new("SELECT MAX(id) AS n FROM audit_log")
            .fetch_one(self.store.db.pool())
            .await?;
        Ok(r.try_get::<Option<i64>, _>("n")?.unwrap_or(0))
    }

    /// Every group a full rebuild indexes: `(entity, id)`.
    pub async fn search_all_groups(&self) -> StoreResult<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for (entity, table) in [
            ("clue", "clues"),
            ("field_visit", "field_visits"),
            ("case", "supervision_cases"),
            ("review", "review_batches"),
            ("file_request", "file_requests"),
            ("recommendation", "recommendations"),
            ("meeting", "meetings"),
            ("agreement", "agreements"),
            ("exchange", "exchanges"),
            ("campaign", "campaigns"),
            ("import", "import_files"),
        ] {
            let rows = Sql::new(&format!("SELECT id FROM {table} ORDER BY id"))
                .fetch_all(self.store.db.pool())
                .await?;
            for r in rows {
                out.push((entity.to_owned(), r.try_get("id")?));
            }
        }
        let rows = Sql::new("SELECT DISTINCT owner, owner_id FROM attachments")
            .fetch_all(self.store.db.pool())
            .await?;
        for r in rows {
            let owner: String = r.try_get("owner")?;
            if matches!(owner.as_str(), "review_file" | "inquiry" | "task") {
                out.push((owner, r.try_get("owner_id")?));
            }
        }
        Ok(out)
    }

    async fn viewers(&self) -> StoreResult<Viewers> {
        let mut v: Vec<(String, Actor)> = Role::ALL
            .iter()
            .filter(|r| !matches!(r, Role::Liaison | Role::PeopleSupervisor))
            .map(|r| (format!("role:{}", r.code()), actor(*r, 0, None)))
            .collect();
        for r in Sql::new("SELECT id FROM agencies ORDER BY id")
            .fetch_all(self.store.db.pool())
            .await?
        {
            let id: i64 = r.try_get("id")?;
            v.push((format!("agency:{id}"), actor(Role::Liaison, 0, Some(id))));
        }
        for r in Sql::new("SELECT id FROM users WHERE role = 'people_supervisor' ORDER BY id")
            .fetch_all(self.store.db.pool())
            .await?
        {
            let id: i64 = r.try_get("id")?;
            v.push((
                format!("user:{id}"),
                actor(Role::PeopleSupervisor, id, None),
            ));
        }
        Ok(Viewers(v))
    }

    /// Who may see row `id` of `table` (aliased `alias`): each viewer whose
    /// scope admits it.
    async fn audience(
        &self,
        viewers: &Viewers,
        table: &str,
        alias: &str,
        id: impl Into<crate::sql::Arg>,
        scope: &(dyn Fn(&Actor, &str) -> Sql + Sync),
    ) -> StoreResult<Vec<String>> {
        let id: crate::sql::Arg = id.into();
        let mut out = Vec::new();
        for (token, a) in &viewers.0 {
            let mut q = Sql::new(&format!(
                "SELECT COUNT(*) AS n FROM {table} {alias} WHERE {alias}.id = "
            ));
            q.bind(id.clone()).push(" AND (");
            q.append(scope(a, alias)).push(")");
            let n: i64 = q.fetch_one(self.store.db.pool()).await?.try_get("n")?;
            if n > 0 {
                out.push(token.clone());
            }
        }
        Ok(out)
    }

    /// The documents of one changed thing (empty when it is gone or not
    /// indexed). Each carries its group; the indexer replaces the groups it
    /// returns and the one asked for.
    pub async fn search_docs(&self, entity: &str, id: i64) -> StoreResult<Vec<SearchDoc>> {
        let viewers = self.viewers().await?;
        let mut docs = match entity {
            "clue" => self.clue_docs(&viewers, id).await?,
            "field_visit" => self.field_visit_docs(&viewers, id).await?,
            "case" => self.case_docs(&viewers, id).await?,
            "review" => self.review_docs(&viewers, id).await?,
            "file_request" => self.file_request_docs(&viewers, id).await?,
            "recommendation" => self.recommendation_docs(&viewers, id).await?,
            "meeting" => self.meeting_docs(&viewers, id).await?,
            "agreement" => self.agreement_docs(&viewers, id).await?,
            "exchange" => self.exchange_docs(&viewers, id).await?,
            "campaign" => self.campaign_docs(&viewers, id).await?,
            "import" => self.dataset_docs(&viewers, id).await?,
            "task" => {
                let mut q = Sql::new("SELECT campaign_id FROM tasks WHERE id = ");
                q.bind(id);
                match q.fetch_optional(self.store.db.pool()).await? {
                    Some(r) => match r.try_get::<Option<i64>, _>("campaign_id")? {
                        Some(c) => self.campaign_docs(&viewers, c).await?,
                        None => Vec::new(),
                    },
                    None => Vec::new(),
                }
            }
            _ => Vec::new(),
        };
        docs.extend(self.attachment_docs(&viewers, entity, id).await?);
        Ok(docs)
    }

    async fn rows(&self, q: Sql) -> StoreResult<Vec<AnyRow>> {
        Ok(q.fetch_all(self.store.db.pool()).await?)
    }

    async fn clue_docs(&self, v: &Viewers, id: i64) -> StoreResult<Vec<SearchDoc>> {
        let mut q = Sql::new(
            "SELECT c.id, c.source, c.title, c.content, a.name AS agency_name, c.plate, c.party, \
             c.disposition_reason, c.received_at, c.created_at FROM clues c \
             LEFT JOIN agencies a ON a.id = c.agency_id WHERE c.id = ",
        );
        q.bind(id);
        let mut out = Vec::new();
        for r in self.rows(q).await? {
            let source = xingjian_domain::ClueSource::from_code(&text(&r, "source"))
                .map_or("", |s| s.label());
            let when = text(&r, "received_at");
            out.push(SearchDoc {
                title: text(&r, "title"),
                body: join(&[
                    &text(&r, "content"),
                    source,
                    &text(&r, "disposition_reason"),
                ]),
                // The party's name is personal data: restricted lookup only.
                people: vec![text(&r, "party")],
                exact: vec![exact_key(&text(&r, "plate"))],
                agencies: vec![text(&r, "agency_name")],
                date: day(&either(when, text(&r, "created_at"))),
                audience: self
                    .audience(v, "clues", "c", id, &no_alias(scope::clues))
                    .await?,
                ..SearchDoc::of(DocKind::Clue, id, format!("/clues/{id}"))
            });
        }
        Ok(out)
    }

    async fn field_visit_docs(&self, v: &Viewers, id: i64) -> StoreResult<Vec<SearchDoc>> {
        let mut q = Sql::new(
            "SELECT f.visited_on, f.place, f.participants, f.notes, a.name AS agency_name FROM field_visits f \
             LEFT JOIN agencies a ON a.id = f.agency_id WHERE f.id = ",
        );
        q.bind(id);
        let mut out = Vec::new();
        for r in self.rows(q).await? {
            let mut i =
                Sql::new("SELECT notes FROM field_visit_interviews WHERE field_visit_id = ");
            i.bind(id);
            let notes: Vec<String> = self
                .rows(i)
                .await
                .unwrap_or_default()
                .iter()
                .map(|r| text(r, "notes"))
                .collect();
            out.push(SearchDoc {
                title: format!("实地走访：{}", text(&r, "place")),
                body: join(&[
                    &text(&r, "notes"),
                    &text(&r, "participants"),
                    &notes.join("\n"),
                ]),
                agencies: vec![text(&r, "agency_name")],
                date: day(&text(&r, "visited_on")),
                audience: self
                    .audience(
                        v,
                        "field_visits",
                        "f",
                        id,
                        &no_alias(scope::supervision_cases),
                    )
                    .await?,
                ..SearchDoc::of(DocKind::FieldVisit, id, format!("/field-visits/{id}"))
            });
        }
        Ok(out)
    }

    async fn case_docs(&self, v: &Viewers, id: i64) -> StoreResult<Vec<SearchDoc>> {
        let mut q = Sql::new(
            "SELECT c.case_number, c.title, c.summary, c.dispute_note, c.created_at, a.name AS agency_name \
             FROM supervision_cases c LEFT JOIN agencies a ON a.id = c.agency_id WHERE c.id = ",
        );
        q.bind(id);
        let Some(r) = self.rows(q).await?.into_iter().next() else {
            return Ok(Vec::new());
        };
        let audience = self
            .audience(
                v,
                "supervision_cases",
                "c",
                id,
                &no_alias(scope::supervision_cases),
            )
            .await?;
        let mut e = Sql::new("SELECT fields FROM case_events WHERE case_id = ");
        e.bind(id).push(" ORDER BY id");
        let mut events = Vec::new();
        for row in self.rows(e).await? {
            let fields: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&text(&row, "fields")).unwrap_or_default();
            events.extend(fields.into_values());
        }
        let agency = text(&r, "agency_name");
        let number = text(&r, "case_number");
        let mut out = vec![SearchDoc {
            title: format!("{} {}", number, text(&r, "title")),
            body: join(&[
                &text(&r, "summary"),
                &events.join("\n"),
                &text(&r, "dispute_note"),
            ]),
            exact: vec![exact_key(&number)],
            agencies: vec![agency.clone()],
            date: day(&text(&r, "created_at")),
            audience: audience.clone(),
            ..SearchDoc::of(DocKind::Case, id, format!("/cases/{id}"))
        }];
        let mut i = Sql::new(
            "SELECT id, seq, started_at, interviewee_name, interviewee_role, interviewee_id_number, \
             interviewee_unit, qa FROM inquiries WHERE case_id = ",
        );
        i.bind(id).push(" ORDER BY seq");
        for row in self.rows(i).await? {
            let inquiry: i64 = row.try_get("id")?;
            let role =
                xingjian_domain::case::interviewee_role_label(&text(&row, "interviewee_role"));
            out.push(SearchDoc {
                group: format!("case:{id}"),
                title: format!(
                    "询问笔录：{}（{role}）— {number}",
                    text(&row, "interviewee_name")
                ),
                body: join(&[
                    &json_text(&text(&row, "qa")),
                    &text(&row, "interviewee_unit"),
                ]),
                id_numbers: vec![
                    self.store
                        .keyring
                        .open(&text(&row, "interviewee_id_number"))?,
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect(),
                exact: vec![exact_key(&number)],
                agencies: vec![agency.clone()],
                date: day(&text(&row, "started_at")),
                audience: audience.clone(),
                ..SearchDoc::of(
                    DocKind::Inquiry,
                    inquiry,
                    format!("/cases/{id}#inquiry-{}", row.try_get::<i64, _>("seq")?),
                )
            });
        }
        Ok(out)
    }

    async fn review_docs(&self, v: &Viewers, batch: i64) -> StoreResult<Vec<SearchDoc>> {
        let mut q = Sql::new(
            "SELECT f.id, f.case_number, f.notes, f.reviewed_at, b.title, b.created_at, a.name AS agency_name \
             FROM review_files f JOIN review_batches b ON b.id = f.batch_id JOIN agencies a ON a.id = b.agency_id \
             WHERE f.batch_id = ",
        );
        q.bind(batch).push(" ORDER BY f.id");
        let rows = self.rows(q).await?;
        let mut out = Vec::new();
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let mut g = Sql::new(
                "SELECT dimension, description, evidence, rule_id, status FROM findings WHERE review_file_id = ",
            );
            g.bind(id).push(" AND status = 'confirmed' ORDER BY id");
            let mut body = vec![text(&r, "notes")];
            let mut dimensions = Vec::new();
            for f in self.rows(g).await? {
                body.push(format!(
                    "{} {} {} {}",
                    text(&f, "dimension"),
                    text(&f, "rule_id"),
                    text(&f, "description"),
                    text(&f, "evidence")
                ));
                if text(&f, "status") == "confirmed" {
                    let d = text(&f, "dimension");
                    if !dimensions.contains(&d) {
                        dimensions.push(d);
                    }
                }
            }
            let reviewed = text(&r, "reviewed_at");
            let number = text(&r, "case_number");
            out.push(SearchDoc {
                group: format!("review:{batch}"),
                title: format!("{number}（{}）", text(&r, "title")),
                body: body.join("\n"),
                exact: vec![exact_key(&number)],
                agencies: vec![text(&r, "agency_name")],
                dimensions,
                date: day(&either(reviewed, text(&r, "created_at"))),
                audience: self
                    .audience(
                        v,
                        "review_files",
                        "f",
                        id,
                        &no_alias(scope::supervision_cases),
                    )
                    .await?,
                ..SearchDoc::of(DocKind::ReviewFile, id, format!("/review-files/{id}"))
            });
        }
        Ok(out)
    }

    async fn file_request_docs(&self, v: &Viewers, id: i64) -> StoreResult<Vec<SearchDoc>> {
        let mut q = Sql::new(
            "SELECT r.title, r.case_numbers, r.criteria, r.response, r.sent_at, a.name AS agency_name \
             FROM file_requests r JOIN agencies a ON a.id = r.agency_id WHERE r.id = ",
        );
        q.bind(id);
        let mut out = Vec::new();
        for r in self.rows(q).await? {
            let numbers = text(&r, "case_numbers");
            out.push(SearchDoc {
                title: text(&r, "title"),
                body: join(&[&text(&r, "criteria"), &text(&r, "response"), &numbers]),
                exact: numbers
                    .lines()
                    .map(exact_key)
                    .filter(|s| !s.is_empty())
                    .collect(),
                agencies: vec![text(&r, "agency_name")],
                date: day(&text(&r, "sent_at")),
                audience: self
                    .audience(v, "file_requests", "r", id, &scope::file_requests)
                    .await?,
                ..SearchDoc::of(DocKind::FileRequest, id, format!("/file-requests/{id}"))
            });
        }
        Ok(out)
    }

    async fn recommendation_docs(&self, v: &Viewers, id: i64) -> StoreResult<Vec<SearchDoc>> {
        let mut q = Sql::new(
            "SELECT r.letter, r.doc_number, r.kind, r.created_at, r.issued_on, c.case_number FROM recommendations r \
             LEFT JOIN supervision_cases c ON c.id = r.case_id WHERE r.id = ",
        );
        q.bind(id);
        let Some(r) = self.rows(q).await?.into_iter().next() else {
            return Ok(Vec::new());
        };
        let letter: xingjian_domain::recommendation::Letter =
            serde_json::from_str(&text(&r, "letter")).unwrap_or_default();
        let mut x = Sql::new(
            "SELECT a.name, x.reply FROM recommendation_recipients x JOIN agencies a ON a.id = x.agency_id \
             WHERE x.recommendation_id = ",
        );
        x.bind(id).push(" ORDER BY x.id");
        let mut agencies = Vec::new();
        let mut replies = Vec::new();
        for row in self.rows(x).await? {
            agencies.push(text(&row, "name"));
            replies.push(text(&row, "reply"));
        }
        let mut m = Sql::new(
            "SELECT m.description FROM recommendation_measures m JOIN recommendation_recipients x \
             ON x.id = m.recipient_id WHERE x.recommendation_id = ",
        );
        m.bind(id);
        for row in self.rows(m).await? {
            replies.push(text(&row, "description"));
        }
        let doc_number = text(&r, "doc_number");
        let issued = text(&r, "issued_on");
        let kind = xingjian_domain::recommendation::RecKind::label_of(&text(&r, "kind")).to_owned();
        Ok(vec![SearchDoc {
            title: format!("{} {}", doc_number, letter.title).trim().to_owned(),
            body: join(&[
                &kind,
                &letter.source,
                &letter.facts,
                &letter.problems,
                &letter.items.join("\n"),
                &replies.join("\n"),
            ]),
            exact: vec![exact_key(&doc_number), exact_key(&text(&r, "case_number"))]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect(),
            agencies,
            date: day(&either(issued, text(&r, "created_at"))),
            audience: self
                .audience(v, "recommendations", "r", id, &scope::recommendations)
                .await?,
            ..SearchDoc::of(
                DocKind::Recommendation,
                id,
                format!("/recommendations/{id}"),
            )
        }])
    }

    async fn meeting_docs(&self, v: &Viewers, id: i64) -> StoreResult<Vec<SearchDoc>> {
        let mut q = Sql::new(
            "SELECT m.kind, m.title, m.held_on, m.place, m.agenda, m.minutes FROM meetings m WHERE m.id = ",
        );
        q.bind(id);
        let Some(r) = self.rows(q).await?.into_iter().next() else {
            return Ok(Vec::new());
        };
        let mut c = Sql::new("SELECT text FROM consensus_items WHERE meeting_id = ");
        c.bind(id).push(" ORDER BY id");
        let consensus: Vec<String> = self
            .rows(c)
            .await?
            .iter()
            .map(|r| text(r, "text"))
            .collect();
        let kind =
            xingjian_domain::coordination::MeetingKind::label_of(&text(&r, "kind")).to_owned();
        Ok(vec![SearchDoc {
            title: text(&r, "title"),
            body: join(&[
                &kind,
                &text(&r, "place"),
                &text(&r, "agenda"),
                &text(&r, "minutes"),
                &consensus.join("\n"),
            ]),
            agencies: self.names_of("meeting_agencies", "meeting_id", id).await?,
            date: day(&text(&r, "held_on")),
            audience: self
                .audience(v, "meetings", "m", id, &scope::meetings)
                .await?,
            ..SearchDoc::of(DocKind::Meeting, id, format!("/meetings/{id}"))
        }])
    }

    async fn agreement_docs(&self, v: &Viewers, id: i64) -> StoreResult<Vec<SearchDoc>> {
        let mut q =
            Sql::new("SELECT g.title, g.signed_on, g.summary FROM agreements g WHERE g.id = ");
        q.bind(id);
        let Some(r) = self.rows(q).await?.into_iter().next() else {
            return Ok(Vec::new());
        };
        let mut o = Sql::new("SELECT description FROM obligations WHERE agreement_id = ");
        o.bind(id).push(" ORDER BY id");
        let obligations: Vec<String> = self
            .rows(o)
            .await?
            .iter()
            .map(|r| text(r, "description"))
            .collect();
        Ok(vec![SearchDoc {
            title: text(&r, "title"),
            body: join(&[&text(&r, "summary"), &obligations.join("\n")]),
            agencies: self
                .names_of("agreement_parties", "agreement_id", id)
                .await?,
            date: day(&text(&r, "signed_on")),
            audience: self
                .audience(v, "agreements", "g", id, &scope::agreements)
                .await?,
            ..SearchDoc::of(DocKind::Agreement, id, format!("/agreements/{id}"))
        }])
    }

    async fn exchange_docs(&self, v: &Viewers, id: i64) -> StoreResult<Vec<SearchDoc>> {
        let mut q = Sql::new(
            "SELECT x.kind, x.title, x.content, x.response, x.sent_at, a.name AS agency_name FROM exchanges x \
             JOIN agencies a ON a.id = x.agency_id WHERE x.id = ",
        );
        q.bind(id);
        let Some(r) = self.rows(q).await?.into_iter().next() else {
            return Ok(Vec::new());
        };
        let kind =
            xingjian_domain::coordination::ExchangeKind::label_of(&text(&r, "kind")).to_owned();
        Ok(vec![SearchDoc {
            title: text(&r, "title"),
            body: join(&[&kind, &text(&r, "content"), &text(&r, "response")]),
            agencies: vec![text(&r, "agency_name")],
            date: day(&text(&r, "sent_at")),
            audience: self
                .audience(v, "exchanges", "x", id, &scope::exchanges)
                .await?,
            ..SearchDoc::of(DocKind::Exchange, id, format!("/exchanges/{id}"))
        }])
    }

    async fn campaign_docs(&self, v: &Viewers, id: i64) -> StoreResult<Vec<SearchDoc>> {
        let mut q = Sql::new(
            "SELECT c.name, c.goals, c.focus_areas, c.starts_on FROM campaigns c WHERE c.id = ",
        );
        q.bind(id);
        let Some(r) = self.rows(q).await?.into_iter().next() else {
            return Ok(Vec::new());
        };
        let focus: Vec<String> = serde_json::from_str(&text(&r, "focus_areas")).unwrap_or_default();
        let mut t = Sql::new("SELECT title, completion_note FROM tasks WHERE campaign_id = ");
        t.bind(id).push(" ORDER BY id");
        let tasks: Vec<String> = self
            .rows(t)
            .await?
            .iter()
            .map(|r| format!("{} {}", text(r, "title"), text(r, "completion_note")))
            .collect();
        Ok(vec![SearchDoc {
            title: text(&r, "name"),
            body: join(&[&text(&r, "goals"), &focus.join("、"), &tasks.join("\n")]),
            date: day(&text(&r, "starts_on")),
            audience: self
                .audience(v, "campaigns", "c", id, &no_alias(scope::campaigns))
                .await?,
            ..SearchDoc::of(DocKind::Campaign, id, format!("/campaigns/{id}"))
        }])
    }

    /// The datasets of import `id`, whose records the indexer reads. Their
    /// audience is the datasets scope's (records of one agency reach its
    /// liaisons; a multi-agency file stays internal).
    async fn dataset_docs(&self, v: &Viewers, id: i64) -> StoreResult<Vec<SearchDoc>> {
        let mut q = Sql::new(
            "SELECT d.id, d.table_name, d.location, d.created_at, a.name AS agency_name FROM datasets d \
             LEFT JOIN agencies a ON a.id = d.agency_id WHERE d.import_file_id = ",
        );
        q.bind(id).push(" ORDER BY d.id");
        let mut out = Vec::new();
        for r in self.rows(q).await? {
            let dataset: String = r.try_get("id")?;
            let audience = self
                .audience(v, "datasets", "d", dataset.as_str(), &scope::datasets)
                .await?;
            out.push(SearchDoc {
                key: format!("dataset:{dataset}"),
                group: format!("import:{id}"),
                agencies: vec![text(&r, "agency_name")],
                date: day(&text(&r, "created_at")),
                audience,
                records: Some(RecordsRef {
                    import_id: id,
                    table: text(&r, "table_name"),
                    location: text(&r, "location"),
                }),
                ..SearchDoc::of(DocKind::Record, 0, format!("/imports/{id}"))
            });
        }
        Ok(out)
    }

    /// The attachments of `owner` `owner_id`, for their text.
    async fn attachment_docs(
        &self,
        v: &Viewers,
        owner: &str,
        owner_id: i64,
    ) -> StoreResult<Vec<SearchDoc>> {
        let mut q = Sql::new(
            "SELECT id, file_name, content_type, location, created_at FROM attachments WHERE owner = ",
        );
        q.bind(owner)
            .push(" AND owner_id = ")
            .bind(owner_id)
            .push(" ORDER BY id");
        let mut out = Vec::new();
        for r in self.rows(q).await? {
            let id: i64 = r.try_get("id")?;
            out.push(SearchDoc {
                group: format!("{owner}:{owner_id}"),
                title: text(&r, "file_name"),
                date: day(&text(&r, "created_at")),
                audience: self
                    .audience(
                        v,
                        "attachments",
                        "attachments",
                        id,
                        &no_alias(scope::attachments),
                    )
                    .await?,
                attachment: Some(AttachmentRef {
                    file_name: text(&r, "file_name"),
                    content_type: text(&r, "content_type"),
                    location: text(&r, "location"),
                }),
                ..SearchDoc::of(DocKind::Attachment, id, format!("/attachments/{id}"))
            });
        }
        Ok(out)
    }

    async fn names_of(&self, link: &str, key: &str, id: i64) -> StoreResult<Vec<String>> {
        let mut q = Sql::new(&format!(
            "SELECT a.name FROM {link} l JOIN agencies a ON a.id = l.agency_id WHERE l.{key} = "
        ));
        q.bind(id).push(" ORDER BY a.id");
        Ok(self
            .rows(q)
            .await?
            .iter()
            .map(|r| text(r, "name"))
            .collect())
    }
}
