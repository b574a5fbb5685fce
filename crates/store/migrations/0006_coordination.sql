-- Coordination with agencies (the first 加): campaigns and their task lists,
-- exchanges each way, meetings, agreements with obligations, liaison
-- contacts, and the outbox that carries notifications to mail or messaging.

-- Contacts, shown for liaisons on their agency's page; the e-mail address
-- also receives notifications when a mail adapter drains the outbox.
ALTER TABLE users ADD COLUMN position TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- 专项活动: a time-boxed campaign with a plan, goals and focus areas.
CREATE TABLE campaigns (
    id @ID@,
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    goals TEXT NOT NULL,
    -- JSON list of focus-area labels (监督重点)
    focus_areas TEXT NOT NULL,
    -- active | closed
    status TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

-- 领导小组 / 办公室: who is responsible for what.
CREATE TABLE campaign_members (
    id @ID@,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    -- leading_group | office
    body TEXT NOT NULL,
    name TEXT NOT NULL,
    position TEXT NOT NULL,
    responsibility TEXT NOT NULL,
    ordinal BIGINT NOT NULL
);
CREATE INDEX campaign_members_campaign ON campaign_members(campaign_id, ordinal);

-- Meetings: 座谈会, 联席会议, 案件会商, other; with minutes and consensus items.
CREATE TABLE meetings (
    id @ID@,
    -- symposium | joint_meeting | case_consultation | other
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    place TEXT NOT NULL,
    agenda TEXT NOT NULL,
    minutes TEXT NOT NULL,
    campaign_id BIGINT REFERENCES campaigns(id),
    case_id BIGINT REFERENCES supervision_cases(id),
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX meetings_held ON meetings(held_on);

-- The agencies taking part (what a liaison may see) ...
CREATE TABLE meeting_agencies (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (meeting_id, agency_id)
);
CREATE INDEX meeting_agencies_agency ON meeting_agencies(agency_id);

-- ... the people present (agency_id NULL: the procuratorate's own) ...
CREATE TABLE meeting_attendees (
    id @ID@,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    agency_id BIGINT REFERENCES agencies(id),
    name TEXT NOT NULL,
    position TEXT NOT NULL,
    ordinal BIGINT NOT NULL
);
CREATE INDEX meeting_attendees_meeting ON meeting_attendees(meeting_id, ordinal);

-- ... and the consensus items (共识) reached.
CREATE TABLE consensus_items (
    id @ID@,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    ordinal BIGINT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX consensus_items_meeting ON consensus_items(meeting_id, ordinal);

-- 监督任务清单: a campaign's tasks and a meeting's follow-ups.
CREATE TABLE tasks (
    id @ID@,
    campaign_id BIGINT REFERENCES campaigns(id),
    meeting_id BIGINT REFERENCES meetings(id),
    title TEXT NOT NULL,
    -- free text such as 客运 / 货运 / 综合
    category TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES users(id),
    -- JSON list of user ids
    co_owner_ids TEXT NOT NULL,
    due_on TEXT NOT NULL,
    -- open | in_progress | done | cancelled
    status TEXT NOT NULL,
    completion_note TEXT NOT NULL,
    completed_on TEXT,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX tasks_campaign ON tasks(campaign_id);
CREATE INDEX tasks_meeting ON tasks(meeting_id);
CREATE INDEX tasks_owner ON tasks(owner_id, status);

-- Exchanges: 信息共享 / 案情通报 / 线索移送, either way.
CREATE TABLE exchanges (
    id @ID@,
    -- data_share | case_notice | clue_transfer
    kind TEXT NOT NULL,
    -- outbound: the procuratorate to the agency; inbound: the agency to the procuratorate
    direction TEXT NOT NULL,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    due_on TEXT,
    -- sent | acknowledged | answered | closed
    status TEXT NOT NULL,
    response TEXT NOT NULL,
    -- an agency's data share brought in through the importer
    import_file_id BIGINT REFERENCES import_files(id),
    -- the clue a received transfer was registered as, or an outbound one is about
    clue_id BIGINT REFERENCES clues(id),
    case_id BIGINT REFERENCES supervision_cases(id),
    sent_by BIGINT REFERENCES users(id),
    sent_by_name TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    acknowledged_by_name TEXT,
    acknowledged_at TEXT,
    answered_by_name TEXT,
    answered_at TEXT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX exchanges_agency ON exchanges(agency_id, kind, direction);
CREATE INDEX exchanges_status ON exchanges(status);

-- 衔接工作意见 / 实施意见: signed agreements, their parties and obligations.
CREATE TABLE agreements (
    id @ID@,
    title TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE agreement_parties (
    agreement_id BIGINT NOT NULL REFERENCES agreements(id),
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (agreement_id, agency_id)
);
CREATE INDEX agreement_parties_agency ON agreement_parties(agency_id);

CREATE TABLE obligations (
    id @ID@,
    agreement_id BIGINT NOT NULL REFERENCES agreements(id),
    -- data_share | case_notice | clue_transfer | liaison | joint_meeting | case_consultation | other
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    -- '' (no rhythm) | month | quarter | half_year | year
    period TEXT NOT NULL,
    ordinal BIGINT NOT NULL
);
CREATE INDEX obligations_agreement ON obligations(agreement_id, ordinal);

-- Messages a delivery adapter (SMTP, government messaging) drains. Written in
-- the transaction of the notification; claimed, sent, retried with backoff.
CREATE TABLE outbox (
    id @ID@,
    notification_id BIGINT REFERENCES notifications(id),
    -- email
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- pending | sending | sent | failed
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_pending ON outbox(status, next_attempt_at);
