//! What the search index holds: one document per thing a user can open,
//! with the audience that may see it, computed by the store from the same
//! scope rules as every list.

use serde::Serialize;

coded! {
    /// The kinds of document, each with its page.
    DocKind {
        Clue = "clue" / "问题线索",
        FieldVisit = "field_visit" / "实地走访",
        Case = "case" / "监督案件",
        Inquiry = "inquiry" / "询问笔录",
        ReviewFile = "review_file" / "卷宗评查",
        FileRequest = "file_request" / "调取卷宗",
        Recommendation = "recommendation" / "检察建议",
        Meeting = "meeting" / "会议",
        Agreement = "agreement" / "协作协议",
        Exchange = "exchange" / "信息交流",
        Campaign = "campaign" / "专项活动",
        Attachment = "attachment" / "附件",
        Record = "record" / "执法记录",
    }
}

/// One document to index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SearchDoc {
    /// Unique: `kind:id`.
    pub key: String,
    /// The change that (re)builds it: the audit entity and id, e.g. `review:3`
    /// for every file of review batch 3. All documents of a group are
    /// replaced together.
    pub group: String,
    pub kind: String,
    /// The page to open.
    pub url: String,
    pub title: String,
    pub body: String,
    /// Plates, case numbers, 文号: matched exactly after `exact_key`.
    pub exact: Vec<String>,
    /// ID numbers: matched only for roles that may see personal data.
    pub id_numbers: Vec<String>,
    /// Agency names, for the facet.
    pub agencies: Vec<String>,
    pub dimensions: Vec<String>,
    /// `YYYY-MM-DD`: sorting by date and the year facet.
    pub date: String,
    /// Who may find it: `role:<code>`, `agency:<id>` (its liaisons), `user:<id>`.
    pub audience: Vec<String>,
    /// An attachment's stored object, whose text the indexer extracts.
    pub attachment: Option<AttachmentRef>,
    /// An imported dataset, whose records the indexer turns into documents
    /// (each inheriting this one's group, audience and agencies).
    pub records: Option<RecordsRef>,
    /// Names of people (当事人 of individuals): matched, like ID numbers, only
    /// for roles that may look people up; never shown unmasked.
    pub people: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecordsRef {
    pub import_id: i64,
    /// A contract table name (`penalty_cases` …).
    pub table: String,
    pub location: String,
}

impl SearchDoc {
    /// A document of `kind` number `id`, in its own group, opening at `url`;
    /// the caller fills in the rest.
    pub fn of(kind: DocKind, id: i64, url: String) -> Self {
        let key = format!("{}:{id}", kind.code());
        SearchDoc {
            group: key.clone(),
            key,
            kind: kind.code().to_owned(),
            url,
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AttachmentRef {
    pub file_name: String,
    pub content_type: String,
    /// Where the object store keeps the bytes.
    pub location: String,
}

/// The one form in which plates, case numbers and 文号 are compared:
/// full-width to half-width, upper case, without spaces, separator dots,
/// dashes or brackets, so that "豫A·12345", "豫a 12345", "上交运罚〔2022〕117号"
/// and "上交运罚[2022]117号" each meet their twin.
pub fn exact_key(raw: &str) -> String {
    crate::normalize_plate(raw)
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '〔' | '〕' | '[' | ']' | '(' | ')' | '（' | '）' | '【' | '】' | '第'
            )
        })
        .collect()
}

/// A resident ID number (18 characters, the last a digit or X) or a
/// 统一社会信用代码 (18 characters, digits and capitals).
pub fn looks_like_id_number(s: &str) -> bool {
    let s = s.trim();
    s.chars().count() == 18
        && s.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == 'x')
        && s.chars()
            .take(6)
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

/// Whether a role may look people up by ID number (every such search is
/// audited): the prosecutors handling cases and the leadership.
pub fn may_search_id_numbers(role: crate::Role) -> bool {
    matches!(
        role,
        crate::Role::Prosecutor | crate::Role::DeputyChief | crate::Role::Chief
    )
}

/// The tokens of an actor's audience: what its documents must carry.
pub fn audience_of(actor: &crate::Actor) -> Vec<String> {
    match (actor.role, actor.agency_id) {
        (crate::Role::Liaison, Some(a)) => vec![format!("agency:{}", a.0)],
        (crate::Role::Liaison, None) => Vec::new(),
        (crate::Role::PeopleSupervisor, _) => vec![format!("user:{}", actor.user_id.0)],
        (r, _) => vec![format!("role:{}", r.code())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_keys_meet_their_twins() {
        assert_eq!(exact_key("豫A·12345"), exact_key(" 豫a 12345 "));
        assert_eq!(exact_key("豫Ａ１２３４５"), "豫A12345");
        assert_eq!(
            exact_key("上交运罚〔2022〕117号"),
            exact_key("上交运罚[2022]117号")
        );
        assert_eq!(exact_key("上检行建〔2023〕1号"), "上检行建20231号");
        assert_eq!(exact_key("JT-2023-0201"), "JT20230201");
    }

    #[test]
    fn id_numbers_are_recognised() {
        assert!(looks_like_id_number("41010219700101100X"));
        assert!(looks_like_id_number("410102197001011000"));
        assert!(looks_like_id_number("91410100MA44XXXX1Y"));
        assert!(!looks_like_id_number("13803710101"));
        assert!(!looks_like_id_number("上交运罚〔2022〕117号"));
    }
}
