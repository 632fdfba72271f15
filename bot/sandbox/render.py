"""Emulator messages turned into what the sandbox page draws.

The page inserts a Telegram message's `html` as markup, so it is built here
from a whitelist: Telegram's formatting tags pass (normalised), everything
else is escaped. Users' messages are plain text and are escaped whole. Zalo
messages are plain text only (Zalo bots send no formatting): their `text` is
drawn as text, never as markup.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.world import GENERAL_THREAD

# Telegram tag -> (tag written out, its class)
_TAGS: dict[str, tuple[str, str | None]] = {
    "b": ("b", None), "strong": ("b", None),
    "i": ("i", None), "em": ("i", None),
    "u": ("u", None), "ins": ("u", None),
    "s": ("s", None), "strike": ("s", None), "del": ("s", None),
    "tg-spoiler": ("span", "spoiler"),
    "tg-emoji": ("span", None),
    "code": ("code", None),
    "pre": ("pre", None),
    "blockquote": ("blockquote", None),
    "a": ("a", None),
    "span": ("span", None),
}
_LINK_SCHEMES = ("http", "https")
_MEDIA_LABELS = {
    "photo": "🖼 Ảnh / Photo", "document": "📎 Tệp / File", "voice": "🎤 Tin nhắn thoại / Voice",
    "sticker": "Nhãn dán / Sticker", "audio": "🎵 Âm thanh / Audio", "video": "🎬 Video",
    "animation": "GIF",
}
_SHOWN_MEDIA = ("photo", "document")  # a picture shown, a file offered with its name
_ZALO_KIND_LABELS = {
    "photo": "🖼 Ảnh / Photo", "sticker": "Nhãn dán / Sticker",
    "unsupported": "Tin nhắn không hỗ trợ / Unsupported message",
}


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[tuple[str, str]] = []  # (source tag, written tag)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        written = self._open_tag(tag, dict(attrs))
        if written is None:
            self.out.append(escape(self.get_starttag_text() or ""))
            return
        name, markup = written
        self.open.append((tag, name))
        self.out.append(markup)

    def _open_tag(self, tag: str, attrs: dict[str, str | None]) -> tuple[str, str] | None:
        if tag not in _TAGS:
            return None
        name, css = _TAGS[tag]
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            return None
        if tag == "span":
            css = "spoiler"
        if tag == "a":
            href = attrs.get("href") or ""
            if urlsplit(href).scheme.lower() in _LINK_SCHEMES:
                return "a", (f'<a href="{escape(href, quote=True)}" target="_blank" '
                             'rel="noopener noreferrer">')
            return "span", '<span class="mention">'  # tg://user?id=... and the like
        if tag == "code" and (attrs.get("class") or "").startswith("language-"):
            return "code", "<code>"
        if tag == "blockquote" and "expandable" in attrs:
            css = "expandable"
        return name, f'<{name} class="{css}">' if css else f"<{name}>"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(escape(self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        if not any(source == tag for source, _ in self.open):
            self.out.append(escape(f"</{tag}>"))
            return
        while self.open:
            source, name = self.open.pop()
            self.out.append(f"</{name}>")
            if source == tag:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        self.out.append(escape(f"<!--{data}-->"))

    def handle_decl(self, decl: str) -> None:
        self.out.append(escape(f"<!{decl}>"))

    def handle_pi(self, data: str) -> None:
        self.out.append(escape(f"<?{data}>"))

    def unknown_decl(self, data: str) -> None:
        self.out.append(escape(f"<![{data}]>"))

    def result(self) -> str:
        self.close()
        while self.open:
            self.out.append(f"</{self.open.pop()[1]}>")
        return "".join(self.out)


def safe_html(telegram_html: str) -> str:
    """Telegram-style HTML with only Telegram's formatting kept; anything else escaped."""
    sanitizer = _Sanitizer()
    sanitizer.feed(telegram_html)
    return sanitizer.result()


def display_name(user: dict[str, Any]) -> str:
    return " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)


def _body_html(message: dict[str, Any], from_bot: bool) -> str:
    text = message.get("text") if "text" in message else message.get("caption")
    stored = message.get("html")
    if from_bot and stored:
        body = safe_html(stored)
    else:
        body = escape(text or "", quote=False)
    media = next((label for key, label in _MEDIA_LABELS.items() if key in message), None)
    if media and not any(key in message for key in _SHOWN_MEDIA):  # those the page draws itself
        body = f'<span class="media">{media}</span>' + ("\n" + body if body else "")
    return body


def _quote(message: dict[str, Any]) -> dict[str, Any] | None:
    replied = message.get("reply_to_message")
    # A topic message "replies" to the topic's creation: Telegram clients show no quote.
    if not replied or "forum_topic_created" in replied:
        return None
    text = replied.get("text") or replied.get("caption") or ""
    if not text:
        text = next((label for key, label in _MEDIA_LABELS.items() if key in replied), "")
    return {
        "message_id": replied["message_id"],
        "name": display_name(replied.get("from", {})),
        "text": text[:200],
    }


def file_name(message: dict[str, Any]) -> str:
    """The name a message's file is saved under: its own, or one made from its kind."""
    for key in ("document", "audio", "video", "animation"):
        name = (message.get(key) or {}).get("file_name")
        if name:
            return str(name).replace("/", "_").replace("\\", "_")
    kind = next((key for key in _MEDIA_LABELS if key in message), "file")
    return f"{kind}-{message['message_id']}"


def _attachment(message: dict[str, Any]) -> dict[str, Any] | None:
    """What the page needs to show a picture or offer a file for download."""
    kind = next((key for key in _MEDIA_LABELS if key in message), None)
    if kind is None:
        return None
    url = f"/api/file/{message['chat']['id']}/{message['message_id']}"
    return {"kind": kind, "url": url, "name": file_name(message),
            "size": (message.get(kind) or {}).get("file_size") if kind != "photo" else None}


def message_view(message: dict[str, Any], bot_id: int) -> dict[str, Any]:
    """One emulator message as the page draws it."""
    sender = message.get("from", {})
    from_bot = sender.get("id") == bot_id
    created = message.get("forum_topic_created")
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {
        "chat_id": message["chat"]["id"],
        "message_id": message["message_id"],
        "thread_id": (message["message_thread_id"] if message.get("is_topic_message")
                      else GENERAL_THREAD),
        "from": {"id": sender.get("id"), "name": display_name(sender), "is_bot": from_bot},
        "date": message.get("date", 0),
        "edited": bool(message.get("edit_date")),
        "service": (f"Chủ đề “{created['name']}” đã được tạo / Topic created"
                    if created else None),
        "html": "" if created else _body_html(message, from_bot),
        "reply_to": _quote(message),
        "file": _attachment(message),
        "keyboard": [
            [{"text": b.get("text", ""), "data": b.get("callback_data"),
              "url": b.get("url") if urlsplit(b.get("url") or "").scheme in _LINK_SCHEMES else None}
             for b in row]
            for row in keyboard
        ],
    }


def zalo_view(message: dict[str, Any]) -> dict[str, Any]:
    """One Zalo emulator message as the page draws it: plain text, ordered by `seq`."""
    sender = message.get("from", {})
    name = next((str(sender[k]) for k in ("display_name", "name") if sender.get(k)), "")
    return {
        "chat_id": message["chat"]["id"],
        "seq": message["seq"],
        "message_id": message["message_id"],
        "from": {"id": sender.get("id"), "name": name, "is_bot": bool(sender.get("is_bot"))},
        "date": message.get("date", 0) / 1000,  # Zalo counts milliseconds; the page, seconds
        "kind": message.get("kind", "text"),
        "label": _ZALO_KIND_LABELS.get(message.get("kind", "text")),
        "text": message.get("text") or message.get("caption") or "",
    }
