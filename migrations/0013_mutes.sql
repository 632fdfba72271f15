-- An official muted the asker of a case (the card's 🔇 button) without learning
-- who they are: one row per case it was done from. A person with any row here
-- cannot send new questions or follow-ups; /unmute N removes the row of case N.
CREATE TABLE mutes (
    question_id INTEGER PRIMARY KEY REFERENCES questions(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    muted_by    TEXT    NOT NULL,
    created_at  REAL    NOT NULL
);
CREATE INDEX mutes_by_user ON mutes (user_id);
