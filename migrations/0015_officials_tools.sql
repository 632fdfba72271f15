-- The knowledge-base entries the worker was shown while asking and found not enough
-- (one id a line): the card names them, and /kb does not offer them back.
ALTER TABLE questions ADD COLUMN kb_declined TEXT NOT NULL DEFAULT '';

-- A "📚 Đăng vào kho" preview in the officials' chat: which question/answer pair of the
-- case it shows (0: the case's own question; k: its k-th follow-up), the wording an
-- official edited (NULL: as asked / as answered), and which of the two the next reply
-- to the preview replaces.
CREATE TABLE publish_previews (
    chat_id     TEXT    NOT NULL,
    message_id  INTEGER NOT NULL,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    pair        INTEGER NOT NULL DEFAULT 0,
    question    TEXT,
    answer      TEXT,
    awaiting    TEXT CHECK (awaiting IN ('question', 'answer')),
    created_at  REAL    NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
