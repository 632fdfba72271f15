-- A channel that sends one outbox row as several messages (Zalo's 2,000
-- characters) records how many arrived, so a retry goes on from the next
-- one instead of repeating the start.
ALTER TABLE outbox ADD COLUMN pieces_sent INTEGER NOT NULL DEFAULT 0;
