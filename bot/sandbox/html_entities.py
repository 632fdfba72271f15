"""Telegram's HTML formatting subset, turned into plain text and MessageEntity dicts.

The emulated Bot API (:mod:`bot.sandbox.emulator`) uses this to do what Telegram does
with ``parse_mode="HTML"``: strip the tags, decode the character references and
describe the formatting as ``entities`` whose offsets and lengths are counted in
UTF-16 code units.

Supported, as documented in the Bot API ("HTML style"):

* ``<b>``/``<strong>``, ``<i>``/``<em>``, ``<u>``/``<ins>``, ``<s>``/``<strike>``/``<del>``
* ``<tg-spoiler>`` and ``<span class="tg-spoiler">``
* ``<a href="...">`` (``tg://user?id=N`` becomes a ``text_mention``)
* ``<tg-emoji emoji-id="...">``
* ``<code>``, ``<pre>`` and ``<pre><code class="language-x">``
* ``<blockquote>`` and ``<blockquote expandable>``
* the named references ``&lt; &gt; &amp; &quot;`` and all numeric ones; any other
  ``&name;`` stays literal text, as in Telegram.

Anything else (``<br>``, ``<div>``, a bare ``<``, a tag left open, a wrong closing tag)
raises :class:`EntityParseError` whose message mirrors Telegram's wording, e.g.
``Unsupported start tag "br" at byte offset 5``; the emulator prefixes it with
``Bad Request: can't parse entities: ``.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

__all__ = [
    "EntityParseError",
    "parse_html",
    "strip_text",
    "utf16_len",
]

#: Start tags Telegram accepts, with the entity type each one produces.
_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_OTHER_TAGS = frozenset({"a", "span", "tg-emoji", "blockquote"})

#: The only named character references Telegram decodes.
_NAMED_REFS: dict[str, str] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

#: Whitespace Telegram trims from both ends of a message text or caption.
_TRIMMED = " \t\n\r\x0b\x0c"

#: Entity types whose content cannot hold other entities.
_VERBATIM = frozenset({"code", "pre"})

#: For entities covering the same range: which one is the outer one.
_PRIORITY = {"blockquote": 0, "expandable_blockquote": 0, "pre": 1, "code": 2}


class EntityParseError(ValueError):
    """The HTML could not be parsed; ``str(error)`` is Telegram's explanation."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how Telegram counts: an emoji is often 2)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    """A start tag waiting for its end tag."""

    tag: str
    entity: dict[str, Any] | None  # None: the tag produces no entity of its own
    offset: int  # UTF-16 offset in the output text where the tag's content starts
    sequence: int  # order of the start tag, so that outer entities sort first


class _TelegramHTMLParser(HTMLParser):
    """Single-use parser; feed the whole text, then call :meth:`finish`."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._source = source
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)
        self._parts: list[str] = []
        self._length = 0  # UTF-16 length of "".join(self._parts)
        self._stack: list[_Open] = []
        self._opened = 0
        self.entities: list[dict[str, Any]] = []

    # -- positions ---------------------------------------------------------------------
    def _char_index(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _byte_offset(self, char_index: int | None = None) -> int:
        index = self._char_index() if char_index is None else char_index
        return len(self._source[:index].encode("utf-8"))

    # -- output ------------------------------------------------------------------------
    def _emit(self, text: str) -> None:
        if text:
            self._parts.append(text)
            self._length += utf16_len(text)

    @property
    def text(self) -> str:
        return "".join(self._parts)

    # -- tags --------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        offset = self._byte_offset()
        attributes = {name.lower(): value for name, value in attrs}
        entity: dict[str, Any] | None
        if tag in _SIMPLE_TAGS:
            entity = {"type": _SIMPLE_TAGS[tag]}
            if tag == "code":
                language = (attributes.get("class") or "").strip()
                parent = self._stack[-1] if self._stack else None
                if (
                    parent is not None
                    and parent.tag == "pre"
                    and parent.entity is not None
                    and parent.offset == self._length
                    and language.startswith("language-")
                    and len(language) > len("language-")
                ):
                    # <pre><code class="language-x"> is one "pre" entity with a language.
                    parent.entity["language"] = language[len("language-") :]
                    entity = None
        elif tag not in _OTHER_TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {offset}')
        elif tag == "span":
            if (attributes.get("class") or "").strip() != "tg-spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
                )
            entity = {"type": "spoiler"}
        elif tag == "a":
            href = (attributes.get("href") or "").strip()
            entity = _link_entity(href)
        elif tag == "tg-emoji":
            emoji_id = (attributes.get("emoji-id") or "").strip()
            entity = {"type": "custom_emoji", "custom_emoji_id": emoji_id} if emoji_id else None
        else:  # blockquote
            expandable = "expandable" in attributes
            entity = {"type": "expandable_blockquote" if expandable else "blockquote"}
        self._opened += 1
        self._stack.append(
            _Open(tag=tag, entity=entity, offset=self._length, sequence=self._opened)
        )

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<b/>": Telegram reads it as an empty element, which yields no entity.
        self.handle_starttag(tag, attrs)
        self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        offset = self._byte_offset()
        if not self._stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
        top = self._stack[-1]
        if top.tag != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {offset}, expected "</{top.tag}>", '
                f'found "</{tag}>"'
            )
        self._stack.pop()
        length = self._length - top.offset
        if top.entity is not None and length > 0:
            self.entities.append(
                {**top.entity, "offset": top.offset, "length": length, "_seq": top.sequence}
            )

    # -- text --------------------------------------------------------------------------
    def handle_data(self, data: str) -> None:
        bracket = data.find("<")
        if bracket >= 0:
            # html.parser hands a "<" that does not open a tag over as text; Telegram refuses.
            start = self._char_index() + bracket
            offset = self._byte_offset(start)
            following = self._source[start + 1 : start + 2]
            if following.isalpha() or following == "/":
                raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
            raise EntityParseError(f'Unsupported start tag "" at byte offset {offset}')
        self._emit(data)

    def _has_semicolon(self, name: str) -> bool:
        end = self._char_index() + 1 + len(name)
        return self._source[end : end + 1] == ";"

    def handle_entityref(self, name: str) -> None:
        semicolon = self._has_semicolon(name)
        if semicolon and name in _NAMED_REFS:
            self._emit(_NAMED_REFS[name])
        else:
            self._emit("&" + name + (";" if semicolon else ""))

    def handle_charref(self, name: str) -> None:
        semicolon = self._has_semicolon("#" + name)
        try:
            code = int(name[1:], 16) if name[:1] in ("x", "X") else int(name)
            char = chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else ""
        except ValueError:
            char = ""
        if char and semicolon:
            self._emit(char)
        else:
            self._emit("&#" + name + (";" if semicolon else ""))

    def _refuse(self, what: str) -> None:
        offset = self._byte_offset()
        raise EntityParseError(f'Unsupported start tag "{what}" at byte offset {offset}')

    def handle_comment(self, data: str) -> None:
        self._refuse("!--")

    def handle_decl(self, decl: str) -> None:
        self._refuse("!" + decl.split(" ", 1)[0].lower())

    def unknown_decl(self, data: str) -> None:
        self._refuse("![" + data.split("[", 1)[0].lower())

    def handle_pi(self, data: str) -> None:
        self._refuse("?" + data.split(" ", 1)[0].lower())

    # -- end ---------------------------------------------------------------------------
    def finish(self) -> tuple[str, list[dict[str, Any]]]:
        self.close()
        if self._stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self._stack[-1].tag}"'
            )
        return self.text, _normalize(self.entities)


def _link_entity(href: str) -> dict[str, Any] | None:
    """The entity for ``<a href=...>``: a text_mention for tg://user?id=N, else a text_link."""
    if not href:
        return None
    prefix = "tg://user?id="
    if href.lower().startswith(prefix):
        user_id = href[len(prefix) :]
        if user_id.isdigit():
            return {"type": "text_mention", "user": {"id": int(user_id)}}
    return {"type": "text_link", "url": href}


def _normalize(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sort as Telegram does and drop entities nested inside code/pre."""
    ordered = sorted(
        entities,
        key=lambda e: (
            e["offset"],
            -e["length"],
            _PRIORITY.get(e["type"], 9),
            e.get("_seq", 0),
        ),
    )
    result: list[dict[str, Any]] = []
    for entity in ordered:
        inside_verbatim = any(
            other["type"] in _VERBATIM
            and other["offset"] <= entity["offset"]
            and entity["offset"] + entity["length"] <= other["offset"] + other["length"]
            for other in result
        )
        if not inside_verbatim:
            result.append({key: entity[key] for key in _key_order(entity)})
    return result


def _key_order(entity: dict[str, Any]) -> list[str]:
    first = ["offset", "length", "type"]
    return first + [key for key in entity if key not in first and key != "_seq"]


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML.

    Returns the plain text and its entities (offsets/lengths in UTF-16 code units, ordered
    by offset, outer entities first). The text is not trimmed: see :func:`strip_text`.

    Raises:
        EntityParseError: the markup is not accepted by Telegram; the message is Telegram's.
    """
    parser = _TelegramHTMLParser(source)
    parser.feed(source)
    return parser.finish()


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim leading/trailing whitespace as Telegram does, moving and clipping ``entities``.

    Entities that end up empty are dropped.
    """
    stripped_left = text.lstrip(_TRIMMED)
    stripped = stripped_left.rstrip(_TRIMMED)
    lead = utf16_len(text) - utf16_len(stripped_left)
    new_length = utf16_len(stripped)
    result = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, new_length)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result
