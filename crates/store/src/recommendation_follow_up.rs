//! 检察建议 after approval: delivery (written or public, with people's
//! supervisors), each recipient's reply on its clock, rectification measures
//! and escalation, the outcome, closing, and joint enforcement actions.

use crate::deadlines::{self, NewDeadline};
use crate::error::{StoreError, StoreResult};
use crate::recommendations::{
    DeliveryInput, JointAction, JointActionInput, Recipient, Recommendation,
};
use crate::sql::{Sql, insert, update_versioned, v};
use crate::{ActorStore, time};
use sqlx::Row;
use xingjian_domain::recommendation::{DeliveryMode, MeasureKind, Outcome};
use xingjian_domain::{AgencyId, Role, ValidationErrors, deadline};

impl ActorStore<'_> {
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
            // The recipient's due date; its clock below counts the same period.
            let (due, _) = deadline::due_date_provisional(&self.store.calendar, on, limit, unit);
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

    pub(crate) async fn joint_actions_of(&self, id: i64) -> StoreResult<Vec<JointAction>> {
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
