"""Online backup and restore of the SQLite database.

`backup` uses SQLite's backup API, which copies a consistent snapshot while
the bot keeps writing (WAL mode), then checks the copy.

`restore` (bot stopped) copies the backup to a temporary file beside the
database and checks that copy, not the file it came from: its schema must be
exactly what the migrations build (a backup carrying an extra trigger, view
or table could copy every new question to someone else), its `user_version`
one the migrations know, `integrity_check` "ok" and no foreign-key violation.
Only then is the current database copied aside and the checked copy renamed
over it, atomically. A refused backup leaves the database as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from pathlib import Path

from bot.storage import MIGRATIONS_DIR

_SIDE_FILES = ("-wal", "-shm", "-journal")


def _uri(path: Path, mode: str) -> str:
    """A SQLite URI for `path`: percent-escaped, so a "#" or "?" in a file name
    is part of the name and not the start of a fragment or of the options."""
    return f"{path.resolve().as_uri()}?mode={mode}"


def _migrations(migrations_dir: Path) -> dict[int, Path]:
    return {int(script.name[:4]): script
            for script in sorted(migrations_dir.glob("[0-9][0-9][0-9][0-9]_*.sql"))}


def expected_schema(version: int, migrations_dir: Path = MIGRATIONS_DIR) -> list[tuple[str, ...]]:
    """`sqlite_master` of a database the migrations bring to `version`, built
    the way `Storage.open` builds it."""
    with contextlib.closing(sqlite3.connect(":memory:", isolation_level=None)) as db:
        db.execute("PRAGMA foreign_keys=ON")
        for number, script in _migrations(migrations_dir).items():
            if number <= version:
                db.executescript("BEGIN;\n" + script.read_text(encoding="utf-8")
                                 + f"\nPRAGMA user_version={number};\nCOMMIT;")
        return _schema(db)


def _schema(db: sqlite3.Connection) -> list[tuple[str, ...]]:
    rows = db.execute("SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master").fetchall()
    return sorted(tuple(row) for row in rows)


def check(path: Path, migrations_dir: Path = MIGRATIONS_DIR) -> int:
    """Raise ValueError unless `path` is a sound Đối thoại database; returns its schema version."""
    known = _migrations(migrations_dir)
    try:
        with contextlib.closing(sqlite3.connect(_uri(path, "ro"), uri=True)) as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            schema = _schema(db)
            integrity = [row[0] for row in db.execute("PRAGMA integrity_check")]
            broken_links = db.execute("PRAGMA foreign_key_check").fetchmany(5)
    except sqlite3.DatabaseError as error:
        raise ValueError(f"{path} is not a readable SQLite database ({error})") from None
    if version not in known:
        raise ValueError(f"{path} is not a Đối thoại database this version knows "
                         f"(schema version {version}, known 1–{max(known, default=0)})")
    if integrity != ["ok"]:
        raise ValueError(f"{path} failed the integrity check: {'; '.join(integrity[:5])}")
    if broken_links:
        raise ValueError(f"{path} has rows pointing at rows that do not exist: {broken_links}")
    expected = expected_schema(version, migrations_dir)
    if schema != expected:
        extra = [f"{kind} {name}" for kind, name, _, _ in sorted(set(schema) - set(expected))]
        missing = [f"{kind} {name}" for kind, name, _, _ in sorted(set(expected) - set(schema))]
        raise ValueError(
            f"{path} does not have the schema of version {version}: "
            f"unexpected or changed {extra or 'nothing'}; missing or changed {missing or 'nothing'}")
    return version


def backup(source: Path, target: Path) -> int:
    """Copy `source` to `target` consistently; returns the number of pages copied."""
    if not source.exists():
        raise ValueError(f"{source} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    _remove(partial)
    pages = _copy_consistently(source, partial)
    try:
        check(partial)
    except ValueError:
        _remove(partial)
        raise
    partial.replace(target)
    return pages


def restore(backup_file: Path, database: Path, migrations_dir: Path = MIGRATIONS_DIR) -> Path | None:
    """Put `backup_file` in place of `database`; returns where the old database was kept."""
    if not backup_file.is_file():
        raise ValueError(f"{backup_file} is not a file")
    database.parent.mkdir(parents=True, exist_ok=True)
    staged = database.with_name(f"{database.name}.restoring")
    _remove(staged)
    try:
        shutil.copyfile(backup_file, staged)
        check(staged, migrations_dir)
        _make_self_contained(staged)
    except BaseException:
        _remove(staged)
        raise
    kept = _keep_aside(database)
    for suffix in _SIDE_FILES:  # the old database's journal must not be replayed into the new one
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.replace(staged, database)
    return kept


def _copy_consistently(source: Path, target: Path) -> int:
    with contextlib.closing(sqlite3.connect(source, timeout=30)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst, pages=256, sleep=0.005)
        return int(dst.execute("PRAGMA page_count").fetchone()[0])


def _make_self_contained(path: Path) -> None:
    """One file, no journal beside it, so that renaming it moves all of it."""
    with contextlib.closing(sqlite3.connect(_uri(path, "rw"), uri=True)) as db:
        db.execute("PRAGMA journal_mode=DELETE")
    for suffix in _SIDE_FILES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _keep_aside(database: Path) -> Path | None:
    """A copy of the current database (consistent when SQLite can read it,
    the raw files when it cannot: a damaged database is a reason to restore)."""
    if not database.exists():
        return None
    kept = database.with_name(f"{database.name}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        _copy_consistently(database, kept)
    except sqlite3.DatabaseError:
        _remove(kept)
        for suffix in ("", "-wal"):
            if Path(f"{database}{suffix}").exists():
                shutil.copy2(f"{database}{suffix}", f"{kept}{suffix}")
    return kept


def _remove(path: Path) -> None:
    for suffix in ("", *_SIDE_FILES):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
