-- 检察建议: drafts with every version kept, pre-consultation with the agency,
-- sign-offs, a 文号 per kind and year, delivery (written or public, with
-- people's supervisors), and per-recipient replies, rectification and outcome.

CREATE TABLE recommendations (
    id @ID@,
    case_id BIGINT REFERENCES supervision_cases(id),
    -- correction | social_governance | other
    kind TEXT NOT NULL,
    -- draft | pending_approval | issued | delivered | replied | closed
    status TEXT NOT NULL,
    doc_number TEXT UNIQUE,
    -- the current text, JSON of domain::recommendation::Letter
    letter TEXT NOT NULL,
    current_version BIGINT NOT NULL,
    handler_id BIGINT REFERENCES users(id),
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    issued_on TEXT,
    closed_on TEXT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX recommendations_case ON recommendations(case_id);
CREATE INDEX recommendations_status ON recommendations(status);

-- Every saved text, never overwritten.
CREATE TABLE recommendation_versions (
    id @ID@,
    recommendation_id BIGINT NOT NULL REFERENCES recommendations(id),
    version_no BIGINT NOT NULL,
    letter TEXT NOT NULL,
    note TEXT NOT NULL,
    author_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (recommendation_id, version_no)
);

-- The agencies it is addressed to, each with its own delivery, reply clock,
-- reply and outcome.
CREATE TABLE recommendation_recipients (
    id @ID@,
    recommendation_id BIGINT NOT NULL REFERENCES recommendations(id),
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    -- sent | delivered | replied | closed
    status TEXT NOT NULL,
    delivered_on TEXT,
    received_by TEXT,
    reply_due_on TEXT,
    reply TEXT NOT NULL,
    replied_on TEXT,
    replied_by_name TEXT,
    -- adopted | partially_adopted | not_adopted
    outcome TEXT,
    outcome_note TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (recommendation_id, agency_id)
);
CREATE INDEX recommendation_recipients_agency ON recommendation_recipients(agency_id);

-- 提前沟通: a version shared with an agency through its liaisons, and its views.
CREATE TABLE recommendation_consultations (
    id @ID@,
    recommendation_id BIGINT NOT NULL REFERENCES recommendations(id),
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    version_no BIGINT NOT NULL,
    shared_by_name TEXT NOT NULL,
    shared_at TEXT NOT NULL,
    views TEXT,
    views_by_name TEXT,
    views_at TEXT
);
CREATE INDEX recommendation_consultations_rec ON recommendation_consultations(recommendation_id);

-- Sign-offs: submitted, approved or returned, by whom, when, with a comment.
CREATE TABLE recommendation_signoffs (
    id @ID@,
    recommendation_id BIGINT NOT NULL REFERENCES recommendations(id),
    -- submit | approve | return
    action TEXT NOT NULL,
    role TEXT NOT NULL,
    user_name TEXT NOT NULL,
    comment TEXT NOT NULL,
    at TEXT NOT NULL
);

-- Delivery: 书面送达 or 公开宣告送达 with invited people's supervisors.
CREATE TABLE recommendation_deliveries (
    id @ID@,
    recommendation_id BIGINT NOT NULL REFERENCES recommendations(id),
    -- written | public
    mode TEXT NOT NULL,
    delivered_on TEXT NOT NULL,
    place TEXT NOT NULL,
    host TEXT NOT NULL,
    participants TEXT NOT NULL,
    recorded_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The people's supervisors invited to a delivery, and what they said.
CREATE TABLE recommendation_supervisors (
    delivery_id BIGINT NOT NULL REFERENCES recommendation_deliveries(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    opinion TEXT,
    opinion_at TEXT,
    PRIMARY KEY (delivery_id, user_id)
);
CREATE INDEX recommendation_supervisors_user ON recommendation_supervisors(user_id);

-- Rectification measures (约谈, 警示教育, rule changes …) and follow-up visits.
CREATE TABLE recommendation_measures (
    id @ID@,
    recipient_id BIGINT NOT NULL REFERENCES recommendation_recipients(id),
    -- interview | warning_education | rule_change | follow_up_visit | other
    kind TEXT NOT NULL,
    taken_on TEXT NOT NULL,
    description TEXT NOT NULL,
    recorded_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX recommendation_measures_recipient ON recommendation_measures(recipient_id);

-- 联合执法专项行动 following a (social-governance) recommendation.
CREATE TABLE joint_actions (
    id @ID@,
    recommendation_id BIGINT REFERENCES recommendations(id),
    title TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    participants TEXT NOT NULL,
    results TEXT NOT NULL,
    recorded_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX joint_actions_recommendation ON joint_actions(recommendation_id);

CREATE TABLE joint_action_agencies (
    joint_action_id BIGINT NOT NULL REFERENCES joint_actions(id),
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (joint_action_id, agency_id)
);
