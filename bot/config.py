"""Typed configuration read from TOML.

Every section becomes a frozen dataclass. Validation happens once, at start,
and every error names the key and the file, so a typo never turns into a
half-working bot. The token is never part of an error message or a repr.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
TOKEN_ENV = "BOT_TOKEN"
LANGUAGES = ("vi", "en")


class ConfigError(ValueError):
    """A configuration problem, phrased for the person who edits the file."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path = str(path)
        self.key = key
        self.problem = problem
        super().__init__(f"{self.path}: [{key}] {problem}")


@dataclass(frozen=True)
class TelegramConfig:
    token: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    # The outbox's steady pace; Telegram allows about 30 messages/s in all.
    rate_per_second: float = 28.0


ZALO_DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
ZALO_TOKEN_ENV = "ZALO_TOKEN"
ZALO_MODES = ("polling", "webhook")


@dataclass(frozen=True)
class ZaloConfig:
    """The optional Zalo Bot Platform channel (see bot/channels/zalo.py)."""

    token: str = field(repr=False)
    base_url: str = ZALO_DEFAULT_BASE_URL
    mode: str = "polling"                       # "polling" (no public URL needed) or "webhook"
    webhook_secret: str = field(default="", repr=False)
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8088
    webhook_url: str = ""                       # set: registered with setWebhook at start
    rate_per_second: float = 5.0
    # Told to people whose messages Zalo withholds (message.unsupported.received).
    hotline: str = ""


ZALO_OA_API_URL = "https://openapi.zalo.me"
ZALO_OA_OAUTH_URL = "https://oauth.zaloapp.com"
# Secrets may come from the environment instead of the file.
ZALO_OA_ENV = {"app_secret": "ZALO_OA_APP_SECRET", "oa_secret_key": "ZALO_OA_SECRET_KEY",
               "access_token": "ZALO_OA_ACCESS_TOKEN", "refresh_token": "ZALO_OA_REFRESH_TOKEN"}
ZALO_OA_MAX_WINDOW_HOURS = 168   # Zalo's own limit: 7 days after the person's last message
ZALO_HOTLINE_MAX = 200
ZALO_SITE_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class ZaloOAConfig:
    """The optional Zalo Official Account channel (see bot/channels/zalo_oa.py)."""

    app_id: str
    app_secret: str = field(repr=False)
    oa_secret_key: str = field(repr=False)
    # The first tokens, from the OAuth grant; once the database holds tokens, those win.
    access_token: str = field(default="", repr=False)
    refresh_token: str = field(default="", repr=False)
    api_url: str = ZALO_OA_API_URL
    oauth_url: str = ZALO_OA_OAUTH_URL
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8089
    webhook_path: str = "/zalo-oa/webhook"
    # Events older than this are refused (Zalo retries a failed delivery for about two hours).
    webhook_max_age: int = 3 * 3600
    reply_window_hours: float = ZALO_OA_MAX_WINDOW_HOURS
    # Messages sent per message from the person; 0: no limit of our own (Zalo's quota applies).
    replies_per_interaction: int = 0
    buttons: bool = True                        # choices as OA buttons where they fit
    rate_per_second: float = 10.0
    oa_id: str = ""                             # if set, events for another OA of the app are ignored
    # The code from Zalo's domain verification: served as zalo_verifier{code}.html and in "/".
    site_verification: str = ""


@dataclass(frozen=True)
class OfficialsConfig:
    chat_id: int
    admin_user_ids: frozenset[int] = frozenset()
    deadline_days: int = 3            # working days (Mon–Fri) to answer, unless a topic says otherwise
    digest_hour: int = 8              # local hour of the daily digest; -1 turns it off
    holidays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class OrganizersConfig:
    user_ids: frozenset[int] = frozenset()
    # Seconds before a conference at which subscribers are reminded.
    reminders: tuple[int, ...] = (7 * 86400, 86400, 2 * 3600)
    # A reminder missed while the bot was down is still sent this late, not later.
    reminder_grace: int = 3600


@dataclass(frozen=True)
class StorageConfig:
    path: Path


@dataclass(frozen=True)
class BotConfig:
    timezone: str = "Asia/Ho_Chi_Minh"
    default_language: str = "vi"
    flood_limit_per_minute: int = 20   # a worker's messages and taps; 0 turns the limit off
    max_open_questions: int = 5        # a person's questions waiting for an answer; 0: no cap


@dataclass(frozen=True)
class PrivacyConfig:
    # Personal data of people not seen for this many days is deleted; 0: never.
    retention_days: int = 365
    # Processed updates (Telegram's and both Zalo journals) are deleted after this many days.
    journal_days: int = 1
    # Sent and failed outbox rows lose their text and the person's chat id after this many days.
    outbox_days: int = 7


@dataclass(frozen=True)
class KnowledgeBaseConfig:
    # None keeps the matcher's own calibrated default.
    suggest_threshold: float | None = None


@dataclass(frozen=True)
class Department:
    key: str
    name: str


@dataclass(frozen=True)
class Topic:
    key: str
    title: str
    title_en: str
    thread_id: int | None = None
    chat_id: int | None = None        # a different officials' group for this topic
    deadline_days: int | None = None

    def title_for(self, language: str) -> str:
        return self.title_en if language == "en" else self.title


@dataclass(frozen=True)
class Config:
    telegram: TelegramConfig
    officials: OfficialsConfig
    organizers: OrganizersConfig
    storage: StorageConfig
    bot: BotConfig
    knowledge_base: KnowledgeBaseConfig
    topics: tuple[Topic, ...]
    privacy: PrivacyConfig = PrivacyConfig()
    departments: tuple[Department, ...] = ()
    source: str = "<memory>"
    zalo: ZaloConfig | None = None    # no [zalo] section: no Zalo channel
    zalo_oa: ZaloOAConfig | None = None   # no [zalo_oa] section: no Official Account channel

    def topic(self, key: str) -> Topic | None:
        return next((t for t in self.topics if t.key == key), None)

    @property
    def officials_chats(self) -> frozenset[int]:
        """Every group where cards go: the main one and any per-topic ones."""
        return frozenset({self.officials.chat_id} | {t.chat_id for t in self.topics if t.chat_id})


class _Reader:
    """Reads one table, remembering its name so errors can point at it."""

    def __init__(self, path: Path | str, section: str, table: Mapping[str, Any]) -> None:
        self.path = path
        self.section = section
        self.table = table

    def error(self, key: str, problem: str) -> ConfigError:
        name = f"{self.section}.{key}" if key else self.section
        return ConfigError(self.path, name, problem)

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.table) - allowed)
        if unknown:
            raise self.error(unknown[0], f"unknown key; expected one of: {', '.join(sorted(allowed))}")

    def string(self, key: str, default: str | None = None, *, required: bool = False) -> str:
        value = self.table.get(key, default)
        if value is None or (required and value == ""):
            raise self.error(key, "is missing")
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, got {type(value).__name__}")
        return value

    def integer(self, key: str, default: int | None = None, *, required: bool = False) -> int | None:
        value = self.table.get(key, default)
        if value is None:
            if required:
                raise self.error(key, "is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be an integer, got {value!r}")
        return value

    def id_list(self, key: str) -> frozenset[int]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or any(
            isinstance(v, bool) or not isinstance(v, int) for v in value
        ):
            raise self.error(key, "must be a list of integer Telegram user ids, e.g. [12345, 67890]")
        return frozenset(value)


def _section(path: Path | str, data: Mapping[str, Any], name: str) -> _Reader:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(path, name, "must be a table, e.g. [" + name + "]")
    return _Reader(path, name, table)


def _read_telegram(path: Path | str, data: Mapping[str, Any], env: Mapping[str, str]) -> TelegramConfig:
    reader = _section(path, data, "telegram")
    reader.check_keys({"token", "base_url", "rate_per_second"})
    token = env.get(TOKEN_ENV) or reader.string("token", "")
    if not token.strip():
        raise reader.error("token", f"is missing (set it in the file or in the {TOKEN_ENV} environment variable)")
    if any(c.isspace() for c in token) or ":" not in token:
        # Never echo the value: it is a secret even when malformed.
        raise reader.error("token", "does not look like a bot token from @BotFather (digits:letters)")
    base_url = reader.string("base_url", DEFAULT_BASE_URL)
    if not base_url.startswith(("http://", "https://")):
        raise reader.error("base_url", "must start with http:// or https://")
    rate = reader.table.get("rate_per_second", 28.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1000:
        raise reader.error("rate_per_second", "must be a number of messages per second, e.g. 28")
    return TelegramConfig(token=token.strip(), base_url=base_url, rate_per_second=float(rate))


def _read_topics(path: Path | str, data: Mapping[str, Any]) -> tuple[Topic, ...]:
    raw = data.get("topics")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(path, "topics", "is missing: add at least one [[topics]] table with key and title")
    topics: list[Topic] = []
    for index, table in enumerate(raw, start=1):
        if not isinstance(table, dict):
            raise ConfigError(path, f"topics #{index}", "must be a [[topics]] table")
        reader = _Reader(path, f"topics #{index}", table)
        reader.check_keys({"key", "title", "title_en", "thread_id", "chat_id", "deadline_days"})
        key = _key(reader, [t.key for t in topics])
        title = reader.string("title", required=True)
        topics.append(Topic(
            key=key, title=title, title_en=reader.string("title_en", title),
            thread_id=reader.integer("thread_id"), chat_id=reader.integer("chat_id"),
            deadline_days=_days(reader, "deadline_days", None),
        ))
    return tuple(topics)


def _key(reader: _Reader, taken: list[str]) -> str:
    key = reader.string("key", required=True)
    if not key.replace("_", "").replace("-", "").isalnum() or not key.isascii() or len(key) > 24:
        raise reader.error("key", "must be at most 24 ASCII letters, digits, '_' or '-' (it goes into button data)")
    if key in taken:
        raise reader.error("key", f"duplicate key {key!r}")
    return key


def _days(reader: _Reader, name: str, default: int | None) -> int | None:
    value = reader.integer(name, default)
    if value is not None and not 0 <= value <= 60:
        raise reader.error(name, "must be a number of working days between 0 and 60")
    return value


def _read_privacy(path: Path | str, data: Mapping[str, Any]) -> PrivacyConfig:
    reader = _section(path, data, "privacy")
    reader.check_keys({"retention_days", "journal_days", "outbox_days"})
    days = reader.integer("retention_days", 365)
    assert days is not None
    if days < 0:
        raise reader.error("retention_days", "must be 0 (keep) or a number of days")
    # At least a day: a journal row is also what recognises an update delivered again.
    journal = reader.integer("journal_days", 1)
    assert journal is not None
    if not 1 <= journal <= 365:
        raise reader.error("journal_days", "must be a number of days between 1 and 365")
    outbox = reader.integer("outbox_days", 7)
    assert outbox is not None
    if not 0 <= outbox <= 365:
        raise reader.error("outbox_days", "must be 0 (at the next prune) or a number of days up to 365")
    return PrivacyConfig(retention_days=days, journal_days=journal, outbox_days=outbox)


def _check_replay_window(path: Path | str, privacy: PrivacyConfig, zalo_oa: ZaloOAConfig | None) -> None:
    """An OA event is recognised as a repeat only while the journal keeps it: a signed event
    may be accepted only while it is younger than that, or a replay would be acted on again."""
    if zalo_oa is None:
        return
    keep = privacy.journal_days * 86400
    if zalo_oa.webhook_max_age >= keep:
        raise ConfigError(path, "zalo_oa.webhook_max_age_seconds",
                          f"must be less than the journal's retention ([privacy] journal_days = "
                          f"{privacy.journal_days}, {keep} seconds): an event older than what the journal "
                          "remembers could be replayed")


def _flood_limit(reader: _Reader) -> int:
    value = reader.integer("flood_limit_per_minute", 20)
    assert value is not None
    if value < 0:
        raise reader.error("flood_limit_per_minute", "must be 0 (no limit) or more")
    return value


def _max_open_questions(reader: _Reader) -> int:
    value = reader.integer("max_open_questions", 5)
    assert value is not None
    if value < 0:
        raise reader.error("max_open_questions", "must be 0 (no cap) or more")
    return value


def _read_departments(path: Path | str, data: Mapping[str, Any]) -> tuple[Department, ...]:
    raw = data.get("departments", [])
    if not isinstance(raw, list):
        raise ConfigError(path, "departments", "must be [[departments]] tables with key and name")
    departments: list[Department] = []
    for index, table in enumerate(raw, start=1):
        if not isinstance(table, dict):
            raise ConfigError(path, f"departments #{index}", "must be a [[departments]] table")
        reader = _Reader(path, f"departments #{index}", table)
        reader.check_keys({"key", "name"})
        key = _key(reader, [d.key for d in departments])
        departments.append(Department(key=key, name=reader.string("name", required=True)))
    return tuple(departments)


_UNITS = {"d": 86400, "h": 3600, "m": 60}


def _read_organizers(path: Path | str, data: Mapping[str, Any]) -> OrganizersConfig:
    reader = _section(path, data, "organizers")
    reader.check_keys({"user_ids", "reminders", "reminder_grace_minutes"})
    raw = reader.table.get("reminders", ["7d", "1d", "2h"])
    offsets: list[int] = []
    if not isinstance(raw, list):
        raise reader.error("reminders", 'must be a list like ["7d", "1d", "2h"]')
    for item in raw:
        text = str(item).strip().lower()
        if not (isinstance(item, str) and text[:-1].isdigit() and text[-1:] in _UNITS):
            raise reader.error("reminders", f'{item!r} is not like "7d", "1d", "2h" or "30m"')
        offsets.append(int(text[:-1]) * _UNITS[text[-1]])
    grace = reader.integer("reminder_grace_minutes", 60)
    assert grace is not None
    if grace < 0:
        raise reader.error("reminder_grace_minutes", "must be 0 or more")
    return OrganizersConfig(user_ids=reader.id_list("user_ids"),
                            reminders=tuple(sorted(set(offsets), reverse=True)), reminder_grace=grace * 60)


def _read_officials(path: Path | str, data: Mapping[str, Any]) -> OfficialsConfig:
    reader = _section(path, data, "officials")
    reader.check_keys({"chat_id", "admin_user_ids", "deadline_days", "digest_hour", "holidays"})
    chat_id = reader.integer("chat_id", required=True)
    assert chat_id is not None
    digest_hour = reader.integer("digest_hour", 8)
    assert digest_hour is not None
    if not -1 <= digest_hour <= 23:
        raise reader.error("digest_hour", "must be an hour 0–23 (or -1 for no digest)")
    holidays = reader.table.get("holidays", [])
    if not isinstance(holidays, list) or not all(
        isinstance(d, date) and not isinstance(d, datetime) for d in holidays
    ):
        raise reader.error("holidays", "must be a list of dates, e.g. [2026-01-01, 2026-04-30]")
    deadline = _days(reader, "deadline_days", 3)
    assert deadline is not None
    return OfficialsConfig(chat_id=chat_id, admin_user_ids=reader.id_list("admin_user_ids"),
                           deadline_days=deadline, digest_hour=digest_hour,
                           holidays=frozenset(holidays))


def parse_config(data: Mapping[str, Any], *, path: Path | str = "<memory>",
                 env: Mapping[str, str] | None = None) -> Config:
    """Build a validated Config from already-parsed TOML data."""
    env = os.environ if env is None else env
    known = {"telegram", "officials", "organizers", "storage", "bot", "knowledge_base", "topics",
             "departments", "privacy"}
    known |= {"zalo", "zalo_oa"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(path, unknown[0], f"unknown section; expected one of: {', '.join(sorted(known))}")

    telegram = _read_telegram(path, data, env)

    officials_config = _read_officials(path, data)

    organizers_config = _read_organizers(path, data)

    storage = _section(path, data, "storage")
    storage.check_keys({"path"})
    storage_path = Path(storage.string("path", "data/doithoai.sqlite3", required=True))
    if not storage_path.is_absolute() and path != "<memory>":
        storage_path = Path(path).resolve().parent / storage_path

    bot = _section(path, data, "bot")
    bot.check_keys({"timezone", "default_language", "flood_limit_per_minute", "max_open_questions"})
    timezone = bot.string("timezone", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise bot.error("timezone", f"unknown time zone {timezone!r}; e.g. Asia/Ho_Chi_Minh") from None
    language = bot.string("default_language", "vi")
    if language not in LANGUAGES:
        raise bot.error("default_language", f"must be one of {', '.join(LANGUAGES)}")

    kb = _section(path, data, "knowledge_base")
    kb.check_keys({"suggest_threshold"})
    threshold = kb.table.get("suggest_threshold")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 < threshold <= 1
    ):
        raise kb.error("suggest_threshold", "must be a number between 0 and 1")

    privacy = _read_privacy(path, data)
    zalo_oa = _read_zalo_oa(path, data, env)
    _check_replay_window(path, privacy, zalo_oa)
    return Config(
        telegram=telegram,
        officials=officials_config,
        organizers=organizers_config,
        storage=StorageConfig(path=storage_path),
        bot=BotConfig(timezone=timezone, default_language=language,
                      flood_limit_per_minute=_flood_limit(bot),
                      max_open_questions=_max_open_questions(bot)),
        knowledge_base=KnowledgeBaseConfig(
            suggest_threshold=None if threshold is None else float(threshold)
        ),
        topics=_read_topics(path, data),
        departments=_read_departments(path, data),
        privacy=privacy,
        source=str(path),
        zalo=_read_zalo(path, data, env),
        zalo_oa=zalo_oa,
    )


def _read_zalo(path: Path | str, data: Mapping[str, Any], env: Mapping[str, str]) -> ZaloConfig | None:
    if "zalo" not in data:
        return None
    reader = _section(path, data, "zalo")
    reader.check_keys({"token", "base_url", "mode", "webhook_secret", "webhook_host", "webhook_port",
                       "webhook_url", "rate_per_second", "hotline"})
    token = (env.get(ZALO_TOKEN_ENV) or reader.string("token", "")).strip()
    if not token:
        raise reader.error("token", f"is missing (set it in the file or in the {ZALO_TOKEN_ENV} "
                                    "environment variable)")
    if any(c.isspace() for c in token) or ":" not in token:
        raise reader.error("token", "does not look like a Zalo Bot token (digits:letters)")
    base_url = reader.string("base_url", ZALO_DEFAULT_BASE_URL).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise reader.error("base_url", "must start with http:// or https://")
    mode = reader.string("mode", "polling")
    if mode not in ZALO_MODES:
        raise reader.error("mode", f"must be one of {', '.join(ZALO_MODES)}")
    secret = reader.string("webhook_secret", "")
    if mode == "webhook" and not 8 <= len(secret) <= 256:
        raise reader.error("webhook_secret", "must be 8 to 256 characters in webhook mode")
    if any(c.isspace() for c in secret):
        raise reader.error("webhook_secret", "must not contain spaces")
    port = reader.integer("webhook_port", 8088)
    assert port is not None
    if not 0 <= port <= 65535:
        raise reader.error("webhook_port", "must be a TCP port 0–65535")
    url = reader.string("webhook_url", "")
    if url and not url.startswith("https://") and not url.startswith("http://"):
        raise reader.error("webhook_url", "must be the public https:// address Zalo posts to")
    rate = reader.table.get("rate_per_second", 5.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1000:
        raise reader.error("rate_per_second", "must be a number of messages per second, e.g. 5")
    hotline = " ".join(reader.string("hotline", "").split())
    if len(hotline) > ZALO_HOTLINE_MAX:
        raise reader.error("hotline", f"must be at most {ZALO_HOTLINE_MAX} characters, e.g. "
                                      "\"1900 1234 (Công đoàn KCN, giờ hành chính)\"")
    return ZaloConfig(token=token, base_url=base_url, mode=mode, webhook_secret=secret,
                      webhook_host=reader.string("webhook_host", "127.0.0.1"), webhook_port=port,
                      webhook_url=url, rate_per_second=float(rate), hotline=hotline)


def _read_zalo_oa(path: Path | str, data: Mapping[str, Any], env: Mapping[str, str]) -> ZaloOAConfig | None:
    if "zalo_oa" not in data:
        return None
    reader = _section(path, data, "zalo_oa")
    reader.check_keys({"app_id", "app_secret", "oa_secret_key", "access_token", "refresh_token", "api_url",
                       "oauth_url", "webhook_host", "webhook_port", "webhook_path", "webhook_max_age_seconds",
                       "reply_window_hours", "replies_per_interaction", "buttons", "rate_per_second",
                       "oa_id", "site_verification"})
    app_id = reader.string("app_id", "").strip()
    if not app_id.isdigit():
        raise reader.error("app_id", "must be the app's numeric ID from Zalo for Developers")
    secrets: dict[str, str] = {}
    for key, variable in ZALO_OA_ENV.items():
        value = (env.get(variable) or reader.string(key, "")).strip()
        if any(c.isspace() for c in value):
            raise reader.error(key, "must not contain spaces")  # never echo a secret
        secrets[key] = value
    for key in ("app_secret", "oa_secret_key"):
        if not secrets[key]:
            raise reader.error(key, f"is missing (set it in the file or in the {ZALO_OA_ENV[key]} "
                                    "environment variable)")
    if not (secrets["access_token"] or secrets["refresh_token"]):
        raise reader.error("refresh_token", "is missing: give the first access_token and refresh_token from the "
                                            "OAuth grant (see README, Zalo Official Account)")
    urls = {}
    for key, default in (("api_url", ZALO_OA_API_URL), ("oauth_url", ZALO_OA_OAUTH_URL)):
        urls[key] = reader.string(key, default).rstrip("/")
        if not urls[key].startswith(("http://", "https://")):
            raise reader.error(key, "must start with http:// or https://")
    port = reader.integer("webhook_port", 8089)
    assert port is not None
    if not 0 <= port <= 65535:
        raise reader.error("webhook_port", "must be a TCP port 0–65535")
    webhook_path = reader.string("webhook_path", "/zalo-oa/webhook")
    if not webhook_path.startswith("/"):
        raise reader.error("webhook_path", "must start with /, e.g. /zalo-oa/webhook")
    max_age = reader.integer("webhook_max_age_seconds", 3 * 3600)
    assert max_age is not None
    if max_age < 60:
        raise reader.error("webhook_max_age_seconds", "must be at least 60 seconds")
    window = reader.table.get("reply_window_hours", ZALO_OA_MAX_WINDOW_HOURS)
    if isinstance(window, bool) or not isinstance(window, int | float) or not 0 < window <= ZALO_OA_MAX_WINDOW_HOURS:
        raise reader.error("reply_window_hours", f"must be a number of hours, at most {ZALO_OA_MAX_WINDOW_HOURS} "
                                                 "(Zalo allows replies for 7 days)")
    replies = reader.integer("replies_per_interaction", 0)
    assert replies is not None
    if replies < 0:
        raise reader.error("replies_per_interaction", "must be 0 (no limit of our own) or more")
    buttons = reader.table.get("buttons", True)
    if not isinstance(buttons, bool):
        raise reader.error("buttons", "must be true or false")
    rate = reader.table.get("rate_per_second", 10.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1000:
        raise reader.error("rate_per_second", "must be a number of messages per second, e.g. 10")
    oa_id = reader.string("oa_id", "").strip()
    if oa_id and not oa_id.isdigit():
        raise reader.error("oa_id", "must be the OA's numeric ID (or left out)")
    site_verification = reader.string("site_verification", "").strip()
    if site_verification and not (8 <= len(site_verification) <= 128
                                  and set(site_verification) <= ZALO_SITE_CODE_CHARS):
        raise reader.error("site_verification", "must be the code Zalo shows for domain verification "
                                                "(letters, digits, - and _), or left out")
    return ZaloOAConfig(
        app_id=app_id, app_secret=secrets["app_secret"], oa_secret_key=secrets["oa_secret_key"],
        access_token=secrets["access_token"], refresh_token=secrets["refresh_token"],
        api_url=urls["api_url"], oauth_url=urls["oauth_url"],
        webhook_host=reader.string("webhook_host", "127.0.0.1"), webhook_port=port, webhook_path=webhook_path,
        webhook_max_age=max_age, reply_window_hours=float(window), replies_per_interaction=replies,
        buttons=buttons, rate_per_second=float(rate), oa_id=oa_id, site_verification=site_verification)


def load_config(path: Path | str, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a TOML config file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(path, "file", "not found; copy config.example.toml to it and edit") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "file", f"is not valid TOML: {exc}") from None
    return parse_config(data, path=path, env=env)
