"""SIGKILL the bot at random moments; nothing with a case number is lost or doubled.

The long run (200 kills) is `bench/chaos.py`; this is the same scenario, short.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chaos import run_chaos  # noqa: E402


@pytest.mark.timeout(300)
async def test_kill_nine_loses_and_doubles_nothing() -> None:
    result = await run_chaos(kills=6, workers=2, seed=7, gap=(1.5, 3.0), settle=40.0, quiet=True)
    print(result)
    assert result["kills"] == 6
    assert result["questions_with_case_number"] >= 3, result  # the scenario really ran
    assert result["answers_sent_by_officials"] >= 2, result
    assert result["questions_lost"] == 0, result
    assert result["questions_duplicated"] == 0, result
    assert result["answers_missing"] == 0, result
    # An answer in flight at the instant of a kill is sent again (Telegram cannot be asked
    # whether it arrived): at most one duplicate per kill, and the benchmark reports the rate.
    assert result["answers_duplicated"] <= result["kills"], result
