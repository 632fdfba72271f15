"""The sandbox's world: an emulated Telegram and Zalo, the real bot running against them, demo people.

Everything the browser sandbox shows lives here. The bot is built and started
exactly as in production and in the tests (`build_application` + `start`); only
its `base_url`s point at the in-process emulators: the Telegram Bot API, and
the Zalo Bot Platform for its `[zalo]` channel (long polling, as an
on-premises install without a public address would run it). Each world starts
from an empty database: the emulators live in memory, so rows left by an
earlier world would point at chats and messages that no longer exist.
"""

from __future__ import annotations

import copy
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import knowledge_base
from bot.app import build_application, start, stop
from bot.config import Config, parse_config
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.zalo_emulator import ZaloEmulator
from bot.services import Services
from knowledge_base import read_csv

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = REPO_ROOT / "config.example.toml"
SAMPLE_KB = Path(knowledge_base.__file__).resolve().parent / "data" / "sample_kb.csv"
DB_NAME = "sandbox.sqlite3"

# Not real tokens: they are only ever sent to the in-process emulators. The Zalo
# one has a Zalo Bot token's shape (digits:letters), which the config checks.
SANDBOX_TOKEN = "100000:SANDBOX-not-a-real-telegram-token"
SANDBOX_ZALO_TOKEN = "1000000000000000000:SandboxNotARealZaloBotToken"
GENERAL_THREAD = 1  # the General topic of a forum
GROUP_TITLE = "Cán bộ trả lời câu hỏi"


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    language: str = "vi"

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "language": self.language}


# Vietnamese names are written family name first; Telegram shows first_name first,
# so each whole name goes into first_name.
DEMO_WORKERS = (
    Person(1001, "Nguyễn Thị Hoa"),
    Person(1002, "Trần Văn Nam"),
    Person(1003, "Lê Minh Anh", "en"),
)
DEMO_OFFICIALS = (
    Person(501, "Phạm Thu Lan"),
    Person(502, "Võ Đức Minh"),
)
DEMO_ORGANIZER = Person(801, "Đặng Quốc Huy")
FIRST_ADDED_WORKER_ID = 2001


@dataclass(frozen=True)
class ZaloPerson:
    """A worker on Zalo: Zalo user ids are opaque strings."""

    id: str
    name: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}


DEMO_ZALO_WORKERS = (ZaloPerson("6d1f0e4b9a2c7e8f3b5d", "Hoàng Văn Tùng"),)


@dataclass(frozen=True)
class Topic:
    thread_id: int
    name: str
    key: str | None = None  # None: General

    def as_json(self) -> dict[str, Any]:
        return {"thread_id": self.thread_id, "name": self.name, "key": self.key}


def wipe_database(data_dir: Path) -> Path:
    """Remove the sandbox database (and only it) from `data_dir`; returns its path."""
    path = data_dir / DB_NAME
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def load_example(path: Path | None = None) -> dict[str, Any]:
    """config.example.toml as data: its topics and officials' chat id shape the sandbox.

    Looked for in the source tree, then in the current directory.
    """
    candidates = [path] if path else [EXAMPLE_CONFIG, Path.cwd() / EXAMPLE_CONFIG.name]
    for candidate in candidates:
        if candidate.is_file():
            with candidate.open("rb") as handle:
                return tomllib.load(handle)
    raise RuntimeError(f"{candidates[0]} not found: the sandbox takes its topics from it")


def sandbox_config(example: dict[str, Any], *, base_url: str, zalo_base_url: str, storage: Path,
                   thread_ids: dict[str, int], organizer_ids: list[int]) -> Config:
    """The example configuration, whole, pointed at the emulators and the sandbox database.

    Every section of config.example.toml is kept (departments, deadlines, the digest hour,
    holidays, privacy, the knowledge base): the sandbox shows the product as that file sets
    it up. Only what must point elsewhere is replaced.
    """
    data: dict[str, Any] = copy.deepcopy(example)
    data.pop("zalo_oa", None)  # the OA's emulator serves the tests only
    data["telegram"] = {**data.get("telegram", {}), "token": SANDBOX_TOKEN, "base_url": base_url}
    data["zalo"] = {"token": SANDBOX_ZALO_TOKEN, "base_url": zalo_base_url, "mode": "polling"}
    data["officials"] = {**data.get("officials", {}), "admin_user_ids": []}
    data["organizers"] = {**data.get("organizers", {}), "user_ids": organizer_ids}
    data["storage"] = {"path": str(storage)}
    data["topics"] = [{**topic, "thread_id": thread_ids[topic["key"]]} for topic in example["topics"]]
    # env={}: a BOT_TOKEN or ZALO_TOKEN in the environment must never reach an emulator,
    # nor the sandbox reach Telegram or Zalo.
    return parse_config(data, path="<sandbox>", env={})


class World:
    """One sandbox run; `create` builds it, `close` takes it down."""

    def __init__(self, emu: BotApiEmulator, zalo: ZaloEmulator, app: Any, config: Config,
                 topics: list[Topic], workers: list[Person]) -> None:
        self.emu = emu
        self.zalo = zalo
        self.zalo_workers = list(DEMO_ZALO_WORKERS)
        self.app = app
        self.config = config
        self.topics = topics
        self.workers = workers
        self.officials = list(DEMO_OFFICIALS)
        self.organizer = DEMO_ORGANIZER
        self._introduced: set[int | str] = set()

    @property
    def group_id(self) -> int:
        return self.config.officials.chat_id

    @property
    def services(self) -> Services:
        services: Services = self.app.bot_data["services"]
        return services

    @classmethod
    async def create(cls, data_dir: Path, example: dict[str, Any] | None = None,
                     kb_file: Path = SAMPLE_KB) -> World:
        example = load_example() if example is None else example
        emu = BotApiEmulator(token=SANDBOX_TOKEN, bot_username="doithoai_bot")
        zalo = ZaloEmulator(token=SANDBOX_ZALO_TOKEN)
        # Each on its own loopback port: the page's host setting never exposes them.
        await emu.start()
        try:
            await zalo.start()
            for zalo_person in DEMO_ZALO_WORKERS:
                zalo.add_user(zalo_person.id, zalo_person.name)
            for person in (*DEMO_WORKERS, *DEMO_OFFICIALS, DEMO_ORGANIZER):
                emu.add_user(person.id, person.name, language_code=person.language)
            group_id = int(example["officials"]["chat_id"])
            emu.add_group(group_id, GROUP_TITLE, forum=True,
                          members=[p.id for p in DEMO_OFFICIALS])
            topics = [Topic(GENERAL_THREAD, "General")]
            for topic in example["topics"]:
                thread_id = emu.create_forum_topic(group_id, topic["title"])
                topics.append(Topic(thread_id, topic["title"], topic["key"]))
            config = sandbox_config(
                example, base_url=emu.base_url, zalo_base_url=zalo.base_url,
                storage=wipe_database(data_dir),
                thread_ids={t.key: t.thread_id for t in topics if t.key},
                organizer_ids=[DEMO_ORGANIZER.id],
            )
        except BaseException:
            try:
                await zalo.stop()
            finally:
                await emu.stop()
            raise
        world = cls(emu, zalo, build_application(config), config, topics, list(DEMO_WORKERS))
        try:
            await start(world.app, timeout=1)
            await world._load_knowledge_base(kb_file)
        except BaseException:
            await world.close()
            raise
        return world

    async def _load_knowledge_base(self, kb_file: Path) -> None:
        known = {t.key for t in self.config.topics}
        entries = read_csv(kb_file)
        kept = [e for e in entries if e.topic in known]
        if len(kept) < len(entries):
            log.warning("sandbox: %d sample answers skipped (topic not in config.example.toml)",
                        len(entries) - len(kept))
        await self.services.knowledge.publish(kept)

    async def introduce(self, user_id: int | str) -> None:
        """A demo worker's first message: they answered the privacy notice (yes) earlier.

        Their row is written only now, when they first write to the bot, as it would be
        for a real person: someone who never pressed Start is unknown to the bot, so an
        announcement neither counts them nor fails on them. A worker added from the page
        is not introduced: they see the notice, as a real newcomer would.
        """
        if user_id in self._introduced:
            return
        storage = self.services.storage
        telegram = next((p for p in DEMO_WORKERS if p.id == user_id), None)
        zalo = next((p for p in DEMO_ZALO_WORKERS if p.id == user_id), None)
        if telegram is not None:
            user = await storage.upsert_user("telegram", str(telegram.id), str(telegram.id),
                                             telegram.name, telegram.language)
            await storage.set_consent(user.id, True, telegram.name)
        elif zalo is not None:  # a Zalo private chat's id is the user's id
            user = await storage.upsert_user("zalo", zalo.id, zalo.id, zalo.name,
                                             self.config.bot.default_language)
            await storage.set_consent(user.id, True, zalo.name)
        else:
            return
        self._introduced.add(user_id)

    async def close(self) -> None:
        try:
            await stop(self.app)  # the bot's Zalo polling stops with it
        finally:
            try:
                await self.zalo.stop()
            finally:
                await self.emu.stop()

    def person(self, user_id: int) -> Person | None:
        everyone = (*self.workers, *self.officials, self.organizer)
        return next((p for p in everyone if p.id == user_id), None)

    def add_worker(self, name: str, language: str = "vi") -> Person:
        """A new demo worker with an unopened private chat."""
        user_id = max([FIRST_ADDED_WORKER_ID - 1, *(w.id for w in self.workers)]) + 1
        person = Person(user_id, name, language)
        self.emu.add_user(person.id, person.name, language_code=language)
        self.workers.append(person)
        return person

    def zalo_person(self, user_id: str) -> ZaloPerson | None:
        return next((p for p in self.zalo_workers if p.id == user_id), None)

    def shown_chats(self) -> list[int]:
        """The chats the page shows: each worker's, the organizer's, the officials' group."""
        return [*(w.id for w in self.workers), self.organizer.id, self.group_id]
