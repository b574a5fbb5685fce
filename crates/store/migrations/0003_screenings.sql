-- Screening runs (rules over datasets) and the lines they produced.

CREATE TABLE screening_runs (
    id @ID@,
    -- queued → running → done | failed
    status TEXT NOT NULL,
    as_of TEXT NOT NULL,
    started_by BIGINT REFERENCES users(id),
    started_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    -- Dataset ids (JSON array) and rules with versions and parameters (JSON).
    datasets_json TEXT NOT NULL,
    rules_json TEXT NOT NULL,
    -- Per-rule counts and warnings (JSON), when done.
    counts_json TEXT,
    warnings_json TEXT,
    progress_done BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT NOT NULL,
    hits BIGINT NOT NULL DEFAULT 0,
    incomplete BIGINT NOT NULL DEFAULT 0,
    error TEXT
);

CREATE TABLE screening_hits (
    id @ID@,
    run_id BIGINT NOT NULL REFERENCES screening_runs(id),
    rule_id TEXT NOT NULL,
    rule_version BIGINT NOT NULL,
    -- hit | incomplete
    outcome TEXT NOT NULL,
    table_name TEXT NOT NULL,
    agency_id BIGINT REFERENCES agencies(id),
    agency_name TEXT NOT NULL,
    record_key TEXT NOT NULL,
    explanation TEXT NOT NULL,
    -- 执法证号, ';'-separated, wrapped in ';' so that one id matches exactly.
    officers TEXT NOT NULL,
    -- Problem dimensions, ';'-separated and wrapped likewise.
    dimensions TEXT NOT NULL,
    severity TEXT NOT NULL,
    source_file TEXT NOT NULL,
    source_row BIGINT NOT NULL
);
CREATE INDEX screening_hits_run ON screening_hits(run_id, rule_id);
CREATE INDEX screening_hits_agency ON screening_hits(agency_id);
