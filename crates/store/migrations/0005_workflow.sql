-- The supervision workflow: clue intake and triage, field visits, file
-- requests, supervision cases with their stage history, inquiries and
-- evidence, the deadline engine with its reminder jobs, notifications.
-- Dates are 'YYYY-MM-DD' text; timestamps UTC RFC 3339 text.

CREATE TABLE field_visits (
    id @ID@,
    visited_on TEXT NOT NULL,
    place TEXT NOT NULL,
    agency_id BIGINT REFERENCES agencies(id),
    participants TEXT NOT NULL,
    notes TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- People interviewed on a visit, by kind (群众 / 司乘人员 / 运输行业人员).
CREATE TABLE field_visit_interviews (
    id @ID@,
    field_visit_id BIGINT NOT NULL REFERENCES field_visits(id),
    kind TEXT NOT NULL,
    people BIGINT NOT NULL,
    notes TEXT NOT NULL
);
CREATE INDEX field_visit_interviews_visit ON field_visit_interviews(field_visit_id);

ALTER TABLE clues ADD COLUMN received_at TEXT;
ALTER TABLE clues ADD COLUMN anonymous BIGINT NOT NULL DEFAULT 0;
ALTER TABLE clues ADD COLUMN reporter_name TEXT NOT NULL DEFAULT '';
ALTER TABLE clues ADD COLUMN reporter_contact TEXT NOT NULL DEFAULT '';
ALTER TABLE clues ADD COLUMN plate TEXT NOT NULL DEFAULT '';
ALTER TABLE clues ADD COLUMN party TEXT NOT NULL DEFAULT '';
ALTER TABLE clues ADD COLUMN field_visit_id BIGINT REFERENCES field_visits(id);
ALTER TABLE clues ADD COLUMN assignee_id BIGINT REFERENCES users(id);
ALTER TABLE clues ADD COLUMN disposition TEXT;
ALTER TABLE clues ADD COLUMN disposition_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE clues ADD COLUMN merged_into BIGINT REFERENCES clues(id);
ALTER TABLE clues ADD COLUMN case_id BIGINT;
ALTER TABLE clues ADD COLUMN updated_at TEXT;
ALTER TABLE clues ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
CREATE INDEX clues_plate ON clues(plate);
CREATE INDEX clues_status ON clues(status);

-- Yearly counters for numbers (case numbers, later 文号): one row per name and year.
CREATE TABLE sequences (
    name TEXT NOT NULL,
    year BIGINT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (name, year)
);

CREATE TABLE supervision_cases (
    id @ID@,
    case_number TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    agency_id BIGINT REFERENCES agencies(id),
    stage TEXT NOT NULL,
    decision TEXT,
    handler_id BIGINT REFERENCES users(id),
    dispute_outcome TEXT,
    dispute_note TEXT NOT NULL DEFAULT '',
    opened_by BIGINT REFERENCES users(id),
    opened_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX supervision_cases_stage ON supervision_cases(stage);

-- Every stage change with the fields the transition table asked for (JSON).
CREATE TABLE case_events (
    id @ID@,
    case_id BIGINT NOT NULL REFERENCES supervision_cases(id),
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    action TEXT NOT NULL,
    fields TEXT NOT NULL,
    actor_id BIGINT REFERENCES users(id),
    actor_name TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id);

-- 询问笔录.
CREATE TABLE inquiries (
    id @ID@,
    case_id BIGINT NOT NULL REFERENCES supervision_cases(id),
    seq BIGINT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    place TEXT NOT NULL,
    interviewers TEXT NOT NULL,
    recorder TEXT NOT NULL,
    interviewee_name TEXT NOT NULL,
    interviewee_role TEXT NOT NULL,
    interviewee_id_number TEXT NOT NULL DEFAULT '',
    interviewee_unit TEXT NOT NULL DEFAULT '',
    qa TEXT NOT NULL,
    signature TEXT NOT NULL,
    signature_note TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users(id),
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (case_id, seq)
);

CREATE TABLE case_evidence (
    id @ID@,
    case_id BIGINT NOT NULL REFERENCES supervision_cases(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    description TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX case_evidence_case ON case_evidence(case_id);

-- 调取卷宗: sent to an agency, acknowledged and answered by its liaison.
CREATE TABLE file_requests (
    id @ID@,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    clue_id BIGINT REFERENCES clues(id),
    case_id BIGINT REFERENCES supervision_cases(id),
    title TEXT NOT NULL,
    case_numbers TEXT NOT NULL,
    criteria TEXT NOT NULL,
    due_on TEXT NOT NULL,
    -- sent | acknowledged | answered | closed
    status TEXT NOT NULL,
    response TEXT NOT NULL DEFAULT '',
    sent_by BIGINT REFERENCES users(id),
    sent_by_name TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    acknowledged_by_name TEXT,
    acknowledged_at TEXT,
    answered_by_name TEXT,
    answered_at TEXT,
    closed_at TEXT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX file_requests_agency ON file_requests(agency_id);

-- The imports (through the importer) that answer a file request.
CREATE TABLE file_request_imports (
    file_request_id BIGINT NOT NULL REFERENCES file_requests(id),
    import_file_id BIGINT NOT NULL REFERENCES import_files(id),
    PRIMARY KEY (file_request_id, import_file_id)
);

-- The deadline engine: one row per running clock.
CREATE TABLE deadlines (
    id @ID@,
    -- clue | file_request | case | recommendation
    subject TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    clock TEXT NOT NULL,
    label TEXT NOT NULL,
    unit TEXT NOT NULL,
    started_on TEXT NOT NULL,
    -- The limit in `unit`s (0 when the due date was set by hand).
    limit_value BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    -- 1 when due_on reaches past the calendar's years and was counted with
    -- weekends only; recomputed once that year's holidays are imported.
    provisional BIGINT NOT NULL DEFAULT 0,
    -- running | paused | done | cancelled
    status TEXT NOT NULL,
    paused_on TEXT,
    done_on TEXT,
    owner_id BIGINT REFERENCES users(id),
    agency_id BIGINT REFERENCES agencies(id),
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX deadlines_subject ON deadlines(subject, subject_id);
CREATE INDEX deadlines_due ON deadlines(status, due_on);

CREATE TABLE deadline_events (
    id @ID@,
    deadline_id BIGINT NOT NULL REFERENCES deadlines(id),
    -- start | pause | resume | extend | recompute | done | cancel
    action TEXT NOT NULL,
    due_before TEXT,
    due_after TEXT,
    reason TEXT NOT NULL,
    approver_name TEXT,
    actor_name TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX deadline_events_deadline ON deadline_events(deadline_id);

-- Scheduled work (reminders). A job is claimed by flipping pending → done in
-- the transaction that does its work: a restart loses none, none runs twice.
CREATE TABLE jobs (
    id @ID@,
    -- deadline_due_soon | deadline_overdue
    kind TEXT NOT NULL,
    deadline_id BIGINT REFERENCES deadlines(id),
    run_on TEXT NOT NULL,
    -- pending | done | cancelled
    status TEXT NOT NULL,
    done_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX jobs_pending ON jobs(status, run_on);
CREATE INDEX jobs_deadline ON jobs(deadline_id);

-- In-app notifications; `outbox` rows (later) carry them to mail or messaging.
CREATE TABLE notifications (
    id @ID@,
    user_id BIGINT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    link TEXT NOT NULL,
    job_id BIGINT REFERENCES jobs(id),
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_user ON notifications(user_id, read_at);

-- 逐案评查: a batch of enforcement files, each reviewed on the five dimensions.
CREATE TABLE review_batches (
    id @ID@,
    title TEXT NOT NULL,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    file_request_id BIGINT REFERENCES file_requests(id),
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE review_files (
    id @ID@,
    batch_id BIGINT NOT NULL REFERENCES review_batches(id),
    case_number TEXT NOT NULL,
    reviewer_id BIGINT REFERENCES users(id),
    -- pending | reviewed
    status TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    reviewed_by_name TEXT,
    reviewed_at TEXT,
    clue_id BIGINT REFERENCES clues(id),
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (batch_id, case_number)
);

-- 评查意见: suggested by a screening line or written by the reviewer.
CREATE TABLE findings (
    id @ID@,
    review_file_id BIGINT NOT NULL REFERENCES review_files(id),
    hit_id BIGINT REFERENCES screening_hits(id),
    rule_id TEXT,
    dimension TEXT NOT NULL,
    description TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    -- suggested | confirmed | dismissed
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    decided_by_name TEXT,
    decided_at TEXT,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX findings_file ON findings(review_file_id);

-- Uploaded documents (scanned 卷宗 pages, PDFs, images), kept by hash in the object store.
CREATE TABLE attachments (
    id @ID@,
    owner TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    location TEXT NOT NULL,
    uploaded_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX attachments_owner ON attachments(owner, owner_id);
