"""`python -m bot backup` while the bot runs, and `restore`."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

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
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


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
