-- The Zalo Bot Platform channel (bot/channels/zalo.py).

-- Zalo's getUpdates takes no offset: an update fetched is consumed. Each one
-- is stored here before anything else happens, processed from here and then
-- marked done; unfinished rows are processed again at start. `event_key`
-- (Zalo's message id) keeps a webhook delivered twice from being stored twice.
-- `resolved` is the button a typed choice ("2", "nha o") was taken to mean,
-- written before acting on it: a replay acts on the same button even if the
-- worker has since been shown another list.
CREATE TABLE zalo_journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key   TEXT UNIQUE,
    payload     TEXT    NOT NULL,
    received_at REAL    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    resolved    TEXT,
    done_at     REAL,
    error       TEXT
);
CREATE INDEX zalo_journal_pending ON zalo_journal (id) WHERE done_at IS NULL;

-- Zalo has no buttons: the last numbered choices shown to each chat, as a
-- JSON list of [label, button data], so "2" still means the same after a restart.
CREATE TABLE zalo_choices (
    chat_id     TEXT    PRIMARY KEY,
    choices     TEXT    NOT NULL,
    updated_at  REAL    NOT NULL
);
