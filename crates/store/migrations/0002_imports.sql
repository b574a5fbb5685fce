-- Imported enforcement-record files and the Parquet datasets made from them.

CREATE TABLE import_files (
    id @ID@,
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    table_name TEXT NOT NULL,
    source_format TEXT NOT NULL,
    -- Object-store path of the original file, kept as received.
    original_path TEXT NOT NULL,
    rows_total BIGINT NOT NULL,
    rows_imported BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    -- The agency named with --agency / the upload form, if any.
    agency_id BIGINT REFERENCES agencies(id),
    imported_by BIGINT REFERENCES users(id),
    imported_by_name TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    -- The rejected-row report, as JSON.
    report_json TEXT NOT NULL,
    UNIQUE (sha256, table_name)
);

CREATE TABLE datasets (
    -- Content address: SHA-256 of the Parquet bytes.
    id TEXT PRIMARY KEY,
    import_file_id BIGINT NOT NULL REFERENCES import_files(id),
    table_name TEXT NOT NULL,
    -- Set when every record belongs to one agency (the usual case); scoping uses it.
    agency_id BIGINT REFERENCES agencies(id),
    location TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX datasets_agency ON datasets(agency_id);
CREATE INDEX datasets_file ON datasets(import_file_id);
