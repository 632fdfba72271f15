-- Conferences as organizers run them on the day.

-- Where a worker works (a company or an industrial park), asked only when they
-- send a question for a conference, and optional: NULL when they skipped it.
-- A row with answered_at NULL is a question the bot is still waiting on.
CREATE TABLE conference_workplaces (
    conference_id INTEGER NOT NULL REFERENCES conferences(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    workplace     TEXT,
    asked_at      REAL    NOT NULL,
    answered_at   REAL,
    PRIMARY KEY (conference_id, user_id)
);
CREATE INDEX conference_workplaces_waiting ON conference_workplaces (user_id) WHERE answered_at IS NULL;

-- A question worded by an official for reading aloud in the hall (the worker's own
-- text stays in questions.text, beside it in the agenda).
CREATE TABLE agenda_wordings (
    question_id INTEGER PRIMARY KEY REFERENCES questions(id),
    text        TEXT    NOT NULL,
    edited_by   INTEGER NOT NULL,
    edited_at   REAL    NOT NULL
);

-- The conference an announcement invites to (its messages carry 🔔 and ✍️).
ALTER TABLE broadcasts ADD COLUMN conference_id INTEGER REFERENCES conferences(id);
