//! Agreements signed with agencies (衔接工作意见, 实施意见) and their
//! obligations, each shown with the exchanges and meetings that fulfil it and
//! a warning when its rhythm is not kept (e.g. no joint meeting for a year).

use crate::error::{StoreError, StoreResult};
use crate::sql::{Sql, insert, v};
use crate::{ActorStore, Page, PageRequest, scope, time};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use xingjian_domain::ValidationErrors;
use xingjian_domain::coordination::{
    ObligationKind, ObligationStanding, Period, obligation_standing, parse_date, required_text,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Agreement {
    pub id: i64,
    pub title: String,
    pub signed_on: String,
    pub summary: String,
    pub created_by_name: String,
    pub version: i64,
    pub parties: Vec<(i64, String)>,
}

impl Agreement {
    pub fn party_names(&self) -> String {
        self.parties
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// Something that fulfilled an obligation: an exchange or a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Fulfilment {
    pub on: String,
    pub title: String,
    pub link: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Obligation {
    pub id: i64,
    pub kind: String,
    pub description: String,
    /// '' | month | quarter | half_year | year
    pub period: String,
    pub fulfilments: Vec<Fulfilment>,
    /// 按约履行 / 即将到期 / 未按约履行, or empty without a rhythm.
    pub standing: String,
    /// The date the next fulfilment is due, when it has a rhythm.
    pub next_due: Option<String>,
    /// Why the obligation is not being met, for the user.
    pub warning: Option<String>,
}

impl Obligation {
    pub fn kind_label(&self) -> &str {
        ObligationKind::label_of(&self.kind)
    }
    pub fn period_label(&self) -> &str {
        Period::label_of(&self.period)
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AgreementInput {
    pub title: String,
    pub signed_on: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub party_ids: Vec<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ObligationInput {
    pub kind: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub period: String,
}

const COLUMNS: &str = "g.id, g.title, g.signed_on, g.summary, g.created_by_name, g.version";

fn from_row(r: &AnyRow) -> StoreResult<Agreement> {
    Ok(Agreement {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        signed_on: r.try_get("signed_on")?,
        summary: r.try_get("summary")?,
        created_by_name: r.try_get("created_by_name")?,
        version: r.try_get("version")?,
        parties: Vec::new(),
    })
}

impl ActorStore<'_> {
    pub async fn create_agreement(&self, input: AgreementInput) -> StoreResult<Agreement> {
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "agreement.create",
                    "agreement",
                    None,
                    StoreError::Forbidden("只有检察院工作人员可以登记协作协议"),
                )
                .await);
        }
        let mut e = ValidationErrors::new();
        let title = required_text("title", "协议名称", &input.title, 200, &mut e).to_owned();
        let signed = parse_date("signed_on", "签订日期", &input.signed_on, true, &mut e);
        if signed.is_some_and(|d| d > time::today()) {
            e.add("signed_on", "签订日期不能晚于今天");
        }
        let parties = self
            .chosen_agencies(&input.party_ids, "party_ids", &mut e)
            .await?;
        if parties.is_empty() {
            e.add("party_ids", "请选择签订协议的行政机关");
        }
        e.into_result()?;
        let now = time::fmt(time::now_utc());
        let mut tx = self.store.db.begin().await?;
        let id = insert(
            &mut tx,
            "agreements",
            vec![
                ("title", v(title.as_str())),
                ("signed_on", v(input.signed_on.trim())),
                ("summary", v(input.summary.trim())),
                ("created_by_name", v(self.actor.display_name.as_str())),
                ("created_at", v(now.as_str())),
                ("updated_at", v(now.as_str())),
            ],
        )
        .await?;
        crate::sql::link_agencies(&mut tx, "agreement_parties", "agreement_id", id, &parties)
            .await?;
        let names = crate::agencies::names(&parties);
        self.audit_change(
            &mut tx,
            "agreement.create",
            "agreement",
            id,
            None,
            format!(
                "登记与{names}签订的《{title}》（{}）",
                input.signed_on.trim()
            ),
        )
        .await?;
        tx.commit().await?;
        self.get_agreement(id).await
    }

    pub async fn add_obligation(
        &self,
        agreement_id: i64,
        input: ObligationInput,
    ) -> StoreResult<Obligation> {
        let g = self.get_agreement(agreement_id).await?;
        if !self.may_screen() {
            return Err(self
                .refuse(
                    "agreement.update",
                    "agreement",
                    Some(agreement_id.to_string()),
                    StoreError::Forbidden("只有检察院工作人员可以登记协议义务"),
                )
                .await);
        }
        let mut e = ValidationErrors::new();
        let kind = ObligationKind::from_code(input.kind.trim());
        if kind.is_none() {
            e.add("kind", "请选择义务类别");
        }
        let period = Period::from_code(input.period.trim());
        if period.is_none() {
            e.add("period", "请选择履行频次");
        }
        let description = input.description.trim();
        if kind == Some(ObligationKind::Other) && description.is_empty() {
            e.add("description", "请写明该项义务的内容");
        }
        e.into_result()?;
        let (Some(kind), Some(period)) = (kind, period) else {
            return Err(StoreError::Internal("obligation".into()));
        };
        let mut tx = self.store.db.begin().await?;
        let mut n = Sql::new("SELECT COUNT(*) AS n FROM obligations WHERE agreement_id = ");
        n.bind(agreement_id);
        let ordinal: i64 = n.fetch_one(&mut *tx).await?.try_get("n")?;
        let id = insert(
            &mut tx,
            "obligations",
            vec![
                ("agreement_id", v(agreement_id)),
                ("kind", v(kind.code())),
                ("description", v(description)),
                ("period", v(period.code())),
                ("ordinal", v(ordinal)),
            ],
        )
        .await?;
        self.audit_change(
            &mut tx,
            "agreement.update",
            "agreement",
            agreement_id,
            None,
            format!(
                "《{}》增加义务：{}（{}）{description}",
                g.title,
                kind.label(),
                period.label()
            ),
        )
        .await?;
        tx.commit().await?;
        self.obligations_of(&g)
            .await?
            .into_iter()
            .find(|o| o.id == id)
            .ok_or(StoreError::NotFound)
    }

    async fn agreement_parties(&self, ids: &[i64]) -> StoreResult<Vec<(i64, i64, String)>> {
        crate::sql::agencies_of(
            self.store.db.pool(),
            "agreement_parties",
            "agreement_id",
            ids,
        )
        .await
    }

    pub async fn get_agreement(&self, id: i64) -> StoreResult<Agreement> {
        let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM agreements g WHERE g.id = "));
        q.bind(id).push(" AND (");
        q.append(scope::agreements(self.actor, "g")).push(")");
        let Some(row) = q.fetch_optional(self.store.db.pool()).await? else {
            return Err(self
                .absent_or_refused("agreements", id, "agreement.read", "agreement")
                .await);
        };
        let mut g = from_row(&row)?;
        g.parties = self
            .agreement_parties(&[id])
            .await?
            .into_iter()
            .map(|(_, a, n)| (a, n))
            .collect();
        Ok(g)
    }

    pub async fn list_agreements(
        &self,
        agency_id: Option<i64>,
        page: PageRequest,
    ) -> StoreResult<Page<Agreement>> {
        let mut w = Sql::new(" WHERE (");
        w.append(scope::agreements(self.actor, "g")).push(")");
        if let Some(a) = agency_id {
            w.push(" AND g.id IN (SELECT agreement_id FROM agreement_parties WHERE agency_id = ")
                .bind(a)
                .push(")");
        }
        let mut page = crate::paged(
            self.store.db.pool(),
            COLUMNS,
            "FROM agreements g",
            w,
            " ORDER BY g.signed_on DESC, g.id DESC",
            page,
            from_row,
        )
        .await?;
        let ids: Vec<i64> = page.items.iter().map(|g| g.id).collect();
        for (g, a, n) in self.agreement_parties(&ids).await? {
            if let Some(x) = page.items.iter_mut().find(|x| x.id == g) {
                x.parties.push((a, n));
            }
        }
        Ok(page)
    }

    /// The agreement's obligations, each with what fulfilled it (only the
    /// exchanges and meetings the actor may see) and where it stands today.
    pub async fn obligations_of(&self, g: &Agreement) -> StoreResult<Vec<Obligation>> {
        let mut q =
            Sql::new("SELECT id, kind, description, period FROM obligations WHERE agreement_id = ");
        q.bind(g.id).push(" ORDER BY ordinal");
        let rows = q.fetch_all(self.store.db.pool()).await?;
        let signed = time::parse_date(&g.signed_on).unwrap_or_else(time::today);
        let party_ids: Vec<i64> = g.parties.iter().map(|(a, _)| *a).collect();
        let mut out = Vec::new();
        for r in &rows {
            let kind_code: String = r.try_get("kind")?;
            let period_code: String = r.try_get("period")?;
            let kind = ObligationKind::from_code(&kind_code);
            let period = Period::from_code(&period_code).unwrap_or(Period::None);
            let mut warning = None;
            let fulfilments = match kind {
                Some(ObligationKind::Liaison) => {
                    let missing = self.parties_without_liaison(&party_ids).await?;
                    if !missing.is_empty() {
                        warning = Some(format!("{}尚未确定联络员", missing.join("、")));
                    }
                    Vec::new()
                }
                Some(k) => self.fulfilments(k, &party_ids, &g.signed_on).await?,
                None => Vec::new(),
            };
            let last = fulfilments.first().and_then(|f| time::parse_date(&f.on));
            let standing = obligation_standing(period, signed, last, time::today());
            if let Some(ObligationStanding::Overdue { due }) = standing {
                let what = kind.map_or("履行", |k| k.label());
                let since = last.map_or_else(
                    || format!("自签订（{}）以来", g.signed_on),
                    |l| format!("自上次（{}）以来", time::fmt_date(l)),
                );
                let verb = if kind.and_then(ObligationKind::meeting_kind).is_some() {
                    "召开"
                } else {
                    "开展"
                };
                warning = Some(format!(
                    "{since}未{verb}{what}，已超过约定的“{}”期限（应于 {} 前）",
                    period.label(),
                    time::fmt_date(due)
                ));
            }
            out.push(Obligation {
                id: r.try_get("id")?,
                kind: kind_code,
                description: r.try_get("description")?,
                period: period_code,
                fulfilments,
                standing: standing.map_or(String::new(), |s| s.label().to_owned()),
                next_due: standing.map(|s| time::fmt_date(s.due())),
                warning,
            });
        }
        Ok(out)
    }

    async fn parties_without_liaison(&self, party_ids: &[i64]) -> StoreResult<Vec<String>> {
        let mut out = Vec::new();
        for a in party_ids {
            let mut q = Sql::new(
                "SELECT a.name, (SELECT COUNT(*) FROM users u WHERE u.agency_id = a.id AND u.role = 'liaison' \
                 AND u.active = 1) AS n FROM agencies a WHERE a.id = ",
            );
            q.bind(*a);
            if let Some(r) = q.fetch_optional(self.store.db.pool()).await?
                && r.try_get::<i64, _>("n")? == 0
            {
                out.push(r.try_get("name")?);
            }
        }
        Ok(out)
    }

    /// Exchanges or meetings of the obligation's kind with a party since the
    /// signing, newest first, within the actor's scope.
    async fn fulfilments(
        &self,
        kind: ObligationKind,
        party_ids: &[i64],
        signed_on: &str,
    ) -> StoreResult<Vec<Fulfilment>> {
        if party_ids.is_empty() {
            return Ok(Vec::new());
        }
        let in_parties = |q: &mut Sql| {
            q.push(" IN (");
            for (i, a) in party_ids.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(*a);
            }
            q.push(")");
        };
        let (mut q, link) = if let Some(x) = kind.exchange_kind() {
            let mut q = Sql::new(
                "SELECT x.id, substr(x.sent_at, 1, 10) AS d, x.title FROM exchanges x WHERE x.kind = ",
            );
            q.bind(x.code()).push(" AND x.agency_id");
            in_parties(&mut q);
            q.push(" AND substr(x.sent_at, 1, 10) >= ")
                .bind(signed_on)
                .push(" AND (");
            q.append(scope::exchanges(self.actor, "x")).push(")");
            (q, "/exchanges/")
        } else if let Some(m) = kind.meeting_kind() {
            let mut q =
                Sql::new("SELECT m.id, m.held_on AS d, m.title FROM meetings m WHERE m.kind = ");
            q.bind(m.code())
                .push(" AND m.id IN (SELECT meeting_id FROM meeting_agencies WHERE agency_id");
            in_parties(&mut q);
            q.push(") AND m.held_on >= ").bind(signed_on).push(" AND (");
            q.append(scope::meetings(self.actor, "m")).push(")");
            (q, "/meetings/")
        } else {
            return Ok(Vec::new());
        };
        q.push(" ORDER BY d DESC LIMIT 20");
        q.fetch_all(self.store.db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(Fulfilment {
                    on: r.try_get("d")?,
                    title: r.try_get("title")?,
                    link: format!("{link}{}", r.try_get::<i64, _>("id")?),
                })
            })
            .collect()
    }

    pub async fn agreement_history(&self, id: i64) -> StoreResult<Vec<crate::HistoryEntry>> {
        self.get_agreement(id).await?;
        self.history_of("agreement", id).await
    }
}
