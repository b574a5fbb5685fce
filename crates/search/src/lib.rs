//! 检索: one tantivy index of everything the office can open, tokenized with
//! jieba, with exact fields for plates, case numbers and 文号, and each
//! document's audience (computed by the store from the entities' scope
//! functions) matched inside the query — a liaison's search can only ever
//! reach documents its agency may see.
//!
//! The index follows the audit log: every change is audited in the same
//! transaction, so `catch_up` reads the entries after the cursor, rebuilds
//! the documents of what they touched, and commits the new cursor as the
//! commit's payload. A crash between the two loses nothing: the next run
//! starts again from the last committed cursor.

mod extract;
mod query;
mod records;
mod render;

use std::path::Path;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::Query;
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, Order, TantivyDocument, Term};
use xingjian_domain::Actor;
use xingjian_domain::search::SearchDoc;
use xingjian_store::Store;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("检索索引出错：{0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("检索索引目录无法打开：{0}")]
    Directory(String),
    #[error(transparent)]
    Store(#[from] xingjian_store::StoreError),
}

pub type SearchResult<T> = Result<T, SearchError>;

const TOKENIZER: &str = "jieba";

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    group: Field,
    kind: Field,
    url: Field,
    title: Field,
    body: Field,
    text: Field,
    exact: Field,
    id_no: Field,
    people: Field,
    audience: Field,
    facets: Field,
    agencies: Field,
    date: Field,
}

/// Title and body are stored (for snippets) and indexed with frequencies;
/// `text` (their words together, not stored) is what words match, so each
/// word is one term and several words are an intersection of terms. No
/// positions: words are never matched as phrases.
fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let stored = words.clone().set_stored();
    let f = Fields {
        key: b.add_text_field("key", STRING | STORED),
        group: b.add_text_field("group", STRING),
        kind: b.add_text_field("kind", STRING | STORED),
        url: b.add_text_field("url", STORED),
        title: b.add_text_field("title", stored.clone()),
        body: b.add_text_field("body", stored),
        text: b.add_text_field("text", words),
        exact: b.add_text_field("exact", STRING),
        id_no: b.add_text_field("id_no", STRING),
        people: b.add_text_field("people", STRING),
        audience: b.add_text_field("audience", STRING),
        facets: b.add_facet_field("facets", FacetOptions::default()),
        agencies: b.add_text_field("agencies", STORED),
        date: b.add_i64_field("date", INDEXED | FAST | STORED),
    };
    (b.build(), f)
}

/// `YYYY-MM-DD` as a sortable number (20231016), 0 when unknown.
fn date_number(s: &str) -> i64 {
    s.get(..10)
        .map(|d| d.replace('-', ""))
        .and_then(|d| d.parse().ok())
        .unwrap_or(0)
}

/// What a user asks.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    /// Facet filters: a `DocKind` code, an agency name, a dimension, a year.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub dimension: String,
    #[serde(default)]
    pub year: String,
    /// `relevance` (default) or `date` (newest first).
    #[serde(default)]
    pub sort: String,
    /// Skip the facet counts (callers that only want hits).
    #[serde(default)]
    pub no_facets: bool,
    pub page: Option<usize>,
}

/// One hit, ready to show: the snippet is escaped HTML with `<b>` marks.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    pub key: String,
    pub kind: String,
    pub kind_label: String,
    pub url: String,
    pub title: String,
    pub snippet_html: String,
    pub agencies: String,
    pub date: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Facets {
    pub kind: Vec<(String, String, u64)>,
    pub agency: Vec<(String, u64)>,
    pub dimension: Vec<(String, u64)>,
    pub year: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// Personal data (an ID number or a person's name) matched: the caller
    /// audits it as a view of personal data.
    pub personal_data_matched: bool,
}

pub const PER_PAGE: usize = 20;

/// Turns an ID number into the term it is indexed and looked up under.
pub type Blind = std::sync::Arc<dyn Fn(&str) -> String + Send + Sync>;

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: tokio::sync::Mutex<IndexWriter>,
    f: Fields,
    objects: Option<xingjian_datasets::Objects>,
    blind: Blind,
}

impl SearchIndex {
    /// The index in `dir` (created when absent). `objects` gives attachment bytes.
    pub fn open(dir: &Path, objects: Option<xingjian_datasets::Objects>) -> SearchResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
        let (schema, f) = schema();
        let directory = || {
            tantivy::directory::MmapDirectory::open(dir)
                .map_err(|e| SearchError::Directory(e.to_string()))
        };
        if Index::exists(&directory()?).unwrap_or(false)
            && Index::open(directory()?)?.schema() != schema
        {
            // Built by an older version: the index is derived data, so it is
            // emptied and refilled from the database (its cursor restarts at 0).
            tracing::warn!(dir = %dir.display(), "search index has an older schema: rebuilding it");
            remove_index_files(dir).map_err(|e| SearchError::Directory(e.to_string()))?;
        }
        let index = Index::open_or_create(directory()?, schema)?;
        Self::with_index(index, f, objects)
    }

    /// An index in memory (tests and the benchmark).
    pub fn in_memory() -> SearchResult<Self> {
        let (schema, f) = schema();
        Self::with_index(Index::create_in_ram(schema), f, None)
    }

    fn with_index(
        index: Index,
        f: Fields,
        objects: Option<xingjian_datasets::Objects>,
    ) -> SearchResult<Self> {
        // Lower-cased like the words of a query, so `HYPERLINK` and `gps` meet.
        index.tokenizers().register(
            TOKENIZER,
            tantivy::tokenizer::TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new())
                .filter(tantivy::tokenizer::LowerCaser)
                .build(),
        );
        let reader = index.reader()?;
        let writer = index.writer(64_000_000)?;
        Ok(SearchIndex {
            index,
            reader,
            writer: tokio::sync::Mutex::new(writer),
            f,
            objects,
            blind: std::sync::Arc::new(|s: &str| s.trim().to_ascii_uppercase()),
        })
    }

    /// Index and look up ID numbers by keyed terms (`Keyring::blind`), so the
    /// index files never hold the numbers. Rebuild the index when it changes.
    pub fn with_blind(mut self, blind: Blind) -> Self {
        self.blind = blind;
        self
    }

    /// The audit entry up to which the index is current.
    pub fn cursor(&self) -> i64 {
        self.index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    /// The number of documents searchable now.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of segments searched now.
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    fn document(&self, d: &SearchDoc, extra_body: &str) -> TantivyDocument {
        let f = self.f;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, &d.key);
        doc.add_text(f.group, &d.group);
        doc.add_text(f.kind, &d.kind);
        doc.add_text(f.url, &d.url);
        doc.add_text(f.title, &d.title);
        let body = if extra_body.is_empty() {
            d.body.clone()
        } else {
            format!("{}\n{extra_body}", d.body).trim().to_owned()
        };
        doc.add_text(f.text, format!("{}\n{body}", d.title));
        doc.add_text(f.body, body);
        for x in d.exact.iter().filter(|x| !x.is_empty()) {
            doc.add_text(f.exact, x);
        }
        for x in d.id_numbers.iter().filter(|x| !x.is_empty()) {
            doc.add_text(f.id_no, (self.blind)(x));
        }
        for x in d.people.iter().filter(|x| !x.trim().is_empty()) {
            doc.add_text(f.people, x.trim());
        }
        for a in &d.audience {
            doc.add_text(f.audience, a);
        }
        doc.add_facet(f.facets, Facet::from_path(["kind", d.kind.as_str()]));
        for a in d.agencies.iter().filter(|a| !a.is_empty()) {
            doc.add_facet(f.facets, Facet::from_path(["agency", a.as_str()]));
        }
        for x in &d.dimensions {
            doc.add_facet(f.facets, Facet::from_path(["dimension", x.as_str()]));
        }
        if let Some(y) = d
            .date
            .get(..4)
            .filter(|y| y.chars().all(|c| c.is_ascii_digit()))
        {
            doc.add_facet(f.facets, Facet::from_path(["year", y]));
        }
        doc.add_text(
            f.agencies,
            d.agencies
                .iter()
                .filter(|a| !a.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("、"),
        );
        doc.add_i64(f.date, date_number(&d.date));
        doc
    }

    /// Replace the groups of `docs` (and `also`) with `docs`, uncommitted.
    async fn replace(&self, writer: &IndexWriter, docs: &[SearchDoc], also: Option<&str>) {
        let mut groups: Vec<&str> = docs.iter().map(|d| d.group.as_str()).collect();
        groups.extend(also);
        groups.sort_unstable();
        groups.dedup();
        for g in groups {
            writer.delete_term(Term::from_field_text(self.f.group, g));
        }
        for d in docs {
            if let Some(r) = &d.records {
                for rec in self.record_docs(d, r).await {
                    if let Err(e) = writer.add_document(self.document(&rec, "")) {
                        tracing::error!(key = %rec.key, error = %e, "record not indexed");
                    }
                }
                continue;
            }
            let text = match (&d.attachment, &self.objects) {
                (Some(a), Some(o)) => match o.get(&a.location).await {
                    Ok(bytes) => extract::text(&a.file_name, &a.content_type, &bytes),
                    Err(e) => {
                        tracing::warn!(key = %d.key, error = %e, "attachment not readable for search");
                        String::new()
                    }
                },
                _ => String::new(),
            };
            if let Err(e) = writer.add_document(self.document(d, &text)) {
                tracing::error!(key = %d.key, error = %e, "document not indexed");
            }
        }
    }

    /// The records of an imported dataset as documents: numbers, plates and
    /// officers' certificates exact; people's names and ID numbers only in
    /// the restricted fields, shown masked.
    async fn record_docs(
        &self,
        parent: &SearchDoc,
        r: &xingjian_domain::search::RecordsRef,
    ) -> Vec<SearchDoc> {
        let (Some(objects), Some(table)) =
            (&self.objects, xingjian_records::Table::from_name(&r.table))
        else {
            return Vec::new();
        };
        let rows = match objects.get(&r.location).await {
            Ok(bytes) => xingjian_datasets::records(table, bytes),
            Err(e) => {
                tracing::warn!(location = %r.location, error = %e, "dataset not readable for search");
                return Vec::new();
            }
        };
        let rows = match rows {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(location = %r.location, error = %e, "dataset not readable for search");
                return Vec::new();
            }
        };
        rows.into_iter()
            .map(|(row, fields)| records::document(parent, r, table, row, &fields))
            .collect()
    }

    /// Index documents directly (the benchmark), committing once.
    pub async fn add(&self, docs: &[SearchDoc]) -> SearchResult<()> {
        let mut w = self.writer.lock().await;
        for d in docs {
            w.add_document(self.document(d, ""))?;
        }
        w.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Follow the audit log from the cursor: rebuild what changed, commit
    /// with the new cursor. Returns the number of changes applied.
    pub async fn catch_up(&self, store: &Store) -> SearchResult<usize> {
        let ctx = xingjian_store::RequestCtx::cli();
        let sys = store.system(&ctx);
        let mut w = self.writer.lock().await;
        let mut cursor = self.cursor();
        let mut applied = 0;
        loop {
            let changes = sys.search_changes(cursor, 500).await?;
            let Some(last) = changes.last().map(|c| c.audit_id) else {
                break;
            };
            let relevant: Vec<&xingjian_store::Change> = changes
                .iter()
                .filter(|c| xingjian_store::INDEXED_ENTITIES.contains(&c.entity.as_str()))
                .collect();
            if relevant.iter().any(|c| c.entity == "agency") {
                // A renamed agency changes the names on many documents: rebuild
                // everything once for this batch (rare).
                for (e, i) in sys.search_all_groups().await? {
                    let docs = sys.search_docs(&e, i).await?;
                    self.replace(&w, &docs, Some(&format!("{e}:{i}"))).await;
                }
                applied += relevant.len();
            } else {
                let mut seen = std::collections::BTreeSet::new();
                for c in relevant {
                    if seen.insert((c.entity.as_str(), c.entity_id)) {
                        let docs = sys.search_docs(&c.entity, c.entity_id).await?;
                        self.replace(&w, &docs, Some(&format!("{}:{}", c.entity, c.entity_id)))
                            .await;
                        applied += 1;
                    }
                }
            }
            cursor = last;
            let mut commit = w.prepare_commit()?;
            commit.set_payload(&cursor.to_string());
            commit.commit()?;
        }
        drop(w);
        if applied > 0 {
            self.reader.reload()?;
        }
        Ok(applied)
    }

    /// Rebuild from scratch (`xingjian reindex`): every document, then the
    /// cursor at the newest audit entry. Returns the documents indexed.
    pub async fn rebuild(&self, store: &Store) -> SearchResult<u64> {
        let ctx = xingjian_store::RequestCtx::cli();
        let sys = store.system(&ctx);
        let mut w = self.writer.lock().await;
        let cursor = sys.last_audit_id().await?;
        w.delete_all_documents()?;
        for (e, i) in sys.search_all_groups().await? {
            let docs = sys.search_docs(&e, i).await?;
            self.replace(&w, &docs, None).await;
        }
        let mut commit = w.prepare_commit()?;
        commit.set_payload(&cursor.to_string());
        commit.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(self.len())
    }

    /// Search as `actor`: only documents whose audience includes one of the
    /// actor's tokens can match, whatever the words.
    pub fn search(&self, actor: &Actor, q: &SearchQuery) -> SearchResult<SearchResults> {
        let f = self.f;
        let page = q.page.unwrap_or(1).max(1);
        let mut out = SearchResults {
            page,
            per_page: PER_PAGE,
            ..Default::default()
        };
        let words = q.q.trim();
        let filters = query::facet_filters(f, q);
        if words.is_empty() && filters.is_empty() {
            return Ok(out);
        }
        let tokens = query::word_tokens(words);
        let (matcher, personal) = query::matcher(f, &self.blind, actor, words, &tokens);
        let searcher = self.reader.searcher();
        let access = query::access(&searcher, f.audience, actor)?;
        // What the actor may find (facets are counted over it, before the
        // facet filters, so choosing one still shows the others), and the
        // query itself.
        let narrowed = !filters.is_empty();
        let scoped = query::all_of(
            std::iter::once(matcher.box_clone())
                .chain(access.iter().map(|a| a.box_clone()))
                .collect(),
        );
        let query = query::all_of(
            std::iter::once(matcher)
                .chain(access.iter().map(|a| a.box_clone()))
                .chain(filters)
                .collect(),
        );
        let facet_collector = || {
            let mut fc = FacetCollector::for_field("facets");
            for root in ["/kind", "/agency", "/dimension", "/year"] {
                fc.add_facet(root);
            }
            fc
        };
        let facets = (!narrowed && !q.no_facets).then(facet_collector);
        let top = TopDocs::with_limit(PER_PAGE).and_offset((page - 1) * PER_PAGE);
        // One pass collects the page, the count and the facets (ranking
        // alone could skip blocks, but the count and facets visit every match).
        let (addresses, (total, counts)) = if q.sort == "date" {
            let (page, rest) = searcher.search(
                &query,
                &(
                    top.order_by_fast_field::<i64>("date", Order::Desc),
                    (Count, facets),
                ),
            )?;
            (page.into_iter().map(|(_, a)| a).collect::<Vec<_>>(), rest)
        } else {
            let (page, rest) = searcher.search(&query, &(top.order_by_score(), (Count, facets)))?;
            (page.into_iter().map(|(_, a)| a).collect::<Vec<_>>(), rest)
        };
        out.total = total;
        if let Some(p) = personal {
            let q = query::all_of(
                std::iter::once(Box::new(p) as Box<dyn Query>)
                    .chain(access)
                    .collect(),
            );
            out.personal_data_matched = searcher.search(&q, &Count)? > 0;
        }
        out.facets = match counts {
            Some(c) => render::facets(&c),
            None if q.no_facets => Facets::default(),
            None => render::facets(&searcher.search(&scoped, &facet_collector())?),
        };
        let mut body =
            SnippetGenerator::create(&searcher, &query::marked(f.body, &tokens), f.body)?;
        body.set_max_num_chars(160);
        let title = SnippetGenerator::create(&searcher, &query::marked(f.title, &tokens), f.title)?;
        for a in addresses {
            let doc: TantivyDocument = searcher.doc(a)?;
            out.hits.push(render::hit(f, &doc, &body, &title));
        }
        Ok(out)
    }
}

/// Delete the index in `dir`: the files tantivy lists as its own, then its
/// metadata — nothing else that may share the directory.
fn remove_index_files(dir: &Path) -> std::io::Result<()> {
    let managed = dir.join(".managed.json");
    let names: Vec<String> = match std::fs::read(&managed) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(std::io::Error::other)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    let own = names
        .iter()
        .map(String::as_str)
        .filter(|n| !n.is_empty() && !n.contains(['/', '\\']) && !n.starts_with('.'))
        .chain(["meta.json", ".managed.json"]);
    for name in own {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use tantivy::query::TermQuery;
    use xingjian_domain::search::exact_key;
    use xingjian_domain::{AgencyId, Role, UserId};

    fn actor(role: Role, agency: Option<i64>) -> Actor {
        Actor {
            user_id: UserId(7),
            username: "u".into(),
            display_name: "u".into(),
            role,
            agency_id: agency.map(AgencyId),
        }
    }

    fn doc(key: &str, title: &str, body: &str, audience: &[&str]) -> SearchDoc {
        SearchDoc {
            key: key.into(),
            group: key.into(),
            kind: "exchange".into(),
            url: format!("/x/{key}"),
            title: title.into(),
            body: body.into(),
            agencies: vec!["区交通运输局".into()],
            date: "2023-05-10".into(),
            audience: audience.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn chinese_words_plates_and_scope() {
        let idx = SearchIndex::in_memory().unwrap();
        let mut a = doc(
            "exchange:1",
            "关于扣押车辆未当场交付决定书的通报",
            "现场笔录记录不全，未当场交付《行政强制措施决定书》。<script>",
            &["role:prosecutor", "agency:1"],
        );
        a.exact = vec![exact_key("豫A·73174")];
        let b = doc(
            "exchange:2",
            "超限检测站执法态度问题",
            "货车司机反映现场笔录未签名",
            &["role:prosecutor", "agency:2"],
        );
        idx.add(&[a, b]).await.unwrap();
        let p = actor(Role::Prosecutor, None);
        let q = |s: &str| SearchQuery {
            q: s.into(),
            ..Default::default()
        };
        // Words inside longer Chinese text.
        let r = idx.search(&p, &q("现场笔录")).unwrap();
        assert_eq!(r.total, 2);
        let r = idx.search(&p, &q("决定书")).unwrap();
        assert_eq!(r.total, 1);
        assert!(
            r.hits[0].snippet_html.contains("<b>决定书</b>"),
            "{:?}",
            r.hits
        );
        assert!(
            r.hits[0].snippet_html.contains("&lt;script&gt;")
                || !r.hits[0].snippet_html.contains("<script>")
        );
        // A plate typed another way.
        for typed in ["豫a 73174", "豫Ａ７３１７４", "豫A73174"] {
            let r = idx.search(&p, &q(typed)).unwrap();
            assert_eq!(r.total, 1, "{typed}");
        }
        // A liaison of agency 2 finds only its own, whatever it types.
        let l2 = actor(Role::Liaison, Some(2));
        assert_eq!(idx.search(&l2, &q("现场笔录")).unwrap().total, 1);
        assert_eq!(idx.search(&l2, &q("决定书")).unwrap().total, 0);
        assert_eq!(idx.search(&l2, &q("豫A73174")).unwrap().total, 0);
        // A supervisor, with no token on either, finds nothing.
        let s = actor(Role::PeopleSupervisor, None);
        assert_eq!(idx.search(&s, &q("现场笔录")).unwrap().total, 0);
        // Facets and sorting by date.
        let r = idx
            .search(
                &p,
                &SearchQuery {
                    q: "现场笔录".into(),
                    sort: "date".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(r.facets.agency, vec![("区交通运输局".to_owned(), 2)]);
        assert_eq!(r.facets.year, vec![("2023".to_owned(), 2)]);
        assert_eq!(r.hits[0].date, "2023-05-10");
    }

    #[tokio::test]
    async fn several_words_rank_titles_and_keep_the_audience() {
        let idx = SearchIndex::in_memory().unwrap();
        let all = ["role:prosecutor", "role:assistant"];
        idx.add(&[
            doc("exchange:1", "现场笔录问题", "其他情况", &all),
            doc(
                "exchange:2",
                "其他情况",
                "现场笔录未签名",
                &["role:prosecutor"],
            ),
            doc("exchange:3", "超限检测站", "货车司机反映", &all),
        ])
        .await
        .unwrap();
        let q = |s: &str| SearchQuery {
            q: s.into(),
            ..Default::default()
        };
        let p = actor(Role::Prosecutor, None);
        // Every word, in the title or the body.
        let r = idx.search(&p, &q("检测站 司机")).unwrap();
        assert_eq!(r.total, 1);
        assert!(r.hits[0].title.contains("<b>检测站</b>"), "{:?}", r.hits);
        assert!(
            r.hits[0].snippet_html.contains("<b>司机</b>"),
            "{:?}",
            r.hits
        );
        assert_eq!(idx.search(&p, &q("检测站 签名")).unwrap().total, 0);
        // Latin words in any case.
        idx.add(&[doc("exchange:5", "GPS 定位", "", &all)])
            .await
            .unwrap();
        assert_eq!(idx.search(&p, &q("gps")).unwrap().total, 1);
        assert_eq!(idx.search(&p, &q("Gps")).unwrap().total, 1);
        // The word in a title ranks first.
        let r = idx.search(&p, &q("现场笔录")).unwrap();
        assert_eq!(r.total, 2);
        assert_eq!(r.hits[0].key, "exchange:1");
        // The prosecutor's token is on every document (its clause is left
        // out); the assistant's is not, and still excludes.
        let a = actor(Role::Assistant, None);
        let r = idx.search(&a, &q("现场笔录")).unwrap();
        assert_eq!((r.total, r.hits[0].key.as_str()), (1, "exchange:1"));
        // Once a document is not the prosecutor's, the clause is back.
        idx.add(&[doc("exchange:4", "现场笔录", "", &["role:assistant"])])
            .await
            .unwrap();
        let r = idx.search(&p, &q("现场笔录")).unwrap();
        assert_eq!(r.total, 2);
        assert!(r.hits.iter().all(|h| h.key != "exchange:4"));
        assert_eq!(idx.search(&a, &q("现场笔录")).unwrap().total, 2);
    }

    #[tokio::test]
    async fn an_index_of_another_schema_is_emptied() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut b = Schema::builder();
            let old = b.add_text_field("body", STRING | STORED);
            let index = Index::create_in_dir(dir.path(), b.build()).unwrap();
            let mut w: IndexWriter = index.writer(15_000_000).unwrap();
            let mut d = TantivyDocument::default();
            d.add_text(old, "x");
            w.add_document(d).unwrap();
            let mut commit = w.prepare_commit().unwrap();
            commit.set_payload("42");
            commit.commit().unwrap();
        }
        let old_files: Vec<String> =
            serde_json::from_slice(&std::fs::read(dir.path().join(".managed.json")).unwrap())
                .unwrap();
        assert!(old_files.iter().any(|f| f.ends_with(".store")));
        std::fs::write(dir.path().join("blind-key-id"), "k1").unwrap();
        let idx = SearchIndex::open(dir.path(), None).unwrap();
        assert!(idx.is_empty());
        assert_eq!(idx.cursor(), 0, "refilled from the start of the audit log");
        // Only the index's own files went: the old segments, not a neighbour.
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.contains(&"blind-key-id".to_owned()), "{left:?}");
        assert!(
            old_files
                .iter()
                .filter(|f| *f != "meta.json")
                .all(|f| !left.contains(f)),
            "{left:?}"
        );
        drop(idx);
        let reopened = SearchIndex::open(dir.path(), None).unwrap();
        reopened
            .add(&[doc("exchange:1", "现场笔录", "", &["role:prosecutor"])])
            .await
            .unwrap();
        assert_eq!(reopened.len(), 1);
    }

    #[tokio::test]
    async fn id_numbers_only_for_those_allowed() {
        let idx = SearchIndex::in_memory().unwrap();
        let mut a = doc(
            "inquiry:1",
            "询问笔录",
            "问答",
            &["role:prosecutor", "role:clerk"],
        );
        a.id_numbers = vec!["41010219700101100x".into()];
        idx.add(&[a]).await.unwrap();
        let q = SearchQuery {
            q: "41010219700101100X".into(),
            ..Default::default()
        };
        let r = idx.search(&actor(Role::Prosecutor, None), &q).unwrap();
        assert_eq!(r.total, 1);
        assert!(r.personal_data_matched);
        let r = idx.search(&actor(Role::Clerk, None), &q).unwrap();
        assert_eq!(r.total, 0, "a clerk cannot look people up by ID number");
        assert!(!r.personal_data_matched);
    }

    #[tokio::test]
    async fn id_numbers_are_indexed_by_keyed_terms_only() {
        let keyring = std::sync::Arc::new(xingjian_store::Keyring::new([8u8; 32], &[]));
        let k = keyring.clone();
        let idx = SearchIndex::in_memory()
            .unwrap()
            .with_blind(std::sync::Arc::new(move |s: &str| k.blind(s)));
        let mut a = doc("inquiry:1", "询问笔录", "问答", &["role:prosecutor"]);
        a.id_numbers = vec!["41010219700101100x".into()];
        idx.add(&[a]).await.unwrap();
        let q = SearchQuery {
            q: "41010219700101100X".into(),
            ..Default::default()
        };
        let r = idx.search(&actor(Role::Prosecutor, None), &q).unwrap();
        assert_eq!(r.total, 1, "found by its number");
        // The number itself is no term of the index.
        let searcher = idx.reader.searcher();
        let plain = TermQuery::new(
            Term::from_field_text(idx.f.id_no, "41010219700101100X"),
            IndexRecordOption::Basic,
        );
        assert_eq!(searcher.search(&plain, &Count).unwrap(), 0);
        let blinded = TermQuery::new(
            Term::from_field_text(idx.f.id_no, &keyring.blind("41010219700101100X")),
            IndexRecordOption::Basic,
        );
        assert_eq!(searcher.search(&blinded, &Count).unwrap(), 1);
    }
}
