-- Every update is stored here before it is acknowledged to Telegram (by
-- moving the getUpdates offset past it), processed from here, then marked
-- done. Unfinished rows are processed again at start.
CREATE TABLE update_journal (
    update_id   INTEGER PRIMARY KEY,
    payload     TEXT    NOT NULL,
    received_at REAL    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    done_at     REAL,
    error       TEXT
);
CREATE INDEX update_journal_pending ON update_journal (update_id) WHERE done_at IS NULL;

-- The message (or update) that caused a transition: applying it twice is a no-op.
ALTER TABLE events ADD COLUMN source TEXT;
CREATE UNIQUE INDEX events_by_source ON events (source) WHERE source IS NOT NULL;
