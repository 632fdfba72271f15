-- Personal data (Decree 13/2023/NĐ-CP): consent, last activity for the
-- retention purge, and when a person asked to be forgotten.
ALTER TABLE users ADD COLUMN consent TEXT CHECK (consent IN ('granted', 'declined'));
ALTER TABLE users ADD COLUMN consent_at REAL;
ALTER TABLE users ADD COLUMN last_seen_at REAL;
ALTER TABLE users ADD COLUMN forgotten_at REAL;
UPDATE users SET last_seen_at = created_at;
