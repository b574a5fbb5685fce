//! From what a user typed, and who they are, to tantivy queries: the words,
//! the exact keys and personal terms they may look up, the audience clause
//! and the facet filters.

use crate::{Blind, Fields, SearchError, SearchQuery, SearchResult};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::{Searcher, Term};
use xingjian_domain::Actor;
use xingjian_domain::search::{
    audience_of, exact_key, looks_like_id_number, may_search_id_numbers,
};

fn term(field: Field, text: &str, option: IndexRecordOption) -> TermQuery {
    TermQuery::new(Term::from_field_text(field, text), option)
}

/// Every clause required: the clause itself when there is one.
pub(crate) fn all_of(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if clauses.len() == 1 {
        clauses
            .into_iter()
            .next()
            .unwrap_or_else(|| Box::new(AllQuery))
    } else {
        Box::new(BooleanQuery::new(
            clauses.into_iter().map(|c| (Occur::Must, c)).collect(),
        ))
    }
}

/// jieba's words of `words`, lower-cased, punctuation dropped, each once.
pub(crate) fn word_tokens(words: &str) -> Vec<String> {
    use tantivy::tokenizer::{TextAnalyzer, TokenStream};
    let mut analyzer = TextAnalyzer::from(tantivy_jieba::JiebaTokenizer::with_search_mode(false));
    let mut tokens: Vec<String> = Vec::new();
    let mut stream = analyzer.token_stream(words);
    while stream.advance() {
        let t = stream.token().text.trim().to_lowercase();
        if t.chars().any(char::is_alphanumeric) && !tokens.contains(&t) {
            tokens.push(t);
        }
    }
    tokens
}

/// Every word in the title or the body, as clauses to add to a union: one
/// word gives its term in `text`, several words an intersection of `text`
/// terms; each word in the title ranks higher.
fn words_clauses(f: Fields, tokens: &[String]) -> Vec<(Occur, Box<dyn Query>)> {
    let text =
        |t: &str| -> Box<dyn Query> { Box::new(term(f.text, t, IndexRecordOption::WithFreqs)) };
    let in_title = |t: &str| -> Box<dyn Query> {
        Box::new(BoostQuery::new(
            Box::new(term(f.title, t, IndexRecordOption::WithFreqs)),
            2.0,
        ))
    };
    match tokens {
        [] => Vec::new(),
        [one] => vec![(Occur::Should, text(one)), (Occur::Should, in_title(one))],
        many => {
            let all = many
                .iter()
                .map(|t| (Occur::Must, text(t)))
                .chain(many.iter().map(|t| (Occur::Should, in_title(t))))
                .collect();
            vec![(
                Occur::Should,
                Box::new(BooleanQuery::new(all)) as Box<dyn Query>,
            )]
        }
    }
}

/// What the words match — the text, exact keys and, for those allowed, ID
/// numbers and people's names — and, apart, the personal terms' own union
/// (whether it matched is audited).
pub(crate) fn matcher(
    f: Fields,
    blind: &Blind,
    actor: &Actor,
    words: &str,
    tokens: &[String],
) -> (Box<dyn Query>, Option<BooleanQuery>) {
    if words.is_empty() {
        return (Box::new(AllQuery), None);
    }
    let mut should = words_clauses(f, tokens);
    let mut personal: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    // Each word, and the whole input when it has several (a case number
    // typed with spaces).
    let mut terms: Vec<&str> = words.split_whitespace().collect();
    if terms.len() > 1 {
        terms.push(words);
    }
    for t in terms {
        let k = exact_key(t);
        if !k.is_empty() {
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(term(f.exact, &k, IndexRecordOption::Basic)),
                    10.0,
                )),
            ));
        }
        if may_search_id_numbers(actor.role) {
            let q = if looks_like_id_number(t) {
                term(f.id_no, &blind(t), IndexRecordOption::Basic)
            } else {
                term(
                    f.people,
                    &t.trim().to_ascii_uppercase(),
                    IndexRecordOption::Basic,
                )
            };
            personal.push((Occur::Should, Box::new(q)));
        }
    }
    // Personal terms join the union as plain terms too.
    should.extend(personal.iter().map(|(o, q)| (*o, q.box_clone())));
    let personal = (!personal.is_empty()).then(|| BooleanQuery::new(personal));
    (Box::new(BooleanQuery::new(should)), personal)
}

/// Who may see: one of the actor's audience tokens, or nothing. `None` when
/// one of them is on every document of every segment (deleted ones
/// included), where the clause would admit everything.
pub(crate) fn access(
    searcher: &Searcher,
    field: Field,
    actor: &Actor,
) -> SearchResult<Option<Box<dyn Query>>> {
    let tokens = audience_of(actor);
    for t in &tokens {
        let term = Term::from_field_text(field, t);
        let mut everywhere = true;
        for segment in searcher.segment_readers() {
            let n = segment
                .inverted_index(field)?
                .doc_freq(&term)
                .map_err(|e| SearchError::Index(e.into()))?;
            if n != segment.max_doc() {
                everywhere = false;
                break;
            }
        }
        if everywhere {
            return Ok(None);
        }
    }
    let any = BooleanQuery::new(
        tokens
            .iter()
            .map(|t| {
                (
                    Occur::Should,
                    Box::new(term(field, t, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect(),
    );
    // The audience restricts, it does not rank: a constant score of 0.
    Ok(Some(Box::new(ConstScoreQuery::new(Box::new(any), 0.0))))
}

/// The facet filters chosen (a kind, an agency, a dimension, a year).
pub(crate) fn facet_filters(f: Fields, q: &SearchQuery) -> Vec<Box<dyn Query>> {
    [
        ("kind", &q.kind),
        ("agency", &q.agency),
        ("dimension", &q.dimension),
        ("year", &q.year),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(root, v)| {
        Box::new(TermQuery::new(
            Term::from_facet(f.facets, &Facet::from_path([root, v.trim()])),
            IndexRecordOption::Basic,
        )) as Box<dyn Query>
    })
    .collect()
}

/// The words in `field`, for highlighting (they are matched in `text`).
pub(crate) fn marked(field: Field, tokens: &[String]) -> BooleanQuery {
    BooleanQuery::new(
        tokens
            .iter()
            .map(|t| {
                (
                    Occur::Should,
                    Box::new(term(field, t, IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                )
            })
            .collect(),
    )
}
