-- The audit log becomes a hash chain: each entry carries its position (seq),
-- the hash of the entry before it and its own SM3 hash (computed by the store,
-- see audit_chain.rs). audit_head holds the last position and hash; writers
-- take its row lock, so entries are chained one at a time in commit order.
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_seq ON audit_log(seq);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Entries written before this migration are chained once, in the same
-- transaction (migrate.rs); afterwards an entry may only be updated while it
-- has no hash, and such an entry is reported by `xingjian audit verify`.
-- @sqlite
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN OLD.hash IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- @end
-- @postgres
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.hash IS NULL THEN RETURN NEW; END IF;
  RAISE EXCEPTION 'audit_log is append-only';
END; $$;
-- @end
