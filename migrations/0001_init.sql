-- Core loop: workers, their questions, the officials' cards, answers,
-- the knowledge base and the outbox of everything the bot must deliver.
-- Times are Unix seconds (REAL), UTC.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    channel       TEXT    NOT NULL,              -- 'telegram', later 'zalo'
    external_id   TEXT    NOT NULL,              -- the channel's user id
    chat_id       TEXT    NOT NULL,              -- where to reach the user privately
    display_name  TEXT    NOT NULL DEFAULT '',
    language      TEXT    NOT NULL DEFAULT 'vi',
    blocked_at    REAL,                          -- the user blocked the bot
    created_at    REAL    NOT NULL,
    UNIQUE (channel, external_id)
);

-- The worker's unfinished question: one row per user, so a restart in the
-- middle of the conversation loses nothing.
CREATE TABLE drafts (
    user_id     INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    step        TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,      -- buttons of older steps are stale
    topic       TEXT,
    text        TEXT,
    anonymous   INTEGER,
    suggestions TEXT,                            -- JSON list of KB ids shown
    case_id     INTEGER,                         -- the question a follow-up or "me too" is about
    updated_at  REAL    NOT NULL
);

CREATE TABLE questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT, -- the case number #N
    user_id     INTEGER NOT NULL REFERENCES users(id),
    topic       TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    anonymous   INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    asker_name  TEXT,                            -- NULL when anonymous
    status      TEXT    NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'answered', 'forwarded', 'duplicate', 'rejected')),
    version     INTEGER NOT NULL DEFAULT 1,      -- bumped by every transition: stale cards are refused
    department  TEXT,                            -- key from [[departments]]
    assigned_by TEXT,
    forwarded_to TEXT,
    duplicate_of INTEGER REFERENCES questions(id),
    reject_reason TEXT,
    rating      INTEGER CHECK (rating IN (-1, 1)),
    created_at  REAL    NOT NULL,
    due_at      REAL,                            -- answer deadline (working days)
    nudged_at   REAL,                            -- the one overdue reminder was queued
    answered_at REAL                             -- first answer
);
CREATE INDEX questions_by_user ON questions (user_id, id);
CREATE INDEX questions_by_status ON questions (status, created_at);

CREATE TABLE answers (
    id                INTEGER PRIMARY KEY,
    question_id       INTEGER NOT NULL REFERENCES questions(id),
    official_id       INTEGER NOT NULL,
    official_name     TEXT    NOT NULL,
    text              TEXT    NOT NULL,
    source_chat_id    TEXT,
    source_message_id INTEGER,
    created_at        REAL    NOT NULL,
    edited_at         REAL,
    UNIQUE (source_chat_id, source_message_id)   -- one official message, one answer
);
CREATE INDEX answers_by_question ON answers (question_id, id);

-- Workers who share a question ("me too", or a duplicate's asker): they get its answers.
CREATE TABLE followers (
    question_id INTEGER NOT NULL REFERENCES questions(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  REAL    NOT NULL,
    PRIMARY KEY (question_id, user_id)
);

-- Further questions from the asker after an answer; each reopens the case.
CREATE TABLE followups (
    id          INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    text        TEXT    NOT NULL,
    created_at  REAL    NOT NULL
);
CREATE INDEX followups_by_question ON followups (question_id, id);

-- The audit trail: every transition, who and when.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    actor_id    INTEGER,                         -- NULL: the worker or the system
    actor_name  TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '',
    created_at  REAL    NOT NULL
);
CREATE INDEX events_by_question ON events (question_id, id);

-- One row per local day whose digest was queued: a restart never sends it twice.
CREATE TABLE digests (
    day        TEXT PRIMARY KEY,
    created_at REAL NOT NULL
);

-- Every card posted to officials, so that a reply finds its case.
CREATE TABLE cards (
    chat_id     TEXT    NOT NULL,
    message_id  INTEGER NOT NULL,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    thread_id   INTEGER,
    created_at  REAL    NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX cards_by_question ON cards (question_id);

CREATE TABLE kb_entries (
    id                 TEXT PRIMARY KEY,
    topic              TEXT NOT NULL,
    question           TEXT NOT NULL,
    answer             TEXT NOT NULL,
    source_question_id INTEGER REFERENCES questions(id),
    created_at         REAL NOT NULL,
    updated_at         REAL NOT NULL
);

-- A worker who found their answer in the KB and asked no further.
CREATE TABLE kb_deflections (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    topic       TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    kb_entry_id TEXT    NOT NULL,
    created_at  REAL    NOT NULL
);

-- Everything the bot must deliver later or reliably: answers to workers,
-- cards and card edits for officials. One dispatcher sends due rows.
CREATE TABLE outbox (
    id                 INTEGER PRIMARY KEY,
    channel            TEXT    NOT NULL,
    chat_id            TEXT    NOT NULL,
    thread_id          INTEGER,
    edit_message_id    INTEGER,                  -- set: edit this message instead of sending
    reply_to_message_id INTEGER,
    text               TEXT    NOT NULL,         -- HTML
    buttons            TEXT,                     -- JSON rows of [label, data]
    card_question_id   INTEGER REFERENCES questions(id), -- set: link the sent message as a card
    dedupe_key         TEXT UNIQUE,
    due_at             REAL    NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    sent_at            REAL,
    sent_message_id    INTEGER,
    failed_at          REAL,
    last_error         TEXT,
    created_at         REAL    NOT NULL
);
CREATE INDEX outbox_due ON outbox (due_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_pending_by_chat ON outbox (channel, chat_id, id) WHERE sent_at IS NULL AND failed_at IS NULL;
