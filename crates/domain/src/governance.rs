//! 诉源治理: recurring problems across files — screening hits and confirmed
//! review findings grouped by problem (rule, or dimension for a finding
//! without one) and agency, with the officers involved and the months they
//! were found in; and a social-governance draft citing the files.

use crate::recommendation::Letter;
use std::collections::{BTreeMap, BTreeSet};

/// One problem found in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Occurrence {
    pub rule_id: Option<String>,
    pub dimension: String,
    pub agency_id: Option<i64>,
    pub agency_name: String,
    /// The file (enforcement case number or record key).
    pub file: String,
    /// 执法证号 of the officers named in the file.
    pub officers: Vec<String>,
    /// `YYYY-MM` when it was found.
    pub month: String,
}

/// A problem seen in several files of one agency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problem {
    pub rule_id: Option<String>,
    pub dimension: String,
    pub agency_id: Option<i64>,
    pub agency_name: String,
    /// Distinct files, sorted.
    pub files: Vec<String>,
    /// Files per month found, in month order.
    pub months: Vec<(String, usize)>,
    /// Officers by the number of files they appear in, most first.
    pub officers: Vec<(String, usize)>,
}

impl Problem {
    /// The problem's key in a URL: the rule id, or `dimension:…`.
    pub fn key(&self) -> String {
        self.rule_id
            .clone()
            .unwrap_or_else(|| format!("dimension:{}", self.dimension))
    }
}

type GroupKey = (String, Option<i64>);

fn key_of(o: &Occurrence) -> GroupKey {
    (
        o.rule_id
            .clone()
            .unwrap_or_else(|| format!("dimension:{}", o.dimension)),
        o.agency_id,
    )
}

/// Problems seen in at least `min_files` distinct files of one agency, most
/// files first.
pub fn recurring(occurrences: &[Occurrence], min_files: usize) -> Vec<Problem> {
    let mut groups: BTreeMap<GroupKey, Vec<&Occurrence>> = BTreeMap::new();
    for o in occurrences {
        groups.entry(key_of(o)).or_default().push(o);
    }
    let mut out: Vec<Problem> = groups
        .into_values()
        .filter_map(|os| {
            let files: BTreeSet<&str> = os.iter().map(|o| o.file.as_str()).collect();
            if files.len() < min_files.max(1) {
                return None;
            }
            // A file counts once per month and once per officer.
            let mut months: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            let mut officers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for o in &os {
                months.entry(&o.month).or_default().insert(&o.file);
                for off in &o.officers {
                    officers.entry(off).or_default().insert(&o.file);
                }
            }
            let mut officers: Vec<(String, usize)> = officers
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.len()))
                .collect();
            officers.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let first = os.first()?;
            Some(Problem {
                rule_id: first.rule_id.clone(),
                dimension: first.dimension.clone(),
                agency_id: first.agency_id,
                agency_name: first.agency_name.clone(),
                files: files.into_iter().map(str::to_owned).collect(),
                months: months
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.len()))
                    .collect(),
                officers,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.files
            .len()
            .cmp(&a.files.len())
            .then_with(|| a.agency_name.cmp(&b.agency_name))
            .then_with(|| a.key().cmp(&b.key()))
    });
    out
}

/// A social-governance draft about a recurring problem, citing its files.
/// `title` names the problem (the rule's title, or the dimension);
/// `citations` are the articles it breaches.
pub fn governance_draft(p: &Problem, title: &str, citations: &[String]) -> Letter {
    const LISTED: usize = 20;
    let mut files = p
        .files
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join("、");
    if p.files.len() > LISTED {
        files.push_str(&format!("等 {} 件", p.files.len()));
    }
    let period = match (p.months.first(), p.months.last()) {
        (Some(a), Some(b)) if a.0 != b.0 => format!("{}至{}", a.0, b.0),
        (Some(a), _) => a.0.clone(),
        _ => String::new(),
    };
    let basis = if citations.is_empty() {
        String::new()
    } else {
        format!("，不符合{}的规定", citations.join("、"))
    };
    let rule = p
        .rule_id
        .as_deref()
        .map_or_else(String::new, |r| format!("（规则 {r}）"));
    Letter {
        title: format!("关于{}{}问题的社会治理检察建议", p.agency_name, title),
        source: "本院在开展诉源治理、分析同类问题中发现。".into(),
        facts: format!(
            "经对{}{}执法案卷进行分析，{}在 {} 件案卷中反复出现“{title}”问题{rule}。涉及案卷：{files}。",
            p.agency_name,
            if period.is_empty() {
                String::new()
            } else {
                format!("{period}期间")
            },
            p.agency_name,
            p.files.len(),
        ),
        problems: format!(
            "同类问题在多件案卷中反复出现，反映出{}在{}方面存在制度和管理漏洞{basis}。",
            p.agency_name, p.dimension
        ),
        items: vec![
            format!("针对“{title}”问题开展专项排查，逐案整改"),
            "完善相关执法制度和流程，堵塞管理漏洞".into(),
            "加强执法人员培训和执法监督，防止同类问题再次发生".into(),
        ],
        reply_limit: "2m".into(),
        reply_manner: "将办理情况书面回复本院".into(),
        cc: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occ(rule: &str, agency: i64, file: &str, officers: &[&str], month: &str) -> Occurrence {
        Occurrence {
            rule_id: (!rule.is_empty()).then(|| rule.to_owned()),
            dimension: "执法不规范".into(),
            agency_id: Some(agency),
            agency_name: format!("机关{agency}"),
            file: file.into(),
            officers: officers.iter().map(|s| s.to_string()).collect(),
            month: month.into(),
        }
    }

    #[test]
    fn a_problem_counts_distinct_files_per_agency_from_the_threshold() {
        let o = vec![
            occ("XQZ-24", 1, "A1", &["E1"], "2023-01"),
            occ("XQZ-24", 1, "A1", &["E1"], "2023-01"), // the same file again (another run)
            occ("XQZ-24", 1, "A2", &["E1", "E2"], "2023-02"),
            occ("XQZ-24", 1, "A3", &["E2"], "2023-02"),
            occ("XQZ-24", 2, "B1", &[], "2023-02"),
            occ("", 1, "A4", &[], "2023-03"),
        ];
        let p = recurring(&o, 3);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].files, vec!["A1", "A2", "A3"]);
        assert_eq!(
            p[0].months,
            vec![("2023-01".to_owned(), 1), ("2023-02".to_owned(), 2)]
        );
        assert_eq!(
            p[0].officers,
            vec![("E1".to_owned(), 2), ("E2".to_owned(), 2)]
        );
        // Exactly the threshold is enough; one fewer file is not.
        assert_eq!(recurring(&o, 4).len(), 0);
        // Findings without a rule group by dimension.
        let all = recurring(&o, 1);
        assert!(
            all.iter()
                .any(|p| p.key() == "dimension:执法不规范" && p.files == vec!["A4"])
        );
        assert_eq!(all[0].files.len(), 3, "most files first");
    }

    #[test]
    fn the_draft_cites_the_files_and_the_law() {
        let o: Vec<_> = (1..=25)
            .map(|i| occ("XQZ-24", 1, &format!("F{i:02}"), &[], "2023-05"))
            .collect();
        let p = &recurring(&o, 3)[0];
        let l = governance_draft(
            p,
            "未当场交付决定书",
            &["《中华人民共和国行政强制法》第二十四条".into()],
        );
        assert_eq!(l.title, "关于机关1未当场交付决定书问题的社会治理检察建议");
        assert!(
            l.facts.contains("在 25 件案卷中反复出现")
                && l.facts.contains("F01、F02")
                && l.facts.contains("等 25 件")
        );
        assert!(!l.facts.contains("F21"), "the list is cut at 20");
        assert!(l.problems.contains("第二十四条"));
        assert!(l.validate().is_ok());
    }
}
