"""Shared fixtures: the emulated Bot API and the real application running against it."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application, start, stop
from bot.config import Config, parse_config
from bot.sandbox.emulator import BotApiEmulator

OFFICIALS = -1001000000001
OFFICIAL = 501          # a member of the officials' group
OFFICIAL_2 = 502        # another member
ADMIN = 900             # not in the group, but an admin id
STRANGER = 777          # neither
WORKER = 1001           # a Vietnamese-speaking worker
WORKER_EN = 1002        # a worker whose Telegram is in English
HOUSING_THREAD_NAME = "Nhà ở"


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (for a webhook server the test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_data(emu: BotApiEmulator, storage: Path, **sections: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "telegram": {"token": emu.token, "base_url": emu.base_url},
        "officials": {"chat_id": OFFICIALS, "admin_user_ids": [ADMIN]},
        "organizers": {"user_ids": []},
        "storage": {"path": str(storage)},
        "topics": [
            {"key": "training", "title": "Đào tạo, nâng cao tay nghề", "title_en": "Training"},
            {"key": "jobs", "title": "Việc làm, thu nhập", "title_en": "Jobs and income"},
            {"key": "housing", "title": "Nhà ở công nhân", "title_en": "Housing"},
            {"key": "procedures", "title": "Thủ tục hành chính", "title_en": "Procedures"},
        ],
    }
    data.update(sections)
    return data


class Harness:
    """The running bot, its emulated Telegram, and a few helpers that act like people."""

    def __init__(self, emu: BotApiEmulator, config: Config) -> None:
        self.emu = emu
        self.config = config
        self.app: Any = None

    async def start(self) -> None:
        self.app = build_application(self.config)
        await start(self.app, timeout=1)
        await self.consent_all()

    async def consent_all(self) -> None:
        """Workers the emulator knows have already agreed to the privacy notice.

        The notice itself is tested in tests/test_privacy.py; elsewhere it would only
        stand between a test and what it is about.
        """
        storage = self.services.storage
        for user in self.emu.users():
            full_name = " ".join(filter(None, (user["first_name"], user.get("last_name"))))
            stored = await storage.upsert_user("telegram", str(user["id"]), str(user["id"]), full_name,
                                               self.services.catalog.language_for(user.get("language_code")))
            if stored.consent is None:
                await storage.set_consent(stored.id, True, full_name)

    async def stop(self) -> None:
        if self.app is not None:
            await stop(self.app)
            self.app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def services(self) -> Any:
        return self.app.bot_data["services"]

    def last_bot_id(self, chat_id: int) -> int:
        messages = self.emu.bot_messages(chat_id)
        return messages[-1]["message_id"] if messages else 0

    async def say(self, user_id: int, text: str) -> dict[str, Any]:
        """Send text as a user and return the bot's next message in that chat."""
        after = self.last_bot_id(user_id)
        await self.emu.send_text(user_id, text)
        return await self.emu.wait_for_bot_message(user_id, after=after)

    async def press(self, user_id: int, message: dict[str, Any], label: str) -> str:
        return await self.emu.click_button(user_id, message["chat"]["id"], message["message_id"], label)

    async def ask(self, user_id: int, text: str, *, topic: str = "Nhà ở",
                  anonymous: bool = False) -> int:
        """Go through /ask as a worker would; returns the case number.

        /ask → the question → (nothing in the knowledge base, nobody asking the same)
        the topic → "📨 Gửi kèm tên" or "🕶 Gửi ẩn danh" on the check, which sends.
        """
        prompt = await self.say(user_id, "/ask")
        assert "Mời bạn gõ câu hỏi" in prompt["text"], prompt["text"]
        topics = await self.say(user_id, text)
        assert "lĩnh vực nào" in topics["text"], topics["text"]
        await self.press(user_id, topics, topic)
        confirm = await self.emu.wait_for_edit(user_id, topics["message_id"],
                                               lambda m: "kiểm tra lại" in m["text"])
        await self.press(user_id, confirm, "Gửi ẩn danh" if anonymous else "Gửi kèm tên")
        sent = await self.emu.wait_for_edit(user_id, topics["message_id"],
                                            lambda m: "kiểm tra lại" not in m["text"])
        match = re.search(r"#(\d+)", sent["text"])
        assert match, sent["text"]
        return int(match.group(1))

    async def card(self, case: int) -> dict[str, Any]:
        card = await self.emu.wait_for_bot_message(
            OFFICIALS, lambda m: m["text"].startswith(("📩", "✅")) and f"#{case} " in m["text"]
        )
        # The bot links a card to its case right after Telegram confirms the send;
        # an official cannot reply faster than that, a test can.
        for _ in range(100):
            if await self.services.storage.question_for_card(str(OFFICIALS), card["message_id"]):
                break
            await asyncio.sleep(0.01)
        return card

    async def answer_by_reply(self, official: int, case: int, text: str) -> dict[str, Any]:
        card = await self.card(case)
        return await self.emu.send_text(official, text, chat_id=OFFICIALS, reply_to=card["message_id"],
                                        thread_id=card.get("message_thread_id"))

    async def answer_for(self, worker: int, case: int, after: int = 0) -> dict[str, Any]:
        return await self.emu.wait_for_bot_message(
            worker, lambda m: f"#{case}" in m["text"] and "📬" in m["text"], after=after
        )


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator()
    await emulator.start()
    emulator.add_group(OFFICIALS, "Cán bộ trả lời", forum=True, members=[OFFICIAL, OFFICIAL_2])
    emulator.add_user(OFFICIAL, "Lan", last_name="Trần", language_code="vi")
    emulator.add_user(OFFICIAL_2, "Minh", last_name="Lê", language_code="vi")
    emulator.add_user(ADMIN, "Quản trị", language_code="vi")
    emulator.add_user(STRANGER, "Người lạ", language_code="vi")
    emulator.add_user(WORKER, "Hoa", last_name="Nguyễn Thị", language_code="vi")
    emulator.add_user(WORKER_EN, "Anna", language_code="en")
    yield emulator
    await emulator.stop()


@pytest.fixture
def make_config(emu: BotApiEmulator, tmp_path: Path) -> Callable[..., Config]:
    def make(**sections: Any) -> Config:
        return parse_config(config_data(emu, tmp_path / "bot.sqlite3", **sections), env={})
    return make


@pytest.fixture
async def bot(emu: BotApiEmulator, make_config: Callable[..., Config]) -> AsyncIterator[Harness]:
    harness = Harness(emu, make_config())
    await harness.start()
    yield harness
    await harness.stop()
