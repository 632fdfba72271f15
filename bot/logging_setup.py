"""Logging that never shows a bot token or a Zalo OA secret.

httpx logs request URLs, which contain the token, so it stays at WARNING;
and a filter masks anything shaped like a token that reaches a handler anyway.
Zalo OA tokens have no recognisable shape, so what follows a secret's name
(`access_token`, `refresh_token`, `secret_key`, `oa_secret_key`, `app_secret`,
as a header, a form field or JSON) is masked instead.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

# No \b: in a Bot API URL the token follows "bot" (".../bot123456:AA.../getMe"), where
# there is no word boundary. The colon may be URL-encoded.
TOKEN_PATTERN = re.compile(r"\d{5,}(?::|%3[Aa])[A-Za-z0-9_-]{20,}")
MASK = "<token>"
NAMED_SECRET = re.compile(
    r"((?:access_token|refresh_token|secret_key|app_secret)[\"']?\s*[:=]\s*[\"']?)([A-Za-z0-9_.~+/-]{8,})",
    re.IGNORECASE)


# Libraries whose DEBUG lines print personal data (see configure_logging).
PAYLOAD_LOGGERS = ("telegram", "aiosqlite", "aiohttp", "asyncio")


def redact(text: str) -> str:
    return NAMED_SECRET.sub(lambda m: m.group(1) + MASK, TOKEN_PATTERN.sub(MASK, text))


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if redact(text) != text:
                record.exc_info = None
                record.exc_text = redact(text)
        return True


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # APScheduler logs every run of every repeating job at INFO (the housekeeping job
    # twice a minute), which buries what matters; its warnings and errors still show.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Personal data stays out of the verbose log (-v): these libraries' DEBUG lines carry
    # whole payloads (python-telegram-bot's requests, answers and updates with names and
    # texts; aiosqlite's statements with their parameters). -v is for the bot's own lines.
    for chatty in PAYLOAD_LOGGERS:
        logging.getLogger(chatty).setLevel(max(level, logging.INFO))


def log_in_timezone(timezone: str) -> None:
    """Timestamps of the log in `timezone` (the bot's), not the machine's own."""
    zone = ZoneInfo(timezone)

    def converter(seconds: float | None) -> time.struct_time:
        return datetime.fromtimestamp(time.time() if seconds is None else seconds, zone).timetuple()

    for handler in logging.getLogger().handlers:
        if handler.formatter is not None:
            handler.formatter.converter = converter
