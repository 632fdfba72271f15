"""Plain data the services and channels pass around. No Telegram here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class User:
    id: int
    channel: str
    external_id: str
    chat_id: str
    display_name: str
    language: str
    consent: str | None = None   # "granted", "declined", or None: not asked yet


@dataclass(frozen=True)
class Draft:
    user_id: int
    step: str
    version: int
    topic: str | None = None
    text: str | None = None
    anonymous: bool | None = None
    suggestions: tuple[str, ...] = ()
    case_id: int | None = None
    conference_id: int | None = None


@dataclass(frozen=True)
class Question:
    id: int
    user_id: int
    topic: str
    text: str
    anonymous: bool
    asker_name: str | None
    status: str
    rating: int | None
    created_at: float
    answered_at: float | None
    version: int = 1
    department: str | None = None
    assigned_by: str | None = None
    forwarded_to: str | None = None
    duplicate_of: int | None = None
    reject_reason: str | None = None
    due_at: float | None = None
    nudged_at: float | None = None
    conference_id: int | None = None


@dataclass(frozen=True)
class Answer:
    id: int
    question_id: int
    official_id: int
    official_name: str
    text: str
    created_at: float
    edited_at: float | None = None
    # An answer sent as a photo, file or voice message with a caption (the text):
    # its kind, and the official's message a Telegram worker gets a copy of.
    attachment_kind: str | None = None
    source: tuple[str, int] | None = None
    followup_id: int | None = None   # answers this follow-up (None: the case's own question)


@dataclass(frozen=True)
class Followup:
    id: int
    question_id: int
    text: str
    created_at: float
    user_id: int | None = None


@dataclass(frozen=True)
class Event:
    question_id: int
    actor_name: str
    action: str
    detail: str
    created_at: float
    actor_id: int | None = None


@dataclass(frozen=True)
class Conference:
    id: int
    title: str
    starts_at: float
    place: str
    description: str
    topics: tuple[str, ...]
    status: str
    created_by: int


@dataclass(frozen=True)
class Broadcast:
    id: int
    created_by: int
    text: str
    audience: str
    total: int
    attachment_kind: str | None = None
    attachment: str | None = None
    progress_chat_id: str | None = None
    progress_message_id: int | None = None
    finished_at: float | None = None


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    """A message for a user, independent of the channel that carries it.

    `text` is HTML limited to what Telegram understands; `buttons` are rows of
    choices (a channel without buttons renders them as numbered text).
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    channel: str
    chat_id: str
    text: str
    thread_id: int | None = None
    edit_message_id: int | None = None
    reply_to_message_id: int | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    card_question_id: int | None = None
    attempts: int = 0
    broadcast_id: int | None = None
    attachment_kind: str | None = None
    attachment: str | None = None
    question_id: int | None = None
    dedupe_key: str | None = None
    pieces_sent: int = 0      # a channel that sends a row as several messages: how many arrived


@dataclass(frozen=True)
class OutboxRequest:
    """A message to queue for delivery; see the outbox table for each field."""

    channel: str
    chat_id: str
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    thread_id: int | None = None
    edit_message_id: int | None = None
    reply_to_message_id: int | None = None
    card_question_id: int | None = None
    dedupe_key: str | None = None
    due_at: float | None = None
    priority: int = 0                       # larger waits behind smaller: broadcasts are 1
    broadcast_id: int | None = None
    attachment_kind: str | None = None      # "photo" | "document", `text` is then the caption;
                                            # "copy": a copy of the message `attachment` names
    attachment: str | None = None           # the channel's file id; for "copy", "chat id:message id"
    question_id: int | None = None          # the case it is about: a failure is shown to its officials


@dataclass(frozen=True)
class Undelivered:
    """What a message that failed for good leaves on its case: a history line and the officials' notice."""

    question_id: int
    action: str
    detail: str
    notice: OutboxRequest


@dataclass(frozen=True)
class Delivery:
    """What a channel reports after trying to send one outbox message."""

    ok: bool
    message_id: int | None = None
    retry_after: float | None = None   # flood control: every chat waits this many seconds (an attempt)
    postpone: float | None = None      # temporary, this chat only: try again after this many seconds,
                                       # not counted as an attempt (the platform said "not now")
    permanent: bool = False            # do not try again (blocked, chat gone, bad request)
    user_blocked: bool = False
    error: str = ""
    reason: str = ""                  # why it failed for good, for officials: "window", "blocked", "quota"
    window_hours: float | None = None  # with reason "window": the reply window that closed
    migrate_to: str | None = None      # the chat moved to this id (a group upgraded): send there
    held: str = ""                     # an officials' chat the bot cannot post in now, and why:
                                       # the row waits, not counted as an attempt
    in_general: bool = False           # sent to the forum's General topic: its own topic is gone


@dataclass(frozen=True)
class Official:
    id: int
    name: str
