//! Meetings with agencies: 座谈会, 联席会议, 案件会商; attendees, agenda,
//! minutes, consensus items (共识) and follow-up tasks.

use crate::error::{StoreError, StoreResult};
use crate::sql::{Sql, insert, update_versioned, v};
use crate::{ActorStore, Page, PageRequest, scope, time};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use xingjian_domain::coordination::{
    MeetingKind, parse_date, parse_items, parse_people, required_text,
};
use xingjian_domain::{Agency, ValidationErrors};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: i64,
    /// symposium | joint_meeting | case_consultation | other
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub place: String,
    pub agenda: String,
    pub minutes: String,
    pub campaign_id: Option<i64>,
    pub case_id: Option<i64>,
    pub created_by_name: String,
    pub version: i64,
    /// The agencies taking part, by name.
    pub agencies: Vec<(i64, String)>,
}

impl Meeting {
    pub fn kind_label(&self) -> &str {
        MeetingKind::label_of(&self.kind)
    }

    pub fn agency_names(&self) -> String {
        self.agencies
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn has_agency(&self, id: &i64) -> bool {
        self.agencies.iter().any(|(a, _)| a == id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Attendee {
    /// None: the procuratorate's own.
    pub agency_id: Option<i64>,
    /// The agency's name, or 本院.
    pub unit: String,
    pub name: String,
    pub position: String,
}

/// A meeting with its people and consensus items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MeetingRecord {
    pub meeting: Meeting,
    pub attendees: Vec<Attendee>,
    pub consensus: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MeetingInput {
    /// symposium | joint_meeting | case_consultation | other
    pub kind: String,
    pub title: String,
    pub held_on: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub agenda: String,
    #[serde(default)]
    pub minutes: String,
    pub campaign_id: Option<i64>,
    pub case_id: Option<i64>,
    #[serde(default)]
    pub agency_ids: Vec<i64>,
    /// One per line: `姓名，职务，单位` (单位 empty or 本院 for the procuratorate).
    #[serde(default)]
    pub attendees: String,
    /// One consensus item per line; numbering is removed.
    #[serde(default)]
    pub consensus: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct MeetingFilter {
    pub kind: Option<String>,
    pub agency_id: Option<i64>,
    pub campaign_id: Option<i64>,
}

const COLUMNS: &str = "m.id, m.kind, m.title, m.held_on, m.place, m.agenda, m.minutes, m.campaign_id, m.case_id, \
    m.created_by_name, m.version";

fn from_row(r: &AnyRow) -> StoreResult<Meeting> {
    Ok(Meeting {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        title: r.try_get("title")?,
        held_on: r.try_get("held_on")?,
        place: r.try_get("place")?,
        agenda: r.try_get("agenda")?,
        minutes: r.try_get("minutes")?,
        campaign_id: r.try_get("campaign_id")?,
        case_id: r.try_get("case_id")?,
        created_by_name: r.try_get("created_by_name")?,
        version: r.try_get("version")?,
        agencies: Vec::new(),
    })
}

/// Does a unit written on an attendee line name this agency?
fn names(agency: &Agency, unit: &str) -> bool {
    agency.name == unit || agency.aliases.iter().any(|a| a == unit) || agency.name.contains(unit)
}

struct Checked {
    kind: MeetingKind,
    title: String,
    held_on: String,
    agencies: Vec<Agency>,
    attendees: Vec<Attendee>,
    consensus: Vec<String>,
}

impl ActorStore<'_> {
    async fn check_meeting(&self, input: &MeetingInput) -> StoreResult<Checked> {
        let mut e = ValidationErrors::new();
        let kind = MeetingKind::from_code(input.kind.trim());
        if kind.is_none() {
            e.add("kind", "请选择会议类型");
        }
        let title = required_text("title", "会议名称", &input.title, 200, &mut e).to_owned();
        let held = parse_date("held_on", "会议日期", &input.held_on, true, &mut e);
        if held.is_some_and(|d| d > time::today()) {
            e.add("held_on", "会议日期不能晚于今天（召开后再记录）");
        }
        let agencies = self
            .chosen_agencies(&input.agency_ids, "agency_ids", &mut e)
            .await?;
        if agencies.is_empty() && kind != Some(MeetingKind::Other) {
            e.add("agency_ids", "请选择参会的行政机关");
        }
        let mut attendees = Vec::new();
        for (i, p) in parse_people("attendees", &input.attendees, &mut e)
            .into_iter()
            .enumerate()
        {
            let unit = p.third.trim();
            let agency = if unit.is_empty() || unit == "本院" || unit.ends_with("检察院") {
                None
            } else {
                match agencies.iter().find(|a| names(a, unit)) {
                    Some(a) => Some(a),
                    None => {
                        e.add(
                            "attendees",
                            format!("第 {} 行的单位“{unit}”不在所选参会单位中", i + 1),
                        );
                        continue;
                    }
                }
            };
            attendees.push(Attendee {
                agency_id: agency.map(|a| a.id.0),
                unit: agency.map_or_else(|| "本院".to_owned(), |a| a.name.clone()),
                name: p.name,
                position: p.position,
            });
        }
        if let Some(c) = input.campaign_id {
            self.get_campaign(c).await?;
        }
        if let Some(c) = input.case_id {
            self.get_case(c).await?;
        }
        e.into_result()?;
        let (Some(kind), Some(_)) = (kind, held) else {
            return Err(StoreError::Internal("meeting".into()));
        };
        Ok(Checked {
            kind,
            title,
            held_on: input.held_on.trim().to_owned(),
            agencies,
            attendees,
            consensus: parse_items(&input.consensus),
        })
    }

    async fn write_meeting_people(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: i64,
        c: &Checked,
    ) -> StoreResult<()> {
        for table in ["meeting_agencies", "meeting_attendees", "consensus_items"] {
            let mut d = Sql::new(&format!("DELETE FROM {table} WHERE meeting_id = "));
            d.bind(id);
            d.execute(tx).await?;
        }
        crate::sql::link_agencies(tx, "meeting_agencies", "meeting_id", id, &c.agencies).await?;
        for (i, p) in c.attendees.iter().enumerate() {
            insert(
                tx,
                "meeting_attendees",
                vec![
                    ("meeting_id", v(id)),
                    ("agency_id", v(p.agency_id)),
                    ("name", v(p.name.as_str())),
                    ("position", v(p.position.as_str())),
                    ("ordinal", v(i as i64)),
                ],
            )
            .await?;
        }
        for (i, t) in c.consensus.iter().enumerate() {
            insert(
                tx,
                "consensus_items",
                vec![
                    ("meeting_id", v(id)),
                    ("ordinal", v(i as i64)),
                    ("text", v(t.as_str())),
                ],
            )
            .await?;
        }
        Ok(())
    }

    pub async fn create_meeting(&self, input: MeetingInput) -> StoreResult<MeetingRecord> {
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "meeting.create",
                    "meeting",
                    None,
                    StoreError::Forbidden("只有检察院工作人员可以记录会议"),
                )
                .await);
        }
        let c = self.check_meeting(&input).await?;
        let now = time::fmt(time::now_utc());
        let mut tx = self.store.db.begin().await?;
        let id = insert(
            &mut tx,
            "meetings",
            vec![
                ("kind", v(c.kind.code())),
                ("title", v(c.title.as_str())),
                ("held_on", v(c.held_on.as_str())),
                ("place", v(input.place.trim())),
                ("agenda", v(input.agenda.trim())),
                ("minutes", v(input.minutes.trim())),
                ("campaign_id", v(input.campaign_id)),
                ("case_id", v(input.case_id)),
                ("created_by_name", v(self.actor.display_name.as_str())),
                ("created_at", v(now.as_str())),
                ("updated_at", v(now.as_str())),
            ],
        )
        .await?;
        self.write_meeting_people(&mut tx, id, &c).await?;
        let with = crate::agencies::names(&c.agencies);
        self.audit_change(
            &mut tx,
            "meeting.create",
            "meeting",
            id,
            None,
            format!(
                "记录{}“{}”（{}，{}），共识 {} 条",
                c.kind.label(),
                c.title,
                c.held_on,
                with,
                c.consensus.len()
            ),
        )
        .await?;
        tx.commit().await?;
        self.get_meeting(id).await
    }

    pub async fn update_meeting(
        &self,
        id: i64,
        version: i64,
        input: MeetingInput,
    ) -> StoreResult<MeetingRecord> {
        let before = self.get_meeting(id).await?;
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "meeting.update",
                    "meeting",
                    Some(id.to_string()),
                    StoreError::Forbidden("只有检察院工作人员可以修改会议记录"),
                )
                .await);
        }
        let c = self.check_meeting(&input).await?;
        let mut tx = self.store.db.begin().await?;
        let ok = update_versioned(
            &mut tx,
            "meetings",
            id,
            version,
            vec![
                ("kind", v(c.kind.code())),
                ("title", v(c.title.as_str())),
                ("held_on", v(c.held_on.as_str())),
                ("place", v(input.place.trim())),
                ("agenda", v(input.agenda.trim())),
                ("minutes", v(input.minutes.trim())),
                ("campaign_id", v(input.campaign_id)),
                ("case_id", v(input.case_id)),
                ("updated_at", v(time::fmt(time::now_utc()))),
            ],
        )
        .await?;
        if !ok {
            return Err(StoreError::Stale);
        }
        self.write_meeting_people(&mut tx, id, &c).await?;
        let mut entry = crate::AuditEntry::new(
            "meeting.update",
            "meeting",
            Some(id.to_string()),
            crate::Outcome::Ok,
        )
        .detail(format!("修改会议记录“{}”", c.title));
        let after = MeetingRecord {
            meeting: Meeting {
                kind: c.kind.code().into(),
                title: c.title.clone(),
                held_on: c.held_on.clone(),
                place: input.place.trim().into(),
                agenda: input.agenda.trim().into(),
                minutes: input.minutes.trim().into(),
                version: version + 1,
                agencies: c
                    .agencies
                    .iter()
                    .map(|a| (a.id.0, a.name.clone()))
                    .collect(),
                ..before.meeting.clone()
            },
            attendees: c.attendees.clone(),
            consensus: c.consensus.clone(),
        };
        entry = entry.change(Some(&before), Some(&after));
        crate::audit::write(
            &mut tx,
            &crate::audit::Who::actor(self.actor),
            self.ctx,
            &entry,
        )
        .await?;
        tx.commit().await?;
        self.get_meeting(id).await
    }

    async fn meeting_agencies(&self, ids: &[i64]) -> StoreResult<Vec<(i64, i64, String)>> {
        crate::sql::agencies_of(self.store.db.pool(), "meeting_agencies", "meeting_id", ids).await
    }

    pub async fn get_meeting(&self, id: i64) -> StoreResult<MeetingRecord> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM meetings m WHERE m.id = "));
        q.bind(id).push(" AND (");
        q.append(scope::meetings(self.actor, "m")).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("meetings", id, "meeting.read", "meeting")
                .await);
        };
        let mut meeting = from_row(&row)?;
        meeting.agencies = self
            .meeting_agencies(&[id])
            .await?
            .into_iter()
            .map(|(_, a, n)| (a, n))
            .collect();
        let mut a = Sql::new(
            "SELECT t.agency_id, a.name AS unit, t.name, t.position FROM meeting_attendees t \
             LEFT JOIN agencies a ON a.id = t.agency_id WHERE t.meeting_id = ",
        );
        a.bind(id).push(" ORDER BY t.ordinal");
        let attendees = a
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(Attendee {
                    agency_id: r.try_get("agency_id")?,
                    unit: r
                        .try_get::<Option<String>, _>("unit")?
                        .unwrap_or_else(|| "本院".into()),
                    name: r.try_get("name")?,
                    position: r.try_get("position")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        let mut c = Sql::new("SELECT text FROM consensus_items WHERE meeting_id = ");
        c.bind(id).push(" ORDER BY ordinal");
        let consensus = c
            .fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| r.try_get("text"))
            .collect::<Result<_, _>>()?;
        Ok(MeetingRecord {
            meeting,
            attendees,
            consensus,
        })
    }

    pub async fn list_meetings(
        &self,
        f: &MeetingFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Meeting>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::meetings(self.actor, "m")).push(")");
        if let Some(k) = f.kind.as_deref().filter(|k| !k.is_empty()) {
            w.push(" AND m.kind = ").bind(k);
        }
        if let Some(a) = f.agency_id {
            w.push(" AND m.id IN (SELECT meeting_id FROM meeting_agencies WHERE agency_id = ")
                .bind(a)
                .push(")");
        }
        if let Some(c) = f.campaign_id {
            w.push(" AND m.campaign_id = ").bind(c);
        }
        let mut page = crate::paged(
            self.store.db.pool(),
            COLUMNS,
            "FROM meetings m",
            w,
            " ORDER BY m.held_on DESC, m.id DESC",
            page,
            from_row,
        )
        .await?;
        let ids: Vec<i64> = page.items.iter().map(|m| m.id).collect();
        for (m, a, n) in self.meeting_agencies(&ids).await? {
            if let Some(x) = page.items.iter_mut().find(|x| x.id == m) {
                x.agencies.push((a, n));
            }
        }
        Ok(page)
    }

    pub async fn meeting_history(&self, id: i64) -> StoreResult<Vec<crate::HistoryEntry>> {
        self.get_meeting(id).await?;
        self.history_of("meeting", id).await
    }
}
