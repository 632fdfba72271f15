-- An official may answer with a photo, a file or a voice message and its caption:
-- the caption is the answer's text; the kind says a Telegram worker also gets a
-- copy of the official's message (source_chat_id, source_message_id).
ALTER TABLE answers ADD COLUMN attachment_kind TEXT;
