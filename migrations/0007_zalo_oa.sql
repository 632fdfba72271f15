-- The Zalo Official Account channel (bot/channels/zalo_oa.py), and which case
-- an outbox row is about, so a message that cannot be delivered is shown to
-- the officials of that case.

-- Both Zalo channels share the journal; `channel` tells whose event a row is.
ALTER TABLE zalo_journal ADD COLUMN channel TEXT NOT NULL DEFAULT 'zalo';

-- The OA's tokens. The refresh token is single-use: each refresh returns a
-- new pair, written here before it is used, so a restart never goes back to
-- a spent refresh token from the config file. `seed` is a digest of the
-- config's tokens these descend from: new tokens put in the config (a new
-- OAuth grant) replace the stored ones.
CREATE TABLE zalo_oa_tokens (
    app_id        TEXT    PRIMARY KEY,
    access_token  TEXT    NOT NULL,
    refresh_token TEXT    NOT NULL,
    expires_at    REAL,                      -- NULL: unknown (refresh before first use)
    seed          TEXT    NOT NULL,
    updated_at    REAL    NOT NULL
);

-- What the OA may still send to each person: customer-service messages are
-- allowed only for a while after the person's last message (the reply
-- window), and only to followers.
CREATE TABLE zalo_oa_contacts (
    user_id         TEXT    PRIMARY KEY,     -- the OA-scoped user id (also the chat id)
    last_inbound_at REAL,                    -- the person's last message or follow (event time)
    sent_since      INTEGER NOT NULL DEFAULT 0, -- messages sent since then
    following       INTEGER NOT NULL DEFAULT 1
);

ALTER TABLE outbox ADD COLUMN question_id INTEGER;
