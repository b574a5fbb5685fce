//! Contract records as Arrow record batches and Parquet bytes.
//!
//! Column names are the contract's English names, so rule SQL reads like the
//! contract. Money is `Decimal128(18, 2)` yuan, dates `Date32`, date-times
//! naive `Timestamp(Second)` (local time), lists `List<Utf8>`. Every row also
//! carries `agency_id` (the registry id), `_file` (SHA-256 of the source file)
//! and `_row` (its row number there), so a hit points back to (file, row).

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Int64Builder, ListBuilder,
    RecordBatch, StringBuilder, TimestampSecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::sync::Arc;
use xingjian_records::validate::Checked;
use xingjian_records::{ColumnKind, Table, Value};

fn data_type(kind: ColumnKind) -> DataType {
    match kind {
        ColumnKind::Text | ColumnKind::Choice(_) | ColumnKind::Plate => DataType::Utf8,
        ColumnKind::Date => DataType::Date32,
        ColumnKind::DateTime => DataType::Timestamp(TimeUnit::Second, None),
        ColumnKind::Bool => DataType::Boolean,
        ColumnKind::Money => DataType::Decimal128(18, 2),
        ColumnKind::Integer => DataType::Int64,
        ColumnKind::List => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
    }
}

/// The Arrow schema of a table's dataset.
pub fn schema(table: Table) -> SchemaRef {
    let mut fields: Vec<Field> = table
        .columns()
        .iter()
        .map(|c| Field::new(c.en, data_type(c.kind), !c.required))
        .collect();
    if table == Table::PenaltyCases {
        fields.push(Field::new("violation_type_raw", DataType::Utf8, true));
    }
    fields.push(Field::new("agency_id", DataType::Int64, true));
    fields.push(Field::new("_file", DataType::Utf8, false));
    fields.push(Field::new("_row", DataType::Int64, false));
    fields.push(Field::new("_extras", DataType::Utf8, true));
    Arc::new(Schema::new(fields))
}

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// A date as Arrow's `Date32` (days since 1970-01-01).
pub fn to_date32(d: NaiveDate) -> i32 {
    i32::try_from((d - EPOCH).num_days()).unwrap_or(i32::MAX)
}

/// An Arrow `Date32` back to a date.
pub fn from_date32(days: i32) -> Option<NaiveDate> {
    EPOCH.checked_add_signed(chrono::Duration::days(i64::from(days)))
}

fn column<'a>(
    kind: ColumnKind,
    values: impl Iterator<Item = &'a Value>,
) -> Result<ArrayRef, ArrowError> {
    Ok(match kind {
        ColumnKind::Text | ColumnKind::Choice(_) | ColumnKind::Plate => {
            let mut b = StringBuilder::new();
            for v in values {
                match v {
                    Value::Text(s) => b.append_value(s),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        ColumnKind::Date => {
            let mut b = Date32Builder::new();
            for v in values {
                match v {
                    Value::Date(d) => b.append_value(to_date32(*d)),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        ColumnKind::DateTime => {
            let mut b = TimestampSecondBuilder::new();
            for v in values {
                match v {
                    Value::DateTime(t) => b.append_value(t.and_utc().timestamp()),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        ColumnKind::Bool => {
            let mut b = BooleanBuilder::new();
            for v in values {
                match v {
                    Value::Bool(x) => b.append_value(*x),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        ColumnKind::Money => {
            let mut b = Decimal128Builder::new().with_precision_and_scale(18, 2)?;
            for v in values {
                match v {
                    Value::Fen(f) => b.append_value(i128::from(*f)),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        ColumnKind::Integer => {
            let mut b = Int64Builder::new();
            for v in values {
                match v {
                    Value::Int(x) => b.append_value(*x),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        ColumnKind::List => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for v in values {
                match v {
                    Value::List(items) => {
                        for i in items {
                            b.values().append_value(i);
                        }
                        b.append(true);
                    }
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
    })
}

/// One record batch of the checked records; `agency_ids` is aligned with `checked.records`.
pub fn to_batch(
    checked: &Checked,
    file_sha256: &str,
    agency_ids: &[Option<i64>],
) -> Result<RecordBatch, ArrowError> {
    let table = checked.table;
    let recs = &checked.records;
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (i, c) in table.columns().iter().enumerate() {
        arrays.push(column(
            c.kind,
            recs.iter().map(|r| r.values.get(i).unwrap_or(&Value::Null)),
        )?);
    }
    if table == Table::PenaltyCases {
        let mut b = StringBuilder::new();
        for r in recs {
            b.append_option(r.violation_type_raw.as_deref());
        }
        arrays.push(Arc::new(b.finish()));
    }
    let mut agency = Int64Builder::new();
    let mut file = StringBuilder::new();
    let mut row = Int64Builder::new();
    let mut extras = StringBuilder::new();
    for (i, r) in recs.iter().enumerate() {
        agency.append_option(agency_ids.get(i).copied().flatten());
        file.append_value(file_sha256);
        row.append_value(i64::try_from(r.row).unwrap_or(i64::MAX));
        if r.extras.is_empty() {
            extras.append_null();
        } else {
            let map: serde_json::Map<String, serde_json::Value> = r
                .extras
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            extras.append_value(serde_json::Value::Object(map).to_string());
        }
    }
    arrays.push(Arc::new(agency.finish()));
    arrays.push(Arc::new(file.finish()));
    arrays.push(Arc::new(row.finish()));
    arrays.push(Arc::new(extras.finish()));
    RecordBatch::try_new(schema(table), arrays)
}

/// Parquet bytes of a batch. Deterministic: the same batch gives the same bytes,
/// so the SHA-256 of the bytes is a content address.
pub fn to_parquet(batch: &RecordBatch) -> Result<Vec<u8>, parquet::errors::ParquetError> {
    let props = WriterProperties::builder()
        .set_created_by("xingjian".into())
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(256 * 1024))
        .build();
    let mut buf = Vec::new();
    let mut w = ArrowWriter::try_new(&mut buf, batch.schema(), Some(props))?;
    w.write(batch)?;
    w.close()?;
    Ok(buf)
}

/// Read Parquet bytes back into record batches.
pub fn read_parquet(
    bytes: bytes::Bytes,
) -> Result<Vec<RecordBatch>, parquet::errors::ParquetError> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)?.build()?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| parquet::errors::ParquetError::General(e.to_string()))
}

/// One field of a stored record, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordField {
    pub column: &'static str,
    pub value: String,
    pub sensitive: bool,
}

/// The fields of row `i` of `batch`, as contract columns with display values.
fn row_fields(
    table: Table,
    batch: &RecordBatch,
    i: usize,
) -> Result<Vec<RecordField>, parquet::errors::ParquetError> {
    use arrow::array::Array;
    use arrow::util::display::{ArrayFormatter, FormatOptions};
    let opts = FormatOptions::default().with_null("");
    let mut out = Vec::new();
    for c in table.columns() {
        let Some(col) = batch.column_by_name(c.en) else {
            continue;
        };
        let value = match c.kind {
            _ if col.is_null(i) => String::new(),
            ColumnKind::Bool => col
                .as_any()
                .downcast_ref::<arrow::array::BooleanArray>()
                .map_or_else(String::new, |b| {
                    if b.value(i) { "是" } else { "否" }.to_owned()
                }),
            ColumnKind::List => col
                .as_any()
                .downcast_ref::<arrow::array::ListArray>()
                .and_then(|l| {
                    let v = l.value(i);
                    v.as_any()
                        .downcast_ref::<arrow::array::StringArray>()
                        .map(|s| s.iter().flatten().collect::<Vec<_>>().join("、"))
                })
                .unwrap_or_default(),
            _ => ArrayFormatter::try_new(col.as_ref(), &opts)
                .map(|f| f.value(i).to_string())
                .map_err(|e| parquet::errors::ParquetError::General(e.to_string()))?,
        };
        out.push(RecordField {
            column: c.zh,
            value,
            sensitive: c.sensitive,
        });
    }
    Ok(out)
}

fn source_rows(batch: &RecordBatch) -> Option<&arrow::array::Int64Array> {
    batch
        .column_by_name("_row")
        .and_then(|c| c.as_any().downcast_ref::<arrow::array::Int64Array>())
}

/// The record whose source row is `row`, as its contract columns (Chinese names)
/// with display values; `None` when no such row.
pub fn record_at(
    table: Table,
    bytes: bytes::Bytes,
    row: i64,
) -> Result<Option<Vec<RecordField>>, parquet::errors::ParquetError> {
    for batch in read_parquet(bytes)? {
        let Some(rows) = source_rows(&batch) else {
            continue;
        };
        if let Some(i) = (0..rows.len()).find(|i| rows.value(*i) == row) {
            return row_fields(table, &batch, i).map(Some);
        }
    }
    Ok(None)
}

/// Every record of a dataset with its source row, for the search index.
pub fn records(
    table: Table,
    bytes: bytes::Bytes,
) -> Result<Vec<(i64, Vec<RecordField>)>, parquet::errors::ParquetError> {
    let mut out = Vec::new();
    for batch in read_parquet(bytes)? {
        let Some(rows) = source_rows(&batch) else {
            continue;
        };
        for i in 0..rows.len() {
            out.push((rows.value(i), row_fields(table, &batch, i)?));
        }
    }
    Ok(out)
}
