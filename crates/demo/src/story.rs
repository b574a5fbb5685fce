//! The demo office replays the seed (上街信息 第73期): 2023 at 上街区人民检察院,
//! acted out step by step through the same store calls the pages make, by the
//! people who would make them, on a replay clock set to each step's date. No
//! figure is written down: the bulletin computed afterwards for 2023-01-01 to
//! 2023-10-16 reads 4 tasks, 3 symposia, 2 agreements, 6 clues, 56 files
//! retrieved and 4 flagged, and so on, because that is what happened here.

use super::files;
use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use xingjian_domain::recommendation::{Letter, RecKind};
use xingjian_domain::{Actor, ClueInput, Stage, TriageInput};
use xingjian_store::{
    ActorStore, AgreementInput, CampaignInput, ClueReply, DeliveryInput, ExchangeInput,
    FieldVisitInput, FileRequestInput, InquiryInput, Interview, JointActionInput, MeetingInput,
    NewCase, NewRecommendation, ObligationInput, RequestCtx, ReviewBatchInput, Store, TaskInput,
    replay_at,
};

/// The seed's bulletin issue: its period and the lines printed around the item.
#[derive(Debug, Clone, Copy)]
pub struct Bulletin {
    pub from: &'static str,
    pub to: &'static str,
    pub masthead: &'static str,
    pub issue: &'static str,
    pub issuer: &'static str,
    pub distribution: &'static str,
    pub editor: &'static str,
}

pub const BULLETIN: Bulletin = Bulletin {
    from: "2023-01-01",
    to: "2023-10-16",
    masthead: "上街信息",
    issue: "第73期",
    issuer: "中共上街区委办公室",
    distribution: "本期送：区县处级领导\n发：峡窝镇、各街道办事处、区直各单位负责同志",
    editor: "柴亚文 许亦是",
};

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").with_context(|| format!("bad date {s}"))
}

/// Move the replay clock to `day` at `hh:mm` (Beijing).
fn at(day: &str, hh: u32, mm: u32) -> Result<()> {
    replay_at(date(day)?, hh, mm);
    Ok(())
}

/// The office's people and agencies, looked up once.
struct Cast<'a> {
    store: &'a Store,
    ctx: RequestCtx,
    people: BTreeMap<&'static str, Actor>,
    agencies: BTreeMap<&'static str, i64>,
}

impl<'a> Cast<'a> {
    async fn new(store: &'a Store) -> Result<Cast<'a>> {
        let ctx = RequestCtx::cli();
        let sys = store.system(&ctx);
        let mut people = BTreeMap::new();
        for (u, ..) in super::ACCOUNTS {
            let user = sys
                .find_user(u)
                .await?
                .with_context(|| format!("演示账号 {u} 不存在"))?;
            people.insert(u, Actor::from_user(&user));
        }
        let mut agencies = BTreeMap::new();
        for (name, ..) in super::AGENCIES {
            let a = sys
                .find_agency(name)
                .await?
                .with_context(|| format!("演示机关 {name} 不存在"))?;
            agencies.insert(name, a.id.0);
        }
        Ok(Cast {
            store,
            ctx,
            people,
            agencies,
        })
    }

    fn who(&self, username: &str) -> Result<ActorStore<'_>> {
        let a = self
            .people
            .get(username)
            .with_context(|| format!("演示账号 {username} 不存在"))?;
        Ok(self.store.as_actor(a, &self.ctx))
    }

    fn id(&self, username: &str) -> i64 {
        self.people.get(username).map_or(0, |a| a.user_id.0)
    }

    fn agency(&self, name: &str) -> i64 {
        self.agencies.get(name).copied().unwrap_or(0)
    }
}

/// A recipient's current version (replies and outcomes are versioned per recipient).
async fn recipient_version(p: &ActorStore<'_>, rec: i64, recipient: i64) -> Result<i64> {
    p.get_recommendation(rec)
        .await?
        .recipients
        .iter()
        .find(|x| x.id == recipient)
        .map(|x| x.version)
        .context("被建议单位缺失")
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Replay the year. Runs inside `xingjian_store::replay`, so every timestamp
/// and "today" is the step's date; the caller's task alone sees that clock.
pub async fn replay(store: &Store, screener: &xingjian_screening::Screener) -> Result<()> {
    xingjian_store::replay(async {
        let cast = Cast::new(store).await?;
        let (campaign, tasks) = campaign(&cast).await.context("演示回放：专项活动")?;
        meetings_and_agreements(&cast, campaign)
            .await
            .context("演示回放：座谈会与协议")?;
        let clues = clues(&cast).await.context("演示回放：线索")?;
        at("2023-04-06", 17, 0)?;
        finish_task(
            &cast,
            tasks[1],
            "走访高铁站、汽车站网约车司机及乘客，收集反映并梳理线索。",
        )
        .await?;
        finish_task(
            &cast,
            tasks[2],
            "走访货运企业和超限检测站，相关线索已移送区公安局。",
        )
        .await?;
        retrieve_and_review(&cast, screener, clues.0)
            .await
            .context("演示回放：调卷与评查")?;
        at("2023-05-12", 17, 0)?;
        finish_task(
            &cast,
            tasks[0],
            "调取非法营运查处及扣押车辆卷宗 56 件，逐案评查完毕。",
        )
        .await?;
        let case = investigate(&cast, clues)
            .await
            .context("演示回放：调查核实")?;
        recommend(&cast, case).await.context("演示回放：检察建议")?;
        finish_task(
            &cast,
            tasks[3],
            "就扣押车辆程序问题制发检察建议，区交通运输局已整改。",
        )
        .await?;
        social_governance(&cast)
            .await
            .context("演示回放：社会治理检察建议")?;
        // The campaign ends with the year.
        at("2023-12-29", 17, 0)?;
        let p = cast.who("prosecutor")?;
        let (cur, _) = p.get_campaign(campaign).await?;
        p.set_campaign_status(cur.id, cur.version, true).await?;
        // The year's messages were read as they came.
        for (u, ..) in super::ACCOUNTS {
            cast.who(u)?.mark_notifications_read().await?;
        }
        Ok(())
    })
    .await
}

/// 专项活动: the plan, the leading group and its office, four tasks.
async fn campaign(c: &Cast<'_>) -> Result<(i64, Vec<i64>)> {
    at("2023-02-20", 9, 0)?;
    let p = c.who("prosecutor")?;
    let campaign = p
        .create_campaign(CampaignInput {
            name: "加强道路交通安全和运输执法领域行政检察监督工作专项活动".into(),
            starts_on: "2023-02-20".into(),
            ends_on: "2023-12-31".into(),
            goals: "以切实解决相关领域执法突出问题为出发点，深化行政执法与法律监督衔接，促进行政机关依法行政，\
                    把专项整治成果转化为常态长效机制。"
                .into(),
            focus_areas: vec![
                "社会车辆非法营运".into(),
                "网约车监管".into(),
                "货车超限超载".into(),
            ],
            leading_group: "张检察长，检察长，第一责任人\n李分管检察长，分管副检察长，主要责任人\n\
                            王检察官，第三检察部主任，具体组织实施"
                .into(),
            office: "王检察官，办公室主任，统筹协调、任务督办\n赵检察官助理，成员，线索摸排、卷宗评查\n\
                     刘书记员，成员，文书管理、信息报送"
                .into(),
        })
        .await?;
    let tasks = [
        (
            "客运：社会车辆非法营运执法监督",
            "客运",
            "prosecutor",
            "2023-06-30",
        ),
        (
            "客运：网约车监管执法监督",
            "客运",
            "assistant",
            "2023-06-30",
        ),
        (
            "货运：货车超限超载执法监督",
            "货运",
            "assistant",
            "2023-08-31",
        ),
        (
            "货运：道路运输行政强制措施规范化监督",
            "货运",
            "prosecutor",
            "2023-09-30",
        ),
    ];
    let mut made = Vec::new();
    for (title, category, owner, due) in tasks {
        let t = p
            .create_task(TaskInput {
                campaign_id: Some(campaign.id),
                title: title.into(),
                category: category.into(),
                owner_id: Some(c.id(owner)),
                co_owner_ids: vec![c.id("clerk")],
                due_on: due.into(),
                ..Default::default()
            })
            .await?;
        made.push(t);
    }
    // Work starts on all four at once.
    at("2023-03-01", 9, 0)?;
    for t in &made {
        p.update_task_status(t.id, t.version, "in_progress", "")
            .await?;
    }
    Ok((campaign.id, made.iter().map(|t| t.id).collect()))
}

/// Mark a task of the list done, as the work it names is finished.
async fn finish_task(c: &Cast<'_>, task: i64, note: &str) -> Result<()> {
    let p = c.who("prosecutor")?;
    let t = p.get_task(task).await?;
    p.update_task_status(t.id, t.version, "done", note).await?;
    Ok(())
}

/// Three symposia with 公安局 / 司法局 / 交通运输局, the two agreements and
/// the exchanges that follow from them.
async fn meetings_and_agreements(c: &Cast<'_>, campaign: i64) -> Result<()> {
    let p = c.who("prosecutor")?;
    let meetings = [
        (
            "2023-03-10",
            "区公安局",
            "道路交通安全执法监督座谈会",
            "周联络员（公安局），法制大队大队长，区公安局",
            "1. 公安交管部门在货车超限超载治理中加强与检察机关的信息共享\n2. 涉及行政强制措施的案件，相关材料及时移送检察机关",
        ),
        (
            "2023-03-24",
            "区司法局",
            "行政检察与行政执法监督衔接座谈会",
            "吴联络员（司法局），行政执法协调监督科科长，区司法局",
            "1. 共同起草行政检察与行政执法监督衔接工作的实施意见\n2. 行政执法监督中发现的违法线索相互通报",
        ),
        (
            "2023-04-12",
            "区交通运输局",
            "交通运输执法领域行政检察监督座谈会",
            "陈联络员（交通运输局），法制科科长，区交通运输局",
            "1. 交通运输局按调取函提供相关执法卷宗\n2. 围绕非法营运查处和扣押车辆程序统一执法尺度\n3. 建立信息共享、案情通报、线索移送机制",
        ),
    ];
    for (day, agency, title, liaison, consensus) in meetings {
        at(day, 15, 0)?;
        p.create_meeting(MeetingInput {
            kind: "symposium".into(),
            title: title.into(),
            held_on: day.into(),
            place: "区检察院三楼会议室".into(),
            agenda: "1. 通报专项活动工作方案\n2. 交流执法中的重点、难点、堵点问题\n3. 研究协作配合事项".into(),
            minutes: format!(
                "会议由李分管检察长主持。王检察官通报了专项活动工作方案和监督重点；{agency}介绍了执法工作情况和遇到的困难。\
                 双方围绕行政执法过程中的重点、难点、堵点问题深入交流，形成共识。"
            ),
            campaign_id: Some(campaign),
            case_id: None,
            agency_ids: vec![c.agency(agency)],
            attendees: format!(
                "李分管检察长，副检察长，本院\n王检察官，第三检察部主任，本院\n{liaison}"
            ),
            consensus: consensus.into(),
        })
        .await?;
    }

    let agreements = [
        (
            "2023-04-20",
            "区司法局",
            "行政检察与行政执法监督衔接工作的实施意见",
            "加强检察机关与司法行政机关在行政执法领域的协作配合。",
        ),
        (
            "2023-05-10",
            "区交通运输局",
            "关于加强行政检察与交通运输行政执法衔接工作的意见",
            "构建信息共享、案情通报、线索移送的跨部门衔接协作机制。",
        ),
    ];
    for (day, agency, title, summary) in agreements {
        at(day, 10, 0)?;
        let g = p
            .create_agreement(AgreementInput {
                title: title.into(),
                signed_on: day.into(),
                summary: summary.into(),
                party_ids: vec![c.agency(agency)],
            })
            .await?;
        for (kind, description, period) in [
            (
                "liaison",
                "各单位确定联络员，负责信息交换、沟通协调、重大案件通报",
                "",
            ),
            (
                "joint_meeting",
                "定期召开联席会议，原则上每年召开一次",
                "year",
            ),
            (
                "data_share",
                "相互通报行政执法和法律监督工作信息",
                "half_year",
            ),
            (
                "case_consultation",
                "研究解决疑难复杂敏感案件和执法办案突出问题",
                "",
            ),
        ] {
            p.add_obligation(
                g.id,
                ObligationInput {
                    kind: kind.into(),
                    description: description.into(),
                    period: period.into(),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// 线索摸排: two reports to 12309 and a field visit that yields four more;
/// all six handled. Returns the two clues that become the case, and the two 12309 reports.
async fn clues(c: &Cast<'_>) -> Result<(i64, i64, [i64; 2])> {
    let jt = c.agency("区交通运输局");
    let ga = c.agency("区公安局");
    let a = c.who("assistant")?;
    let p = c.who("prosecutor")?;
    at("2023-03-06", 10, 20)?;
    let seizure = a
        .create_clue(ClueInput {
            source: "12309".into(),
            title: "反映查处非法营运时扣押车辆未当场出具决定书".into(),
            content: "来电人反映：其车辆在高铁站被区交通运输局执法人员以涉嫌非法营运扣押，\
                      现场未出具《行政强制措施决定书》和扣押清单，也未告知可以申请复议或者提起诉讼。"
                .into(),
            agency_id: Some(jt),
            received_at: "2023-03-06T10:20".into(),
            anonymous: false,
            reporter_name: "马某军".into(),
            reporter_contact: "13803710101".into(),
            plate: files::plate(2),
            party: "马某军".into(),
            field_visit_id: None,
        })
        .await?;
    a.record_clue_reply(
        seizure.id,
        ClueReply {
            kind: "procedural".into(),
            note: "电话告知来电人：反映已受理，本院将依法审查，并在三个月内答复办理情况。".into(),
        },
    )
    .await?;
    let s = p.get_clue(seizure.id).await?.0;
    p.triage_clue(
        s.id,
        TriageInput {
            assignee_id: Some(c.id("prosecutor")),
            version: s.version,
            ..Default::default()
        },
    )
    .await?;

    at("2023-03-15", 9, 30)?;
    let visit = a
        .create_field_visit(FieldVisitInput {
            visited_on: "2023-03-15".into(),
            place: "上街区高铁站、汽车站及工业园区货运站".into(),
            agency_id: Some(jt),
            participants: "王检察官、赵检察官助理".into(),
            notes: "走访高铁站、汽车站候客区和工业园区货运站，听取群众、网约车及出租车司乘人员、货运企业从业人员\
                    对道路运输执法的反映和意见。"
                .into(),
            interviews: vec![
                Interview {
                    kind: "public".into(),
                    people: 6,
                    notes: "反映高铁站周边非法营运车辆招揽乘客".into(),
                },
                Interview {
                    kind: "passenger_driver".into(),
                    people: 8,
                    notes: "网约车司机反映执法方式简单，一律扣车".into(),
                },
                Interview {
                    kind: "industry".into(),
                    people: 5,
                    notes: "货运从业人员反映超限检测站执法态度、现场笔录不规范".into(),
                },
            ],
        })
        .await?;
    let visit_clues = [
        (
            "高铁站周边非法营运车辆招揽乘客屡禁不止",
            "群众反映高铁站东广场出站口常有社会车辆揽客，查处后不久又出现。",
            jt,
        ),
        (
            "网约车司机反映执法方式简单僵化、一律扣车",
            "司乘人员反映：对初次被查、主动配合调查的网约车司机也一律扣押车辆，未区分情节。",
            jt,
        ),
        (
            "超限检测站执法人员对货车司机态度粗暴",
            "运输行业人员反映：超限检测站个别执法人员对货车司机呵斥、推搡。",
            ga,
        ),
        (
            "扣押车辆时现场笔录未让当事人签字",
            "运输行业人员反映：扣押车辆时现场笔录未让当事人核对签字，也未请见证人到场。",
            jt,
        ),
    ];
    let mut from_visit = Vec::new();
    for (title, content, agency) in visit_clues {
        let k = a
            .create_clue(ClueInput {
                source: "field_visit".into(),
                title: title.into(),
                content: content.into(),
                agency_id: Some(agency),
                received_at: "2023-03-15T11:00".into(),
                field_visit_id: Some(visit.id),
                ..Default::default()
            })
            .await?;
        from_visit.push(k.id);
    }

    at("2023-03-20", 14, 10)?;
    let second = a
        .create_clue(ClueInput {
            source: "12309".into(),
            title: "网约车在高铁站候客被扣车".into(),
            content:
                "来电人反映：其驾驶网约车在高铁站候客时被认定非法营运并扣车，扣车时未给任何手续。"
                    .into(),
            agency_id: Some(jt),
            received_at: "2023-03-20T14:10".into(),
            reporter_name: "杨某峰".into(),
            reporter_contact: "13903710202".into(),
            plate: files::plate(1),
            party: "杨某峰".into(),
            ..Default::default()
        })
        .await?;
    at("2023-03-21", 9, 0)?;
    a.record_clue_reply(
        second.id,
        ClueReply {
            kind: "procedural".into(),
            note: "电话告知来电人：反映已受理，与同类反映一并审查。".into(),
        },
    )
    .await?;

    // Handling: the second report joins the first; the visit's clues are
    // archived, transferred to the police, or joined to the case.
    at("2023-03-22", 10, 0)?;
    triage(
        &p,
        second.id,
        "merge",
        "与 12309 来电反映的扣押车辆手续问题系同类事项，并案审查",
        Some(seizure.id),
    )
    .await?;
    triage(
        &p,
        from_visit[0],
        "archive",
        "已纳入专项活动监督重点，并在座谈会上向区交通运输局通报",
        None,
    )
    .await?;
    triage(
        &p,
        from_visit[1],
        "archive",
        "经审查，处罚金额在法定幅度内；执法方式问题在卷宗评查中一并审查",
        None,
    )
    .await?;
    triage(
        &p,
        from_visit[2],
        "transfer",
        "属公安交管部门执法人员作风问题，移送区公安局处理",
        None,
    )
    .await?;
    let transfer = p
        .create_exchange(ExchangeInput {
            kind: "clue_transfer".into(),
            agency_id: Some(ga),
            title: "关于超限检测站执法人员态度粗暴问题的线索移送".into(),
            content: "本院在实地走访中收到运输行业人员反映，超限检测站个别执法人员对货车司机呵斥、推搡，现移送你局核查处理，\
                      请于十个工作日内反馈。"
                .into(),
            clue_id: Some(from_visit[2]),
            ..Default::default()
        })
        .await?;
    let g = c.who("liaison.ga")?;
    at("2023-03-23", 9, 0)?;
    let t = g
        .acknowledge_exchange(transfer.id, transfer.version)
        .await?;
    at("2023-04-04", 16, 0)?;
    let t = g
        .respond_exchange(
            t.id,
            t.version,
            "经核查，反映属实。已对相关执法人员批评教育，并在全大队开展文明执法专题培训。",
        )
        .await?;
    at("2023-04-06", 9, 0)?;
    p.close_exchange(t.id, t.version).await?;
    Ok((seizure.id, from_visit[3], [seizure.id, second.id]))
}

async fn triage(
    p: &ActorStore<'_>,
    id: i64,
    disposition: &str,
    reason: &str,
    merge_into: Option<i64>,
) -> Result<()> {
    let k = p.get_clue(id).await?.0;
    p.triage_clue(
        id,
        TriageInput {
            assignee_id: None,
            disposition: disposition.into(),
            reason: reason.into(),
            merge_into,
            version: k.version,
        },
    )
    .await?;
    Ok(())
}

/// 调取卷宗 from 区交通运输局, imported by its liaison through the importer,
/// screened, and reviewed file by file on the five dimensions.
async fn retrieve_and_review(
    c: &Cast<'_>,
    screener: &xingjian_screening::Screener,
    clue: i64,
) -> Result<()> {
    let jt = c.agency(files::AGENCY);
    let p = c.who("prosecutor")?;
    let l = c.who("liaison.jt")?;
    at("2023-04-17", 10, 0)?;
    let request = p
        .create_file_request(FileRequestInput {
            agency_id: Some(jt),
            clue_id: Some(clue),
            case_id: None,
            title: "调取非法营运查处及扣押车辆执法卷宗".into(),
            case_numbers: files::file_numbers().join("\n"),
            criteria: "2022年11月以来查处社会车辆非法营运的行政处罚案件及扣押车辆的行政强制措施卷宗，含现场笔录、\
                       决定书、送达回证及扣押清单。"
                .into(),
            due_on: String::new(),
        })
        .await?;
    at("2023-04-18", 9, 0)?;
    let request = l
        .acknowledge_file_request(request.id, request.version)
        .await?;
    at("2023-04-24", 15, 0)?;
    let mut imports = Vec::new();
    for (name, csv) in [
        ("执法人员.csv", files::officers_csv()),
        ("行政处罚案件.csv", files::penalty_cases_csv()),
        ("行政强制措施.csv", files::compulsory_measures_csv()),
    ] {
        let opts = xingjian_datasets::ImportOptions {
            table: None,
            agency: None,
            import_valid_rows: false,
        };
        match xingjian_datasets::import_file(&l, &screener.objects, name, csv.as_bytes(), &opts)
            .await
            .with_context(|| format!("演示卷宗 {name} 导入失败"))?
        {
            xingjian_datasets::ImportOutcome::Imported { file, .. } => imports.push(file.id),
            other => return Err(anyhow!("演示卷宗 {name} 未能导入：{other:?}")),
        }
    }
    l.answer_file_request(
        request.id,
        "按调取函提供行政处罚案件卷宗 40 件、扣押车辆行政强制措施卷宗 16 件，电子数据已按数据规范导入。",
        &imports,
        request.version,
    )
    .await?;
    // The bureau shares its officers' register as agreed.
    let share = l
        .create_exchange(ExchangeInput {
            kind: "data_share".into(),
            title: "区交通运输局行政执法人员名录".into(),
            content: "按照衔接工作意见，共享本局执法人员及执法证件信息。".into(),
            import_file_id: imports.first().copied(),
            ..Default::default()
        })
        .await?;
    at("2023-04-25", 9, 0)?;
    let share = p.acknowledge_exchange(share.id, share.version).await?;
    p.respond_exchange(share.id, share.version, "已收悉，用于执法人员资格核查。")
        .await?;

    let sel = xingjian_screening::Selection {
        as_of: Some(date("2023-04-25")?),
        ..Default::default()
    };
    let plan = screener.plan(&p, &sel).await?;
    screener.execute(c.store, &plan).await?;

    at("2023-04-26", 9, 0)?;
    let a = c.who("assistant")?;
    let batch = a
        .create_review_batch(ReviewBatchInput {
            title: "非法营运查处及扣押车辆卷宗评查".into(),
            agency_id: None,
            file_request_id: Some(request.id),
            case_numbers: String::new(),
        })
        .await?;
    let flagged: BTreeMap<String, &str> = files::FLAGGED_MEASURES
        .iter()
        .map(|(n, why)| (files::measure_no(n - 1), *why))
        .collect();
    let mistyped = files::case_no(files::MISTYPED_DELIVERY - 1);
    let (list, _) = a.review_batch_files(batch.id).await?;
    for (i, f) in list.iter().enumerate() {
        let day = date("2023-04-26")? + chrono::Duration::days(i64::try_from(i / 6).unwrap_or(0));
        replay_at(day, 10 + u32::try_from(i % 6).unwrap_or(0), 0);
        let (_, findings, _) = a.get_review_file(f.id).await?;
        for g in findings.iter().filter(|g| g.status == "suggested") {
            let version = a.get_review_file(f.id).await?.0.version;
            if let Some(why) = flagged.get(&f.case_number) {
                a.decide_finding(f.id, g.id, true, &format!("经阅卷核实：{why}"), version)
                    .await?;
            } else if f.case_number == mistyped {
                a.decide_finding(
                    f.id,
                    g.id,
                    false,
                    "卷宗内邮寄回执显示当事人于决定作出后第三日签收，数据中的送达日期系录入错误",
                    version,
                )
                .await?;
            } else {
                return Err(anyhow!(
                    "演示卷宗 {} 出现预期之外的筛查提示：{}",
                    f.case_number,
                    g.description
                ));
            }
        }
        if f.case_number == files::measure_no(2) {
            let version = a.get_review_file(f.id).await?.0.version;
            a.add_finding(
                f.id,
                xingjian_domain::DIMENSIONS[2],
                "对初次被查、主动配合调查的当事人直接扣押车辆，未考虑教育纠正等其他方式",
                "现场笔录、询问笔录",
                version,
            )
            .await?;
        }
        let version = a.get_review_file(f.id).await?.0.version;
        let notes = match flagged.get(&f.case_number) {
            Some(why) => format!("{why}，建议进一步调查核实。"),
            None => "程序完整，证据充分，适用法律正确。".to_owned(),
        };
        a.complete_review_file(f.id, &notes, version).await?;
    }
    Ok(())
}

/// 调查核实: the case, four inquiries of the parties, the decision.
async fn investigate(c: &Cast<'_>, clue: (i64, i64, [i64; 2])) -> Result<i64> {
    let jt = c.agency("区交通运输局");
    let p = c.who("prosecutor")?;
    at("2023-05-15", 9, 30)?;
    let case = p
        .open_case(NewCase {
            clue_ids: vec![clue.0, clue.1],
            title: "区交通运输局扣押车辆程序违法监督案".into(),
            summary: "区交通运输局在查处社会车辆非法营运中扣押车辆，存在未当场交付决定书和扣押清单、现场笔录记录不全、\
                      未告知理由依据和权利等问题。"
                .into(),
            handler_id: Some(c.id("prosecutor")),
        })
        .await?;
    let case = p
        .transition_case(
            case.id,
            Stage::Filed,
            &fields(&[(
                "filing_reason",
                "卷宗评查发现扣押车辆行政强制措施 4 件存在程序问题，可能违反行政强制法第十八条、第二十四条",
            )]),
            case.version,
        )
        .await?;
    let notice = p
        .create_exchange(ExchangeInput {
            kind: "case_notice".into(),
            agency_id: Some(jt),
            title: "关于扣押车辆程序问题立案审查的通报".into(),
            content: "本院在卷宗评查中发现你局扣押车辆行政强制措施存在程序问题，已立案审查，请指定专人配合调查核实。".into(),
            case_id: Some(case.id),
            ..Default::default()
        })
        .await?;
    at("2023-05-16", 9, 0)?;
    let case = p
        .transition_case(
            case.id,
            Stage::Investigating,
            &fields(&[(
                "investigation_plan",
                "逐一询问 4 件强制措施的行政相对人，调取现场执法记录，听取执法人员意见",
            )]),
            case.version,
        )
        .await?;
    let l = c.who("liaison.jt")?;
    let n = l.acknowledge_exchange(notice.id, notice.version).await?;
    l.respond_exchange(n.id, n.version, "已指定法制科陈联络员配合调查核实。")
        .await?;
    for (k, (n, why)) in files::FLAGGED_MEASURES.iter().enumerate() {
        let i = n - 1;
        let day = format!("2023-05-{:02}", 18 + 2 * k);
        at(&day, 9, 30)?;
        p.add_inquiry(
            case.id,
            InquiryInput {
                started_at: format!("{day}T09:30"),
                ended_at: format!("{day}T10:20"),
                place: "区检察院询问室".into(),
                interviewers: "王检察官、赵检察官助理".into(),
                recorder: "刘书记员".into(),
                interviewee_name: files::party(i).into(),
                interviewee_role: "party".into(),
                qa: format!(
                    "问：你的车辆（{}）是否被区交通运输局扣押？\n答：是的，{}被扣押。\n\
                     问：扣押时执法人员是如何办理的？\n答：{}。\n问：车辆何时返还？\n答：十五天后返还。",
                    files::plate(i),
                    files::violation_day(i).format("%Y年%-m月%-d日"),
                    why
                ),
                signature: "signed".into(),
                ..Default::default()
            },
        )
        .await?;
    }
    at("2023-05-29", 16, 0)?;
    let case = p.get_case(case.id).await?;
    let case = p
        .transition_case(
            case.id,
            Stage::Reviewing,
            &fields(&[(
                "conclusion",
                "经调查核实，区交通运输局扣押车辆 4 件存在未当场交付《行政强制措施决定书》、现场笔录记录不全、\
                 未告知理由依据和权利等问题，违反行政强制法第十八条、第二十四条。",
            )]),
            case.version,
        )
        .await?;
    at("2023-05-30", 10, 0)?;
    // Both 12309 reporters get the substantive answer (the second report
    // was joined to the first, its reporter is still owed one).
    for id in clue.2 {
        p.record_clue_reply(
            id,
            ClueReply {
                kind: "substantive".into(),
                note:
                    "电话答复来电人：经调查核实，反映的扣押车辆程序问题属实，本院将依法监督纠正。"
                        .into(),
            },
        )
        .await?;
    }
    at("2023-06-01", 15, 0)?;
    c.who("deputy")?
        .transition_case(
            case.id,
            Stage::Decided,
            &fields(&[
                ("decision", "recommendation"),
                (
                    "decision_reason",
                    "扣押车辆程序违法具有普遍性，应当提出检察建议督促整改",
                ),
            ]),
            case.version,
        )
        .await?;
    Ok(case.id)
}

/// The 检察建议 to 区交通运输局: drafted from the case, discussed with the
/// bureau beforehand, approved, delivered in public with a people's
/// supervisor, rectified and adopted; then the case closes.
async fn recommend(c: &Cast<'_>, case: i64) -> Result<()> {
    let jt = c.agency("区交通运输局");
    let p = c.who("prosecutor")?;
    let l = c.who("liaison.jt")?;
    at("2023-06-02", 9, 0)?;
    let (facts, _) = p.case_facts(case).await?;
    let mut letter = Letter::draft(RecKind::Correction, &facts);
    letter.title = "关于规范道路运输行政强制措施程序的检察建议".into();
    letter.items = vec![
        "严格执行行政强制法规定的程序，实施扣押时当场交付《行政强制措施决定书》和扣押清单".into(),
        "规范现场笔录制作，当事人拒绝签名或者不在场的，邀请见证人到场并签名".into(),
        "实施扣押前告知当事人采取行政强制措施的理由、依据以及依法享有的权利、救济途径".into(),
    ];
    letter.reply_limit = "2m".into();
    letter.reply_manner = "请在收到本检察建议书后两个月内将整改落实情况书面回复本院".into();
    let rec = p
        .create_recommendation(NewRecommendation {
            case_id: Some(case),
            kind: "correction".into(),
            agency_ids: vec![jt],
            letter: letter.clone(),
        })
        .await?;
    at("2023-06-05", 10, 0)?;
    let consultation = p.share_recommendation(rec.id, jt).await?;
    at("2023-06-08", 16, 0)?;
    l.give_views(
        rec.id,
        consultation.id,
        "同意检察建议指出的问题。建议增加“加强执法人员培训”一项，与我局年度执法培训计划衔接。",
    )
    .await?;
    at("2023-06-09", 10, 0)?;
    letter
        .items
        .push("加强执法人员培训，开展以案促改警示教育，提升规范执法能力".into());
    let rec = p.get_recommendation(rec.id).await?;
    let rec = p
        .revise_recommendation(
            rec.id,
            rec.version,
            letter,
            "采纳区交通运输局意见，增加第四项",
        )
        .await?;
    at("2023-06-12", 9, 0)?;
    let rec = p
        .submit_recommendation(
            rec.id,
            rec.version,
            "已与区交通运输局提前沟通，统一办案尺度",
        )
        .await?;
    at("2023-06-13", 11, 0)?;
    let rec = c
        .who("chief")?
        .decide_recommendation(rec.id, rec.version, true, "同意制发，公开宣告送达")
        .await?;
    at("2023-06-16", 9, 30)?;
    let rec = p
        .deliver_recommendation(
            rec.id,
            rec.version,
            DeliveryInput {
                mode: "public".into(),
                delivered_on: "2023-06-16".into(),
                place: "区交通运输局三楼会议室".into(),
                host: "李分管检察长".into(),
                participants: "区交通运输局局长、分管副局长、法制科及执法大队负责人".into(),
                received_by: "陈联络员（交通运输局）".into(),
                supervisor_ids: vec![c.id("supervisor")],
                ..Default::default()
            },
        )
        .await?;
    let record = p.recommendation_record(rec.id).await?;
    let delivery = record.deliveries.first().context("公开送达未记录")?.id;
    at("2023-06-16", 11, 0)?;
    c.who("supervisor")?
        .supervisor_opinion(
            rec.id,
            delivery,
            "送达程序规范，检察建议针对性强，被建议单位表示接受，同意。",
        )
        .await?;
    let case_now = p.get_case(case).await?;
    p.transition_case(
        case,
        Stage::FollowingUp,
        &fields(&[(
            "follow_up_plan",
            "跟踪整改进展，到期前回访区交通运输局，核查整改落实情况",
        )]),
        case_now.version,
    )
    .await?;
    let recipient = rec.recipients.first().context("没有被建议单位")?.id;
    for (day, kind, what) in [
        (
            "2023-07-05",
            "interview",
            "对涉案 4 件扣押车辆不规范执法案件的执法人员进行约谈",
        ),
        (
            "2023-07-20",
            "warning_education",
            "全局开展以案促改警示教育，执法人员 86 人参加",
        ),
        (
            "2023-08-01",
            "rule_change",
            "修订《扣押车辆工作规程》，统一决定书、扣押清单当场交付和现场笔录签名要求",
        ),
    ] {
        at(day, 15, 0)?;
        l.add_measure(rec.id, recipient, kind, day, what).await?;
    }
    at("2023-08-10", 10, 0)?;
    l.reply_recommendation(
        rec.id,
        recipient,
        recipient_version(&p, rec.id, recipient).await?,
        "我局高度重视，对照检察建议逐项整改：约谈相关执法人员，开展以案促改警示教育，修订扣押车辆工作规程，\
         组织执法人员业务培训。今后将严格强制措施使用范围，规范行政执法各环节流程。",
    )
    .await?;
    at("2023-08-15", 10, 0)?;
    let rec = p
        .record_outcome(
            rec.id,
            recipient,
            recipient_version(&p, rec.id, recipient).await?,
            "adopted",
            "回访核实，整改措施已落实，检察建议被采纳",
        )
        .await?;
    p.close_recommendation(rec.id, rec.version).await?;
    at("2023-08-18", 10, 0)?;
    let case_now = p.get_case(case).await?;
    let case_now = p
        .set_dispute_outcome(
            case,
            "agency_corrected",
            "区交通运输局自行纠正，相关当事人对处理结果表示认可",
            case_now.version,
        )
        .await?;
    p.transition_case(
        case,
        Stage::Closed,
        &fields(&[(
            "closing_summary",
            "检察建议已被采纳，区交通运输局完成整改，行政争议得到化解，结案。",
        )]),
        case_now.version,
    )
    .await?;
    Ok(())
}

/// 职能延伸: a social-governance recommendation to 交通运输局 and 教育局 on
/// school transport, and the joint enforcement action that followed.
async fn social_governance(c: &Cast<'_>) -> Result<()> {
    let jt = c.agency("区交通运输局");
    let jy = c.agency("区教育局");
    let p = c.who("prosecutor")?;
    at("2023-08-21", 9, 0)?;
    let rec = p
        .create_recommendation(NewRecommendation {
            case_id: None,
            kind: "social_governance".into(),
            agency_ids: vec![jt, jy],
            letter: Letter {
                title: "关于加强校车运营安全管理的社会治理检察建议".into(),
                source: "本院在开展道路交通安全和运输执法领域行政检察监督专项活动中发现。".into(),
                facts: "经走访和调取执法卷宗发现，辖区部分接送学生车辆未取得校车使用许可，存在超员、车况不良、\
                        驾驶人资质不符等安全隐患，相关部门在许可、检查和信息共享上衔接不够。"
                    .into(),
                problems: "上述问题违反《校车安全管理条例》第十四条、第二十三条等规定，危及学生出行安全。".into(),
                items: vec![
                    "建立交通运输、教育部门校车信息共享和联合检查机制".into(),
                    "开展校车运营安全专项检查，依法查处非法接送学生车辆".into(),
                    "做好学生、家长和驾驶人的安全警示教育和宣传".into(),
                ],
                reply_limit: "2m".into(),
                reply_manner: "请在收到本检察建议书后两个月内将办理情况书面回复本院".into(),
                cc: "区人民政府".into(),
            },
        })
        .await?;
    at("2023-08-25", 9, 0)?;
    let rec = p
        .submit_recommendation(
            rec.id,
            rec.version,
            "针对校车安全的普遍性问题，建议制发社会治理检察建议",
        )
        .await?;
    at("2023-08-28", 11, 0)?;
    let rec = c
        .who("chief")?
        .decide_recommendation(rec.id, rec.version, true, "同意")
        .await?;
    at("2023-08-30", 10, 0)?;
    let rec = p
        .deliver_recommendation(
            rec.id,
            rec.version,
            DeliveryInput {
                mode: "written".into(),
                delivered_on: "2023-08-30".into(),
                received_by: "陈联络员（交通运输局）、郑联络员（教育局）".into(),
                ..Default::default()
            },
        )
        .await?;
    at("2023-09-22", 17, 0)?;
    p.add_joint_action(
        rec.id,
        JointActionInput {
            title: "校车运营安全联合执法专项行动".into(),
            starts_on: "2023-09-11".into(),
            ends_on: "2023-09-22".into(),
            agency_ids: vec![jt, jy, c.agency("区公安局")],
            participants: "本院、区交通运输局、区教育局、区公安局交警大队".into(),
            results:
                "检查校车及接送学生车辆 46 辆，查处非法接送学生车辆 3 辆，督促整改安全隐患 7 处；\
                      进校园开展安全警示教育 12 场。"
                    .into(),
        },
    )
    .await?;
    for (who, recipient, day, reply) in [
        (
            "liaison.jt",
            jt,
            "2023-10-08",
            "我局已与区教育局建立校车信息共享机制，联合开展专项检查，依法查处非法接送学生车辆 3 辆。",
        ),
        (
            "liaison.jy",
            jy,
            "2023-10-10",
            "我局已督促各学校落实校车安全管理主体责任，开展安全警示教育 12 场，建立校车台账。",
        ),
    ] {
        at(day, 10, 0)?;
        let cur = p.get_recommendation(rec.id).await?;
        let r = cur
            .recipients
            .iter()
            .find(|r| r.agency_id == recipient)
            .context("被建议单位缺失")?;
        c.who(who)?
            .reply_recommendation(rec.id, r.id, r.version, reply)
            .await?;
    }
    at("2023-10-12", 10, 0)?;
    for r in p.get_recommendation(rec.id).await?.recipients {
        p.record_outcome(
            rec.id,
            r.id,
            r.version,
            "adopted",
            "回复及回访核实，建议内容已落实",
        )
        .await?;
    }
    let cur = p.get_recommendation(rec.id).await?;
    p.close_recommendation(cur.id, cur.version).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use xingjian_domain::bulletin::BulletinFigures;
    use xingjian_testkit::{TestDb, both};

    fn seed_figures() -> BulletinFigures {
        BulletinFigures {
            tasks: 4,
            focus_areas: vec![
                "社会车辆非法营运".into(),
                "网约车监管".into(),
                "货车超限超载".into(),
            ],
            symposia: 3,
            symposium_agencies: vec!["区公安局".into(), "区司法局".into(), "区交通运输局".into()],
            joint_meetings: 0,
            agreements: vec![
                "行政检察与行政执法监督衔接工作的实施意见".into(),
                "关于加强行政检察与交通运输行政执法衔接工作的意见".into(),
            ],
            clues: 6,
            clues_12309: 2,
            clues_field_visit: 4,
            files_retrieved: 56,
            files_reviewed: 56,
            files_flagged: 4,
            inquiries: 4,
            recommendations_issued: 2,
            recommendations_public: 1,
            recommendations_consulted: 1,
            recommendations_adopted: 2,
            social_governance: 1,
            joint_actions: 1,
        }
    }

    both!(the_demo_office_replays_the_seed, |backend| async move {
        let t = TestDb::new(backend).await;
        let objects = tempfile::tempdir().unwrap();
        let store = Store::new(t.db.clone());
        let screener = xingjian_screening::Screener {
            engine: xingjian_rules::Engine::new(xingjian_calendar::WorkCalendar::default_cn()),
            rules: xingjian_rules::rule::load(None).unwrap(),
            objects: xingjian_datasets::Objects::local(objects.path()).unwrap(),
        };
        crate::seed(&store, Some("Demo-Pass-2023")).await.unwrap();
        if let Err(e) = replay(&store, &screener).await {
            panic!("{e:#}");
        }
        let ctx = RequestCtx::cli();
        let sys = store.system(&ctx);
        let f = sys
            .bulletin_figures(BULLETIN.from, BULLETIN.to)
            .await
            .unwrap();
        assert_eq!(f, seed_figures());
        // The bulletin reads as the seed does.
        let text = xingjian_domain::bulletin::compose("区检察院", &f)
            .paragraphs
            .join("");
        for phrase in [
            "列出 4 项监督任务清单",
            "与区公安局、区司法局、区交通运输局等部门联合召开座谈会 3 次",
            "《行政检察与行政执法监督衔接工作的实施意见》",
            "收集并处置 6 个问题线索",
            "调取行政执法案件卷宗 56 件",
            "梳理出 4 件可能存在问题的执法卷宗",
        ] {
            assert!(text.contains(phrase), "{phrase}: {text}");
        }
        // Nothing before the period, and the replay left no clock running.
        let before = sys
            .bulletin_figures("2000-01-01", "2022-12-31")
            .await
            .unwrap();
        assert_eq!(before.clues + before.symposia + before.files_reviewed, 0);
        assert_eq!(sys.open_deadlines().await.unwrap(), Vec::<String>::new());
        t.cleanup().await;
    });
}
