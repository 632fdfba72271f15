"""The browser sandbox in headless Chromium: a worker asks, an official answers by reply.

Runs Debian's Chromium (/usr/bin/chromium) through Playwright's Python package;
Playwright's own browser download is never used. Without either it is skipped,
and `make test` (pytest -rs) prints why.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser test skipped: Chromium is not installed at /usr/bin/chromium "
                "(apt-get install chromium; .ci/run does it)", allow_module_level=True)
try:
    from playwright.async_api import Locator, Page, async_playwright, expect
except ImportError:
    pytest.skip("browser test skipped: Playwright's Python package is not installed "
                "(pip install -e '.[dev]')", allow_module_level=True)

from bot.sandbox.server import Sandbox

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = Path(__file__).resolve().parents[1] / "test-output" / "sandbox.png"
QUESTION = "Ký túc xá công ty có cho công nhân ở cùng vợ và con nhỏ không ạ?"
ANSWER = "Có. Bạn đăng ký phòng gia đình với ban quản lý ký túc xá; Công đoàn cơ sở sẽ hỗ trợ."
HOUSING_TOPIC = "Nhà ở công nhân"

expect.set_options(timeout=5_000)


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    box = Sandbox(tmp_path / "sandbox")
    await box.start("127.0.0.1", 0)
    yield box
    await box.stop()


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh user-data-dir
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1680, "height": 1000}, locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
        )
        context.set_default_timeout(10_000)
        try:
            yield context.pages[0] if context.pages else await context.new_page()
        finally:
            await context.close()


async def wait_for_card_link(sandbox: Sandbox, case: int) -> None:
    """The bot links a card to its question once Telegram confirms the send; a person
    cannot reply faster than that, a test can."""
    assert sandbox.world is not None
    storage, group = sandbox.world.services.storage, str(sandbox.world.group_id)
    card = next(m for m in sandbox.world.emu.bot_messages(sandbox.world.group_id)
                if f"#{case}" in m.get("text", ""))
    for _ in range(200):
        if await storage.question_for_card(group, card["message_id"]):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the card of #{case} was never linked to its question")


async def ask_through_the_buttons(worker: Locator, question: str) -> int:
    """As a worker: start the bot, pick the menu and the topic, type, choose, confirm."""
    await worker.get_by_role("button", name="BẮT ĐẦU").click()
    await worker.get_by_role("button", name="Đặt câu hỏi").click()
    await worker.get_by_role("button", name=HOUSING_TOPIC).click()
    await expect(worker.locator(".msg", has_text="gõ câu hỏi").last).to_be_visible()

    composer = worker.get_by_role("textbox", name="Tin nhắn của người lao động")
    await composer.fill(question)
    await composer.press("Enter")
    await expect(worker.locator(".msg.out", has_text=question)).to_be_visible()

    named = worker.get_by_role("button", name="Gửi kèm tên")
    # The bot may first suggest an answer from the knowledge base, or a similar open question.
    send_anyway = worker.get_by_role("button", name=re.compile("Vẫn gửi|Gửi câu hỏi riêng"))
    await expect(named.or_(send_anyway.last)).to_be_visible()
    if not await named.is_visible():
        await send_anyway.last.click()
    await named.click()
    await worker.get_by_role("button", name="Gửi câu hỏi").click()
    sent = worker.locator(".msg", has_text="Đã gửi câu hỏi")
    await expect(sent).to_be_visible()
    match = re.search(r"#(\d+)", await sent.inner_text())
    assert match, await sent.inner_text()
    return int(match.group(1))


async def test_worker_asks_and_official_answers_in_the_browser(sandbox: Sandbox, page: Page) -> None:
    messages: list[Any] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    await page.goto(sandbox.url)
    await expect(page.locator("#live")).to_have_text("● Trực tiếp")
    worker = page.locator("#worker-pane")
    officials = page.locator("#officials-pane")
    await expect(worker.locator(".person.active")).to_contain_text("Nguyễn Thị Hoa")

    case = await ask_through_the_buttons(worker, QUESTION)

    # The card lands in the housing topic, which is not open: a badge says so.
    housing = officials.locator(".topic", has_text=HOUSING_TOPIC)
    await expect(housing.locator(".badge")).to_have_text("1")
    await expect(officials.locator(".msg", has_text=f"#{case}")).to_have_count(0)  # General is open
    await housing.click()
    card = officials.locator(".msg", has_text=f"#{case}")
    await expect(card).to_contain_text(QUESTION)
    card = officials.locator(f'.msg[data-mid="{await card.get_attribute("data-mid")}"]')
    await expect(card).to_contain_text("Nguyễn Thị Hoa")
    await expect(card.locator(".text b").first).to_have_text(f"#{case}")  # the bot's HTML, rendered

    await wait_for_card_link(sandbox, case)
    await card.get_by_role("button", name="Trả lời").click()
    await expect(officials.locator("#reply-bar")).to_contain_text(f"#{case}")
    composer = officials.get_by_role("textbox", name="Tin nhắn của cán bộ")
    await composer.fill(ANSWER)
    await composer.press("Enter")
    reply = officials.locator(".msg.out", has_text=ANSWER)
    await expect(reply.locator(".quote")).to_contain_text(f"#{case}")

    answered = worker.locator(".msg", has_text=ANSWER)
    await expect(answered).to_contain_text(QUESTION)
    await expect(answered.get_by_role("button", name=re.compile("👍"))).to_be_visible()
    await expect(answered.get_by_role("button", name=re.compile("👎"))).to_be_visible()
    await expect(card).to_contain_text(ANSWER)  # the card was edited in place
    await expect(card.locator(".meta")).to_contain_text("đã sửa")

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT))
    assert not messages, f"the page logged errors: {messages}"
