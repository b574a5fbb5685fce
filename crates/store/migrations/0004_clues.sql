-- Clues (问题线索). This first version carries clues made from screening hits;
-- the supervision workflow adds the other sources, triage and disposition.

CREATE TABLE clues (
    id @ID@,
    -- screening_hit | 12309 | field_visit | agency_notice | other
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    agency_id BIGINT REFERENCES agencies(id),
    -- new | triaged | closed (dispositions come with the workflow)
    status TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX clues_agency ON clues(agency_id);

-- The enforcement records a clue is about, by (dataset, table, record key),
-- with the screening line that pointed at them.
CREATE TABLE clue_records (
    id @ID@,
    clue_id BIGINT NOT NULL REFERENCES clues(id),
    hit_id BIGINT REFERENCES screening_hits(id),
    rule_id TEXT,
    table_name TEXT NOT NULL,
    agency_id BIGINT REFERENCES agencies(id),
    record_key TEXT NOT NULL,
    source_file TEXT NOT NULL,
    source_row BIGINT NOT NULL,
    explanation TEXT NOT NULL
);
CREATE INDEX clue_records_clue ON clue_records(clue_id);
