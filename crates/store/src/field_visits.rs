//! 实地走访: field visits, the people interviewed by kind, and the clues they yield.

use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use crate::{ActorStore, Page, PageRequest, scope, time};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use xingjian_domain::ValidationErrors;
use xingjian_domain::clue::INTERVIEWEE_KINDS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Interview {
    /// public (群众) | passenger_driver (司乘人员) | industry (运输行业人员)
    pub kind: String,
    pub people: i64,
    pub notes: String,
}

impl Interview {
    pub fn kind_label(&self) -> &'static str {
        xingjian_domain::clue::interviewee_label(&self.kind)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldVisit {
    pub id: i64,
    pub visited_on: String,
    pub place: String,
    pub agency_id: Option<i64>,
    pub agency_name: Option<String>,
    pub participants: String,
    pub notes: String,
    pub created_by_name: String,
    pub created_at: String,
    pub interviews: Vec<Interview>,
    /// Clues registered from this visit.
    pub clue_count: i64,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FieldVisitInput {
    pub visited_on: String,
    pub place: String,
    pub agency_id: Option<i64>,
    pub participants: String,
    pub notes: String,
    pub interviews: Vec<Interview>,
}

impl FieldVisitInput {
    fn validate(&self) -> Result<chrono::NaiveDate, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = time::parse_date(self.visited_on.trim());
        match date {
            None => e.add("visited_on", "请填写走访日期，如 2026-06-01"),
            Some(d) if d > time::today() => e.add("visited_on", "走访日期不能晚于今天"),
            Some(_) => {}
        }
        if self.place.trim().is_empty() {
            e.add("place", "请填写走访地点");
        }
        if self.participants.trim().is_empty() {
            e.add("participants", "请填写参加走访的人员");
        }
        let kept: Vec<_> = self
            .interviews
            .iter()
            .filter(|i| i.people > 0 || !i.notes.trim().is_empty())
            .collect();
        if kept.is_empty() {
            e.add(
                "interviews",
                "请至少记录一类受访人员（群众、司乘人员或运输行业人员）",
            );
        }
        for i in kept {
            if !INTERVIEWEE_KINDS.iter().any(|(c, _)| *c == i.kind) {
                e.add("interviews", "受访人员类别无效");
            }
            if !(0..=10_000).contains(&i.people) {
                e.add("interviews", "受访人数应为 0–10000");
            }
        }
        e.into_result().map(|()| date.unwrap_or_else(time::today))
    }
}

const COLUMNS: &str = "v.id, v.visited_on, v.place, v.agency_id, a.name AS agency_name, v.participants, v.notes, \
    v.created_by_name, v.created_at, (SELECT COUNT(*) FROM clues c WHERE c.field_visit_id = v.id) AS clue_count";
const FROM: &str = "FROM field_visits v LEFT JOIN agencies a ON a.id = v.agency_id";

fn from_row(r: &AnyRow) -> StoreResult<FieldVisit> {
    Ok(FieldVisit {
        id: r.try_get("id")?,
        visited_on: r.try_get("visited_on")?,
        place: r.try_get("place")?,
        agency_id: r.try_get("agency_id")?,
        agency_name: r.try_get("agency_name")?,
        participants: r.try_get("participants")?,
        notes: r.try_get("notes")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        interviews: Vec::new(),
        clue_count: r.try_get("clue_count")?,
    })
}

impl ActorStore<'_> {
    pub async fn create_field_visit(&self, input: FieldVisitInput) -> StoreResult<FieldVisit> {
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "field_visit.create",
                    "field_visit",
                    None,
                    StoreError::Forbidden("只有检察院工作人员可以登记走访"),
                )
                .await);
        }
        let date = input.validate()?;
        let mut tx = self.store.db.begin().await?;
        let mut q = Sql::new(
            "INSERT INTO field_visits (visited_on, place, agency_id, participants, notes, created_by, created_by_name, \
             created_at) VALUES (",
        );
        q.bind(time::fmt_date(date))
            .push(", ")
            .bind(input.place.trim())
            .push(", ");
        q.bind(input.agency_id)
            .push(", ")
            .bind(input.participants.trim())
            .push(", ");
        q.bind(input.notes.trim())
            .push(", ")
            .bind(self.actor.user_id.0)
            .push(", ");
        q.bind(self.actor.display_name.as_str())
            .push(", ")
            .bind(time::fmt(time::now_utc()));
        q.push(") RETURNING id");
        let id: i64 = q.fetch_one(&mut *tx).await?.try_get("id")?;
        for i in input
            .interviews
            .iter()
            .filter(|i| i.people > 0 || !i.notes.trim().is_empty())
        {
            let mut q = Sql::new(
                "INSERT INTO field_visit_interviews (field_visit_id, kind, people, notes) VALUES (",
            );
            q.bind(id)
                .push(", ")
                .bind(i.kind.as_str())
                .push(", ")
                .bind(i.people);
            q.push(", ").bind(i.notes.trim()).push(")");
            q.execute(&mut tx).await?;
        }
        self.audit_change(
            &mut tx,
            "field_visit.create",
            "field_visit",
            id,
            input.agency_id,
            format!("{} 走访 {}", time::fmt_date(date), input.place.trim()),
        )
        .await?;
        tx.commit().await?;
        self.get_field_visit(id).await
    }

    pub async fn list_field_visits(&self, page: PageRequest) -> StoreResult<Page<FieldVisit>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::supervision_cases(self.actor)).push(")");
        crate::paged(
            self.store.db.pool(),
            COLUMNS,
            FROM,
            w,
            " ORDER BY v.visited_on DESC, v.id DESC",
            page,
            from_row,
        )
        .await
    }

    pub async fn get_field_visit(&self, id: i64) -> StoreResult<FieldVisit> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE v.id = "));
        q.bind(id).push(" AND (");
        q.append(scope::supervision_cases(self.actor)).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("field_visits", id, "field_visit.read", "field_visit")
                .await);
        };
        let mut v = from_row(&row)?;
        let mut q = Sql::new(
            "SELECT kind, people, notes FROM field_visit_interviews WHERE field_visit_id = ",
        );
        q.bind(id).push(" ORDER BY id");
        v.interviews = q
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(Interview {
                    kind: r.try_get("kind")?,
                    people: r.try_get("people")?,
                    notes: r.try_get("notes")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(v)
    }
}
