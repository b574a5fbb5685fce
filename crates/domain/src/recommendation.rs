//! 检察建议: the letter's sections (legal-reference §3.1), kinds, statuses,
//! the reply period ("两个月以内", shorter if set), and the differences
//! between two versions of a draft.

use crate::ValidationErrors;
use crate::deadline::{ClockUnit, parse_limit};
use serde::{Deserialize, Serialize};

coded!(
    /// What the recommendation is for.
    RecKind {
        Correction = "correction" / "纠正违法",
        SocialGovernance = "social_governance" / "社会治理",
        Other = "other" / "其他",
    }
);

coded!(
    /// Where a recommendation stands.
    RecStatus {
        Draft = "draft" / "起草中",
        PendingApproval = "pending_approval" / "待审批",
        Issued = "issued" / "已签发",
        Delivered = "delivered" / "已送达",
        Replied = "replied" / "已回复",
        Closed = "closed" / "已结案",
    }
);

coded!(
    /// How it was delivered.
    DeliveryMode {
        Written = "written" / "书面送达",
        Public = "public" / "公开宣告送达",
    }
);

coded!(
    /// The recipient's answer, as judged by the office.
    Outcome {
        Adopted = "adopted" / "采纳",
        PartiallyAdopted = "partially_adopted" / "部分采纳",
        NotAdopted = "not_adopted" / "未采纳",
    }
);

coded!(
    /// What the recipient did (or the office did to follow up).
    MeasureKind {
        Interview = "interview" / "约谈",
        WarningEducation = "warning_education" / "以案促改警示教育",
        RuleChange = "rule_change" / "建章立制",
        FollowUpVisit = "follow_up_visit" / "跟进回访",
        Escalation = "escalation" / "逾期未回复，抄送上级机关督促",
        Other = "other" / "其他整改措施",
    }
);

/// The letter's editable sections.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Letter {
    pub title: String,
    /// 案件来源
    pub source: String,
    /// 查明的事实
    pub facts: String,
    /// 存在的问题及法律依据
    pub problems: String,
    /// The numbered 建议 items.
    pub items: Vec<String>,
    /// The reply period: `2m` (the legal maximum) or shorter, e.g. `1m`, `30d`, `20wd`.
    pub reply_limit: String,
    /// 书面回复 and how.
    pub reply_manner: String,
    /// 抄送
    pub cc: String,
}

/// The legal maximum for a written reply: two months from receipt.
pub const MAX_REPLY: (u32, ClockUnit) = (2, ClockUnit::Months);

impl Letter {
    pub fn validate(&self) -> Result<(u32, ClockUnit), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.title.trim().is_empty() {
            e.add("title", "请填写标题");
        }
        if self.facts.trim().is_empty() {
            e.add("facts", "请写明查明的事实");
        }
        if self.problems.trim().is_empty() {
            e.add("problems", "请写明存在的问题及法律依据");
        }
        if self.items.iter().all(|i| i.trim().is_empty()) {
            e.add("items", "请至少提出一项具体建议");
        }
        let limit = parse_limit(self.reply_limit.trim());
        match limit {
            None => e.add("reply_limit", "回复期限应如 2m（两个月）、1m、30d 或 20wd"),
            Some(l) if approx_days(l) > approx_days(MAX_REPLY) => {
                e.add("reply_limit", "回复期限不得超过两个月")
            }
            _ => {}
        }
        e.into_result()?;
        Ok(limit.unwrap_or(MAX_REPLY))
    }

    /// The letter as lines, for comparing versions.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("标题：{}", self.title)];
        for (name, text) in [
            ("案件来源", &self.source),
            ("查明的事实", &self.facts),
            ("存在的问题及法律依据", &self.problems),
        ] {
            out.push(format!("【{name}】"));
            out.extend(text.lines().map(str::to_owned));
        }
        out.push("【建议】".into());
        out.extend(
            self.items
                .iter()
                .enumerate()
                .map(|(i, t)| format!("{}. {t}", i + 1)),
        );
        out.push(format!(
            "回复期限：{}；{}",
            self.reply_limit, self.reply_manner
        ));
        out.push(format!("抄送：{}", self.cc));
        out
    }

    /// The reply clause as written in the letter.
    pub fn reply_clause(&self) -> String {
        let period = match parse_limit(self.reply_limit.trim()) {
            Some((2, ClockUnit::Months)) | None => "两个月".to_owned(),
            Some((n, ClockUnit::Months)) => format!("{n}个月"),
            Some((n, ClockUnit::Days)) => format!("{n}日"),
            Some((n, ClockUnit::WorkingDays)) => format!("{n}个工作日"),
        };
        let manner = if self.reply_manner.trim().is_empty() {
            "将办理情况书面回复本院"
        } else {
            self.reply_manner.trim()
        };
        format!("请你单位自收到本检察建议书之日起{period}以内{manner}。")
    }
}

/// Rough length in days, only to compare a period with the two-month maximum.
fn approx_days((n, unit): (u32, ClockUnit)) -> u32 {
    match unit {
        ClockUnit::Days => n,
        ClockUnit::WorkingDays => n * 7 / 5,
        ClockUnit::Months => n * 30,
    }
}

/// One line of a comparison: kept, removed (from the older) or added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DiffLine {
    /// same | removed | added
    pub tag: &'static str,
    pub text: String,
}

/// The differences between two versions, line by line.
pub fn diff(old: &Letter, new: &Letter) -> Vec<DiffLine> {
    let (a, b) = (old.lines(), new.lines());
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    similar::capture_diff_slices(similar::Algorithm::Myers, &a, &b)
        .iter()
        .flat_map(|op| op.iter_changes(&a, &b))
        .map(|c| DiffLine {
            tag: match c.tag() {
                similar::ChangeTag::Equal => "same",
                similar::ChangeTag::Delete => "removed",
                similar::ChangeTag::Insert => "added",
            },
            text: c.value().to_owned(),
        })
        .collect()
}

/// A confirmed finding the draft cites.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingRef {
    /// The file it was found in (an enforcement case number), if any.
    pub file: String,
    pub dimension: String,
    pub rule_id: Option<String>,
    pub description: String,
    pub evidence: String,
    /// Articles as cited, e.g. 《中华人民共和国行政强制法》第二十四条.
    pub citations: Vec<String>,
}

/// What the case gives a first draft.
#[derive(Debug, Clone, Default)]
pub struct CaseFacts {
    pub case_number: String,
    pub case_title: String,
    pub agency_name: String,
    /// How the matter came to the office (the clue's source).
    pub source: String,
    pub summary: String,
    /// The investigation's conclusion (调查核实结论), if recorded.
    pub conclusion: String,
    pub findings: Vec<FindingRef>,
}

impl Letter {
    /// A first draft from a case: source, facts, the confirmed findings with
    /// their rule ids and articles, and one item per dimension found.
    pub fn draft(kind: RecKind, c: &CaseFacts) -> Letter {
        let title = match kind {
            RecKind::SocialGovernance => format!("关于{}的社会治理检察建议", c.case_title),
            _ => format!("关于{}的检察建议", c.case_title),
        };
        let source = if c.source.is_empty() {
            format!("本院在办理{}（{}）中发现。", c.case_title, c.case_number)
        } else {
            format!(
                "本院在办理{}（{}）中，经{}发现。",
                c.case_title, c.case_number, c.source
            )
        };
        let mut facts = vec![format!("经审查查明：{}", c.summary.trim())];
        if !c.conclusion.trim().is_empty() {
            facts.push(c.conclusion.trim().to_owned());
        }
        for f in &c.findings {
            let file = if f.file.is_empty() {
                String::new()
            } else {
                format!("（卷宗 {}）", f.file)
            };
            let evidence = if f.evidence.is_empty() {
                String::new()
            } else {
                format!("，证据：{}", f.evidence)
            };
            facts.push(format!(
                "{}{file}{evidence}。",
                f.description.trim_end_matches('。')
            ));
        }
        let mut problems = Vec::new();
        let mut dimensions: Vec<&str> = Vec::new();
        for f in &c.findings {
            if !dimensions.contains(&f.dimension.as_str()) {
                dimensions.push(&f.dimension);
            }
        }
        for d in &dimensions {
            let mut basis: Vec<String> = Vec::new();
            let mut rules: Vec<&str> = Vec::new();
            for f in c.findings.iter().filter(|f| f.dimension == *d) {
                for cite in &f.citations {
                    if !basis.contains(cite) {
                        basis.push(cite.clone());
                    }
                }
                if let Some(r) = &f.rule_id
                    && !rules.contains(&r.as_str())
                {
                    rules.push(r);
                }
            }
            let mut line = format!("{}存在{d}问题", c.agency_name);
            if !basis.is_empty() {
                line.push_str(&format!("，不符合{}的规定", basis.join("、")));
            }
            if !rules.is_empty() {
                line.push_str(&format!("（规则 {}）", rules.join("、")));
            }
            line.push('。');
            problems.push(line);
        }
        let items = if dimensions.is_empty() {
            vec![String::new()]
        } else {
            dimensions
                .iter()
                .map(|d| format!("针对{d}问题，依法纠正并完善相关执法程序"))
                .collect()
        };
        Letter {
            title,
            source,
            facts: facts.join("\n"),
            problems: problems.join("\n"),
            items,
            reply_limit: "2m".into(),
            reply_manner: "将办理情况书面回复本院".into(),
            cc: String::new(),
        }
    }
}

/// Items from a textarea, one per line, numbering removed.
pub fn parse_items(text: &str) -> Vec<String> {
    crate::coordination::parse_items(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> Letter {
        Letter {
            title: "关于规范行政强制措施的检察建议".into(),
            source: "本院在专项监督活动中发现".into(),
            facts: "经审查查明，2023 年扣押车辆 4 件未当场交付决定书。".into(),
            problems: "违反《行政强制法》第二十四条。".into(),
            items: vec!["规范扣押程序".into(), "加强执法人员培训".into()],
            reply_limit: "2m".into(),
            reply_manner: String::new(),
            cc: "区司法局".into(),
        }
    }

    #[test]
    fn two_months_is_the_longest_reply_period() {
        assert_eq!(letter().validate(), Ok((2, ClockUnit::Months)));
        let mut l = letter();
        l.reply_limit = "1m".into();
        assert!(l.validate().is_ok());
        l.reply_limit = "60d".into();
        assert!(l.validate().is_ok(), "60 days is within two months");
        l.reply_limit = "61d".into();
        assert_eq!(
            l.validate().unwrap_err().errors[0].message,
            "回复期限不得超过两个月"
        );
        l.reply_limit = "3m".into();
        assert!(l.validate().is_err());
        l.reply_limit = "两个月".into();
        assert!(l.validate().unwrap_err().errors[0].message.contains("2m"));
    }

    #[test]
    fn a_letter_needs_facts_problems_and_an_item() {
        let e = Letter {
            reply_limit: "2m".into(),
            ..Letter::default()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, vec!["title", "facts", "problems", "items"]);
    }

    #[test]
    fn the_reply_clause_says_the_period() {
        assert_eq!(
            letter().reply_clause(),
            "请你单位自收到本检察建议书之日起两个月以内将办理情况书面回复本院。"
        );
        let mut l = letter();
        l.reply_limit = "30d".into();
        l.reply_manner = "书面回复本院并附整改材料".into();
        assert_eq!(
            l.reply_clause(),
            "请你单位自收到本检察建议书之日起30日以内书面回复本院并附整改材料。"
        );
    }

    #[test]
    fn a_draft_cites_the_findings_with_rules_and_articles() {
        let c = CaseFacts {
            case_number: "上检行监〔2023〕1号".into(),
            case_title: "区交通运输局扣押车辆程序违法监督案".into(),
            agency_name: "区交通运输局".into(),
            source: "12309 检察服务中心来信".into(),
            summary: "区交通运输局在非法营运执法中扣押车辆。".into(),
            conclusion: "未当场交付决定书属实".into(),
            findings: vec![
                FindingRef {
                    file: "JT-2023-0107".into(),
                    dimension: "执法不规范".into(),
                    rule_id: Some("XQZ-24-DECISION".into()),
                    description: "未当场交付《行政强制措施决定书》".into(),
                    evidence: "送达回证日期晚于扣押日".into(),
                    citations: vec!["《中华人民共和国行政强制法》第二十四条".into()],
                },
                FindingRef {
                    file: "JT-2023-0108".into(),
                    dimension: "执法不规范".into(),
                    rule_id: Some("XQZ-18-RECORD".into()),
                    description: "现场笔录记录不全".into(),
                    evidence: String::new(),
                    citations: vec!["《中华人民共和国行政强制法》第十八条".into()],
                },
            ],
        };
        let l = Letter::draft(RecKind::Correction, &c);
        assert_eq!(l.title, "关于区交通运输局扣押车辆程序违法监督案的检察建议");
        assert!(l.source.contains("12309 检察服务中心来信"));
        assert!(l.facts.contains("未当场交付《行政强制措施决定书》（卷宗 JT-2023-0107），证据：送达回证日期晚于扣押日。"), "{}", l.facts);
        assert_eq!(
            l.problems,
            "区交通运输局存在执法不规范问题，不符合《中华人民共和国行政强制法》第二十四条、《中华人民共和国行政强制法》第十八条的规定（规则 XQZ-24-DECISION、XQZ-18-RECORD）。"
        );
        assert_eq!(l.items.len(), 1);
        assert!(l.validate().is_ok());
    }

    #[test]
    fn versions_differ_line_by_line() {
        let old = letter();
        let mut new = letter();
        new.items[1] = "每季度开展执法人员培训".into();
        new.items.push("建立案卷评查制度".into());
        let d = diff(&old, &new);
        let changed: Vec<_> = d
            .iter()
            .filter(|l| l.tag != "same")
            .map(|l| (l.tag, l.text.as_str()))
            .collect();
        assert_eq!(
            changed,
            vec![
                ("removed", "2. 加强执法人员培训"),
                ("added", "2. 每季度开展执法人员培训"),
                ("added", "3. 建立案卷评查制度"),
            ]
        );
        assert!(diff(&old, &old).iter().all(|l| l.tag == "same"));
    }
}
