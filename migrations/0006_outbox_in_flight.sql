-- When a send was started: a row with sending_at but no sent_at was in flight
-- when the process died (see OutboxDispatcher.start).
ALTER TABLE outbox ADD COLUMN sending_at REAL;
