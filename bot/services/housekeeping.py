"""What happens by the clock: overdue reminders, the daily digest, statistics.

Both the reminders and the digest are decided from database rows (a case's
`nudged_at`, the `digests` table), so a restart neither loses nor repeats one.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Catalog, Raw
from bot.models import OutboxRequest, Question
from bot.services.questions import OfficialsRoute, QuestionService
from bot.services.reports import CaseStats, format_duration_hours, median, percent, render_chart
from bot.services.text import CAPTION_LIMIT, MESSAGE_LIMIT, fit_html, shorten
from bot.storage import Storage

OLDEST_SHOWN = 5
DISLIKES_IN_DIGEST = 10
STATS_WEEKS = 8
STATUSES = ("open", "answered", "forwarded", "duplicate", "rejected")


class Housekeeping:
    def __init__(self, storage: Storage, questions: QuestionService, catalog: Catalog,
                 route: OfficialsRoute, timezone: str, digest_hour: int,
                 queued: Callable[[], None] = lambda: None,
                 clock: Callable[[], float] = time.time) -> None:
        self._storage = storage
        self._questions = questions
        self._catalog = catalog
        self._route = route
        self._zone = ZoneInfo(timezone)
        self._digest_hour = digest_hour
        self._queued = queued
        self._clock = clock

    def _t(self, key: str, **params: object) -> str:
        return self._catalog.text(self._route.language, key, **params)

    async def tick(self) -> None:
        await self.nudge_overdue()
        await self.digest_if_due()

    async def nudge_overdue(self) -> int:
        nudged = 0
        for question in await self._storage.overdue_questions(self._clock()):
            if await self._questions.nudge(question) is not None:
                nudged += 1
        return nudged

    async def digest_if_due(self) -> bool:
        """Queue today's digest once the configured hour has come (once per day).

        A day with no open case and no change since the last digest gets none.
        """
        if self._digest_hour < 0:
            return False
        now = datetime.fromtimestamp(self._clock(), self._zone)
        if now.hour < self._digest_hour:
            return False
        day = now.date().isoformat()
        if await self._storage.digest_sent(day):
            return False
        # Nothing waiting and nothing happened since the last digest: no message, but the
        # day is recorded as considered so that it is not weighed again.
        if await self._storage.record_quiet_day(day):
            return False
        # The 👎 given since the last digest, with the line each may say why.
        dislikes = await self._storage.dislikes_since_last_digest()
        text = self.digest_text(await self._storage.all_questions(), now.date(), dislikes)
        request = OutboxRequest(channel=self._route.channel, chat_id=self._route.chat_id, text=text,
                                dedupe_key=f"digest:{day}")
        queued = await self._storage.queue_digest(day, [request])
        if queued:
            self._queued()
        return queued

    def digest_text(self, questions: Sequence[Question], day: date,
                    dislikes: Sequence[tuple[int, bool, str | None]] = ()) -> str:
        language = self._route.language
        parts = [self._t("digest.header", day=day.strftime("%d/%m/%Y"))]
        by_status = Counter(q.status for q in questions)
        parts.append(self._t("digest.by_status", counts=", ".join(
            f"{self._t(f'case.status.{s}')}: {by_status[s]}" for s in STATUSES if by_status[s]) or "0"))
        if dislikes:
            parts.append(self._t("digest.dislikes", lines=Raw("\n".join(
                self._t("digest.dislike_line_reason" if reason else "digest.dislike_line", id=case,
                        who=self._t("dislike.follower" if follower else "dislike.asker"),
                        reason=shorten(reason or "", 200))
                for case, follower, reason in dislikes[-DISLIKES_IN_DIGEST:]))))
        waiting = [q for q in questions if q.status == "open"]
        if not waiting:
            parts.append(self._t("digest.none"))
            return fit_html("\n\n".join(parts), MESSAGE_LIMIT)
        topics = Counter(self._questions.topic_title(q.topic, language) for q in waiting)
        parts.append(self._t("digest.by_topic", lines="\n".join(
            f"• {title}: {count}" for title, count in topics.most_common())))
        departments = Counter(self._questions.cards.department_name(q.department) or
                              self._t("digest.unassigned") for q in waiting)
        parts.append(self._t("digest.by_department", lines="\n".join(
            f"• {name}: {count}" for name, count in departments.most_common())))
        now = self._clock()
        oldest = sorted(waiting, key=lambda q: q.created_at)[:OLDEST_SHOWN]
        parts.append(self._t("digest.oldest", lines=Raw("\n".join(
            self._t("digest.oldest_line", id=q.id, topic=self._questions.topic_title(q.topic, language),
                    since=datetime.fromtimestamp(q.created_at, self._zone).strftime("%d/%m"),
                    overdue=self._t("digest.overdue_mark") if q.due_at and q.due_at <= now else "")
            for q in oldest))))
        return fit_html("\n\n".join(parts), MESSAGE_LIMIT)

    async def case_stats(self) -> CaseStats:
        questions = await self._storage.all_questions()
        now = datetime.fromtimestamp(self._clock(), self._zone)
        this_monday = now.date() - timedelta(days=now.weekday())
        weeks = [this_monday - timedelta(weeks=n) for n in range(STATS_WEEKS - 1, -1, -1)]
        weekly: dict[date, Counter[str]] = {week: Counter() for week in weeks}
        for q in questions:
            created = datetime.fromtimestamp(q.created_at, self._zone).date()
            monday = created - timedelta(days=created.weekday())
            if monday in weekly:
                weekly[monday][q.status] += 1
        answered = [q for q in questions if q.answered_at is not None]
        up, down = await self._storage.ratings()
        return CaseStats(
            by_status=Counter(q.status for q in questions),
            by_topic_status=Counter((q.topic, q.status) for q in questions),
            weekly=[(week, dict(weekly[week])) for week in weeks],
            answer_hours=[(q.answered_at - q.created_at) / 3600 for q in answered if q.answered_at],
            answered_within_deadline=sum(1 for q in answered if q.due_at is None or
                                         (q.answered_at or 0) <= q.due_at),
            answered_total=len(answered),
            ratings_up=up, ratings_down=down,
        )

    async def _follower_ratings_line(self) -> str:
        up, down = await self._storage.follower_ratings()
        return self._t("stats.follower_ratings", up=up, down=down)

    async def stats(self) -> tuple[str, bytes]:
        """The /stats text and its chart (PNG)."""
        stats = await self.case_stats()
        language = self._route.language
        text = self._t(
            "stats.text", total=sum(stats.by_status.values()),
            by_status=", ".join(f"{self._t(f'case.status.{s}')}: {stats.by_status.get(s, 0)}"
                                for s in STATUSES),
            median=format_duration_hours(median(stats.answer_hours), language),
            within=percent(stats.answered_within_deadline, stats.answered_total),
            up=stats.ratings_up, down=stats.ratings_down,
            deflections=await self._storage.count_deflections(),
        ) + "\n" + await self._follower_ratings_line()
        topic_titles = {key: self._questions.topic_title(key, language)
                        for key, _status in stats.by_topic_status}
        labels = {s: self._t(f"case.status.{s}") for s in STATUSES}
        chart = render_chart(stats, topic_titles, labels, self._t("stats.chart_title"),
                             empty_note=self._t("stats.empty"))
        return fit_html(text, CAPTION_LIMIT), chart  # sent as the chart's caption
