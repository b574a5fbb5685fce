//! Imported enforcement records as immutable, content-addressed Parquet
//! datasets kept in an object store (a local directory by default), and the
//! import pipeline that makes them: read → check → Parquet → register.

mod columnar;
mod import;
mod objects;
mod report;

pub use columnar::{
    RecordField, from_date32, read_parquet, record_at, records, schema, to_batch, to_date32,
    to_parquet,
};
pub use import::{
    ImportError, ImportOptions, ImportOutcome, Prepared, Report, Started, file_sha256, import_file,
    import_prepared, prepare, start_import, store_document,
};
pub use objects::Objects;
pub use report::{report_xlsx, safe_cell};
