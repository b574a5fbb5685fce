//! The import pipeline: read → check → match agencies → Parquet → register.
//!
//! One transaction per file. With rejected rows, nothing is imported unless
//! the user explicitly chose "import valid rows". A byte-identical re-import
//! is a no-op that says so. The original file is kept beside the dataset, and
//! every record points back to (file, row). The Parquet object is written
//! before the registration commits, so a crash leaves at most an unregistered
//! object, never a partial dataset.

use crate::columnar::{RowsBuilder, batches_to_parquet, schema, with_agency_ids};
use crate::objects::Objects;
use arrow::array::{Array, BooleanArray, Int64Array, RecordBatch, StringArray};
use arrow::compute::filter_record_batch;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use xingjian_records::Table;
use xingjian_records::read::{CsvRows, ReadError, is_csv_name, read_file};
use xingjian_records::validate::{CellProblem, Checker, FileProblem, Record};
use xingjian_records::values::Value;
use xingjian_store::{ActorStore, ImportFile, NewDataset, NewImport, StoreError};

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The table, when the file does not make it clear.
    pub table: Option<Table>,
    /// The agency the file comes from; every record must name it.
    pub agency: Option<String>,
    /// Import the valid rows even when some rows are rejected.
    pub import_valid_rows: bool,
}

/// What the user is told about a file, also kept with the import.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Report {
    pub file_name: String,
    pub table: Option<Table>,
    pub source_format: String,
    pub rows_total: usize,
    pub rows_valid: usize,
    pub rejected: Vec<CellProblem>,
    pub warnings: Vec<CellProblem>,
    pub unknown_columns: Vec<String>,
    pub new_agencies: Vec<String>,
}

#[derive(Debug)]
pub enum ImportOutcome {
    /// The same bytes were imported before as the same table: nothing done.
    AlreadyImported(Box<ImportFile>),
    Imported {
        file: Box<ImportFile>,
        report: Report,
    },
    /// Rows were rejected and "import valid rows" was not chosen: nothing imported.
    Rejected(Report),
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Read(#[from] ReadError),
    #[error("{0}")]
    File(#[from] FileProblem),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("保存数据集失败：{0}")]
    Storage(String),
}

/// Keep an uploaded document (a scanned file page, a PDF, an image) by its
/// hash: `documents/<sha256>/<name>`. Returns (sha256, location).
pub async fn store_document(
    objects: &Objects,
    name: &str,
    bytes: &[u8],
) -> Result<(String, String), String> {
    let sha = sha256_hex(bytes);
    let safe: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let location = format!("documents/{sha}/{safe}");
    if !objects.exists(&location).await {
        objects
            .put(&location, bytes::Bytes::copy_from_slice(bytes))
            .await?;
    }
    Ok((sha, location))
}

fn sha256_hex(bytes: &[u8]) -> String {
    xingjian_domain::hex(&Sha256::digest(bytes))
}

fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "file".into()
    } else {
        cleaned
    }
}

/// Records are turned into Arrow this many at a time while a file is read.
const CHUNK_ROWS: usize = 64 * 1024;

/// A file read and checked, its records already columnar: the CPU-bound half
/// of an import, done without the store (so files can be prepared in parallel).
pub struct Prepared {
    pub file_name: String,
    pub sha256: String,
    bytes: bytes::Bytes,
    pub table: Table,
    pub source_format: String,
    /// Non-blank data rows read.
    pub rows_total: usize,
    rejected: Vec<CellProblem>,
    warnings: Vec<CellProblem>,
    unknown_columns: Vec<String>,
    /// Checked records (agency ids not yet set).
    batches: Vec<RecordBatch>,
    /// Every agency name in the checked records, with the first 执法领域 given for it.
    agencies: BTreeMap<String, Option<String>>,
}

/// The SHA-256 (hex) of a file's bytes: its identity for re-imports and `_file`.
pub fn file_sha256(bytes: &[u8]) -> String {
    sha256_hex(bytes)
}

/// The table of a CSV file from its header row alone (cheap: for the re-import
/// check before reading the whole file); `None` for other files.
fn sniff_table(file_name: &str, bytes: &[u8], table: Option<Table>) -> Option<Table> {
    if !is_csv_name(file_name) {
        return None;
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
    let (text, _) = xingjian_records::read::decode(&head[..end]).ok()?;
    let rows = CsvRows::new(text.as_bytes()).ok()?;
    table.or_else(|| Table::detect(&rows.headers))
}

struct Collect {
    rows: RowsBuilder,
    batches: Vec<RecordBatch>,
    agencies: BTreeMap<String, Option<String>>,
    agency_at: Option<usize>,
    kind_at: Option<usize>,
    rows_total: usize,
}

impl Collect {
    fn new(table: Table, sha: &str) -> Result<Collect, ImportError> {
        let at = |en: &str| table.columns().iter().position(|c| c.en == en);
        Ok(Collect {
            rows: RowsBuilder::new(table, sha, CHUNK_ROWS).map_err(storage)?,
            batches: Vec::new(),
            agencies: BTreeMap::new(),
            agency_at: at("agency"),
            kind_at: at("agency_kind"),
            rows_total: 0,
        })
    }

    fn push(&mut self, rec: Option<Record>) -> Result<(), ImportError> {
        self.rows_total += 1;
        let Some(rec) = rec else { return Ok(()) };
        let value = |i: Option<usize>| match i.and_then(|i| rec.values.get(i)) {
            Some(Value::Text(s)) => Some(s.as_str()),
            _ => None,
        };
        // A table without an agency column counts as the name "" (refused to a liaison).
        let name = value(self.agency_at).unwrap_or("");
        if !self.agencies.contains_key(name) {
            let kind = value(self.kind_at).map(str::to_owned);
            self.agencies.insert(name.to_owned(), kind);
        }
        self.rows.push(&rec, None);
        if self.rows.len() >= CHUNK_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ImportError> {
        if !self.rows.is_empty() {
            self.batches.push(self.rows.finish().map_err(storage)?);
        }
        Ok(())
    }
}

fn storage(e: impl std::fmt::Display) -> ImportError {
    ImportError::Storage(e.to_string())
}

/// Read and check a whole file into columnar records (CPU only, no store).
pub fn prepare(
    file_name: &str,
    bytes: bytes::Bytes,
    sha256: String,
    table: Option<Table>,
) -> Result<Prepared, ImportError> {
    let (checker, collect, source_format) = if is_csv_name(file_name) {
        // UTF-8 is checked row by row while reading; a file that turns out not
        // to be UTF-8 is read again, decoded as GB18030 (or refused).
        let (body, format) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (rest, "UTF-8 (BOM)"),
            None => (&bytes[..], "UTF-8"),
        };
        let head = &body[..body.len().min(64 * 1024)];
        // (A prefix may end inside a character: that is not an error.)
        let looks_utf8 = match std::str::from_utf8(head) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none(),
        };
        match looks_utf8.then(|| check_csv(body, table, &sha256)) {
            Some(Ok((checker, collect))) => (checker, collect, format.to_owned()),
            Some(Err(ImportError::Read(ReadError::Encoding { .. }))) | None => {
                let (text, format) = xingjian_records::read::decode(&bytes)?;
                let (checker, collect) = check_csv(text.as_bytes(), table, &sha256)?;
                (checker, collect, format.to_owned())
            }
            Some(Err(e)) => return Err(e),
        }
    } else {
        let raw = read_file(file_name, &bytes, table)?;
        let mut checker = Checker::new(&raw.headers, table)?;
        let mut collect = Collect::new(checker.table(), &sha256)?;
        for (row, cells) in &raw.rows {
            collect.push(checker.row(*row, |i| cells.get(i).map_or("", String::as_str)))?;
        }
        (checker, collect, raw.source_format)
    };
    let mut collect = collect;
    collect.flush()?;
    Ok(Prepared {
        file_name: file_name.to_owned(),
        sha256,
        bytes,
        table: checker.table(),
        source_format,
        rows_total: collect.rows_total,
        unknown_columns: checker.unknown_columns(),
        rejected: checker.rejected,
        warnings: checker.warnings,
        batches: collect.batches,
        agencies: collect.agencies,
    })
}

fn check_csv(
    text: &[u8],
    table: Option<Table>,
    sha256: &str,
) -> Result<(Checker, Collect), ImportError> {
    let mut rows = CsvRows::new(text)?;
    let mut checker = Checker::new(&rows.headers, table)?;
    let mut collect = Collect::new(checker.table(), sha256)?;
    while let Some((row, rec)) = rows.next_row()? {
        collect.push(checker.row(row, |i| rec.get(i).unwrap_or("")))?;
    }
    Ok((checker, collect))
}

/// The records whose agency (`""` when the table has none) is one of `names`, as problems.
fn rows_of(batches: &[RecordBatch], names: &BTreeMap<String, String>) -> Vec<CellProblem> {
    let mut out = Vec::new();
    for b in batches {
        let Some(row) = b
            .column_by_name("_row")
            .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
        else {
            continue;
        };
        let agency = b
            .column_by_name("agency")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>());
        for i in 0..b.num_rows() {
            let name = agency.map_or("", |a| if a.is_valid(i) { a.value(i) } else { "" });
            if let Some(reason) = names.get(name) {
                out.push(CellProblem {
                    row: usize::try_from(row.value(i)).unwrap_or(0),
                    column: "执法机关".into(),
                    value: name.to_owned(),
                    reason: reason.clone(),
                });
            }
        }
    }
    out
}

/// The first step of an import: a file already imported as the same table
/// (CSV: known from its header and hash, before any parsing), or its
/// preparation started on a blocking thread.
pub enum Started {
    AlreadyImported(Box<ImportFile>),
    Preparing(tokio::task::JoinHandle<Result<Prepared, ImportError>>),
}

/// Start importing a file on behalf of the actor behind `store`.
pub async fn start_import(
    store: &ActorStore<'_>,
    file_name: &str,
    bytes: bytes::Bytes,
    table: Option<Table>,
) -> Result<Started, ImportError> {
    if !store.may_import() {
        return Err(StoreError::Forbidden("人民监督员不能导入执法记录").into());
    }
    let sha = sha256_hex(&bytes);
    if let Some(t) = sniff_table(file_name, &bytes, table)
        && let Some(previous) = store.find_import(&sha, t.code()).await?
    {
        return Ok(Started::AlreadyImported(Box::new(previous)));
    }
    let name = file_name.to_owned();
    Ok(Started::Preparing(tokio::task::spawn_blocking(move || {
        prepare(&name, bytes, sha, table)
    })))
}

impl Started {
    /// Wait for the preparation, then finish the import.
    pub async fn finish(
        self,
        store: &ActorStore<'_>,
        objects: &Objects,
        opts: &ImportOptions,
    ) -> Result<ImportOutcome, ImportError> {
        match self {
            Started::AlreadyImported(f) => Ok(ImportOutcome::AlreadyImported(f)),
            Started::Preparing(job) => {
                let prepared = job.await.map_err(storage)??;
                import_prepared(store, objects, prepared, opts).await
            }
        }
    }
}

/// Import one file on behalf of the actor behind `store`.
pub async fn import_file(
    store: &ActorStore<'_>,
    objects: &Objects,
    file_name: &str,
    bytes: &[u8],
    opts: &ImportOptions,
) -> Result<ImportOutcome, ImportError> {
    let owned = bytes::Bytes::copy_from_slice(bytes);
    start_import(store, file_name, owned, opts.table)
        .await?
        .finish(store, objects, opts)
        .await
}

/// Finish an import: match agencies, write the dataset, register it (one transaction).
pub async fn import_prepared(
    store: &ActorStore<'_>,
    objects: &Objects,
    prepared: Prepared,
    opts: &ImportOptions,
) -> Result<ImportOutcome, ImportError> {
    if !store.may_import() {
        return Err(StoreError::Forbidden("人民监督员不能导入执法记录").into());
    }
    let Prepared {
        file_name,
        sha256: sha,
        bytes,
        table,
        source_format,
        rows_total,
        mut rejected,
        warnings,
        unknown_columns,
        batches,
        agencies,
    } = prepared;
    if let Some(previous) = store.find_import(&sha, table.code()).await? {
        return Ok(ImportOutcome::AlreadyImported(Box::new(previous)));
    }

    // Match every named agency to the registry and hold the file to the agency
    // it was said to come from. New names are only registered once the import
    // is going ahead: a refused file changes nothing.
    let declared = match &opts.agency {
        Some(a) => Some(store.lookup_agency_for_import(a).await?.ok_or_else(|| {
            StoreError::Validation(xingjian_domain::ValidationErrors::one(
                "agency",
                format!("未登记的行政机关“{a}”"),
            ))
        })?),
        None => None,
    };
    let mut known: HashMap<String, i64> = HashMap::new();
    let mut to_register: Vec<(String, Option<String>)> = Vec::new();
    let mut refused: BTreeMap<String, String> = BTreeMap::new();
    for (name, kind) in &agencies {
        let found = match store.lookup_agency_for_import(name).await {
            Ok(id) => id.map(|a| a.0),
            Err(StoreError::Forbidden(m)) => {
                refused.insert(name.clone(), m.to_owned());
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if declared.is_some_and(|d| Some(d.0) != found) {
            refused.insert(name.clone(), "执法机关与导入时指定的机关不一致".to_owned());
            continue;
        }
        match found {
            Some(id) => {
                known.insert(name.clone(), id);
            }
            None if name.is_empty() => {}
            None => to_register.push((name.clone(), kind.clone())),
        }
    }
    let refused_rows = if refused.is_empty() {
        Vec::new()
    } else {
        rows_of(&batches, &refused)
    };
    let rows_in_batches: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let rows_valid = rows_in_batches - refused_rows.len();
    rejected.extend(refused_rows);
    rejected.sort_by_key(|p| p.row);

    let report = Report {
        file_name: file_name.clone(),
        table: Some(table),
        source_format: source_format.clone(),
        rows_total,
        rows_valid,
        rejected,
        warnings,
        unknown_columns,
        new_agencies: to_register.iter().map(|(n, _)| n.clone()).collect(),
    };
    if (!report.rejected.is_empty() && !opts.import_valid_rows) || rows_valid == 0 {
        return Ok(ImportOutcome::Rejected(report));
    }
    // Going ahead: register the new names now.
    for (name, kind) in &to_register {
        let (id, _) = store.resolve_agency(name, kind.as_deref()).await?;
        known.insert(name.clone(), id.0);
    }
    let mut distinct: Vec<i64> = known.values().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let single_agency = match distinct.as_slice() {
        [one] => Some(xingjian_domain::AgencyId(*one)),
        _ => None,
    };

    let dropped: Vec<String> = refused.into_keys().collect();
    let parquet = tokio::task::spawn_blocking(move || encode(table, &batches, &known, &dropped))
        .await
        .map_err(storage)??;
    let dataset_id = sha256_hex(&parquet);
    let location = format!("datasets/{}/{dataset_id}.parquet", table.code());
    let original_path = format!("originals/{sha}/{}", safe_name(&file_name));
    let size_bytes = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    objects
        .put(&original_path, bytes)
        .await
        .map_err(ImportError::Storage)?;
    if !objects.exists(&location).await {
        objects
            .put(&location, parquet.into())
            .await
            .map_err(ImportError::Storage)?;
    }
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let file = store
        .record_import(NewImport {
            sha256: sha,
            file_name,
            size_bytes,
            table: table.code().to_owned(),
            source_format,
            original_path,
            rows_total: count(report.rows_total),
            rows_imported: count(report.rows_valid),
            rows_rejected: count(report.rejected.len()),
            agency_id: declared.or(single_agency),
            report_json: serde_json::to_string(&report).unwrap_or_else(|_| "{}".into()),
            dataset: Some(NewDataset {
                id: dataset_id,
                agency_id: single_agency,
                location,
                row_count: count(report.rows_valid),
            }),
        })
        .await?;
    Ok(ImportOutcome::Imported {
        file: Box::new(file),
        report,
    })
}

/// The dataset's Parquet bytes: agency ids set, records of refused agencies left out.
fn encode(
    table: Table,
    batches: &[RecordBatch],
    ids: &HashMap<String, i64>,
    dropped: &[String],
) -> Result<Vec<u8>, ImportError> {
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        let mut b = with_agency_ids(b, ids).map_err(storage)?;
        if !dropped.is_empty()
            && let Some(agency) = b
                .column_by_name("agency")
                .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        {
            let keep: BooleanArray = agency
                .iter()
                .map(|n| Some(!n.is_some_and(|n| dropped.iter().any(|d| d == n))))
                .collect();
            b = filter_record_batch(&b, &keep).map_err(storage)?;
        }
        out.push(b);
    }
    batches_to_parquet(schema(table), &out).map_err(storage)
}
