"""The bot as a separate process against the emulated Bot API, for benchmarks that kill it.

`python -m bot run --config FILE`, exactly as in production; only the
config's base_url points at the emulator.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.sandbox.emulator import BotApiEmulator
from bot.storage import Storage

ROOT = Path(__file__).resolve().parent.parent
OFFICIALS = -1001000000001


async def add_known_users(path: Path, user_ids: Iterable[int], *, consent: bool = False) -> None:
    """People who have used the bot before, written in bulk into a new database at `path`
    (with `consent`, they also agreed to the privacy notice)."""
    storage = await Storage.open(path)
    await storage.close()
    now = time.time()
    with sqlite3.connect(path) as db:
        db.executemany(
            """INSERT INTO users (channel, external_id, chat_id, display_name, language, created_at,
                                  consent, consent_at)
               VALUES ('telegram', ?, ?, ?, 'vi', ?, ?, ?)""",
            [(str(uid), str(uid), f"Công nhân {uid}", now, "granted" if consent else None,
              now if consent else None) for uid in user_ids])


def write_config(folder: Path, emu: BotApiEmulator, database: str,
                 organizers: Sequence[int] = ()) -> Path:
    """A config for the bot against `emu`: one topic, the officials' group, no daily digest."""
    path = folder / "config.toml"
    organizer_table = f"[organizers]\nuser_ids = {list(organizers)}\n" if organizers else ""
    path.write_text(f"""
[telegram]
token = "{emu.token}"
base_url = "{emu.base_url}"
[officials]
chat_id = {OFFICIALS}
digest_hour = -1
{organizer_table}[storage]
path = "{folder / database}"
[[topics]]
key = "jobs"
title = "Việc làm"
""", encoding="utf-8")
    return path


class BotProcess:
    """The bot process, started, killed and stopped at will; its output goes to `log`."""

    def __init__(self, config: Path, log: Path) -> None:
        self._config = config
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as handle:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(self._config)],
                cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; SIGKILL if it does not stop in 20 s."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
