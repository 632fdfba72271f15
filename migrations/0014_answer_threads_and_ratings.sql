-- Which question an answer answers: the case's own (NULL) or one of its follow-ups.
-- A follow-up's answer goes to the one who asked it and quotes it; the card shows
-- every answer, in order. Once a follow-up is asked, the answers that come after
-- it answer it (those stored before this migration too).
ALTER TABLE answers ADD COLUMN followup_id INTEGER REFERENCES followups(id);
UPDATE answers SET followup_id = (
    SELECT f.id FROM followups f
    WHERE f.question_id = answers.question_id AND f.created_at <= answers.created_at
    ORDER BY f.id DESC LIMIT 1);

-- Every 👍/👎 on a case's answer, by its asker or by a follower ("me too", a duplicate's
-- asker), with the one line a 👎 may say why. questions.rating keeps the asker's.
CREATE TABLE ratings (
    question_id INTEGER NOT NULL REFERENCES questions(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    follower    INTEGER NOT NULL DEFAULT 0,      -- 1: not the asker
    rating      INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    reason      TEXT,                            -- a 👎's "why", one line
    created_at  REAL    NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
CREATE INDEX ratings_by_time ON ratings (created_at);
