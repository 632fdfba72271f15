"""Text helpers shared by every channel: cleaning input, measuring, cutting, splitting.

Telegram limits a message text to 4,096 and a caption to 1,024 characters "after
entities parsing", counted in UTF-16 code units (Bot API, sendMessage and
MessageEntity): an emoji outside the Basic Multilingual Plane counts 2. Every
length here is measured that way.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

# Telegram counts message length in UTF-16 code units after entity parsing.
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"

_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f"        # control characters except tab and newline
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"  # zero-width and bidi marks
)
_TAG = re.compile(r"<[^>]*>")
# One piece of an HTML message: a tag, a character reference, or one character.
_HTML_TOKEN = re.compile(r"<[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|.", re.DOTALL)
_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);")
_NAMED_REFERENCES = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"'}
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")
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
    """Length Telegram counts for an HTML message: tags removed, references decoded."""
    return utf16_length(_REFERENCE.sub(_decode_reference, _TAG.sub("", markup)))


def _decode_reference(match: re.Match[str]) -> str:
    """What Telegram shows for one character reference: it knows only four names."""
    reference = match.group()
    if reference.startswith("&#"):
        return html.unescape(reference)
    return _NAMED_REFERENCES.get(reference, reference)


def one_line(markup: str) -> str:
    """An HTML message's words on one line (tags as spaces, entities decoded): for previews."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


def shorten(text: str, limit: int) -> str:
    """Cut plain `text` to at most `limit` UTF-16 units, at a word boundary, marking the cut.

    The cut is made before the text is escaped for HTML, so it can never split a
    character reference or a tag; escaping does not change what Telegram counts.
    """
    if utf16_length(text) <= limit:
        return text
    cut = utf16_prefix(text, max(limit - 1, 0))
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def utf16_prefix(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-16 length is at most `limit`.

    A character outside the Basic Multilingual Plane (most emoji) is two units
    and is kept or dropped whole: a surrogate pair is never split.
    """
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def fit_html(markup: str, limit: int = MESSAGE_LIMIT) -> str:
    """An HTML message cut so that Telegram counts at most `limit` units in it.

    A message that fits is returned unchanged. Otherwise the visible text is cut
    (never inside a tag, a character reference or a surrogate pair), "…" marks
    the cut, and the tags still open are closed so that the markup stays valid.
    """
    if plain_length(markup) <= limit:
        return markup
    room = max(limit - 1, 0)
    used = 0
    kept: list[str] = []
    open_tags: list[str] = []
    for token in _HTML_TOKEN.findall(markup):
        if token.startswith("<") and len(token) > 1:
            _track_tag(token, open_tags)
            kept.append(token)
            continue
        units = plain_length(token)
        if used + units > room:
            break
        used += units
        kept.append(token)
    closing = "".join(f"</{tag}>" for tag in reversed(open_tags))
    return "".join(kept).rstrip() + ELLIPSIS + closing


def _track_tag(tag: str, open_tags: list[str]) -> None:
    match = _TAG_NAME.match(tag)
    if match is None or tag.endswith("/>"):
        return
    name = match.group(1).lower()
    if tag.startswith("</"):
        if open_tags and open_tags[-1] == name:
            open_tags.pop()
    else:
        open_tags.append(name)


def pack_lines(lines: Sequence[str], limit: int = MESSAGE_LIMIT,
               continued: str = "") -> list[str]:
    """HTML lines (each one balanced) packed into as few messages as fit `limit`.

    Lines are never split between messages; a single line too long for a message
    is cut with :func:`fit_html`. Every message after the first starts with
    `continued` (e.g. a "(continued)" header), when one is given.
    """
    messages: list[str] = []
    current: list[str] = []
    for line in lines:
        candidate = "\n".join([*current, line])
        if current and plain_length(candidate) > limit:
            messages.append("\n".join(current))
            current = [continued] if continued else []
            candidate = "\n".join([*current, line])
        if plain_length(candidate) > limit:
            line = fit_html(line, limit - (plain_length(continued) + 1 if current else 0))
        current.append(line)
    if current:
        messages.append("\n".join(current))
    return messages


def split_text(text: str, first_limit: int, next_limit: int) -> list[str]:
    """Split plain text into pieces of at most the given UTF-16 lengths.

    Cuts at paragraph breaks, then line breaks, then spaces; a single word
    longer than a whole piece is cut where it must be. Nothing is lost: the
    pieces joined with the separators they were cut at give back the text.
    """
    if first_limit < 2 or next_limit < 2:
        raise ValueError("limits must leave room for one emoji (2 units)")
    pieces: list[str] = []
    rest = text
    limit = first_limit
    while utf16_length(rest) > limit:
        head = utf16_prefix(rest, limit)
        cut = _best_cut(head)
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if piece:
            pieces.append(piece)
        limit = next_limit
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _best_cut(head: str) -> int:
    for separator in ("\n\n", "\n", " "):
        position = head.rfind(separator)
        if position > len(head) // 3:
            return position + len(separator)
    return max(len(head), 1)
