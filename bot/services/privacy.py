"""Personal data (Decree 13/2023/NĐ-CP): consent, a copy of one's data, being forgotten, retention.

A worker's name is stored only after they agree; declining still allows
anonymous questions. The chat id is kept because without it no answer
could come back; /forget removes it too, with the name, and leaves the
questions as anonymous case records (and published KB entries as they are).
It also reaches every copy: the case history, the outbox, the update
journals. Retention keeps the rest short: processed updates go after
`journal_days`, sent messages lose their text and the person's chat id after
`outbox_days` (see `prune`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from bot.i18n import Catalog
from bot.models import Button, Reply, User
from bot.services.questions import QuestionService
from bot.storage import Storage

PREFIX = "pv"
DAY = 86400
PRUNE_EVERY = 3600.0  # seconds between two prunes of the journal and the outbox


class PrivacyService:
    def __init__(self, storage: Storage, questions: QuestionService, catalog: Catalog,
                 retention_days: int, clock: Callable[[], float] = time.time, *,
                 journal_days: int = 1, outbox_days: int = 7) -> None:
        self._storage = storage
        self._questions = questions
        self._catalog = catalog
        self._retention = retention_days * DAY
        self._journal_keep = journal_days * DAY
        self._outbox_keep = outbox_days * DAY
        self._clock = clock
        self._pruned_at: float | None = None

    def notice(self, user: User) -> Reply:
        t = self._catalog.text
        return Reply(t(user.language, "privacy.notice"), (
            (Button(t(user.language, "privacy.agree"), f"{PREFIX}:yes"),),
            (Button(t(user.language, "privacy.decline"), f"{PREFIX}:no"),),
        ))

    async def decide(self, user: User, granted: bool, display_name: str) -> None:
        await self._storage.set_consent(user.id, granted, display_name)

    async def export(self, user: User) -> bytes:
        """Everything stored about the person, as a JSON file (UTF-8, readable)."""
        data = await self._storage.personal_data(user.id)
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")

    def forget_prompt(self, user: User) -> Reply:
        t = self._catalog.text
        return Reply(t(user.language, "privacy.forget_confirm"), (
            (Button(t(user.language, "privacy.forget_yes"), f"{PREFIX}:forget"),),
        ))

    async def forget(self, user: User) -> None:
        question_ids = await self._storage.forget_user(user.id, anonymous_label=self._anonymous())
        await self._questions.refresh_cards(question_ids)  # the name leaves the cards too

    def _anonymous(self) -> str:
        """What a card says instead of a name (in the officials' language)."""
        return self._questions.cards.t("card.anonymous")

    async def purge_inactive(self) -> int:
        """Forget everyone not seen for the retention period; returns how many."""
        if self._retention <= 0:
            return 0
        inactive = await self._storage.inactive_users(self._clock() - self._retention)
        for user_id in inactive:
            await self._questions.refresh_cards(
                await self._storage.forget_user(user_id, anonymous_label=self._anonymous()))
        return len(inactive)

    async def prune(self) -> tuple[int, int]:
        """Processed Telegram updates older than `journal_days` go, and sent or failed
        messages older than `outbox_days` lose their text and the person's chat id.
        (The Zalo channels prune their own journals with the same number of days.)
        Returns (journal rows deleted, outbox rows redacted)."""
        now = self._clock()
        self._pruned_at = time.monotonic()
        return (await self._storage.prune_journal(now - self._journal_keep),
                await self._storage.redact_outbox(now - self._outbox_keep))

    async def prune_if_due(self) -> None:
        """From the housekeeping job (every 30 s): a prune once an hour, and at start."""
        if self._pruned_at is None or time.monotonic() - self._pruned_at >= PRUNE_EVERY:
            await self.prune()
