-- Indexes for long lists (found with EXPLAIN ANALYZE under bench/http).
-- A run's lines in the order they are listed, with or without a rule filter,
-- so a page is a range of the index instead of a sort of the rule's lines
-- (a page 50 deep of 10,000 lines: 4.9 ms → 0.35 ms); it serves everything
-- screening_hits_run did.
CREATE INDEX screening_hits_run_order
    ON screening_hits(run_id, rule_id, agency_name, record_key, id);
DROP INDEX screening_hits_run;
-- Clues of one status in id order.
DROP INDEX clues_status;
CREATE INDEX clues_status ON clues(status, id);
-- @postgres
-- The clue list's substring search (LIKE '%…%' over title, content, party and
-- plate) through a trigram index, where PostgreSQL's pg_trgm extension is
-- installed (contrib; a trusted extension, so the database owner may create
-- it). Without it, or without the right to create it, the search scans, as
-- it does on SQLite.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'pg_trgm not created (no privilege): clue search will scan';
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX clues_words ON clues USING gin
            (title gin_trgm_ops, content gin_trgm_ops, party gin_trgm_ops, plate gin_trgm_ops);
    END IF;
END
$$;
-- @end
