"""How a case looks on the officials' card, and which buttons it offers in each state.

Button data: "c:<case>:<version>:<action>[:<argument>]". The version is the
case's at render time; a click with any other version is refused, so a stale
card (or a forged one) never changes anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Department
from bot.i18n import Catalog, Raw
from bot.models import Answer, Button, Followup, Question
from bot.services.deadlines import last_day
from bot.services.text import (
    MESSAGE_LIMIT,
    fit_html,
    pack_lines,
    plain_length,
    shorten,
    utf16_length,
)

PREFIX = "c"
# Excerpts, in UTF-16 units as Telegram counts them. Together with the rest of
# a card they can exceed a message: then the question excerpt gives way.
QUESTION_EXCERPT = 1500
FOLLOWUP_EXCERPT = 400
ANSWER_EXCERPT = 1200
# The question excerpt never gives way below this; fit_html is the last resort.
QUESTION_EXCERPT_MIN = 200
# Earlier answers and follow-ups, once the question gave way: shorter, then left out.
OLDER_EXCERPTS = (400, 120, 0)
DISLIKES_SHOWN = 3
DISLIKE_EXCERPT = 300
PREVIEW_QUESTION_EXCERPT = 1200
PREVIEW_ANSWER_EXCERPT = 2500
AUDIT_DETAIL_EXCERPT = 200

# Preset reasons for rejecting a case; free text goes through /reject N reason.
REJECT_REASONS = ("out_of_scope", "personal_documents", "unclear")

# Events a worker causes: an empty actor there is an anonymous asker, not the system.
WORKER_ACTIONS = frozenset({"asked", "followup", "followed", "disliked", "disliked_follower"})

STATUS_ICONS = {"open": "📩", "answered": "✅", "forwarded": "↪️", "duplicate": "🔁", "rejected": "⛔"}


@dataclass(frozen=True)
class CardState:
    """Everything a card shows, read from storage by the caller."""

    question: Question
    topic_title: str
    followers: int
    answers: Sequence[Answer]
    followups: Sequence[Followup]
    published: bool
    now: float
    channel: str = ""    # the asker's channel, when it is not the officials' own (e.g. "zalo")
    muted: bool = False  # an official muted the asker from this card (🔇)
    # Each 👎 on the case, oldest first: (by a follower?, the one line saying why, or None).
    dislikes: Sequence[tuple[bool, str | None]] = ()


class CardRenderer:
    def __init__(self, catalog: Catalog, language: str, timezone: str,
                 departments: Sequence[Department]) -> None:
        self._catalog = catalog
        self.language = language
        self._zone = ZoneInfo(timezone)
        self.departments: Mapping[str, Department] = {d.key: d for d in departments}

    def t(self, key: str, **params: object) -> str:
        return self._catalog.text(self.language, key, **params)

    def when(self, moment: float) -> str:
        return datetime.fromtimestamp(moment, self._zone).strftime("%H:%M %d/%m/%Y")

    def deadline(self, due_at: float) -> str:
        """A deadline as the day it ends ("hết ngày 09/12/2026"), not "00:00 10/12/2026"."""
        due = datetime.fromtimestamp(due_at, self._zone)
        day = last_day(due)
        if day is None:
            return self.when(due_at)
        return self.t("deadline.end_of_day", day=day.strftime("%d/%m/%Y"))

    def department_name(self, key: str | None) -> str:
        if key is None:
            return ""
        department = self.departments.get(key)
        return department.name if department else key

    def asker(self, question: Question) -> str:
        if question.anonymous or not question.asker_name:
            return self.t("card.anonymous")
        return question.asker_name

    def text(self, state: CardState) -> str:
        """The card, always within one Telegram message (4,096 UTF-16 units after parsing).

        An edit that is too long is refused by Telegram, which would leave the card
        showing an old status: the question excerpt is shortened, then the earlier
        answers and follow-ups, until it fits.
        """
        excerpt = shorten(state.question.text, QUESTION_EXCERPT)
        card = ""
        for older in OLDER_EXCERPTS:
            card = self._compose(state, excerpt, older)
            overflow = plain_length(card) - MESSAGE_LIMIT
            if overflow <= 0:
                return card
            room = max(utf16_length(excerpt) - overflow, QUESTION_EXCERPT_MIN)
            card = self._compose(state, shorten(state.question.text, room), older)
            if plain_length(card) <= MESSAGE_LIMIT:
                return card
        return fit_html(card, MESSAGE_LIMIT)

    def _thread(self, state: CardState, older: int) -> list[str]:
        """Every answer and follow-up, in the order they came; the newest whole, the
        earlier ones cut to `older` units (0: left out, with a line saying so)."""
        items: list[tuple[float, int, Answer | Followup]] = sorted(
            [(a.created_at, 1, a) for a in state.answers] + [(f.created_at, 0, f) for f in state.followups],
            key=lambda item: (item[0], item[1]))
        lines: list[str] = []
        left_out = 0
        for index, (_when, _kind, item) in enumerate(items):
            newest = index >= len(items) - 2  # the last follow-up and its answer, or the last answer
            if not newest and older == 0:
                left_out += 1
                continue
            if isinstance(item, Followup):
                number = 1 + sum(1 for f in state.followups if f.created_at < item.created_at)
                lines.append(self.t("card.followup", count=number,
                                    text=shorten(item.text, FOLLOWUP_EXCERPT if newest else older)))
            else:
                lines.append(self.t("card.answer", official=item.official_name,
                                    when=self.when(item.edited_at or item.created_at),
                                    answer=shorten(item.text, ANSWER_EXCERPT if newest else older)))
        if left_out:
            lines.insert(0, self.t("card.thread_earlier", count=left_out, id=state.question.id))
        return lines

    def _dislikes(self, state: CardState) -> list[str]:
        shown = list(state.dislikes)[-DISLIKES_SHOWN:]
        lines = [self.t("card.dislike_reason" if reason else "card.dislike",
                        who=self.t("dislike.follower" if follower else "dislike.asker"),
                        reason=shorten(reason or "", DISLIKE_EXCERPT))
                 for follower, reason in shown]
        if len(state.dislikes) > len(shown):
            lines.insert(0, self.t("card.dislikes_more", count=len(state.dislikes) - len(shown)))
        return lines

    def _compose(self, state: CardState, excerpt: str, older: int = OLDER_EXCERPTS[0]) -> str:
        q = state.question
        lines = [self.t("card.header", icon=STATUS_ICONS.get(q.status, "📩"), id=q.id,
                        topic=state.topic_title, status=self.t(f"case.status.{q.status}"))]
        asker = self.t("card.asker", asker=self.asker(q))
        if state.channel:
            asker += " · " + self.channel_name(state.channel)
        if state.followers:
            asker += " · " + self.t("card.followers", count=state.followers)
        lines.append(asker)
        if q.status == "open" and q.due_at is not None:
            key = "card.overdue" if state.now >= q.due_at else "card.due"
            lines.append(self.t(key, when=self.deadline(q.due_at)))
        if q.department:
            lines.append(self.t("card.department", department=self.department_name(q.department),
                                by=q.assigned_by or ""))
        if q.status == "forwarded" and q.forwarded_to:
            lines.append(self.t("card.forwarded", to=q.forwarded_to))
        if q.status == "duplicate" and q.duplicate_of:
            lines.append(self.t("card.duplicate", of=q.duplicate_of))
        if q.status == "rejected" and q.reject_reason:
            lines.append(self.t("card.rejected", reason=q.reject_reason))
        lines.append(self.t("card.question", question=excerpt))
        lines += self._thread(state, older)
        lines += self._dislikes(state)
        if state.published:
            lines.append(self.t("card.published"))
        if state.muted:
            lines.append(self.t("card.muted", id=q.id))
        if q.status == "open":
            lines.append(self.t("card.how_to_answer", id=q.id))
        return "\n".join(lines)

    def _button(self, q: Question, key: str, action: str) -> Button:
        return Button(self.t(key), f"{PREFIX}:{q.id}:{q.version}:{action}")

    def buttons(self, state: CardState) -> tuple[tuple[Button, ...], ...]:
        q = state.question
        # Muting is for a question that is spam or abuse: offered while it waits, or once rejected.
        mute = () if state.muted or q.status not in ("open", "rejected") else (
            (Button(self.t("card.btn_mute", id=q.id), f"{PREFIX}:{q.id}:{q.version}:mute"),),)
        if q.status == "open":
            return ((self._button(q, "card.btn_assign", "assign"), self._button(q, "card.btn_forward", "fwd")),
                    (self._button(q, "card.btn_duplicate", "dup"), self._button(q, "card.btn_reject", "reject")),
                    *mute)
        if q.status == "answered" and not state.published:
            return ((self._button(q, "card.btn_publish", "pub"), self._button(q, "card.btn_reopen", "reopen")),)
        return ((self._button(q, "card.btn_reopen", "reopen"),), *mute)

    def mute_buttons(self, q: Question) -> tuple[tuple[Button, ...], ...]:
        """A second press confirms: muting someone by a slip of the finger would be unkind."""
        return ((Button(self.t("card.btn_mute_confirm", id=q.id), f"{PREFIX}:{q.id}:{q.version}:muteok"),),
                (self._button(q, "card.btn_back", "back"),))

    def department_buttons(self, q: Question) -> tuple[tuple[Button, ...], ...]:
        rows = tuple((Button(d.name, f"{PREFIX}:{q.id}:{q.version}:dept:{d.key}"),)
                     for d in self.departments.values())
        return rows + ((self._button(q, "card.btn_back", "back"),),)

    def reject_buttons(self, q: Question) -> tuple[tuple[Button, ...], ...]:
        rows = tuple((Button(self.t(f"reject.{reason}"), f"{PREFIX}:{q.id}:{q.version}:rsn:{reason}"),)
                     for reason in REJECT_REASONS)
        return rows + ((self._button(q, "card.btn_back", "back"),),)

    def publish_preview(self, q: Question, answer: Answer) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        text = self.t("publish.preview", id=q.id, question=shorten(q.text, PREVIEW_QUESTION_EXCERPT),
                      answer=shorten(answer.text, PREVIEW_ANSWER_EXCERPT))
        return fit_html(text, MESSAGE_LIMIT), ((self._button(q, "publish.confirm", "pubok"),),)

    def audit(self, q: Question, events: Sequence[tuple[str, str, str, float]]) -> list[str]:
        """A case's history (/case N), in as many messages as it takes, oldest event first."""
        status = Raw(self.t(f"case.status.{q.status}"))
        lines = [self.t("audit.header", id=q.id, status=status)]
        for actor, action, detail, moment in events:
            label = self.t(f"audit.{action}") if f"audit.{action}" in self._catalog_keys else action
            if not actor:
                actor = self.t("card.anonymous" if action in WORKER_ACTIONS else "audit.system")
            line = self.t("audit.line", when=self.when(moment), actor=actor, action=Raw(label))
            if detail:
                line += " — " + self.t("audit.detail", detail=shorten(detail, AUDIT_DETAIL_EXCERPT))
            lines.append(line)
        return pack_lines(lines, MESSAGE_LIMIT,
                          continued=self.t("audit.header_continued", id=q.id, status=status))

    @property
    def _catalog_keys(self) -> frozenset[str]:
        return self._catalog.keys(self.language)

    def channel_name(self, channel: str) -> str:
        key = f"channel.{channel}"
        return self.t(key) if key in self._catalog_keys else channel
