-- An officials' chat that Telegram moved (a group upgraded to a supergroup):
-- everything addressed to the old id goes to the new one, across restarts.
CREATE TABLE chat_migrations (
    channel      TEXT NOT NULL,
    old_chat_id  TEXT NOT NULL,
    new_chat_id  TEXT NOT NULL,
    migrated_at  REAL NOT NULL,
    PRIMARY KEY (channel, old_chat_id)
);

-- An officials' chat the bot cannot post in right now (removed from it, no
-- right to post, chat gone). Its messages wait in the outbox, without using up
-- their attempts, until it is reachable again; the admins were told once.
CREATE TABLE held_chats (
    channel  TEXT NOT NULL,
    chat_id  TEXT NOT NULL,
    reason   TEXT NOT NULL,
    since    REAL NOT NULL,
    probes   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, chat_id)
);
