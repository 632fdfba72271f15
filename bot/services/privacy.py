"""Personal data (Decree 13/2023/NĐ-CP): consent, a copy of one's data, being forgotten, retention.

A worker's name is stored only after they agree; declining still allows
anonymous questions. The chat id is kept because without it no answer
could come back; /forget removes it too, with the name, and leaves the
questions as anonymous case records (and published KB entries as they are).
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


class PrivacyService:
    def __init__(self, storage: Storage, questions: QuestionService, catalog: Catalog,
                 retention_days: int, clock: Callable[[], float] = time.time) -> None:
        self._storage = storage
        self._questions = questions
        self._catalog = catalog
        self._retention = retention_days * DAY
        self._clock = clock

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
        question_ids = await self._storage.forget_user(user.id)
        await self._questions.refresh_cards(question_ids)  # the name leaves the cards too

    async def purge_inactive(self) -> int:
        """Forget everyone not seen for the retention period; returns how many."""
        if self._retention <= 0:
            return 0
        inactive = await self._storage.inactive_users(self._clock() - self._retention)
        for user_id in inactive:
            await self._questions.refresh_cards(await self._storage.forget_user(user_id))
        return len(inactive)
