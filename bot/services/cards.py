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
DECLINED_EXCERPT = 120
# A button label quoting a case, a KB entry or an authority: short enough for a phone.
MENU_LABEL_EXCERPT = 48
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data
PREVIEW_QUESTION_EXCERPT = 1200
PREVIEW_ANSWER_EXCERPT = 2500
AUDIT_DETAIL_EXCERPT = 200

# Preset reasons for rejecting a case; free text goes through /reject N reason.
REJECT_REASONS = ("out_of_scope", "personal_documents", "unclear")

# Events a worker causes: an empty actor there is an anonymous asker, not the system.
WORKER_ACTIONS = frozenset({"asked", "followup", "followed", "disliked", "disliked_follower"})

STATUS_ICONS = {"open": "📩", "answered": "✅", "forwarded": "↪️", "duplicate": "🔁", "rejected": "⛔"}


@dataclass(frozen=True)
class PublishPair:
    """A question of a case with the answer given to it: `number` 0 is the case's own
    question, k its k-th follow-up."""

    number: int
    question: str
    answer: str


@dataclass(frozen=True)
class PublishPreview:
    """What a publish preview shows: the pairs to choose from, the chosen one, the wording
    to publish (edited or not), and which text the next reply to it replaces."""

    pairs: Sequence[PublishPair]
    chosen: PublishPair
    question: str
    answer: str
    awaiting: str | None = None   # "question", "answer" or None


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
    # KB entries the asker was shown and found not enough: (entry id, its question).
    declined: Sequence[tuple[str, str]] = ()


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
        """A deadline as the day it ends ("hết thứ Tư 09/12/2026"), not "00:00 10/12/2026"."""
        due = datetime.fromtimestamp(due_at, self._zone)
        day = last_day(due)
        if day is None:
            return self.when(due_at)
        weekday = self.t("deadline.weekdays").split("|")[day.weekday()]
        return self.t("deadline.end_of_day", weekday=weekday, day=day.strftime("%d/%m/%Y"))

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
        lines += [self.t("card.declined", entry=entry, question=shorten(text, DECLINED_EXCERPT))
                  for entry, text in state.declined]
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

    def _data(self, q: Question, action: str, argument: str) -> str | None:
        """A button's data, or None where it would not fit Telegram's 64 bytes."""
        data = f"{PREFIX}:{q.id}:{q.version}:{action}:{argument}"
        return data if len(data.encode()) <= CALLBACK_DATA_LIMIT else None

    def _menu(self, q: Question, choices: Sequence[tuple[str, str, str]]) -> tuple[tuple[Button, ...], ...]:
        """One button a row for each (label, action, argument) that fits, then ◀️ back."""
        rows = []
        for label, action, argument in choices:
            data = self._data(q, action, argument)
            if data is not None:
                rows.append((Button(label, data),))
        return (*rows, (self._button(q, "card.btn_back", "back"),))

    def duplicate_buttons(self, q: Question, candidates: Sequence[Question]) -> tuple[tuple[Button, ...], ...]:
        """The likely originals of a case, each a button that marks it their duplicate."""
        return self._menu(q, [(self.t("dup.button", icon=Raw(STATUS_ICONS.get(c.status, "📩")), id=c.id,
                                      question=Raw(shorten(c.text, MENU_LABEL_EXCERPT))), "dupof", str(c.id))
                              for c in candidates])

    def forward_buttons(self, q: Question, recent: Sequence[tuple[str, str]]) -> tuple[tuple[Button, ...], ...]:
        """The departments, then the authorities cases were forwarded to lately ((key, name))."""
        choices = [(self.t("fwd.department", name=Raw(shorten(d.name, MENU_LABEL_EXCERPT))), "fwdd", d.key)
                   for d in self.departments.values()]
        choices += [(self.t("fwd.recent", name=Raw(shorten(name, MENU_LABEL_EXCERPT))), "fwdr", key)
                    for key, name in recent]
        return self._menu(q, choices)

    def kb_buttons(self, q: Question, entries: Sequence[tuple[str, str]]) -> tuple[tuple[Button, ...], ...]:
        """One button per KB entry ((id, question)) answering the case with it; an id too
        long for a button's data is left to the typed /kb N ENTRY."""
        rows = []
        for entry_id, question in entries:
            data = self._data(q, "kb", entry_id)
            if data is not None:
                rows.append((Button(self.t("kb.button", entry=Raw(entry_id),
                                           question=Raw(shorten(question, MENU_LABEL_EXCERPT))), data),))
        return tuple(rows)

    def publish_preview(self, q: Question, preview: PublishPreview) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        """The entry a case would become, with a choice of its question/answer pairs (when it
        has several), the two edit buttons, and the one that publishes it."""
        pair = preview.chosen
        edited = self.t("publish.edited")
        lines = [self.t("publish.preview_pair", id=q.id, pair=self._pair_name(pair.number),
                        question=shorten(preview.question, PREVIEW_QUESTION_EXCERPT),
                        answer=shorten(preview.answer, PREVIEW_ANSWER_EXCERPT),
                        question_edited=Raw(edited if preview.question != pair.question else ""),
                        answer_edited=Raw(edited if preview.answer != pair.answer else ""))]
        lines.append(self.t(f"publish.awaiting_{preview.awaiting}") if preview.awaiting
                     else self.t("publish.how_to_edit", id=q.id))
        rows: list[tuple[Button, ...]] = []
        if len(preview.pairs) > 1:
            choices = []
            for other in preview.pairs:
                label = (self.t("publish.btn_pair_followup", count=other.number) if other.number
                         else self.t("publish.btn_pair_question"))
                if other.number == pair.number:
                    label = self.t("publish.btn_chosen", label=Raw(label))
                choices.append(Button(label, f"{PREFIX}:{q.id}:{q.version}:pubp:{other.number}"))
            rows += [tuple(choices[i:i + 2]) for i in range(0, len(choices), 2)]
        rows.append((self._button(q, "publish.btn_edit_question", "pube:q"),
                     self._button(q, "publish.btn_edit_answer", "pube:a")))
        rows.append((self._button(q, "publish.confirm", "pubok"),))
        return fit_html("\n".join(lines), MESSAGE_LIMIT), tuple(rows)

    def _pair_name(self, number: int) -> str:
        return self.t("publish.pair_followup", count=number) if number else self.t("publish.pair_question")

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
