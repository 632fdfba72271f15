"""The Zalo Official Account (OA) channel: signed webhooks in, customer-service messages out.

Unions and labour federations usually run a Zalo OA. This module is a small
client of our own for the OA Open API v3 and its OAuth v4 token endpoint, a
webhook server that checks every event's signature before anything else,
stores the event in the journal shared with the Bot Platform channel
(`zalo_journal`, channel "zalo_oa") and answers 200 at once, and the outbox's
sender for channel "zalo_oa". The worker logic is handlers/zalo.py, shared
with bot/channels/zalo.py; choices are rendered the same way (numbered text)
or, where they fit, as OA buttons that send their data back.

What was checked against published material (Chatwoot's Zalo OA channel:
app/models/channel/zalo_oa.rb, app/services/zalo_oa/*.rb,
app/jobs/webhooks/zalo_events_job.rb; other open-source OA integrations and
Zalo OA help pages mirrored publicly), and what is assumed:

Verified
- Webhook signature: header `X-ZEvent-Signature` = "mac=" + hex
  sha256(app_id + raw body + timestamp + OA secret key), the timestamp
  (milliseconds, a string) being the body's own field. Chatwoot takes app_id
  from the body too; the bot uses its configured one (the same in a genuine
  event). Chatwoot compares the whole "mac=…" string; we also accept the
  bare hex digest.
- Events: `event_name`, `app_id`, `timestamp`, `sender.id` (the person on
  user_* events), `recipient.id` (the OA), `message.msg_id`, `message.text`,
  `message.attachments[]`; user_send_text / image / sticker / gif / file /
  audio / video / location / link / business_card; follow and unfollow
  (`follower.id`); oa_send_* echoes and user_received/seen_message receipts.
- Send: `POST https://openapi.zalo.me/v3.0/oa/message/cs`, header
  `access_token`, JSON `{recipient: {user_id}, message: {text, attachment}}`;
  answer `{error, message, data: {message_id}}` with error 0 on success.
  Text up to 2,000 characters.
- Buttons: `message.attachment = {type: "template", payload: {buttons: [{title,
  type: "oa.query.hide", payload}]}}` beside `message.text`; a query button
  sends its payload back as the person's text. Titles up to 100 characters,
  payloads up to 1,000.
- Tokens: `POST https://oauth.zaloapp.com/v4/oa/access_token`, header
  `secret_key` = the app secret, form `refresh_token, app_id,
  grant_type=refresh_token`; the answer carries a new access_token, a NEW
  refresh_token (the old one is spent) and `expires_in` (seconds, sent as a
  string; 90000 = 25 hours). A failed refresh has no access_token (it has
  `error`, `error_description`). An answer without a usable `expires_in` is
  taken as the usual 25 hours.
- Profile: `GET /v3.0/oa/user/detail?data={"user_id": …}` → data.display_name
  and data.user_is_follower (whether the person follows the OA now).
- Error codes: -216 / -220 access token invalid / expired (refresh and try
  again); -32 the per-minute request limit (about a minute's wait); -230 no
  interaction in the last 7 days and -232 no (or expired) interaction:
  outside the reply window; -213 user does not follow the OA; -227 user
  banned or inactive; -244 user restricted this message type; -211 / -218
  out of quota; -234 not sent at night; -320 a paid message but the app has
  no Zalo Cloud Account, -321 its Zalo Cloud Account cannot pay (no money).
- Reply window: customer-service messages only within 7 days of the person's
  last interaction, which opens it whether or not they follow the OA (someone
  who unfollowed and writes again can be answered). Since 2026-01-01 replies
  within 48 hours are free without a count limit; later ones are paid from
  the Zalo Cloud Account linked to the app (-320 / -321 when it cannot).
- Before enabling a webhook, Zalo checks the URL with a GET and with
  unsigned requests: answered 200, nothing stored. The domain is verified
  with a file `zalo_verifier{code}.html` (or a `<meta
  name="zalo-platform-site-verification" content="{code}">` in the site's
  home page): served from `site_verification` in the config.

Assumed (no authoritative source found)
- At most 5 buttons on one message (the buttons' exact limit is not in the
  material found); with more choices, numbered text is sent instead. A
  message with buttons rejected as invalid (-201, -233) is sent again as text.
- Zalo retries a webhook that did not get 200 for about two hours, with the
  original timestamp; events older than `webhook_max_age_seconds` (3 hours)
  are refused, and the event key (msg_id, or a digest of the event) keeps a
  retried event from being processed twice.
- The last interaction that opens the window is the person's last user_*
  event or follow; the window is counted from the event's own timestamp.
- -200 (send failed), network or 5xx trouble are temporary for that chat (the
  outbox's backoff, not a pause of every channel). -234 (not at night), -32
  (request limit) and tokens that will not refresh are "not now" for that
  chat: the row waits (until 06:00–07:00 Vietnam time after -234, about a
  minute after -32, ten minutes for tokens) without using up its attempts.
- -320 / -321 are recorded as failed at once, with the officials' notice
  (the OA's quota): retrying cannot pay for the message.
- Webhook bodies are small: more than 64 KB is refused before it is read.
- A tapped query button arrives as user_send_text (as the material says);
  `user_click_button`, named by one integration, is not handled.
- Zalo's checks of a webhook URL carry no `X-ZEvent-Signature`; a request
  with a signature that does not match is refused (403) as before.

Not covered: a refresh whose answer is lost in flight leaves the new tokens
with Zalo only (the old refresh token is spent); a new OAuth grant is then
needed. (Once the answer has arrived, the new pair is kept in memory and
written even if the caller is cancelled; a database that refuses the write
is retried and logged as critical.) ZNS template messages (outside the
window) are not sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import itertools
import json
import logging
import math
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from bot.channels.zalo import (
    WORD_BUTTONS, ZaloIncoming, ZaloJournal, as_object, outgoing_text, render,
)
from bot.config import ZaloOAConfig
from bot.i18n import Catalog
from bot.models import Delivery, OutboxMessage
from bot.storage import Storage

log = logging.getLogger(__name__)

CHANNEL = "zalo_oa"
SIGNATURE_HEADER = "X-ZEvent-Signature"
MESSAGE_PATH = "/v3.0/oa/message/cs"
USER_DETAIL_PATH = "/v3.0/oa/user/detail"
TOKEN_PATH = "/v4/oa/access_token"
MAX_BUTTONS = 5
BUTTON_TITLE_LIMIT = 100
BUTTON_PAYLOAD_LIMIT = 1000
REFRESH_MARGIN = 3600.0          # refresh this long before the access token expires
DEFAULT_LIFETIME = 90000.0       # an access token's life when Zalo's answer does not say (25 hours)
TOKEN_RETRY = 300.0              # after a failed background refresh
SAVE_TRIES = 5                   # writing a new token pair to the database
SAVE_RETRY = 0.5                 # seconds before the second try, doubled after each
TOKEN_POSTPONE = 600.0           # a row waits this long when the tokens would not refresh
RATE_LIMIT_POSTPONE = 65.0       # ... and after Zalo's per-minute request limit (-32)
ZALO_TIME = ZoneInfo("Asia/Ho_Chi_Minh")    # Zalo's night is Vietnam's
MORNING_HOUR = 6                 # a row refused at night goes at 06:00–07:00
NIGHT_LONGEST = 12 * 3600.0      # a refusal further than this from the morning came by day
WEBHOOK_MAX_BYTES = 64 * 1024
# The signed timestamp, read from the raw body before anything parses it (bounded: no backtracking).
_TIMESTAMP = re.compile(rb'"timestamp"[ \t\r\n]{0,16}:[ \t\r\n]{0,16}"?([^"\\,}\s]{1,40})')
TIMESTAMP_CANDIDATES = 4
TOKEN_ERRORS = frozenset({-216, -220})
WINDOW_ERRORS = frozenset({-230, -232})
GONE_ERRORS = frozenset({-213, -227, -244})
QUOTA_ERRORS = frozenset({-211, -218})
PAID_ERRORS = frozenset({-320, -321})     # a paid reply (after 48 h) the Zalo Cloud Account cannot pay
VERIFIER_FILE = "/zalo_verifier{code}.html"
BUTTONS_REFUSED = frozenset({-201, -233})
RATE_LIMITED = -32
NIGHT = -234
TEMPORARY_ERRORS = frozenset({-200, -100})
EVENTS = {"user_send_text": "text", "user_send_image": "image", "user_send_sticker": "sticker",
          "user_send_gif": "sticker", "follow": "follow", "unfollow": "unfollow"}


# -- the HTTP client ----------------------------------------------------------


class OAApiError(Exception):
    """The OA API said no (`error` from its answer), or could not be reached (None)."""

    def __init__(self, error: int | None, message: str) -> None:
        super().__init__(f"{error}: {message}" if error is not None else message)
        self.error = error
        self.message = message


class TokenRefreshError(OAApiError):
    """The tokens would not refresh: nothing can be sent until they do (or new ones are configured)."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


class OAClient:
    """The few OA calls the bot makes. Tokens travel in headers and forms: never log one."""

    def __init__(self, config: ZaloOAConfig) -> None:
        self._config = config
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _json(self, what: str, request: Any) -> dict[str, Any]:
        try:
            async with request as response:
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise OAApiError(None, f"{what}: {type(exc).__name__}") from None  # never the URL or headers
        if not isinstance(body, dict):
            raise OAApiError(None, f"{what}: HTTP {status}, not an OA API answer")
        return body

    async def send(self, access_token: str, user_id: str, message: dict[str, Any]) -> str:
        """One customer-service message; returns Zalo's message id."""
        body = await self._json("send", self._http().post(
            self._config.api_url + MESSAGE_PATH, json={"recipient": {"user_id": user_id}, "message": message},
            headers={"access_token": access_token}, timeout=aiohttp.ClientTimeout(total=30)))
        _raise_for(body)
        data = body.get("data")
        return str(data.get("message_id") or "") if isinstance(data, dict) else ""

    async def user_detail(self, access_token: str, user_id: str) -> tuple[str, bool | None]:
        """(display name, follows the OA now; None when Zalo does not say)."""
        body = await self._json("user detail", self._http().get(
            self._config.api_url + USER_DETAIL_PATH, params={"data": json.dumps({"user_id": user_id})},
            headers={"access_token": access_token}, timeout=aiohttp.ClientTimeout(total=10)))
        _raise_for(body)
        data = as_object(body.get("data"))
        name, follows = data.get("display_name"), data.get("user_is_follower")
        return (name.strip() if isinstance(name, str) else "",
                follows if isinstance(follows, bool) else None)

    async def display_name(self, access_token: str, user_id: str) -> str:
        return (await self.user_detail(access_token, user_id))[0]

    async def refresh(self, refresh_token: str) -> tuple[str, str, float]:
        """(new access token, new refresh token, seconds the access token lives)."""
        body = await self._json("token refresh", self._http().post(
            self._config.oauth_url + TOKEN_PATH,
            data={"refresh_token": refresh_token, "app_id": self._config.app_id, "grant_type": "refresh_token"},
            headers={"secret_key": self._config.app_secret}, timeout=aiohttp.ClientTimeout(total=30)))
        access, new_refresh = body.get("access_token"), body.get("refresh_token")
        if not (isinstance(access, str) and access and isinstance(new_refresh, str) and new_refresh):
            code = body.get("error")
            reason = body.get("error_description") or body.get("error_name") or body.get("message") or ""
            raise OAApiError(code if isinstance(code, int) else None, f"token refresh refused: {reason}")
        try:
            lifetime = float(body.get("expires_in") or 0)
        except (TypeError, ValueError):
            lifetime = 0.0
        # Not the refresh margin or less: that would refresh again at once, and again.
        usable = math.isfinite(lifetime) and lifetime > 2 * REFRESH_MARGIN
        return access, new_refresh, lifetime if usable else DEFAULT_LIFETIME


def _raise_for(body: dict[str, Any]) -> None:
    code = body.get("error")
    if code not in (0, None):
        raise OAApiError(code if isinstance(code, int) else None, str(body.get("message") or ""))


# -- tokens -------------------------------------------------------------------------


class OATokens:
    """The OA's access token, refreshed before it expires and after Zalo calls it invalid.

    The refresh token is single-use: one refresh at a time (a lock), and the
    new pair is kept in memory as soon as Zalo gives it, then written to the
    database before it is used (tried again if the write fails). A refresh,
    once asked for, runs to the end even if its caller is cancelled. Tokens
    from the config seed the database once; from then on the database's copy
    wins, until different tokens are put in the config (a new OAuth grant).

    `recovered` is called when sending may work again after it could not:
    new tokens from the config, or a refresh that worked after one failed.
    """

    def __init__(self, client: OAClient, storage: Storage, config: ZaloOAConfig, *,
                 clock: Callable[[], float] = time.time,
                 recovered: Callable[[], Awaitable[None]] | None = None) -> None:
        self._client = client
        self._storage = storage
        self._config = config
        self._clock = clock
        self._recovered = recovered
        self._lock = asyncio.Lock()
        self._access = ""
        self._refresh = ""
        self._expires_at: float | None = None
        self._loaded = False
        self._unsaved = False            # the pair in memory is not in the database yet
        self._failing = False            # the last refresh failed
        self._refreshing: asyncio.Task[None] | None = None

    @property
    def expires_at(self) -> float | None:
        return self._expires_at

    @property
    def _seed(self) -> str:
        """A digest of the config's tokens (never the tokens themselves)."""
        basis = f"{self._config.access_token}\n{self._config.refresh_token}"
        return hashlib.sha256(basis.encode()).hexdigest()[:32]

    async def _load(self) -> None:
        if self._loaded:
            return
        stored = await self._storage.zalo_oa_tokens(self._config.app_id)
        if stored is None or stored[3] != self._seed:
            # First start, or new tokens in the config (a new OAuth grant). The config's
            # access token comes with no expiry: refreshed before its first use.
            replaced = stored is not None
            stored = (self._config.access_token, self._config.refresh_token, None, self._seed)
            await self._storage.save_zalo_oa_tokens(self._config.app_id, *stored)
            if replaced:
                log.warning("zalo_oa: new tokens in the config replace the stored ones")
                if self._recovered is not None:
                    await self._recovered()
        self._access, self._refresh, self._expires_at, _seed = stored
        self._loaded = True

    def _due(self) -> bool:
        if not self._refresh:
            return False    # nothing to refresh with: use the access token while it works
        return self._expires_at is None or self._clock() >= self._expires_at - REFRESH_MARGIN

    async def access_token(self) -> str:
        async with self._lock:
            await self._load()
            if self._unsaved:
                await self._save()
            if self._due():
                try:
                    await self._refresh_locked()
                except OAApiError as error:
                    if not self._access:
                        raise
                    log.warning("zalo_oa token refresh failed (%s); using the current access token", error)
            return self._access

    async def refresh_after_rejection(self, rejected: str) -> str:
        """Zalo called `rejected` invalid: refresh, unless another call already did."""
        async with self._lock:
            await self._load()
            if self._access == rejected:
                await self._refresh_locked()
            return self._access

    async def refresh_if_due(self) -> float:
        """Refresh when due; returns seconds until the next look."""
        async with self._lock:
            await self._load()
            if self._unsaved:
                await self._save()
            if self._due():
                await self._refresh_locked()
            if self._expires_at is None:
                return TOKEN_RETRY
            return max(60.0, self._expires_at - REFRESH_MARGIN - self._clock())

    async def _refresh_locked(self) -> None:
        if not self._refresh:
            raise TokenRefreshError("no refresh token: get new tokens by OAuth (README, Zalo Official Account)")
        # Shielded: cancelling the caller (stop(), a timeout) between Zalo's answer and
        # the save would lose the new pair, and the old refresh token is spent.
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.create_task(self._refresh_and_save(), name="zalo-oa-token-refresh")
            self._refreshing.add_done_callback(_consume)
        await asyncio.shield(self._refreshing)

    async def _refresh_and_save(self) -> None:
        try:
            access, refresh, lifetime = await self._client.refresh(self._refresh)
        except OAApiError as error:
            self._failing = True
            log.critical("zalo_oa token refresh refused (%s); if it persists, get new tokens by OAuth", error)
            raise TokenRefreshError(f"token refresh failed: {error}") from None
        # In memory first: from now on only the new refresh token works.
        self._access, self._refresh, self._expires_at = access, refresh, self._clock() + lifetime
        self._unsaved = True
        await self._save()
        log.info("zalo_oa access token refreshed; valid for %.0f hours", lifetime / 3600)
        if self._failing:
            self._failing = False
            if self._recovered is not None:
                await self._recovered()

    async def _save(self) -> None:
        """Write the pair in memory; on failure keep it in memory and try again at the next use."""
        delay = SAVE_RETRY
        for attempt in range(1, SAVE_TRIES + 1):
            try:
                await self._storage.save_zalo_oa_tokens(self._config.app_id, self._access, self._refresh,
                                                        self._expires_at, self._seed)
            except Exception as error:
                if attempt == SAVE_TRIES:
                    log.critical("zalo_oa: the new tokens could not be saved (%s); they are kept in memory "
                                 "and saved at the next use. Do not restart until they are.", error)
                    return
                log.error("zalo_oa: saving the new tokens failed (%s); trying again", error)
                await asyncio.sleep(delay)
                delay *= 2
            else:
                self._unsaved = False
                return

    async def settle(self, timeout: float = 40.0) -> None:
        """Let a refresh in flight finish and be saved (before the HTTP client closes)."""
        task = self._refreshing
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=timeout)


def _consume(task: asyncio.Task[None]) -> None:
    """A refresh whose caller was cancelled: its failure is logged already, not "never retrieved"."""
    if not task.cancelled():
        task.exception()


# -- sending (the outbox's sender for channel "zalo_oa") ------------------------------------


def choices_key(chat_id: str) -> str:
    """OA user ids and Bot Platform chat ids share `zalo_choices`: keep them apart."""
    return f"oa:{chat_id}"


def button_message(text: str, choices: list[tuple[str, str]]) -> dict[str, Any]:
    buttons = [{"title": label, "type": "oa.query.hide", "payload": data} for label, data in choices]
    return {"text": text, "attachment": {"type": "template", "payload": {"buttons": buttons}}}


class ZaloOASender:
    """Sends one outbox row as OA customer-service messages and reports what happened.

    Nothing is sent outside the reply window or to someone who unfollowed:
    such a row is recorded as undeliverable at once (the outbox tells the
    case's officials). Choices become buttons when they fit, numbered text
    otherwise; they are remembered per chat either way, so typing "2" works.
    """

    def __init__(self, client: OAClient, tokens: OATokens, storage: Storage, catalog: Catalog,
                 config: ZaloOAConfig, *, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._tokens = tokens
        self._storage = storage
        self._catalog = catalog
        self._config = config
        self._clock = clock

    def _t(self, key: str, **params: object) -> str:
        return self._catalog.text(self._catalog.default_language, key, **params)

    def _outside(self, contact: tuple[float | None, int, bool] | None, pieces: int) -> Delivery | None:
        """Why the row cannot be sent at all, or None."""
        window = self._config.reply_window_hours
        if contact is None or contact[0] is None:
            return Delivery(ok=False, permanent=True, reason="window", window_hours=window,
                            error="the person never wrote to the OA: no reply window")
        last, sent, following = contact
        if not following:
            return Delivery(ok=False, permanent=True, user_blocked=True, reason="blocked",
                            error="the person unfollowed the OA")
        hours = (self._clock() - last) / 3600
        if hours > window:
            return Delivery(ok=False, permanent=True, reason="window", window_hours=window,
                            error=f"outside the OA reply window: last message {hours:.0f} h ago "
                                  f"(window {window:.0f} h)")
        limit = self._config.replies_per_interaction
        if limit and sent + pieces > limit:
            return Delivery(ok=False, permanent=True, reason="quota",
                            error=f"{sent} of {limit} messages already sent since the person's last message")
        return None

    async def __call__(self, message: OutboxMessage) -> Delivery:
        if not message.chat_id:  # the person asked to be forgotten
            return Delivery(ok=False, permanent=True, error="no Zalo OA chat to send to")
        text = outgoing_text(message, self._t)
        rendered = render(text, message.buttons, self._t)
        # With buttons, the text keeps only the hints that stand for word commands ("dừng tin").
        hints = tuple((b,) for row in message.buttons for b in row if b.data in WORD_BUTTONS)
        body_only = render(text, hints, self._t)
        fits = (self._config.buttons and 0 < len(rendered.choices) <= MAX_BUTTONS and bool(body_only.pieces)
                and all(len(label) <= BUTTON_TITLE_LIMIT and len(data) <= BUTTON_PAYLOAD_LIMIT
                        for label, data in rendered.choices))
        as_text: list[dict[str, Any]] = [{"text": p} for p in rendered.pieces]
        messages = as_text
        if fits:
            *first, last = body_only.pieces
            messages = [{"text": p} for p in first] + [button_message(last, rendered.choices)]
        # The first `done` messages arrived on an earlier try: go on from there. More than
        # that were sent only as numbered text (the buttons refused), whose first pieces
        # are the same as these.
        done = message.pieces_sent
        if done >= len(messages):
            messages = as_text
        contact = await self._storage.zalo_oa_contact(message.chat_id)
        if contact is not None and not contact[2] and await self._follows_now(message.chat_id):
            contact = (contact[0], contact[1], True)   # followed again; the event did not reach us
        blocked = self._outside(contact, len(messages) - done)
        if blocked is not None:
            return blocked
        try:
            index = done
            while index < len(messages):
                outgoing = messages[index]
                try:
                    await self._send(message.chat_id, outgoing)
                except OAApiError as error:
                    if "attachment" not in outgoing or error.error not in BUTTONS_REFUSED:
                        raise
                    # The buttons' message is the last one; the numbered text says the same.
                    log.warning("zalo_oa refused a message with buttons (%s); sending numbered text", error)
                    messages = messages[:index] + as_text[index:]
                    continue
                index += 1
                if index < len(messages):
                    await self._storage.note_pieces_sent(message.id, index)
        except OAApiError as error:
            return outcome_of(error, self._clock())
        if rendered.choices:
            await self._storage.save_zalo_choices(choices_key(message.chat_id), rendered.choices)
        return Delivery(ok=True)

    async def _follows_now(self, user_id: str) -> bool:
        """Whether Zalo says the person follows the OA now (the stored unfollow may be stale)."""
        try:
            _name, follows = await self._client.user_detail(await self._tokens.access_token(), user_id)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - unknown: the stored unfollow stands
            log.info("zalo_oa: could not ask Zalo whether a person follows the OA (%s)", error)
            return False
        return follows is True

    async def _send(self, user_id: str, outgoing: dict[str, Any]) -> None:
        token = await self._tokens.access_token()
        try:
            await self._client.send(token, user_id, outgoing)
        except OAApiError as error:
            if error.error not in TOKEN_ERRORS:
                raise
            log.warning("zalo_oa access token refused (%s); refreshing", error.error)
            await self._client.send(await self._tokens.refresh_after_rejection(token), user_id, outgoing)
        await self._storage.count_zalo_oa_send(user_id)


def outcome_of(error: OAApiError, now: float | None = None) -> Delivery:
    """What an OA refusal means for the outbox row (see the error codes in the module docstring)."""
    code = error.error
    if isinstance(error, TokenRefreshError):
        return Delivery(ok=False, postpone=TOKEN_POSTPONE, error=str(error))
    if code == NIGHT:
        return Delivery(ok=False, postpone=until_morning(time.time() if now is None else now), error=str(error))
    if code == RATE_LIMITED:
        return Delivery(ok=False, postpone=RATE_LIMIT_POSTPONE, error=str(error))
    if code in WINDOW_ERRORS:  # Zalo's own window: 7 days, whatever ours is
        return Delivery(ok=False, permanent=True, reason="window", window_hours=168.0, error=str(error))
    if code in GONE_ERRORS:
        return Delivery(ok=False, permanent=True, user_blocked=True, reason="blocked", error=str(error))
    if code in QUOTA_ERRORS:
        return Delivery(ok=False, permanent=True, reason="quota", error=str(error))
    if code in PAID_ERRORS:
        # More than 48 hours after the person's last message Zalo charges the reply to the app's
        # Zalo Cloud Account; without one (-320) or without money in it (-321) nothing goes.
        log.warning("zalo_oa: a paid reply was refused (%s); link or top up the app's Zalo Cloud Account",
                    error)
        return Delivery(ok=False, permanent=True, reason="quota",
                        error=f"{error} (paid message: Zalo Cloud Account)")
    if code is None or code in TEMPORARY_ERRORS or code in TOKEN_ERRORS:
        # Network trouble, a refreshed token refused again: this chat tries again
        # later. Not `retry_after`, which pauses every channel's sending.
        return Delivery(ok=False, error=str(error))
    return Delivery(ok=False, permanent=True, error=str(error))


def until_morning(now: float, spread: float | None = None) -> float:
    """Seconds from `now` to the next 06:00–07:00 in Vietnam, when Zalo sends again.

    `spread` (0–1) places it in that hour; random by default, so rows refused
    in one night do not all come back in the same second.
    """
    local = datetime.fromtimestamp(now, ZALO_TIME)
    morning = local.replace(hour=MORNING_HOUR, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    share = random.random() if spread is None else spread
    wait = morning.timestamp() + 3600 * share - now
    # Refused by day (Zalo's night may be longer than ours): look again in an hour.
    return wait if wait <= NIGHT_LONGEST else 3600 * (1 + share)


# -- receiving ------------------------------------------------------------------------------


def signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """What `X-ZEvent-Signature` must say for this body."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode())
    return "mac=" + digest.hexdigest()


def signature_matches(given: str, expected: str) -> bool:
    given = given.strip().lower()
    if not given.startswith("mac="):
        given = "mac=" + given
    return hmac.compare_digest(given.encode(), expected.encode())


def event_time(event: dict[str, Any]) -> float | None:
    """The event's timestamp in seconds (Zalo sends milliseconds, as a string)."""
    return timestamp_seconds(str(event.get("timestamp")))


def timestamp_seconds(timestamp: str) -> float | None:
    """A timestamp in seconds, from milliseconds or seconds; None when it is not a finite number."""
    try:
        value = float(timestamp)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value):
        return None
    return value / 1000 if value > 1e11 else value


def signed_timestamp(raw: bytes, given: str, app_id: str, oa_secret_key: str) -> str | None:
    """The body's timestamp that the signature was made with, or None when the signature is wrong.

    Read from the raw bytes (a few candidates, by a bounded pattern), so an
    unsigned body is never parsed.
    """
    for match in itertools.islice(_TIMESTAMP.finditer(raw), TIMESTAMP_CANDIDATES):
        timestamp = match.group(1).decode("ascii", "replace")
        if signature_matches(given, signature(app_id, raw, timestamp, oa_secret_key)):
            return timestamp
    return None


def person_of(event: dict[str, Any]) -> str:
    """The person an event is about: the follower, or the sender of a user_* event."""
    name = str(event.get("event_name") or "")
    follower = as_object(event.get("follower")).get("id") if name in ("follow", "unfollow") else None
    person = follower or (as_object(event.get("sender")).get("id") if name.startswith("user_") else None)
    return str(person or "")


def oa_of(event: dict[str, Any]) -> str:
    """The OA an event is addressed to: the recipient of a user_* event, `oa_id` of a follow."""
    name = str(event.get("event_name") or "")
    oa = event.get("oa_id") if name in ("follow", "unfollow") else as_object(event.get("recipient")).get("id")
    return str(oa or "")


def event_key(event: dict[str, Any]) -> str:
    message = as_object(event.get("message"))
    msg_id = message.get("msg_id") or message.get("mid")
    if msg_id:
        return f"oa:{msg_id}"
    # follow/unfollow carry no message id: the event itself is the key.
    basis = "|".join(str(x) for x in (event.get("event_name"), person_of(event), event.get("timestamp")))
    return "oa:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def parse_event(journal_id: int, event: dict[str, Any], resolved: str | None = None) -> ZaloIncoming | None:
    """The event as plain data; None when it is not from a person."""
    name = str(event.get("event_name") or "")
    user_id = person_of(event)
    if not user_id or not (name.startswith("user_send_") or name in ("follow", "unfollow")):
        return None
    message = as_object(event.get("message"))
    text = message.get("text")
    follower = as_object(event.get("follower"))
    display = follower.get("display_name") or as_object(event.get("sender")).get("display_name") or ""
    return ZaloIncoming(
        journal_id=journal_id, event=EVENTS.get(name, "other"), user_id=user_id, chat_id=user_id,
        name=str(display).strip(), text=text if isinstance(text, str) else "", private=True,
        message_id=str(message.get("msg_id") or message.get("mid") or ""), resolved=resolved)


class ZaloOAChannel(ZaloJournal):
    """The Official Account in this process: client, tokens, sender, and the signed webhook."""

    name = CHANNEL
    button_payloads = True

    def __init__(self, config: ZaloOAConfig, storage: Storage, catalog: Catalog, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(storage)
        self.config = config
        self.client = OAClient(config)
        self.tokens = OATokens(self.client, storage, config, clock=clock, recovered=self._sending_works)
        self.sender = ZaloOASender(self.client, self.tokens, storage, catalog, config, clock=clock)
        self._clock = clock
        self._names: dict[str, str] = {}

    async def _sending_works(self) -> None:
        """Messages that waited for the tokens go now, not at the end of their wait."""
        waiting = await self._storage.hasten_outbox(CHANNEL, self._clock())
        if waiting:
            log.info("zalo_oa: %d waiting message(s) due again", waiting)

    def forget(self, user_id: str) -> None:
        """The person asked to be forgotten: their name goes from memory too."""
        self._names.pop(user_id, None)

    def choices_key(self, chat_id: str) -> str:
        return choices_key(chat_id)

    def parse(self, row_id: int, payload: dict[str, Any], resolved: str | None) -> ZaloIncoming | None:
        return parse_event(row_id, payload, resolved)

    async def prepare(self, incoming: ZaloIncoming) -> ZaloIncoming:
        """OA events carry no name: ask the profile once (kept in memory only)."""
        if incoming.name or incoming.event == "unfollow":
            return incoming
        name = self._names.get(incoming.user_id)
        if name is None:
            try:
                name = await self.client.display_name(await self.tokens.access_token(), incoming.user_id)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a name is a courtesy: the person is served without one
                log.info("zalo_oa profile lookup failed (%s); going on without a name", error)
                return incoming
            self._names[incoming.user_id] = name
        return replace(incoming, name=name)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._process_forever(), name="zalo-oa-journal"))
        self._tasks.append(asyncio.create_task(self._keep_token_fresh(), name="zalo-oa-tokens"))
        pages: list[tuple[str, Any]] = [(self.config.webhook_path, self._on_check)]
        if self.config.site_verification:
            code = self.config.site_verification
            pages += [(VERIFIER_FILE.format(code=code), self._on_verification),
                      ("/", self._on_verification)]
        await self._start_webhook(self.config.webhook_host, self.config.webhook_port, self.config.webhook_path,
                                  self._on_webhook, client_max_size=WEBHOOK_MAX_BYTES, pages=pages)

    async def stop(self) -> None:
        await self._stop_receiving()
        await self.tokens.settle()   # a new token pair from Zalo is saved before the client closes
        await self.client.close()

    async def _keep_token_fresh(self) -> None:
        """Refresh before expiry even when nothing is sent (a refresh token unused for months dies)."""
        while True:
            try:
                wait = await self.tokens.refresh_if_due()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.error("zalo_oa token refresh failed (%s); retrying in %.0f s", error, TOKEN_RETRY)
                wait = TOKEN_RETRY
            await asyncio.sleep(wait)

    # -- the journal ------------------------------------------------------------

    async def receive(self, event: dict[str, Any]) -> bool:
        """Store one verified event and note the person's interaction; False if a repeat."""
        name = str(event.get("event_name") or "")
        person = person_of(event)
        at = event_time(event)
        at = min(at, self._clock()) if at is not None else self._clock()
        if name == "unfollow":
            contact: tuple[str, float | None, bool | None] = (person, None, False)
        else:
            # A follow, or a message: either opens the reply window, so someone who unfollowed
            # and writes again can be answered (Zalo's window depends on interaction).
            contact = (person, at, True)
        return await self.store(event_key(event), event, contact=contact)

    # -- webhook ------------------------------------------------------------------

    async def _on_check(self, _request: web.Request) -> web.Response:
        """Zalo's GET on the webhook URL before enabling it: 200, nothing else."""
        return web.json_response({"error": 0, "message": "Success"})

    async def _on_verification(self, _request: web.Request) -> web.Response:
        """The domain-verification file (and the home page carrying the same meta tag)."""
        code = html.escape(self.config.site_verification)
        page = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
                f'<meta name="zalo-platform-site-verification" content="{code}" />'
                "</head><body></body></html>\n")
        return web.Response(text=page, content_type="text/html", charset="utf-8")

    async def _on_webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not given.strip():
            # Zalo's own checks of the URL come unsigned: 200, and the body is not even read.
            log.info("zalo_oa webhook: an unsigned request (Zalo checking the URL?) answered, not stored")
            return web.json_response({"error": 0, "message": "Success"})
        raw = await request.read()   # at most WEBHOOK_MAX_BYTES (client_max_size)
        timestamp = signed_timestamp(raw, given, self.config.app_id, self.config.oa_secret_key)
        if timestamp is None:
            log.warning("zalo_oa webhook: request with a wrong signature refused")
            return web.Response(status=403, text="bad signature")
        at = timestamp_seconds(timestamp)
        if at is None or abs(self._clock() - at) > self.config.webhook_max_age:
            log.warning("zalo_oa webhook: stale or undated event refused")
            return web.Response(status=403, text="stale event")
        try:
            event = json.loads(raw)
        except (ValueError, RecursionError):
            log.warning("zalo_oa webhook: a signed body that is not JSON refused")
            return web.Response(status=400, text="not JSON")
        if not isinstance(event, dict) or str(event.get("timestamp")) != timestamp:
            log.warning("zalo_oa webhook: the signed timestamp is not the event's; refused")
            return web.Response(status=403, text="bad signature")
        name = str(event.get("event_name") or "")
        addressed = oa_of(event)
        if self.config.oa_id and addressed and addressed != self.config.oa_id:
            # Signed by the app, but for another of its OAs: acknowledged (no retries), not ours.
            log.warning("zalo_oa webhook: an event for another OA ignored")
        elif (name.startswith("user_send_") or name in ("follow", "unfollow")) and person_of(event):
            await self.receive(event)
        else:
            log.debug("zalo_oa webhook: %s not handled", name or "an event without a name")
        return web.json_response({"error": 0, "message": "Success"})
