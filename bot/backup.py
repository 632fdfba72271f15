"""Online backup and restore of the SQLite database.

`backup` uses SQLite's backup API, which copies a consistent snapshot while
the bot keeps writing (WAL mode), then checks the copy's integrity.
`restore` checks a backup, keeps the current database aside, and copies the
backup in; the bot must be stopped while it runs.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path


def _check(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            result = db.execute("PRAGMA integrity_check").fetchone()
            version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise ValueError(f"{path} is not a readable SQLite database ({error})") from None
    if not result or result[0] != "ok":
        raise ValueError(f"{path} failed the integrity check: {result}")
    if version < 1:
        raise ValueError(f"{path} is not a Đối thoại database (no schema version)")


def backup(source: Path, target: Path) -> int:
    """Copy `source` to `target` consistently; returns the number of pages copied."""
    if not source.exists():
        raise ValueError(f"{source} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(partial) as dst:
        src.backup(dst, pages=256, sleep=0.005)
        pages = dst.execute("PRAGMA page_count").fetchone()[0]
    dst.close()
    src.close()
    _check(partial)
    partial.replace(target)
    return int(pages)


def restore(backup_file: Path, database: Path) -> Path | None:
    """Put `backup_file` in place of `database`; returns where the old database was kept."""
    _check(backup_file)
    kept = None
    if database.exists():
        kept = database.with_name(f"{database.name}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
        backup(database, kept)
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup_file, database)
    _check(database)
    return kept
