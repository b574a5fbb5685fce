//! The import pipeline: read → check → match agencies → Parquet → register.
//!
//! One transaction per file. With rejected rows, nothing is imported unless
//! the user explicitly chose "import valid rows". A byte-identical re-import
//! is a no-op that says so. The original file is kept beside the dataset, and
//! every record points back to (file, row). The Parquet object is written
//! before the registration commits, so a crash leaves at most an unregistered
//! object, never a partial dataset.

use crate::columnar::{to_batch, to_parquet};
use crate::objects::Objects;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use xingjian_records::Table;
use xingjian_records::read::{ReadError, read_file};
use xingjian_records::validate::{CellProblem, FileProblem, check};
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

fn text<'a>(values: &'a [Value], table: Table, en: &str) -> Option<&'a str> {
    let i = table.columns().iter().position(|c| c.en == en)?;
    match values.get(i)? {
        Value::Text(s) => Some(s),
        _ => None,
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
    if !store.may_import() {
        return Err(StoreError::Forbidden("人民监督员不能导入执法记录").into());
    }
    let sha = sha256_hex(bytes);
    let raw = read_file(file_name, bytes, opts.table)?;
    let mut checked = check(&raw, opts.table)?;
    let table = checked.table;
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
    // name → Ok(Some(id)) known, Ok(None) to register, Err(reason) refused.
    let mut lookup: BTreeMap<String, Result<Option<i64>, String>> = BTreeMap::new();
    let mut newly_rejected = Vec::new();
    let mut kept = Vec::with_capacity(checked.records.len());
    for rec in std::mem::take(&mut checked.records) {
        let name = text(&rec.values, table, "agency")
            .unwrap_or_default()
            .to_owned();
        if !lookup.contains_key(&name) {
            let r = match store.lookup_agency_for_import(&name).await {
                Ok(id) => Ok(id.map(|a| a.0)),
                Err(StoreError::Forbidden(m)) => Err(m.to_owned()),
                Err(e) => return Err(e.into()),
            };
            lookup.insert(name.clone(), r);
        }
        let problem = match lookup.get(&name) {
            Some(Err(m)) => Some(m.clone()),
            Some(Ok(found)) if declared.is_some_and(|d| Some(d.0) != *found) => {
                Some("执法机关与导入时指定的机关不一致".to_owned())
            }
            _ => None,
        };
        match problem {
            Some(reason) => newly_rejected.push(CellProblem {
                row: rec.row,
                column: "执法机关".into(),
                value: name,
                reason,
            }),
            None => kept.push(rec),
        }
    }
    checked.records = kept;
    checked.rejected.extend(newly_rejected);
    checked.rejected.sort_by_key(|p| p.row);
    let mut new_agencies: Vec<String> = lookup
        .iter()
        .filter(|(name, r)| {
            matches!(r, Ok(None))
                && checked
                    .records
                    .iter()
                    .any(|rec| text(&rec.values, table, "agency") == Some(name.as_str()))
        })
        .map(|(name, _)| name.clone())
        .collect();

    let report = Report {
        file_name: file_name.to_owned(),
        table: Some(table),
        source_format: raw.source_format.clone(),
        rows_total: raw.rows.len(),
        rows_valid: checked.records.len(),
        rejected: checked.rejected.clone(),
        warnings: checked.warnings.clone(),
        unknown_columns: checked.unknown_columns.clone(),
        new_agencies: new_agencies.clone(),
    };
    if (!checked.rejected.is_empty() && !opts.import_valid_rows) || checked.records.is_empty() {
        return Ok(ImportOutcome::Rejected(report));
    }
    // Going ahead: register the new names now.
    for name in &mut new_agencies {
        let field = checked
            .records
            .iter()
            .find(|r| text(&r.values, table, "agency") == Some(name.as_str()))
            .and_then(|r| text(&r.values, table, "agency_kind"));
        let (id, _) = store.resolve_agency(name, field).await?;
        lookup.insert(name.clone(), Ok(Some(id.0)));
    }
    let agency_ids: Vec<Option<i64>> = checked
        .records
        .iter()
        .map(|r| {
            let name = text(&r.values, table, "agency").unwrap_or_default();
            lookup
                .get(name)
                .and_then(|x| x.as_ref().ok().copied().flatten())
        })
        .collect();

    let batch =
        to_batch(&checked, &sha, &agency_ids).map_err(|e| ImportError::Storage(e.to_string()))?;
    let parquet = to_parquet(&batch).map_err(|e| ImportError::Storage(e.to_string()))?;
    let dataset_id = sha256_hex(&parquet);
    let location = format!("datasets/{}/{dataset_id}.parquet", table.code());
    let original_path = format!("originals/{sha}/{}", safe_name(file_name));
    objects
        .put(&original_path, bytes::Bytes::copy_from_slice(bytes))
        .await
        .map_err(ImportError::Storage)?;
    if !objects.exists(&location).await {
        objects
            .put(&location, parquet.into())
            .await
            .map_err(ImportError::Storage)?;
    }
    let mut distinct: Vec<i64> = agency_ids.iter().flatten().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let single_agency = match distinct.as_slice() {
        [one] => Some(xingjian_domain::AgencyId(*one)),
        _ => None,
    };
    let file = store
        .record_import(NewImport {
            sha256: sha,
            file_name: file_name.to_owned(),
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            table: table.code().to_owned(),
            source_format: raw.source_format,
            original_path,
            rows_total: i64::try_from(report.rows_total).unwrap_or(i64::MAX),
            rows_imported: i64::try_from(report.rows_valid).unwrap_or(i64::MAX),
            rows_rejected: i64::try_from(report.rejected.len()).unwrap_or(i64::MAX),
            agency_id: declared.or(single_agency),
            report_json: serde_json::to_string(&report).unwrap_or_else(|_| "{}".into()),
            dataset: Some(NewDataset {
                id: dataset_id,
                agency_id: single_agency,
                location,
                row_count: i64::try_from(batch.num_rows()).unwrap_or(i64::MAX),
            }),
        })
        .await?;
    Ok(ImportOutcome::Imported {
        file: Box::new(file),
        report,
    })
}
