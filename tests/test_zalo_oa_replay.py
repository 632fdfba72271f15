"""Zalo OA replays: a signed event is acted on once, for as long as it could be accepted.

A repeat is recognised by its key in `zalo_journal`, so an event may be accepted only while
the journal still holds it: `webhook_max_age_seconds` must stay below [privacy]
journal_days, and a person's forgetting empties their journal rows without removing them.
(Zalo signs every webhook with X-ZEvent-Signature over app id, body, timestamp and the OA
secret key, as in Chatwoot's app/services/zalo code; anyone who once saw a request can
send it again, signature included.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, ConfigError, parse_config
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.zalo_oa_emulator import ZaloOAEmulator
from tests.conftest import config_data
from tests.test_zalo_oa import HUNG, OABot, forged, oa, oa_section, oabot, start_bot  # noqa: F401


def test_an_event_age_beyond_the_journal_retention_is_refused(emu: BotApiEmulator, oa: ZaloOAEmulator,  # noqa: F811
                                                             tmp_path: Path) -> None:
    def config(**sections: Any) -> Config:
        return parse_config(config_data(emu, tmp_path / "bot.sqlite3", **sections), env={})

    # Two days of age with a journal that forgets after one: a replay on the second day
    # would find no trace of the first delivery and be acted on again.
    with pytest.raises(ConfigError) as refused:
        config(zalo_oa=oa_section(oa, 8089, webhook_max_age_seconds=2 * 86400))
    assert refused.value.key == "zalo_oa.webhook_max_age_seconds"
    assert "journal_days" in refused.value.problem
    with pytest.raises(ConfigError):
        config(zalo_oa=oa_section(oa, 8089, webhook_max_age_seconds=86400))  # equal: not below
    accepted = config(zalo_oa=oa_section(oa, 8089, webhook_max_age_seconds=2 * 86400),
                      privacy={"journal_days": 3})
    assert accepted.zalo_oa is not None and accepted.zalo_oa.webhook_max_age == 2 * 86400
    assert config(zalo_oa=oa_section(oa, 8089)).privacy.journal_days == 1  # 3 h default fits


def test_journal_and_outbox_days_are_checked(make_config: Callable[..., Config]) -> None:
    for key, bad in (("journal_days", 0), ("journal_days", "2"), ("outbox_days", -1)):
        with pytest.raises(ConfigError) as refused:
            make_config(privacy={key: bad})
        assert refused.value.key == f"privacy.{key}"
    privacy = make_config(privacy={"journal_days": 2, "outbox_days": 0}).privacy
    assert (privacy.journal_days, privacy.outbox_days) == (2, 0)


async def test_a_replayed_event_after_forgetting_is_not_acted_on(oabot: OABot) -> None:  # noqa: F811
    """Someone who saw HUNG's signed "hỏi" sends it again after HUNG asked to be forgotten
    (well within webhook_max_age_seconds): it must not bring HUNG back."""
    await oabot.consent(HUNG)
    captured = forged(oabot.oa, HUNG, msg_id="hung-hoi-1")
    after = oabot.oa.last_bot_seq(HUNG)
    assert await oabot.oa.post_webhook(captured) == 200
    await oabot.oa.wait_for_bot_message(HUNG, after=after)
    prompt = await oabot.say(HUNG, "xóa dữ liệu")
    assert "Đã xóa dữ liệu cá nhân" in (await oabot.tap(HUNG, prompt, "Xóa dữ liệu của tôi"))["text"]
    await _idle(oabot)

    seen = oabot.oa.last_bot_seq(HUNG)
    assert await oabot.oa.post_webhook(captured) == 200  # Zalo is told fine: no retries
    await _idle(oabot)
    assert oabot.count(f"SELECT COUNT(*) FROM users WHERE channel = 'zalo_oa' AND external_id = '{HUNG}'") == 0
    assert oabot.oa.last_bot_seq(HUNG) == seen  # and nothing was said to them
    # A new message of theirs is served as a newcomer's.
    assert "Đồng ý" in (await oabot.say(HUNG, "xin chào"))["buttons"][0]["title"]


async def _idle(bot: OABot) -> None:
    storage = bot.services.storage
    for _ in range(500):
        if not await storage.pending_zalo_updates(channel="zalo_oa"):
            async with storage._lock:  # the last transaction committed
                pass
            return
        await asyncio.sleep(0.02)
    raise AssertionError("OA events still waiting")
