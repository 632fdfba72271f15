"""Zalo's side of the channel-independent core: the Bot Platform client, updates, rendering.

Workers may write to the bot from Zalo; officials stay in their Telegram group.
This module speaks the Zalo Bot Platform API (a small client of our own: there
is no well-kept Python SDK), receives updates by long polling or by webhook,
stores each one before acting on it, and renders the core's `Reply` (Telegram
HTML with inline buttons) as plain text with numbered choices, since Zalo bots
have no inline keyboards. `handlers/zalo.py` turns updates into calls on the
same services the Telegram handlers call.

What was checked against published material (the platform's own docs as
mirrored in public repositories, and the Zalo channels of OpenClaw and other
open-source bots), and what is assumed:

Verified
- Every method is `POST {base}/bot{TOKEN}/{method}` with a JSON body, base
  `https://bot-api.zaloplatforms.com`; answers are `{ok, result}` or
  `{ok: false, error_code, description}`.
- Methods: getMe, getUpdates (`timeout`, documented as a string of seconds,
  default 30), setWebhook (`url`, `secret_token` of 8–256 characters),
  deleteWebhook, getWebhookInfo, sendMessage (`chat_id`, `text` of 1–2,000
  characters), sendPhoto (`chat_id`, `photo` URL, `caption`), sendSticker,
  sendChatAction (`action` "typing"). getUpdates does not work while a
  webhook is set.
- getUpdates returns ONE update as an object (`result: {event_name,
  message}`), not a list, and takes no offset: a fetched update is consumed.
  An empty long poll answers `ok: false, error_code: 408`: normal, not an error.
- Events: message.text.received, message.image.received,
  message.sticker.received, message.unsupported.received. `message` has
  `message_id` (a string), `from {id, ...}`, `chat {id, chat_type PRIVATE|
  GROUP}`, `date` (milliseconds), `text`; images carry `caption`.
- The webhook sends the secret given to setWebhook in the
  `X-Bot-Api-Secret-Token` header, and its body is the update wrapped as
  `{"ok": true, "result": {event_name, message}}` (a bare update is
  accepted too).
- The error table: 400 bad request, 401 token expired or invalid, 403
  "Internal server error" (Zalo's own fault: retried with backoff, never
  taken as "forbidden"), 404 not found, 408 request timeout (the empty long
  poll), 429 "Quota exceeded" (the plan's message quota: Zalo messages wait
  an hour, and only Zalo's: Telegram keeps sending).
- `message.unsupported.received` is what Zalo sends, instead of the content,
  for a sender in a protected group (children, people with disabilities,
  people who cannot read): the bot says Zalo did not pass the message on and
  how else to reach the union (`[zalo] hotline`).
- Zalo documents getUpdates for development; webhook for production.

Assumed (no authoritative source found; tolerant either way)
- The sender's display name: the docs' sample has `first_name`, client code
  reads `name` or `display_name`; the first one present is used.
- The image URL is in `photo_url` or `photo` (not used: pictures are not kept).
- An update without `event_name` whose message has `text` is a text message
  (the older documented shape, which Zalo's own Python SDK still reads).
- How long the plan's quota lasts is not documented: an hour's wait, then
  one message tries again. Other 4xx are permanent for that message (never
  "user blocked", which would drop the user from announcements); 5xx and
  network failures are temporary.
- The 2,000-character limit is counted here in UTF-16 units (never more than
  the number of characters), so a message is never cut by the platform.
- An update whose long-poll answer was lost in flight (the process killed
  while the response travelled) is lost: the platform gives no way to ask
  again. Webhook mode (journal, then 200) does not have that gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from bot.config import ZaloConfig
from bot.i18n import Catalog
from bot.models import Button, Delivery, OutboxMessage
from bot.services.text import split_text, utf16_length
from bot.storage import Storage
from bot.web import serve

log = logging.getLogger(__name__)

CHANNEL = "zalo"
TEXT_LIMIT = 2000
SECRET_HEADER = "X-Bot-Api-Secret-Token"
DEFAULT_WEBHOOK_PATH = "/zalo/webhook"
EMPTY_POLL = 408
INTERNAL_ERROR = 403       # Zalo's table: "Internal server error", a temporary fault of theirs
QUOTA_EXCEEDED = 429       # Zalo's table: "Quota exceeded", the plan's quota
QUOTA_WAIT = 3600.0        # Zalo messages wait this long after a 429 (Telegram does not)
QUOTA_POLL_WAIT = 300.0    # getUpdates waits this long after a 429
TEXT_EVENT = "message.text.received"
# Buttons that become a hint to type a word rather than a numbered choice: an
# announcement arriving in the middle of a conversation must not replace the
# choices the worker is answering.
WORD_BUTTONS = {"news:off": "zalo.news_hint"}
QUOTE_MARK = "│ "
# Telegram commands the catalog's texts name ("Gõ /cancel nếu muốn hủy"): on
# Zalo they read as the words a user types instead (catalog "zalo.word.*").
COMMAND_MENTION = re.compile(
    r"(?<![\w/])/(ask|my|cancel|help|events|privacy|mydata|forget|stop_news|start_news)\b")
MAX_ATTEMPTS = 3          # an update cut short this often (the process died each time) is set aside
MAX_BACKOFF = 60.0
# Seconds a processed update stays in the journal (it holds names and messages:
# kept only long enough to look into a failure), and how often it is pruned.
JOURNAL_KEEP = 86400
PRUNE_EVERY = 3600


# -- the HTTP client ----------------------------------------------------------


class ZaloApiError(Exception):
    """The platform said no (`error_code` from its answer), or could not be reached (None)."""

    def __init__(self, error_code: int | None, description: str) -> None:
        super().__init__(f"{error_code}: {description}" if error_code is not None else description)
        self.error_code = error_code
        self.description = description


class ZaloClient:
    """The few Bot Platform methods the bot uses. The token is in every URL: never log one."""

    def __init__(self, token: str, base_url: str) -> None:
        self._token = token
        self._base = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, payload: dict[str, Any] | None = None, *,
                   timeout: float = 30.0) -> Any:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        url = f"{self._base}/bot{self._token}/{method}"
        try:
            async with self._session.post(url, json=payload or {},
                                          timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Only the type: some aiohttp errors quote the URL, which holds the token.
            raise ZaloApiError(None, f"{method}: {type(exc).__name__}") from None
        if not isinstance(body, dict):
            raise ZaloApiError(status, f"{method}: HTTP {status}, not a Bot API answer")
        if body.get("ok") is True:
            return body.get("result")
        code = body.get("error_code")
        raise ZaloApiError(code if isinstance(code, int) else status, str(body.get("description") or ""))

    async def get_me(self) -> dict[str, Any]:
        return await self.call("getMe")  # type: ignore[no-any-return]

    async def get_update(self, timeout: int) -> dict[str, Any] | None:
        """One update, or None when the long poll ended empty."""
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)
        except ZaloApiError as error:
            if error.error_code == EMPTY_POLL:
                return None
            raise
        return result if isinstance(result, dict) and result else None

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> Any:
        return await self.call("getWebhookInfo")

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})  # type: ignore[no-any-return]

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> dict[str, Any]:
        payload = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption
        return await self.call("sendPhoto", payload)  # type: ignore[no-any-return]

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action})


# -- text: Telegram HTML to plain text, numbered choices, reading choices back ------------


class _PlainText(HTMLParser):
    """Telegram's HTML subset as plain text: tags dropped, quotes marked, links spelled out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._quote: list[str] | None = None
        self._href: str | None = None
        self._link_text: list[str] = []

    def _out(self, text: str) -> None:
        if self._href is not None:
            self._link_text.append(text)
        elif self._quote is not None:
            self._quote.append(text)
        else:
            self.parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote":
            self._quote = []
        elif tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._link_text = []
        elif tag == "br":
            self._out("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            href, label = self._href, "".join(self._link_text)
            self._href = None
            self._out(label if not href or href == label else f"{label} ({href})")
        elif tag == "blockquote" and self._quote is not None:
            quoted = "".join(self._quote).strip("\n")
            self._quote = None
            self.parts.append("\n".join(QUOTE_MARK + line for line in quoted.split("\n")))

    def handle_data(self, data: str) -> None:
        self._out(data)


def html_to_text(markup: str) -> str:
    """Plain text for Zalo from the catalog's HTML: no tags, entities decoded, lines kept."""
    parser = _PlainText()
    parser.feed(markup)
    parser.close()
    if parser._quote is not None:  # an unclosed quote: keep its text anyway
        parser.parts.append("".join(parser._quote))
    return "".join(parser.parts).strip()


def fold(text: str) -> str:
    """Lower case, no diacritics (đ → d), words separated by single spaces: "Nhà ở!" → "nha o"."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    bare = bare.replace("đ", "d").replace("Đ", "D").lower()
    return " ".join("".join(c if c.isalnum() else " " for c in bare).split())


_NUMBER = re.compile(r"^(?:(?:lua )?chon |so |option |number |no )?(\d{1,4})(?: (?:a|ak|nhe|nha|ha))?$")


def choice_number(text: str) -> int | None:
    """The number in "2", "số 2", "chọn 2", "#2", "2 ạ"; None when the text is not a choice number."""
    match = _NUMBER.match(fold(text))
    return int(match.group(1)) if match else None


MAX_CHOICE_WORDS = 6


def match_choice(text: str, labels: Sequence[str]) -> int | None:
    """The index of the one label that the typed words name ("nha o" → "🏠 Nhà ở công nhân").

    The words must appear together, in order, in the label (with or without
    accents); an exact match wins over a partial one. Longer texts, or words
    found in several labels, are not taken as a choice.
    """
    typed = fold(text)
    if len(typed) < 2 or len(typed.split()) > MAX_CHOICE_WORDS:
        return None
    folded = [fold(label) for label in labels]
    exact = [i for i, label in enumerate(folded) if label == typed]
    if len(exact) == 1:
        return exact[0]
    partial = [i for i, label in enumerate(folded) if f" {typed} " in f" {label} "]
    return partial[0] if len(partial) == 1 else None


@dataclass(frozen=True)
class Rendered:
    pieces: list[str]                    # messages to send, in order, each within TEXT_LIMIT
    choices: list[tuple[str, str]]       # (label, button data), numbered from 1


def render(text: str, buttons: Sequence[Sequence[Button]],
           t: Callable[..., str]) -> Rendered:
    """A Reply as Zalo shows it: plain text, then "1. …", "2. …" and how to choose."""
    flat = [button for row in buttons for button in row]
    choices = [(b.label, b.data) for b in flat if b.data not in WORD_BUTTONS]
    lines = [f"{number}. {label}" for number, (label, _data) in enumerate(choices, start=1)]
    if len(choices) == 1:
        lines.append(t("zalo.choices_hint_one"))
    elif choices:
        lines.append(t("zalo.choices_hint", first=1, last=len(choices)))
    lines += [html_to_text(t(WORD_BUTTONS[b.data])) for b in flat if b.data in WORD_BUTTONS]
    body = COMMAND_MENTION.sub(lambda m: t(f"zalo.word.{m.group(1)}"), html_to_text(text))
    block = "\n".join(lines)
    pieces = split_text(body, TEXT_LIMIT, TEXT_LIMIT) if body else []
    if block:
        if pieces and utf16_length(pieces[-1]) + 2 + utf16_length(block) <= TEXT_LIMIT:
            pieces[-1] += "\n\n" + block
        else:
            pieces += split_text(block, TEXT_LIMIT, TEXT_LIMIT)
    return Rendered([p for p in pieces if p.strip()], choices)


# -- sending (the outbox's sender for channel "zalo") ------------------------------------


def outgoing_text(message: OutboxMessage, t: Callable[..., str]) -> str:
    """The row's text for either Zalo channel, with a note where an attachment was left out:
    an announcement's picture or file is a Telegram file id, which Zalo cannot show."""
    if message.attachment_kind is None:
        return message.text
    return "\n\n".join(p for p in (message.text, t("zalo.attachment_missing")) if p)


class ZaloSender:
    """Sends one outbox row to a Zalo chat and reports what happened.

    Rows with buttons become numbered choices, remembered per chat once sent
    (so "2" means what the worker saw, also after a restart). Paced to the
    configured messages per second: the outbox sends one row at a time.
    """

    def __init__(self, client: ZaloClient, storage: Storage, catalog: Catalog, rate_per_second: float,
                 *, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._storage = storage
        self._catalog = catalog
        self._interval = 1.0 / rate_per_second
        self._clock = clock
        self._next_at = 0.0
        self._pace = asyncio.Lock()
        self._quota_until = 0.0   # after a 429: no Zalo call before this (clock time)

    def _t(self, key: str, **params: object) -> str:
        # Zalo tells the bot no language: Zalo users get the default one.
        return self._catalog.text(self._catalog.default_language, key, **params)

    async def _paced(self) -> None:
        async with self._pace:
            wait = self._next_at - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next_at = max(self._clock(), self._next_at) + self._interval

    async def __call__(self, message: OutboxMessage) -> Delivery:
        if not message.chat_id:  # the person asked to be forgotten
            return Delivery(ok=False, permanent=True, error="no Zalo chat to send to")
        waiting = self._quota_until - self._clock()
        if waiting > 0:  # over the plan's quota: asking again only spends requests
            return Delivery(ok=False, postpone=waiting, error=f"{QUOTA_EXCEEDED}: Zalo quota exceeded")
        rendered = render(outgoing_text(message, self._t), message.buttons, self._t)
        pieces = rendered.pieces
        try:
            # A retry goes on after the pieces that arrived: the start is not sent twice.
            for index in range(message.pieces_sent, len(pieces)):
                await self._paced()
                await self._client.send_message(message.chat_id, pieces[index])
                if index + 1 < len(pieces):
                    await self._storage.note_pieces_sent(message.id, index + 1)
        except ZaloApiError as error:
            if error.error_code == QUOTA_EXCEEDED:
                self._over_quota()
            return failure(error)
        if rendered.choices:
            await self._storage.save_zalo_choices(message.chat_id, rendered.choices)
        return Delivery(ok=True)

    def _over_quota(self) -> None:
        if self._quota_until <= self._clock():
            log.warning("Zalo answered 429 Quota exceeded: the bot's plan has no messages left. Zalo "
                        "messages wait %.0f minutes (Telegram goes on); see the plan in Zalo Bot Creator",
                        QUOTA_WAIT / 60)
        self._quota_until = self._clock() + QUOTA_WAIT


def failure(error: ZaloApiError) -> Delivery:
    """What a Bot Platform refusal means for the outbox row (Zalo's error table, module docstring)."""
    code = error.error_code
    if code == QUOTA_EXCEEDED:
        # The plan's quota, not a flood limit: this channel waits, without using up attempts.
        # Not `retry_after`, which pauses every channel's sending (Telegram's too).
        return Delivery(ok=False, postpone=QUOTA_WAIT, error=str(error))
    if code is not None and 400 <= code < 500 and code not in (401, INTERNAL_ERROR, EMPTY_POLL):
        return Delivery(ok=False, permanent=True, error=str(error))
    # Network, 5xx, 403 (Zalo's internal error), a bad token: another try, with backoff.
    return Delivery(ok=False, error=str(error))


# -- receiving --------------------------------------------------------------------------


@dataclass(frozen=True)
class ZaloIncoming:
    """One Zalo update as the handlers need it."""

    journal_id: int
    event: str              # "text", "image", "sticker", "unsupported" or another event's name
    user_id: str
    chat_id: str
    name: str
    text: str               # the text, or an image's caption
    private: bool
    message_id: str = ""
    resolved: str | None = None   # the button a typed choice meant, when decided on an earlier try


EVENTS = {"message.text.received": "text", "message.image.received": "image",
          "message.sticker.received": "sticker", "message.unsupported.received": "unsupported"}


def parse_update(journal_id: int, update: dict[str, Any], resolved: str | None = None
                 ) -> ZaloIncoming | None:
    """The update as plain data; None when it carries no message from someone."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender, chat = as_object(message.get("from")), as_object(message.get("chat"))
    user_id = str(sender.get("id") or "")
    if not user_id:
        return None
    name = next((str(sender[k]) for k in ("display_name", "name", "first_name") if sender.get(k)), "")
    event_name = str(update.get("event_name") or "")
    if not event_name and isinstance(message.get("text"), str):
        event_name = TEXT_EVENT   # the older shape: no event name, a message with text
    text = message.get("text") if event_name == TEXT_EVENT else message.get("caption")
    return ZaloIncoming(
        journal_id=journal_id, event=EVENTS.get(event_name, event_name), user_id=user_id,
        chat_id=str(chat.get("id") or user_id), name=name.strip(),
        text=text if isinstance(text, str) else "",
        private=str(chat.get("chat_type") or "PRIVATE").upper() == "PRIVATE",
        message_id=str(message.get("message_id") or ""), resolved=resolved,
    )


def as_object(value: Any) -> dict[str, Any]:
    """A JSON object from an event, or an empty one when the field is missing or not an object."""
    return value if isinstance(value, dict) else {}


UpdateHandler = Callable[[ZaloIncoming], Awaitable[None]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ZaloJournal:
    """A Zalo channel's journal: every event is stored first, then processed in order.

    One task processes the journal (the rows of this channel in `zalo_journal`),
    so a crash or restart replays what was not finished (the handlers are
    idempotent). Subclasses receive events and say how a stored one is read.
    What the worker handler needs of a channel is here too: its `name` (the
    users' channel key), where its numbered choices are kept, and whether a
    typed text may be a button's data coming back.
    """

    name = CHANNEL
    button_payloads = False   # True where buttons send their data back as the person's text
    hotline = ""              # how else to reach the union, for people whose messages Zalo withholds
    journal_keep = JOURNAL_KEEP   # seconds a processed event stays ([privacy] journal_days)

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._handler: UpdateHandler | None = None
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None
        self.webhook_root: str | None = None    # "http://host:port" once the webhook server listens

    def attach(self, handler: UpdateHandler) -> None:
        self._handler = handler

    def choices_key(self, chat_id: str) -> str:
        """Where a chat's numbered choices are kept (see Storage.zalo_choices)."""
        return chat_id

    def parse(self, row_id: int, payload: dict[str, Any], resolved: str | None) -> ZaloIncoming | None:
        raise NotImplementedError

    def forget(self, user_id: str) -> None:
        """Drop what is kept in memory about a person who asked to be forgotten."""

    async def prepare(self, incoming: ZaloIncoming) -> ZaloIncoming:
        """A chance to complete the event before it is handled (e.g. the person's name)."""
        return incoming

    async def resolve(self, incoming: ZaloIncoming, data: str) -> None:
        """Remember which button a typed choice meant, before acting on it."""
        await self._storage.resolve_zalo_update(incoming.journal_id, data)

    async def store(self, key: str | None, event: dict[str, Any], **extra: Any) -> bool:
        """Store one event (before anything else) and wake the processing; False if a repeat."""
        stored = await self._storage.journal_zalo_update(
            key, json.dumps(event, ensure_ascii=False), channel=self.name, **extra)
        self._wake.set()
        return stored

    async def process_pending(self) -> int:
        """Process every stored event not yet done, in order; returns how many."""
        processed = 0
        while pending := await self._storage.pending_zalo_updates(channel=self.name):
            for row_id, payload, attempts, resolved in pending:
                if attempts >= MAX_ATTEMPTS:
                    log.error("%s event %s was cut short %d times; setting it aside", self.name, row_id, attempts)
                    await self._storage.finish_zalo_update(row_id, "set aside after repeated crashes")
                    continue
                await self._storage.begin_zalo_update(row_id)
                error = None
                try:
                    incoming = self.parse(row_id, json.loads(payload), resolved)
                    if incoming is not None and self._handler is not None:
                        await self._handler(await self.prepare(incoming))
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # one bad event must not stop the others
                    log.exception("%s event %s could not be processed", self.name, row_id)
                    error = f"{type(exc).__name__}: {exc}"[:500]
                await self._storage.finish_zalo_update(row_id, error)
                processed += 1
        return processed

    async def _process_forever(self) -> None:
        pruned_at = 0.0
        while True:
            self._wake.clear()
            try:
                await self.process_pending()
                if time.monotonic() - pruned_at > PRUNE_EVERY or not pruned_at:
                    await self._storage.prune_zalo_journal(time.time() - self.journal_keep, channel=self.name)
                    pruned_at = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("processing the %s journal failed; retrying shortly", self.name)
                await asyncio.sleep(1.0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=PRUNE_EVERY)

    async def _cancel_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _start_webhook(self, host: str, port: int, path: str,
                             handler: Callable[[web.Request], Awaitable[web.StreamResponse]], *,
                             client_max_size: int,
                             pages: Sequence[tuple[str, Handler]] = ()) -> None:
        """Serve the webhook (POST `path`), and `pages` as GET routes beside it."""
        app = web.Application(client_max_size=client_max_size)
        app.router.add_post(path, handler)
        for page_path, page in pages:
            app.router.add_get(page_path, page)
        self._runner, self.webhook_root = await serve(app, host, port)
        log.info("%s webhook listening on %s%s", self.name, self.webhook_root, path)

    async def _stop_receiving(self) -> None:
        """Stop the journal's tasks and the webhook server."""
        await self._cancel_tasks()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class ZaloChannel(ZaloJournal):
    """Zalo (Bot Platform) in this process: the client, the sender, and the updates coming in.

    Every update, polled or posted to the webhook, is stored in `zalo_journal`
    first (see ZaloJournal).
    """

    def __init__(self, config: ZaloConfig, storage: Storage, catalog: Catalog) -> None:
        super().__init__(storage)
        self.config = config
        self.client = ZaloClient(config.token, config.base_url)
        self.sender = ZaloSender(self.client, storage, catalog, config.rate_per_second)
        self.hotline = config.hotline
        self._poll_timeout = 30

    @property
    def webhook_path(self) -> str:
        path = urlsplit(self.config.webhook_url).path if self.config.webhook_url else ""
        return path or DEFAULT_WEBHOOK_PATH

    async def start(self, *, poll_timeout: int = 30) -> None:
        """Process what an earlier run left, then receive: by long polling or on the webhook."""
        self._poll_timeout = poll_timeout
        self._tasks.append(asyncio.create_task(self._process_forever(), name="zalo-journal"))
        if self.config.mode == "webhook":
            await self._start_webhook(self.config.webhook_host, self.config.webhook_port, self.webhook_path,
                                      self._on_webhook, client_max_size=1024 * 1024)
            if self.config.webhook_url:
                self._tasks.append(asyncio.create_task(self._register_webhook(), name="zalo-setwebhook"))
        else:
            self._tasks.append(asyncio.create_task(self._poll_forever(), name="zalo-polling"))

    async def stop(self) -> None:
        await self._stop_receiving()
        await self.client.close()

    def parse(self, row_id: int, payload: dict[str, Any], resolved: str | None) -> ZaloIncoming | None:
        return parse_update(row_id, payload, resolved)

    async def receive(self, update: dict[str, Any]) -> bool:
        """Store one update (before anything else) and wake the processing; False if a repeat."""
        message = update.get("message")
        key = str(message.get("message_id") or "") if isinstance(message, dict) else ""
        return await self.store(key or None, update)

    # -- polling ------------------------------------------------------------------

    async def _poll_forever(self) -> None:
        with contextlib.suppress(ZaloApiError):
            await self.client.delete_webhook()  # getUpdates answers nothing while a webhook is set
        failures = 0
        while True:
            try:
                update = await self.client.get_update(self._poll_timeout)
                failures = 0
            except asyncio.CancelledError:
                raise
            except ZaloApiError as error:
                failures += 1
                delay = min(MAX_BACKOFF, 2.0 ** min(failures, 6))
                if error.error_code == 401:
                    log.critical("Zalo refused the bot token; check [zalo] token")
                elif error.error_code == QUOTA_EXCEEDED:
                    delay = QUOTA_POLL_WAIT
                log.warning("zalo getUpdates failed (%s); retrying in %.0fs", error, delay)
                await asyncio.sleep(delay)
                continue
            if update is not None:
                await self.receive(update)  # consumed on Zalo's side: store it first

    # -- webhook ------------------------------------------------------------------

    async def _register_webhook(self) -> None:
        try:
            await self.client.set_webhook(self.config.webhook_url, self.config.webhook_secret)
        except ZaloApiError as error:
            log.error("zalo setWebhook failed (%s); set the webhook in the Zalo Bot dashboard", error)

    async def _on_webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.config.webhook_secret.encode()):
            log.warning("zalo webhook: request without the right secret refused")
            return web.Response(status=403, text="forbidden")
        try:
            body = json.loads(await request.read())
        except (ValueError, RecursionError):
            return web.Response(status=400, text="not JSON")
        # Zalo wraps the update as {"ok": true, "result": {...}}; a bare update is taken too.
        update = body.get("result") if isinstance(body, dict) and body.get("ok") is True else body
        if not isinstance(update, dict) or not (update.get("event_name")
                                                or isinstance(update.get("message"), dict)):
            return web.Response(status=400, text="not a Zalo update")
        await self.receive(update)
        return web.json_response({"ok": True})
