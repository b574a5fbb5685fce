//! The supervision case (行政检察监督案件): its stages, and which moves between
//! them each role may make with which fields — one declarative table,
//! [`TRANSITIONS`], that the store enforces and the tests read as data.

use crate::{Role, ValidationErrors};
use serde::{Deserialize, Serialize};

/// 受理 → 立案 → 调查核实 → 审查 → 处理决定 → 跟进 → 结案.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Accepted,
    Filed,
    Investigating,
    Reviewing,
    Decided,
    FollowingUp,
    Closed,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Accepted,
        Stage::Filed,
        Stage::Investigating,
        Stage::Reviewing,
        Stage::Decided,
        Stage::FollowingUp,
        Stage::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Accepted => "accepted",
            Stage::Filed => "filed",
            Stage::Investigating => "investigating",
            Stage::Reviewing => "reviewing",
            Stage::Decided => "decided",
            Stage::FollowingUp => "following_up",
            Stage::Closed => "closed",
        }
    }

    pub fn from_code(c: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == c)
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Accepted => "受理",
            Stage::Filed => "立案",
            Stage::Investigating => "调查核实",
            Stage::Reviewing => "审查",
            Stage::Decided => "处理决定",
            Stage::FollowingUp => "跟进",
            Stage::Closed => "结案",
        }
    }
}

/// The decision a case reaches (处理决定).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 检察建议
    Recommendation,
    /// 不支持监督申请
    NotSupported,
    /// 终结审查
    Terminated,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Self::Recommendation, Self::NotSupported, Self::Terminated];

    pub fn code(self) -> &'static str {
        match self {
            Self::Recommendation => "recommendation",
            Self::NotSupported => "not_supported",
            Self::Terminated => "terminated",
        }
    }

    pub fn from_code(c: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == c)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Recommendation => "提出检察建议",
            Self::NotSupported => "不支持监督",
            Self::Terminated => "终结审查",
        }
    }
}

/// A field a transition asks for. Free text unless said otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    FilingReason,
    InvestigationPlan,
    Conclusion,
    ReturnReason,
    /// A [`Decision`] code.
    Decision,
    DecisionReason,
    FollowUpPlan,
    ClosingSummary,
}

impl Field {
    pub fn code(self) -> &'static str {
        match self {
            Field::FilingReason => "filing_reason",
            Field::InvestigationPlan => "investigation_plan",
            Field::Conclusion => "conclusion",
            Field::ReturnReason => "return_reason",
            Field::Decision => "decision",
            Field::DecisionReason => "decision_reason",
            Field::FollowUpPlan => "follow_up_plan",
            Field::ClosingSummary => "closing_summary",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::FilingReason => "立案理由",
            Field::InvestigationPlan => "调查核实计划",
            Field::Conclusion => "调查核实结论",
            Field::ReturnReason => "退回补充调查的理由",
            Field::Decision => "处理决定",
            Field::DecisionReason => "决定理由",
            Field::FollowUpPlan => "跟进监督安排",
            Field::ClosingSummary => "结案报告摘要",
        }
    }
}

/// A condition on the case's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    Always,
    DecisionIs(Decision),
    DecisionIsNot(Decision),
}

/// One allowed move.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    pub from: Stage,
    pub to: Stage,
    /// The button's words.
    pub action: &'static str,
    pub roles: &'static [Role],
    pub requires: &'static [Field],
    pub guard: Guard,
}

const HANDLERS: &[Role] = &[Role::Prosecutor, Role::DeputyChief, Role::Chief];
const INVESTIGATORS: &[Role] = &[
    Role::Prosecutor,
    Role::Assistant,
    Role::DeputyChief,
    Role::Chief,
];
const LEADERS: &[Role] = &[Role::DeputyChief, Role::Chief];

/// Every allowed stage change. Anything not here is refused.
pub const TRANSITIONS: &[Transition] = &[
    Transition {
        from: Stage::Accepted,
        to: Stage::Filed,
        action: "立案",
        roles: HANDLERS,
        requires: &[Field::FilingReason],
        guard: Guard::Always,
    },
    Transition {
        from: Stage::Accepted,
        to: Stage::Closed,
        action: "不予立案并结案",
        roles: HANDLERS,
        requires: &[Field::ClosingSummary],
        guard: Guard::Always,
    },
    Transition {
        from: Stage::Filed,
        to: Stage::Investigating,
        action: "开始调查核实",
        roles: INVESTIGATORS,
        requires: &[Field::InvestigationPlan],
        guard: Guard::Always,
    },
    Transition {
        from: Stage::Investigating,
        to: Stage::Reviewing,
        action: "调查终结，提请审查",
        roles: HANDLERS,
        requires: &[Field::Conclusion],
        guard: Guard::Always,
    },
    Transition {
        from: Stage::Reviewing,
        to: Stage::Investigating,
        action: "退回补充调查",
        roles: HANDLERS,
        requires: &[Field::ReturnReason],
        guard: Guard::Always,
    },
    Transition {
        from: Stage::Reviewing,
        to: Stage::Decided,
        action: "作出处理决定",
        roles: LEADERS,
        requires: &[Field::Decision, Field::DecisionReason],
        guard: Guard::Always,
    },
    Transition {
        from: Stage::Decided,
        to: Stage::FollowingUp,
        action: "转入跟进监督",
        roles: HANDLERS,
        requires: &[Field::FollowUpPlan],
        guard: Guard::DecisionIs(Decision::Recommendation),
    },
    Transition {
        from: Stage::Decided,
        to: Stage::Closed,
        action: "结案",
        roles: HANDLERS,
        requires: &[Field::ClosingSummary],
        guard: Guard::DecisionIsNot(Decision::Recommendation),
    },
    Transition {
        from: Stage::FollowingUp,
        to: Stage::Closed,
        action: "结案",
        roles: HANDLERS,
        requires: &[Field::ClosingSummary],
        guard: Guard::Always,
    },
];

impl Guard {
    pub fn holds(self, decision: Option<Decision>) -> bool {
        match self {
            Guard::Always => true,
            Guard::DecisionIs(d) => decision == Some(d),
            Guard::DecisionIsNot(d) => decision.is_some_and(|x| x != d),
        }
    }
}

/// The moves `role` may make from `stage` given the case's decision.
pub fn available(stage: Stage, decision: Option<Decision>, role: Role) -> Vec<&'static Transition> {
    TRANSITIONS
        .iter()
        .filter(|t| t.from == stage && t.roles.contains(&role) && t.guard.holds(decision))
        .collect()
}

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// No such move from this stage (or its guard fails).
    NotAllowed {
        from: Stage,
        to: Stage,
    },
    /// The move exists but not for this role.
    Role {
        role: Role,
    },
    Fields(ValidationErrors),
}

impl TransitionError {
    pub fn message(&self) -> String {
        match self {
            TransitionError::NotAllowed { from, to } => {
                format!("案件处于“{}”阶段，不能转入“{}”", from.label(), to.label())
            }
            TransitionError::Role { role } => format!("{}无权执行此操作", role.label()),
            TransitionError::Fields(v) => v.to_string(),
        }
    }
}

/// Check a move against the table: it must exist for this stage and
/// decision, be open to `role`, and carry every required field (non-empty;
/// a decision must be a known code). Returns the move and the decision it sets.
pub fn check(
    stage: Stage,
    decision: Option<Decision>,
    to: Stage,
    role: Role,
    fields: &std::collections::BTreeMap<String, String>,
) -> Result<(&'static Transition, Option<Decision>), TransitionError> {
    let candidates: Vec<_> = TRANSITIONS
        .iter()
        .filter(|t| t.from == stage && t.to == to && t.guard.holds(decision))
        .collect();
    if candidates.is_empty() {
        return Err(TransitionError::NotAllowed { from: stage, to });
    }
    let Some(t) = candidates.into_iter().find(|t| t.roles.contains(&role)) else {
        return Err(TransitionError::Role { role });
    };
    let mut e = ValidationErrors::new();
    let mut new_decision = decision;
    for f in t.requires {
        let v = fields.get(f.code()).map(|s| s.trim()).unwrap_or("");
        if v.is_empty() {
            e.add(f.code(), format!("请填写{}", f.label()));
        } else if v.chars().count() > 20_000 {
            e.add(f.code(), format!("{}不能超过 20000 字", f.label()));
        } else if *f == Field::Decision {
            match Decision::from_code(v) {
                Some(d) => new_decision = Some(d),
                None => e.add(f.code(), "处理决定无效"),
            }
        }
    }
    e.into_result().map_err(TransitionError::Fields)?;
    Ok((t, new_decision))
}

/// Default time limits per stage (本院办案期限, configurable): the case-stage
/// clock starts when a case enters the stage and stops when it leaves.
pub const STAGE_LIMITS: &[(Stage, u32, crate::deadline::ClockUnit)] = &[
    (Stage::Accepted, 7, crate::deadline::ClockUnit::WorkingDays),
    (Stage::Filed, 15, crate::deadline::ClockUnit::WorkingDays),
    (Stage::Investigating, 2, crate::deadline::ClockUnit::Months),
    (Stage::Reviewing, 30, crate::deadline::ClockUnit::Days),
    (Stage::Decided, 15, crate::deadline::ClockUnit::WorkingDays),
    (Stage::FollowingUp, 3, crate::deadline::ClockUnit::Months),
];

/// The outcome of resolving the underlying dispute (行政争议实质性化解).
pub const DISPUTE_OUTCOMES: [(&str, &str); 5] = [
    ("resolved_by_agreement", "达成和解，争议化解"),
    ("agency_corrected", "行政机关自行纠正"),
    ("withdrawn", "当事人撤回申请"),
    ("explained_accepted", "释法说理，当事人服判息诉"),
    ("not_resolved", "未能化解"),
];

pub fn dispute_outcome_label(code: &str) -> &'static str {
    DISPUTE_OUTCOMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, l)| l)
}

/// Who was questioned in an inquiry.
pub const INTERVIEWEE_ROLES: [(&str, &str); 3] = [
    ("party", "行政相对人"),
    ("officer", "执法人员"),
    ("witness", "证人"),
];

pub fn interviewee_role_label(code: &str) -> &'static str {
    INTERVIEWEE_ROLES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, l)| l)
}

/// One question and its answer in an inquiry record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuestionAnswer {
    pub q: String,
    pub a: String,
}

/// Q&A typed as a record is written: lines starting 问：/问: begin a question,
/// 答：/答: its answer; other lines continue the one before.
pub fn parse_qa(text: &str) -> Vec<QuestionAnswer> {
    let mut out: Vec<QuestionAnswer> = Vec::new();
    let mut in_answer = false;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(q) = line
            .strip_prefix("问：")
            .or_else(|| line.strip_prefix("问:"))
        {
            out.push(QuestionAnswer {
                q: q.trim().to_owned(),
                a: String::new(),
            });
            in_answer = false;
        } else if let Some(a) = line
            .strip_prefix("答：")
            .or_else(|| line.strip_prefix("答:"))
        {
            match out.last_mut() {
                Some(last) if last.a.is_empty() => last.a = a.trim().to_owned(),
                _ => out.push(QuestionAnswer {
                    q: String::new(),
                    a: a.trim().to_owned(),
                }),
            }
            in_answer = true;
        } else if let Some(last) = out.last_mut() {
            let target = if in_answer { &mut last.a } else { &mut last.q };
            target.push('\n');
            target.push_str(line);
        } else {
            out.push(QuestionAnswer {
                q: line.to_owned(),
                a: String::new(),
            });
        }
    }
    out
}

/// A case number from a pattern: `{year}`, `{seq}` and `{seq:N}` (zero-padded
/// to N digits) are replaced, e.g. `上检行监〔{year}〕{seq}号` → `上检行监〔2026〕3号`.
pub fn format_number(pattern: &str, year: i32, seq: i64) -> Result<String, String> {
    if !pattern.contains("{seq") {
        return Err(format!("编号格式“{pattern}”缺少 {{seq}}"));
    }
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else {
            return Err(format!("编号格式“{pattern}”的花括号不成对"));
        };
        let key = &rest[i + 1..i + j];
        match key {
            "year" => out.push_str(&year.to_string()),
            "seq" => out.push_str(&seq.to_string()),
            k if k.starts_with("seq:") => {
                let w: usize = k[4..]
                    .parse()
                    .map_err(|_| format!("编号格式“{pattern}”中的“{{{k}}}”无效"))?;
                out.push_str(&format!("{seq:0w$}"));
            }
            k => {
                return Err(format!(
                    "编号格式“{pattern}”中的“{{{k}}}”无法识别，可用 {{year}}、{{seq}}、{{seq:N}}"
                ));
            }
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The table read as data: every stage but 结案 has a way forward, 结案 is
    /// reachable from every stage, nothing leaves 结案, and every move needs a field.
    #[test]
    fn the_table_is_a_connected_workflow_ending_in_closed() {
        for s in Stage::ALL {
            let out: Vec<_> = TRANSITIONS.iter().filter(|t| t.from == s).collect();
            assert_eq!(out.is_empty(), s == Stage::Closed, "{s:?}");
        }
        // Reachability of 结案 from every stage, over any decision.
        let mut reach: HashSet<Stage> = HashSet::from([Stage::Closed]);
        loop {
            let before = reach.len();
            for t in TRANSITIONS {
                if reach.contains(&t.to) {
                    reach.insert(t.from);
                }
            }
            if reach.len() == before {
                break;
            }
        }
        assert_eq!(reach.len(), Stage::ALL.len());
        assert!(
            TRANSITIONS
                .iter()
                .all(|t| !t.requires.is_empty() && !t.roles.is_empty())
        );
        // Outsiders never move a case.
        for t in TRANSITIONS {
            for r in [
                Role::Liaison,
                Role::PeopleSupervisor,
                Role::Admin,
                Role::Clerk,
            ] {
                assert!(!t.roles.contains(&r), "{r:?} in {}", t.action);
            }
        }
    }

    #[test]
    fn each_row_is_enforced_for_roles_fields_and_guards() {
        for t in TRANSITIONS {
            let decision = match t.guard {
                Guard::Always => None,
                Guard::DecisionIs(d) => Some(d),
                Guard::DecisionIsNot(_) => Some(Decision::Terminated),
            };
            let mut full = BTreeMap::new();
            for f in t.requires {
                let v = if *f == Field::Decision {
                    "recommendation"
                } else {
                    "理由"
                };
                full.insert(f.code().to_owned(), v.to_owned());
            }
            for r in Role::ALL {
                let res = check(t.from, decision, t.to, r, &full);
                if t.roles.contains(&r) {
                    assert!(res.is_ok(), "{} by {r:?}: {res:?}", t.action);
                    // Every required field, left out, is named.
                    for f in t.requires {
                        let mut less = full.clone();
                        less.remove(f.code());
                        match check(t.from, decision, t.to, r, &less) {
                            Err(TransitionError::Fields(v)) => {
                                assert!(v.for_field(f.code()).is_some())
                            }
                            other => panic!("{}: {other:?}", t.action),
                        }
                    }
                } else {
                    assert!(
                        matches!(res, Err(TransitionError::Role { .. })),
                        "{} by {r:?}",
                        t.action
                    );
                }
            }
        }
    }

    #[test]
    fn a_recommendation_goes_to_follow_up_and_other_decisions_close() {
        let f = fields(&[("follow_up_plan", "x"), ("closing_summary", "y")]);
        let p = Role::Prosecutor;
        assert!(
            check(
                Stage::Decided,
                Some(Decision::Recommendation),
                Stage::FollowingUp,
                p,
                &f
            )
            .is_ok()
        );
        assert!(matches!(
            check(
                Stage::Decided,
                Some(Decision::Recommendation),
                Stage::Closed,
                p,
                &f
            ),
            Err(TransitionError::NotAllowed { .. })
        ));
        assert!(
            check(
                Stage::Decided,
                Some(Decision::NotSupported),
                Stage::Closed,
                p,
                &f
            )
            .is_ok()
        );
        assert!(matches!(
            check(Stage::Accepted, None, Stage::Reviewing, p, &f),
            Err(TransitionError::NotAllowed { .. })
        ));
    }

    #[test]
    fn a_decision_must_be_known_and_is_returned() {
        let f = fields(&[
            ("decision", "recommendation"),
            ("decision_reason", "查明违法"),
        ]);
        let (_, d) = check(Stage::Reviewing, None, Stage::Decided, Role::Chief, &f).unwrap();
        assert_eq!(d, Some(Decision::Recommendation));
        let f = fields(&[("decision", "maybe"), ("decision_reason", "x")]);
        assert!(check(Stage::Reviewing, None, Stage::Decided, Role::Chief, &f).is_err());
    }

    #[test]
    fn questions_and_answers_are_read_as_written() {
        let qa = parse_qa(
            "问：你的车是否被扣押？\n答：是的，\n当天没有给我决定书。\n问: 有无清单？\n答: 没有",
        );
        assert_eq!(qa.len(), 2);
        assert_eq!(qa[0].a, "是的，\n当天没有给我决定书。");
        assert_eq!(qa[1].q, "有无清单？");
        assert_eq!(qa[1].a, "没有");
    }

    #[test]
    fn every_stage_but_closed_has_a_limit() {
        for s in Stage::ALL {
            assert_eq!(
                STAGE_LIMITS.iter().any(|l| l.0 == s),
                s != Stage::Closed,
                "{s:?}"
            );
        }
    }

    #[test]
    fn numbers_follow_the_pattern() {
        assert_eq!(
            format_number("上检行监〔{year}〕{seq}号", 2026, 3).unwrap(),
            "上检行监〔2026〕3号"
        );
        assert_eq!(
            format_number("XJ-{year}-{seq:04}", 2026, 12).unwrap(),
            "XJ-2026-0012"
        );
        assert!(format_number("{year}", 2026, 1).is_err());
        assert!(format_number("{yr}{seq}", 2026, 1).is_err());
        assert!(format_number("{seq", 2026, 1).is_err());
    }
}
