//! Contract records as Arrow record batches and Parquet bytes.
//!
//! Column names are the contract's English names, so rule SQL reads like the
//! contract. Money is `Decimal128(18, 2)` yuan, dates `Date32`, date-times
//! naive `Timestamp(Second)` (local time), lists `List<Utf8>`. Every row also
//! carries `agency_id` (the registry id), `_file` (SHA-256 of the source file)
//! and `_row` (its row number there), so a hit points back to (file, row).

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Int64Builder, ListBuilder,
    RecordBatch, StringArray, StringBuilder, TimestampSecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::sync::Arc;
use xingjian_records::validate::{Checked, Record};
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

/// An Arrow builder for one contract column.
enum ColumnBuilder {
    Text(StringBuilder),
    Date(Date32Builder),
    DateTime(TimestampSecondBuilder),
    Bool(BooleanBuilder),
    Money(Decimal128Builder),
    Integer(Int64Builder),
    List(ListBuilder<StringBuilder>),
}

impl ColumnBuilder {
    fn new(kind: ColumnKind, n: usize) -> Result<ColumnBuilder, ArrowError> {
        Ok(match kind {
            ColumnKind::Text | ColumnKind::Choice(_) | ColumnKind::Plate => {
                ColumnBuilder::Text(StringBuilder::with_capacity(n, n * 16))
            }
            ColumnKind::Date => ColumnBuilder::Date(Date32Builder::with_capacity(n)),
            ColumnKind::DateTime => {
                ColumnBuilder::DateTime(TimestampSecondBuilder::with_capacity(n))
            }
            ColumnKind::Bool => ColumnBuilder::Bool(BooleanBuilder::with_capacity(n)),
            ColumnKind::Money => ColumnBuilder::Money(
                Decimal128Builder::with_capacity(n).with_precision_and_scale(18, 2)?,
            ),
            ColumnKind::Integer => ColumnBuilder::Integer(Int64Builder::with_capacity(n)),
            ColumnKind::List => ColumnBuilder::List(ListBuilder::with_capacity(
                StringBuilder::with_capacity(n * 2, n * 8),
                n,
            )),
        })
    }

    /// Append a value; a value of another kind than the column's is null.
    fn push(&mut self, v: &Value) {
        match (self, v) {
            (ColumnBuilder::Text(b), Value::Text(s)) => b.append_value(s),
            (ColumnBuilder::Text(b), _) => b.append_null(),
            (ColumnBuilder::Date(b), Value::Date(d)) => b.append_value(to_date32(*d)),
            (ColumnBuilder::Date(b), _) => b.append_null(),
            (ColumnBuilder::DateTime(b), Value::DateTime(t)) => {
                b.append_value(t.and_utc().timestamp());
            }
            (ColumnBuilder::DateTime(b), _) => b.append_null(),
            (ColumnBuilder::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (ColumnBuilder::Bool(b), _) => b.append_null(),
            (ColumnBuilder::Money(b), Value::Fen(f)) => b.append_value(i128::from(*f)),
            (ColumnBuilder::Money(b), _) => b.append_null(),
            (ColumnBuilder::Integer(b), Value::Int(x)) => b.append_value(*x),
            (ColumnBuilder::Integer(b), _) => b.append_null(),
            (ColumnBuilder::List(b), Value::List(items)) => {
                for i in items {
                    b.values().append_value(i);
                }
                b.append(true);
            }
            (ColumnBuilder::List(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Text(b) => Arc::new(b.finish()),
            ColumnBuilder::Date(b) => Arc::new(b.finish()),
            ColumnBuilder::DateTime(b) => Arc::new(b.finish()),
            ColumnBuilder::Bool(b) => Arc::new(b.finish()),
            ColumnBuilder::Money(b) => Arc::new(b.finish()),
            ColumnBuilder::Integer(b) => Arc::new(b.finish()),
            ColumnBuilder::List(b) => Arc::new(b.finish()),
        }
    }
}

/// Records of one table appended one at a time straight into Arrow columns
/// (a record is dropped as soon as it is appended), cut into batches.
pub struct RowsBuilder {
    table: Table,
    file_sha256: String,
    columns: Vec<ColumnBuilder>,
    violation_type_raw: StringBuilder,
    agency: Int64Builder,
    row: Int64Builder,
    extras: StringBuilder,
    len: usize,
}

impl RowsBuilder {
    pub fn new(
        table: Table,
        file_sha256: &str,
        capacity: usize,
    ) -> Result<RowsBuilder, ArrowError> {
        Ok(RowsBuilder {
            table,
            file_sha256: file_sha256.to_owned(),
            columns: table
                .columns()
                .iter()
                .map(|c| ColumnBuilder::new(c.kind, capacity))
                .collect::<Result<_, _>>()?,
            violation_type_raw: StringBuilder::new(),
            agency: Int64Builder::with_capacity(capacity),
            row: Int64Builder::with_capacity(capacity),
            extras: StringBuilder::new(),
            len: 0,
        })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, r: &Record, agency_id: Option<i64>) {
        for (i, b) in self.columns.iter_mut().enumerate() {
            b.push(r.values.get(i).unwrap_or(&Value::Null));
        }
        if self.table == Table::PenaltyCases {
            self.violation_type_raw
                .append_option(r.violation_type_raw.as_deref());
        }
        self.agency.append_option(agency_id);
        self.row
            .append_value(i64::try_from(r.row).unwrap_or(i64::MAX));
        if r.extras.is_empty() {
            self.extras.append_null();
        } else {
            let map: serde_json::Map<String, serde_json::Value> = r
                .extras
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            self.extras
                .append_value(serde_json::Value::Object(map).to_string());
        }
        self.len += 1;
    }

    /// The rows appended since the last batch, as a batch of the table's schema.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let mut arrays: Vec<ArrayRef> =
            self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        if self.table == Table::PenaltyCases {
            arrays.push(Arc::new(self.violation_type_raw.finish()));
        }
        arrays.push(Arc::new(self.agency.finish()));
        arrays.push(Arc::new(StringArray::from_iter_values(
            std::iter::repeat_n(self.file_sha256.as_str(), self.len),
        )));
        arrays.push(Arc::new(self.row.finish()));
        arrays.push(Arc::new(self.extras.finish()));
        self.len = 0;
        RecordBatch::try_new(schema(self.table), arrays)
    }
}

/// One record batch of the checked records; `agency_ids` is aligned with `checked.records`.
pub fn to_batch(
    checked: &Checked,
    file_sha256: &str,
    agency_ids: &[Option<i64>],
) -> Result<RecordBatch, ArrowError> {
    let mut b = RowsBuilder::new(checked.table, file_sha256, checked.records.len())?;
    for (i, r) in checked.records.iter().enumerate() {
        b.push(r, agency_ids.get(i).copied().flatten());
    }
    b.finish()
}

/// The batch with `agency_id` set from its `agency` name (names not in `ids` become null).
pub fn with_agency_ids(
    batch: &RecordBatch,
    ids: &std::collections::HashMap<String, i64>,
) -> Result<RecordBatch, ArrowError> {
    let schema = batch.schema();
    let Ok(at) = schema.index_of("agency_id") else {
        return Ok(batch.clone());
    };
    let mut b = Int64Builder::with_capacity(batch.num_rows());
    match batch
        .column_by_name("agency")
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
    {
        Some(names) => {
            for n in names {
                b.append_option(n.and_then(|n| ids.get(n).copied()));
            }
        }
        None => b.append_nulls(batch.num_rows()),
    }
    let mut columns = batch.columns().to_vec();
    columns[at] = Arc::new(b.finish());
    RecordBatch::try_new(schema, columns)
}

/// Parquet bytes of a batch. Deterministic: the same batch gives the same bytes,
/// so the SHA-256 of the bytes is a content address.
pub fn to_parquet(batch: &RecordBatch) -> Result<Vec<u8>, parquet::errors::ParquetError> {
    batches_to_parquet(batch.schema(), std::slice::from_ref(batch))
}

/// Parquet bytes of consecutive batches of one schema, row groups of 256 Ki
/// rows. Pages follow the batches, so the importer's fixed batch size makes
/// the same file give the same bytes.
pub fn batches_to_parquet(
    schema: SchemaRef,
    batches: &[RecordBatch],
) -> Result<Vec<u8>, parquet::errors::ParquetError> {
    let props = WriterProperties::builder()
        .set_created_by("xingjian".into())
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(256 * 1024))
        .build();
    let mut buf = Vec::new();
    let mut w = ArrowWriter::try_new(&mut buf, schema, Some(props))?;
    for b in batches {
        w.write(b)?;
    }
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
