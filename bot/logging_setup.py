"""Logging that never shows a bot token.

httpx logs request URLs, which contain the token, so it stays at WARNING;
and a filter masks anything shaped like a token that reaches a handler anyway.
"""

from __future__ import annotations

import logging
import re

# No \b: in a Bot API URL the token follows "bot" (".../bot123456:AA.../getMe"), where
# there is no word boundary. The colon may be URL-encoded.
TOKEN_PATTERN = re.compile(r"\d{5,}(?::|%3[Aa])[A-Za-z0-9_-]{20,}")
MASK = "<token>"


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = TOKEN_PATTERN.sub(MASK, message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if TOKEN_PATTERN.search(text):
                record.exc_info = None
                record.exc_text = TOKEN_PATTERN.sub(MASK, text)
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
