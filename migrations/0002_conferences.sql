-- Dialogue conferences, their subscribers and reminders; organizers'
-- conversations; broadcasts (delivered through the outbox).

CREATE TABLE conferences (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    starts_at   REAL    NOT NULL,
    place       TEXT    NOT NULL DEFAULT '',
    description TEXT    NOT NULL DEFAULT '',
    topics      TEXT    NOT NULL DEFAULT '[]',   -- JSON list of topic keys; empty: every topic
    status      TEXT    NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    created_by  INTEGER NOT NULL,
    created_at  REAL    NOT NULL,
    updated_at  REAL    NOT NULL
);
CREATE INDEX conferences_by_time ON conferences (status, starts_at);

CREATE TABLE subscriptions (
    conference_id INTEGER NOT NULL REFERENCES conferences(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    created_at    REAL    NOT NULL,
    PRIMARY KEY (conference_id, user_id)
);

-- One row per reminder to send: 'before:<seconds>' for the conference time it
-- was computed for, or 'cancelled'. A changed time skips the old rows and adds
-- new ones; a row is sent (done_at) or skipped, once.
CREATE TABLE reminders (
    id            INTEGER PRIMARY KEY,
    conference_id INTEGER NOT NULL REFERENCES conferences(id),
    kind          TEXT    NOT NULL,
    starts_at     REAL    NOT NULL,
    due_at        REAL    NOT NULL,
    done_at       REAL,
    skipped       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (conference_id, kind, starts_at)
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE done_at IS NULL AND skipped = 0;

ALTER TABLE questions ADD COLUMN conference_id INTEGER REFERENCES conferences(id);
CREATE INDEX questions_by_conference ON questions (conference_id);
ALTER TABLE drafts ADD COLUMN conference_id INTEGER;
ALTER TABLE users ADD COLUMN news_opt_out INTEGER NOT NULL DEFAULT 0;

-- An organizer's unfinished conversation (/conference, /announce).
CREATE TABLE organizer_drafts (
    user_id    INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    step       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    data       TEXT    NOT NULL DEFAULT '{}',
    updated_at REAL    NOT NULL
);

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    created_by          INTEGER NOT NULL,
    text                TEXT    NOT NULL,
    attachment_kind     TEXT CHECK (attachment_kind IN ('photo', 'document')),
    attachment          TEXT,                    -- the channel's file id
    audience            TEXT    NOT NULL,        -- 'all', 'conference:<id>', 'topic:<key>'
    total               INTEGER NOT NULL,
    progress_chat_id    TEXT,
    progress_message_id INTEGER,
    finished_at         REAL,
    created_at          REAL    NOT NULL
);

ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;   -- larger waits: broadcasts
ALTER TABLE outbox ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts(id);
ALTER TABLE outbox ADD COLUMN attachment_kind TEXT;
ALTER TABLE outbox ADD COLUMN attachment TEXT;
CREATE INDEX outbox_by_broadcast ON outbox (broadcast_id) WHERE broadcast_id IS NOT NULL;
