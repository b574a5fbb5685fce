//! Results as shown: facet counts in display order, hits with escaped,
//! highlighted snippets.

use crate::{Facets, Fields, Hit};
use tantivy::TantivyDocument;
use tantivy::collector::FacetCounts;
use tantivy::schema::{Facet, Field, Value};
use tantivy::snippet::SnippetGenerator;
use xingjian_domain::search::DocKind;

/// The counts of kinds (most first), agencies and dimensions (most first,
/// then by name) and years (newest first).
pub(crate) fn facets(counts: &FacetCounts) -> Facets {
    let leaf = |facet: &Facet| {
        facet
            .to_path()
            .last()
            .map(|s| (*s).to_owned())
            .unwrap_or_default()
    };
    let of = |root: &str| -> Vec<(String, u64)> {
        counts.get(root).map(|(k, n)| (leaf(k), n)).collect()
    };
    let mut out = Facets {
        kind: of("/kind")
            .into_iter()
            .map(|(code, n)| {
                let label = DocKind::label_of(&code).to_owned();
                (code, label, n)
            })
            .collect(),
        agency: of("/agency"),
        dimension: of("/dimension"),
        year: of("/year"),
    };
    out.year.sort_by(|a, b| b.0.cmp(&a.0));
    for v in [&mut out.agency, &mut out.dimension] {
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    out.kind.sort_by_key(|k| std::cmp::Reverse(k.2));
    out
}

/// One stored document as a hit, its words marked in the body and title.
pub(crate) fn hit(
    f: Fields,
    doc: &TantivyDocument,
    body: &SnippetGenerator,
    title: &SnippetGenerator,
) -> Hit {
    let text = |field: Field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let kind = text(f.kind);
    let mut snippet = snippet_html(&body.snippet_from_doc(doc));
    if snippet.is_empty() {
        snippet = escape(&text(f.body).chars().take(120).collect::<String>());
    }
    let title_html = snippet_html(&title.snippet_from_doc(doc));
    let date = doc
        .get_first(f.date)
        .and_then(|v| v.as_i64())
        .filter(|d| *d > 0)
        .map(|d| format!("{}-{:02}-{:02}", d / 10000, d / 100 % 100, d % 100))
        .unwrap_or_default();
    Hit {
        key: text(f.key),
        kind_label: DocKind::label_of(&kind).to_owned(),
        kind,
        url: text(f.url),
        title: if title_html.is_empty() {
            escape(&text(f.title))
        } else {
            title_html
        },
        snippet_html: snippet,
        agencies: text(f.agencies),
        date,
    }
}

/// A snippet as escaped HTML with `<b>` marks. tantivy's own `to_html`
/// panics on the inverted ranges that overlapping jieba tokens can produce
/// at a fragment's edge; here bad ranges are dropped and overlaps merged.
fn snippet_html(s: &tantivy::snippet::Snippet) -> String {
    let text = s.fragment();
    let mut ranges: Vec<std::ops::Range<usize>> = s
        .highlighted()
        .iter()
        .filter(|r| {
            r.start < r.end
                && r.end <= text.len()
                && text.is_char_boundary(r.start)
                && text.is_char_boundary(r.end)
        })
        .cloned()
        .collect();
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    let mut html = String::new();
    let mut at = 0;
    for r in merged {
        html.push_str(&escape(&text[at..r.start]));
        html.push_str("<b>");
        html.push_str(&escape(&text[r.clone()]));
        html.push_str("</b>");
        at = r.end;
    }
    html.push_str(&escape(&text[at..]));
    html
}

/// HTML-escape text shown without highlighting.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
