"""The bot as a separate process against the emulated Bot API, for benchmarks that kill it.

`python -m bot run --config FILE`, exactly as in production; only the
config's base_url points at the emulator.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.sandbox.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parent.parent
OFFICIALS = -1001000000001


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
