//! 简报: the office's bulletin item in the seed's form (上街信息 第73期), its
//! figures computed from the data and written into the three "加" sections.

/// What the period's data says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulletinFigures {
    /// Tasks in the list of the period's campaign(s).
    pub tasks: i64,
    pub focus_areas: Vec<String>,
    /// Meetings of each kind held in the period, with the agencies taking part.
    pub symposia: i64,
    pub symposium_agencies: Vec<String>,
    pub joint_meetings: i64,
    /// Titles of the agreements signed in the period.
    pub agreements: Vec<String>,
    pub clues: i64,
    pub clues_12309: i64,
    pub clues_field_visit: i64,
    /// Distinct files retrieved by file requests answered in the period, reviewed, flagged.
    pub files_retrieved: i64,
    pub files_reviewed: i64,
    pub files_flagged: i64,
    pub inquiries: i64,
    pub recommendations_issued: i64,
    pub recommendations_public: i64,
    /// Issued after the recipient gave its views on the draft (提前沟通).
    pub recommendations_consulted: i64,
    pub recommendations_adopted: i64,
    pub social_governance: i64,
    pub joint_actions: i64,
}

/// The composed text: a headline, an opening, the three sections, a closing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulletinText {
    pub headline: String,
    pub paragraphs: Vec<String>,
}

fn list(items: &[String]) -> String {
    items.join("、")
}

/// The bulletin item. Sentences whose figure is zero are left out rather
/// than reporting nothing done.
pub fn compose(office_short: &str, f: &BulletinFigures) -> BulletinText {
    let mut one = Vec::new();
    if f.tasks > 0 {
        let focus = if f.focus_areas.is_empty() {
            String::new()
        } else {
            format!("将{}作为监督重点，", list(&f.focus_areas))
        };
        one.push(format!(
            "一是以组织保障推进落实。组建工作专班，制定专项监督工作方案，成立领导小组及办公室，{focus}列出 {} 项监督任务清单，明确责任时限。",
            f.tasks
        ));
    }
    if f.symposia > 0 {
        let with = if f.symposium_agencies.is_empty() {
            "相关行政机关".to_owned()
        } else {
            list(&f.symposium_agencies)
        };
        one.push(format!(
            "二是以沟通协调统一目标。与{with}等部门联合召开座谈会 {} 次，针对行政执法过程中的重点、难点、堵点问题讨论并达成共识。",
            f.symposia
        ));
    }
    if !f.agreements.is_empty() {
        let titles: Vec<String> = f.agreements.iter().map(|t| format!("《{t}》")).collect();
        let meeting = if f.joint_meetings > 0 {
            format!("，召开联席会议 {} 次", f.joint_meetings)
        } else {
            String::new()
        };
        one.push(format!(
            "三是以机制保障协作配合。签订{}，构建信息共享、案情通报、线索移送的跨部门衔接协作机制，各单位确定联络员{meeting}。",
            list(&titles)
        ));
    }
    let mut two = Vec::new();
    if f.clues > 0 {
        let via = match (f.clues_12309 > 0, f.clues_field_visit > 0) {
            (true, true) => "运用 12309 检察服务中心和实地走访，",
            (true, false) => "运用 12309 检察服务中心，",
            (false, true) => "通过实地走访，",
            _ => "",
        };
        two.push(format!(
            "一是实地摸排调研，起底问题线索。{via}广泛听取人民群众、司乘人员、运输行业人员的反映和意见，收集并处置 {} 个问题线索。",
            f.clues
        ));
    }
    if f.files_retrieved > 0 || f.files_reviewed > 0 {
        let files = f.files_retrieved.max(f.files_reviewed);
        two.push(format!(
            "二是主动沟通对接，分类调取卷宗。调取行政执法案件卷宗 {files} 件，聚焦逐利执法、执法不规范、执法方式简单僵化、执法粗暴、执法寻租等五个方面逐案评查，梳理出 {} 件可能存在问题的执法卷宗。",
            f.files_flagged
        ));
    }
    if f.inquiries > 0 {
        two.push(format!(
            "三是开展调查核实，精准监督执法。针对发现的问题开展调查核实，制作询问笔录 {} 份，查明违法事实，确保监督精准、法律适用准确。",
            f.inquiries
        ));
    }
    let mut three = Vec::new();
    if f.recommendations_issued > 0 {
        let public = if f.recommendations_public > 0 {
            format!(
                "，其中邀请人民监督员公开宣告送达 {} 件",
                f.recommendations_public
            )
        } else {
            String::new()
        };
        let adopted = if f.recommendations_adopted > 0 {
            format!("，已被采纳 {} 件", f.recommendations_adopted)
        } else {
            String::new()
        };
        let consulted = match f.recommendations_consulted {
            0 => String::new(),
            n if n == f.recommendations_issued => {
                "，制发前均与被建议单位提前沟通、充分听取意见".to_owned()
            }
            n => format!("，其中 {n} 件制发前与被建议单位提前沟通、充分听取意见"),
        };
        three.push(format!(
            "一是审慎制发检察建议。制发检察建议 {} 件{consulted}{public}{adopted}。",
            f.recommendations_issued
        ));
    }
    if f.social_governance > 0 {
        let action = if f.joint_actions > 0 {
            format!("，开展联合执法专项行动 {} 次", f.joint_actions)
        } else {
            String::new()
        };
        three.push(format!(
            "二是职能延伸到位，以检察履职助推源头治理。对同类、普遍性问题进行研究，制发社会治理类检察建议 {} 件{action}。",
            f.social_governance
        ));
    }
    let mut paragraphs = vec![format!(
        "{office_short}深入落实道路交通安全和运输执法领域行政检察监督专项活动部署，依法能动履行行政检察职能，通过不断深化行政执法与法律监督衔接，促进行政机关依法行政。"
    )];
    for (title, body) in [
        (
            "一、完善“检察监督+行政执法”配合机制，双向协作实现互助共赢。",
            one,
        ),
        (
            "二、运用“线索摸排+调查核实”办案模式，能动监督提升办案质量。",
            two,
        ),
        (
            "三、做实“检察建议+职能延伸”，融入社会治理提升办案效果。",
            three,
        ),
    ] {
        if !body.is_empty() {
            paragraphs.push(format!("{title}{}", body.join("")));
        }
    }
    BulletinText {
        headline: format!("{office_short}坚持“三个加”工作法 做实道路交通安全领域行政检察监督工作"),
        paragraphs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's figures (上街信息 第73期).
    fn seed() -> BulletinFigures {
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
            recommendations_adopted: 1,
            social_governance: 1,
            joint_actions: 1,
        }
    }

    #[test]
    fn the_seed_figures_read_as_the_seed_does() {
        let b = compose("区检察院", &seed());
        assert_eq!(
            b.headline,
            "区检察院坚持“三个加”工作法 做实道路交通安全领域行政检察监督工作"
        );
        let text = b.paragraphs.join("\n");
        for want in [
            "列出 4 项监督任务清单",
            "与区公安局、区司法局、区交通运输局等部门联合召开座谈会 3 次",
            "《关于加强行政检察与交通运输行政执法衔接工作的意见》",
            "运用 12309 检察服务中心和实地走访",
            "收集并处置 6 个问题线索",
            "调取行政执法案件卷宗 56 件",
            "梳理出 4 件可能存在问题的执法卷宗",
            "其中 1 件制发前与被建议单位提前沟通",
            "公开宣告送达 1 件",
            "开展联合执法专项行动 1 次",
        ] {
            assert!(text.contains(want), "missing {want}:\n{text}");
        }
        assert_eq!(b.paragraphs.len(), 4);
    }

    #[test]
    fn sections_without_figures_are_left_out() {
        let b = compose(
            "区检察院",
            &BulletinFigures {
                clues: 2,
                ..Default::default()
            },
        );
        assert_eq!(b.paragraphs.len(), 2, "{:?}", b.paragraphs);
        assert!(
            b.paragraphs[1].starts_with("二、")
                && b.paragraphs[1].contains("收集并处置 2 个问题线索")
        );
        assert!(!b.paragraphs[1].contains("12309"));
        // Nothing is claimed that the data does not show.
        let b = compose(
            "区检察院",
            &BulletinFigures {
                recommendations_issued: 2,
                ..Default::default()
            },
        );
        assert!(!b.paragraphs.join("").contains("提前沟通"));
    }
}
