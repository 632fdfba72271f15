"""Text helpers shared by every channel: cleaning input, measuring, splitting."""

from __future__ import annotations

import html
import re
import unicodedata

# Telegram counts message length in UTF-16 code units after entity parsing.
MESSAGE_LIMIT = 4096

_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f"        # control characters except tab and newline
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"  # zero-width and bidi marks
)
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """What we store for a user's text: NFC, no invisible or bidi characters, tidy lines.

    Lone UTF-16 surrogates (which some clients send) are replaced, so the text
    can always be encoded, stored and sent back.
    """
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def parse_id(text: str) -> int | None:
    """A case, conference or version number as typed or carried by a button: 1 to 9 ASCII digits.

    (str.isdigit alone lets through "²", which int() refuses, and numbers too big for SQLite.)
    """
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def meaningful_length(text: str) -> int:
    """Letters and digits only: "??? !!!" or a row of emoji means nothing."""
    return sum(1 for char in text if char.isalnum())


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def plain_length(markup: str) -> int:
    """Length Telegram counts for an HTML message: tags removed, entities decoded."""
    return utf16_length(html.unescape(_TAG.sub("", markup)))


def one_line(markup: str) -> str:
    """An HTML message's words on one line (tags as spaces, entities decoded): for previews."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


def shorten(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters at a word boundary, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def split_text(text: str, first_limit: int, next_limit: int) -> list[str]:
    """Split plain text into pieces of at most the given UTF-16 lengths.

    Cuts at paragraph breaks, then line breaks, then spaces; a single word
    longer than a whole piece is cut where it must be. Nothing is lost: the
    pieces joined with the separators they were cut at give back the text.
    """
    if first_limit < 1 or next_limit < 1:
        raise ValueError("limits must be positive")
    pieces: list[str] = []
    rest = text
    limit = first_limit
    while utf16_length(rest) > limit:
        head = _prefix_within(rest, limit)
        cut = _best_cut(head)
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if piece:
            pieces.append(piece)
        limit = next_limit
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _prefix_within(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-16 length is at most `limit`."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def _best_cut(head: str) -> int:
    for separator in ("\n\n", "\n", " "):
        position = head.rfind(separator)
        if position > len(head) // 3:
            return position + len(separator)
    return max(len(head), 1)
