"""The browser sandbox in headless Chromium: workers ask, an official answers by reply.

On Telegram the worker presses the bot's buttons; on the Zalo phone, which has
none, the worker types ("hỏi", "nha o", "1"). Both questions reach the same
officials' forum and each answer comes back to the phone it was asked from.

Runs Debian's Chromium (/usr/bin/chromium) through Playwright's Python package;
Playwright's own browser download is never used. Without either it is skipped,
and `make test` (pytest -rs) prints why.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser test skipped: Chromium is not installed at /usr/bin/chromium "
                "(apt-get install chromium; .ci/run does it)", allow_module_level=True)
try:
    from playwright.async_api import Locator, Page, async_playwright, expect
    from playwright.async_api import TimeoutError as PlaywrightTimeout
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
ZALO_QUESTION = "Công nhân thuê trọ gần khu công nghiệp có được hỗ trợ tiền nhà không ạ?"
ZALO_ANSWER = "Có. Bạn nộp đơn đề nghị hỗ trợ tiền thuê trọ tại Công đoàn khu công nghiệp."

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
    """As a worker: start the bot, press "Đặt câu hỏi", then answer whatever the bot asks
    next (the topic, the question, a knowledge-base suggestion or a similar open question,
    with name or anonymously, confirm), each on the bot's newest message; the case number."""
    await worker.get_by_role("button", name="BẮT ĐẦU").click()
    await worker.get_by_role("button", name="Đặt câu hỏi").click()
    composer = worker.get_by_role("textbox", name="Tin nhắn của người lao động")
    steps = (HOUSING_TOPIC, "Vẫn gửi", "Gửi câu hỏi riêng", "Gửi kèm tên", "Gửi câu hỏi")
    done: set[tuple[str | None, str]] = set()
    typed = False
    async with asyncio.timeout(20):
        while True:
            mid = await worker.locator(".msg.in").last.get_attribute("data-mid")
            newest = worker.locator(f'.msg[data-mid="{mid}"]')  # this one, even when more come
            text = await newest.inner_text()
            if match := re.search(r"Đã gửi câu hỏi\D*#(\d+)", text):
                return int(match.group(1))
            seen = (mid, text)
            step = None
            for label in steps:
                if await newest.get_by_role("button", name=label).count():
                    step = label
                    break
            if seen in done:
                await asyncio.sleep(0.05)  # the bot has not answered the last step yet
            elif step is not None:
                done.add(seen)
                with contextlib.suppress(PlaywrightTimeout):  # edited away meanwhile: look again
                    await newest.get_by_role("button", name=step).first.click(timeout=2_000)
            elif "gõ câu hỏi" in text and not typed:
                done.add(seen)
                typed = True
                await composer.fill(question)
                await composer.press("Enter")
                await expect(worker.locator(".msg.out", has_text=question)).to_be_visible()
            else:
                await asyncio.sleep(0.05)


async def test_worker_asks_and_official_answers_in_the_browser(sandbox: Sandbox, page: Page) -> None:
    messages: list[Any] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    await page.goto(sandbox.url)
    await expect(page.locator("#live")).to_have_text("● Trực tiếp / Live")
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
    assert not messages, f"the page logged errors: {messages}"


async def type_on_zalo(zalo: Locator, text: str, expect_reply: str | re.Pattern[str]) -> Locator:
    """As the Zalo worker: type, press Enter; the bot's reply that follows, once it shows."""
    sent, received = zalo.locator(".zmsg.out"), zalo.locator(".zmsg.in")
    sent_before, received_before = await sent.count(), await received.count()
    composer = zalo.get_by_role("textbox", name="Tin nhắn Zalo của người lao động")
    await composer.fill(text)
    await composer.press("Enter")
    await expect(sent).to_have_count(sent_before + 1)
    await expect(sent.last.locator(".ztext")).to_have_text(text)
    await expect(received.nth(received_before)).to_be_visible()
    reply = received.last
    await expect(reply).to_contain_text(expect_reply)
    return reply


async def ask_on_zalo(zalo: Locator, question: str) -> int:
    """As a Zalo worker: no buttons, so every step is typed (a word, a topic without accents,
    numbers), in whatever order the bot asks."""
    await expect(zalo.locator(".zalo-empty")).to_contain_text("hỏi")
    reply = await type_on_zalo(zalo, "hỏi", re.compile("Trả lời 1–|gõ câu hỏi"))
    typed = False
    for _ in range(8):
        text = await reply.inner_text()
        if match := re.search(r"Đã gửi câu hỏi\D*#(\d+)", text):
            return int(match.group(1))
        if "4. Nhà ở công nhân" in text:
            answer = "nha o"
        elif "gõ câu hỏi" in text and not typed:
            answer, typed = question, True
        elif "Vẫn gửi" in text:  # a knowledge-base suggestion or a similar open question
            answer = "vẫn gửi"
        elif "Gửi kèm tên" in text:
            answer = "1"
        else:
            answer = "số 1"  # confirm
        reply = await type_on_zalo(zalo, answer, re.compile(r"\S"))
    raise AssertionError(f"the Zalo question was never sent; last reply: {text!r}")


async def answer_card(officials: Locator, case: int, question: str, answer: str) -> Locator:
    """As an official in the open topic: ↩ Trả lời under the card, type, Enter; returns the card."""
    card = officials.locator(".msg", has_text=f"#{case}").filter(has_text=question)
    await expect(card).to_have_count(1)
    card = officials.locator(f'.msg[data-mid="{await card.get_attribute("data-mid")}"]')
    await card.get_by_role("button", name="Trả lời").click()
    await expect(officials.locator("#reply-bar")).to_contain_text(f"#{case}")
    composer = officials.get_by_role("textbox", name="Tin nhắn của cán bộ")
    await composer.fill(answer)
    await composer.press("Enter")
    await expect(officials.locator(".msg.out", has_text=answer).locator(".quote")).to_contain_text(f"#{case}")
    return card


async def test_zalo_and_telegram_workers_answered_from_one_forum(sandbox: Sandbox, page: Page) -> None:
    messages: list[Any] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: messages.append(str(error)))
    await page.goto(sandbox.url)
    await expect(page.locator("#live")).to_have_text("● Trực tiếp / Live")
    worker, zalo = page.locator("#worker-pane"), page.locator("#zalo-pane")
    officials = page.locator("#officials-pane")
    await expect(zalo.locator(".person.active")).to_contain_text("Hoàng Văn Tùng")
    await expect(zalo.locator(".zalo-header")).to_contain_text("Hoàng Văn Tùng")

    zalo_case = await ask_on_zalo(zalo, ZALO_QUESTION)
    telegram_case = await ask_through_the_buttons(worker, QUESTION)

    housing = officials.locator(".topic", has_text=HOUSING_TOPIC)
    await expect(housing.locator(".badge")).to_have_text("2")
    await housing.click()
    await wait_for_card_link(sandbox, zalo_case)
    zalo_card = await answer_card(officials, zalo_case, ZALO_QUESTION, ZALO_ANSWER)
    await expect(zalo_card).to_contain_text("Hoàng Văn Tùng · Zalo")  # the channel, on the card

    answered = zalo.locator(".zmsg.in", has_text=ZALO_ANSWER)
    await expect(answered).to_contain_text(f"#{zalo_case}")
    await expect(answered).to_contain_text("1. 👍 Hữu ích")  # choices as numbered text
    await expect(answered.get_by_role("button")).to_have_count(0)  # Zalo has no buttons
    await expect(zalo_card).to_contain_text(ZALO_ANSWER)  # the card was edited in place
    thanks = await type_on_zalo(zalo, "1", "Cảm ơn bạn đã đánh giá")
    await expect(thanks).to_be_visible()

    await wait_for_card_link(sandbox, telegram_case)
    telegram_card = await answer_card(officials, telegram_case, QUESTION, ANSWER)
    await expect(telegram_card).to_contain_text("Nguyễn Thị Hoa")
    await expect(worker.locator(".msg", has_text=ANSWER).get_by_role("button", name=re.compile("👍"))).to_be_visible()
    # Each answer reached only the phone its question came from. Both answers are shown;
    # a message asked for on each phone now leaves after anything queued for that phone
    # before it (a chat's messages keep their order), so a stray answer would show by then.
    await type_on_zalo(zalo, "trợ giúp", "hỏi")
    helps = worker.locator(".msg.in", has_text="Cách dùng Đối thoại")
    helps_before = await helps.count()
    composer = worker.get_by_role("textbox", name="Tin nhắn của người lao động")
    await composer.fill("/help")
    await composer.press("Enter")
    await expect(helps).to_have_count(helps_before + 1)
    await expect(zalo.locator(".zmsg", has_text=ANSWER)).to_have_count(0)
    await expect(worker.locator(".msg", has_text=ZALO_ANSWER)).to_have_count(0)

    # The picture for the README: the Zalo worker's card, with its channel, at the top of the
    # forum, and each phone showing the answer it got.
    await zalo_card.evaluate("card => card.scrollIntoView({block: 'start'})")
    for shown in (answered, worker.locator(".msg", has_text=ANSWER)):
        await shown.evaluate("message => message.scrollIntoView({block: 'end'})")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT))
    assert not messages, f"the page logged errors: {messages}"


async def test_reset_clears_the_zalo_phone(sandbox: Sandbox, page: Page) -> None:
    await page.goto(sandbox.url)
    await expect(page.locator("#live")).to_have_text("● Trực tiếp / Live")
    zalo = page.locator("#zalo-pane")
    await type_on_zalo(zalo, "hỏi", re.compile("Trả lời 1–|gõ câu hỏi"))
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.get_by_role("button", name="Làm lại từ đầu").click()
    await expect(zalo.locator(".zmsg")).to_have_count(0)
    await expect(zalo.locator(".zalo-empty")).to_be_visible()
    await type_on_zalo(zalo, "trợ giúp", "hỏi")  # the new world answers on Zalo too


# -- on a phone, and the pictures for the README ----------------------------------------------

SHOTS = SCREENSHOT.parent
TOUCH = 40  # px: the smallest control a finger hits reliably

LAYOUT_PROBLEMS = """(minimum) => {
  const problems = [];
  const visible = (node) => {
    const box = node.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(node).visibility !== "hidden";
  };
  for (const node of document.querySelectorAll("button, a.kb-button, a.file, select, input")) {
    if (!visible(node)) continue;
    const box = node.getBoundingClientRect();
    const name = (node.innerText || node.value || node.getAttribute("aria-label") || "").trim();
    if (box.height < minimum) problems.push(`under ${minimum} px high: ${name} (${box.height})`);
    if (node.tagName === "BUTTON" && !/\\p{L}/u.test(node.innerText)) {
      problems.push(`a button without words: ${JSON.stringify(node.innerText)}`);
    }
    // Cut: wider than the chat it sits in, or its text overflowing it.
    const chat = node.closest(".messages");
    if (chat) {
      const area = chat.getBoundingClientRect();
      if (box.left < area.left - 1 || box.right > area.right + 1) problems.push(`cut off: ${name}`);
    }
    if (node.scrollWidth > node.clientWidth + 1) problems.push(`text cut inside: ${name}`);
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push("the page scrolls sideways");
  return problems;
}"""


@pytest.fixture
async def phone(tmp_path: Path) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-phone"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 390, "height": 844}, locale="vi-VN",
            timezone_id="America/New_York",  # the page must still show Vietnam's time
            accept_downloads=True, has_touch=True,
        )
        context.set_default_timeout(10_000)
        try:
            yield context.pages[0] if context.pages else await context.new_page()
        finally:
            await context.close()


async def create_conference(organizer: Locator) -> None:
    """As the organizer: /conference, answer each question, create it."""
    composer = organizer.get_by_role("textbox", name="Tin nhắn của người tổ chức")

    async def say(text: str, then: str) -> None:
        await composer.fill(text)
        await composer.press("Enter")
        await expect(organizer.locator(".msg.in").last).to_contain_text(then)

    await say("/conference", "Hội nghị đối thoại")
    await organizer.get_by_role("button", name="Tạo hội nghị mới").last.click()
    await expect(organizer.locator(".msg.in").last).to_contain_text("Tên hội nghị")
    await say("Hội nghị đối thoại với công nhân KCN năm 2026", "diễn ra lúc nào")
    await say("25/12/2026 8h30", "ở đâu")
    await say("Hội trường Liên đoàn Lao động tỉnh", "Mô tả")
    await say("Lãnh đạo UBND tỉnh đối thoại với công nhân, người lao động", "chủ đề")
    await organizer.get_by_role("button", name="Xong").last.click()
    await organizer.get_by_role("button", name="Tạo hội nghị").last.click()
    await expect(organizer.locator(".msg.in", has_text="Đã tạo hội nghị")).to_be_visible()


async def test_on_a_phone_every_chat_is_usable(sandbox: Sandbox, phone: Page) -> None:
    """390 px wide: the forum's topics above its thread, card buttons wrapping rather than cut,
    every control at least 40 px and named in words, the organizer's chat most of a screen
    high; the /stats chart shown and the agenda downloaded; times in Vietnam's zone."""
    errors: list[Any] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone.on("pageerror", lambda error: errors.append(str(error)))
    await phone.goto(sandbox.url)
    await expect(phone.locator("#live")).to_have_text("● Trực tiếp / Live")
    worker, officials = phone.locator("#worker-pane"), phone.locator("#officials-pane")
    organizer = phone.locator("#organizer-pane")

    case = await ask_through_the_buttons(worker, QUESTION)
    sent = worker.locator(".msg.out", has_text=QUESTION)
    assert sandbox.world is not None
    zone = ZoneInfo(sandbox.world.config.bot.timezone)
    shown = datetime.now(zone).strftime("%H:%M")
    await expect(sent.locator(".meta")).to_contain_text(re.compile(
        f"{shown}|{(datetime.now(zone) - timedelta(minutes=1)).strftime('%H:%M')}"))
    await worker.screenshot(path=str(SHOTS / "sandbox-390-worker.png"))

    housing = officials.locator(".topic", has_text=HOUSING_TOPIC)
    await housing.click()
    topics_box = await officials.locator("#topic-list").bounding_box()
    thread_box = await officials.locator(".thread").bounding_box()
    assert topics_box and thread_box
    assert topics_box["y"] + topics_box["height"] <= thread_box["y"] + 1, "topics stack above the thread"
    assert thread_box["width"] > 300, "the thread has the pane's whole width"
    card = officials.locator(".msg", has_text=f"#{case}").filter(has_text=QUESTION)
    await expect(card).to_have_count(1)
    await expect(card.locator(".kb-button").first).to_be_visible()
    await card.evaluate("card => card.scrollIntoView({block: 'start'})")
    await officials.screenshot(path=str(SHOTS / "sandbox-390-officials.png"))

    # /stats in General: the chart is drawn in the page.
    await officials.locator(".topic", has_text="General").click()
    composer = officials.get_by_role("textbox", name="Tin nhắn của cán bộ")
    await composer.fill("/stats")
    await composer.press("Enter")
    chart = officials.locator(".photo img").last
    await expect(chart).to_be_visible()
    await expect(chart).to_have_js_property("complete", True)
    assert await chart.evaluate("img => img.naturalWidth") > 100, "the chart's PNG was loaded"

    # The organizer: a conference, then its agenda, downloaded from the page.
    await create_conference(organizer)
    box = await organizer.locator(".messages").bounding_box()
    assert box and box["height"] >= 380, f"the organizer's chat is {box} high"
    agenda_composer = organizer.get_by_role("textbox", name="Tin nhắn của người tổ chức")
    await agenda_composer.fill("/agenda 1")
    await agenda_composer.press("Enter")
    link = organizer.locator("a.file").last
    await expect(link).to_contain_text(".xlsx")
    async with phone.expect_download() as download_info:
        await link.click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert Path(await download.path()).read_bytes().startswith(b"PK")
    await organizer.screenshot(path=str(SHOTS / "sandbox-390-organizer.png"))

    problems = await phone.evaluate(LAYOUT_PROBLEMS, TOUCH)
    assert not problems, "\n".join(problems)
    assert not errors, f"the page logged errors: {errors}"


async def test_the_wide_page_for_the_readme(sandbox: Sandbox, page: Page) -> None:
    """1400 px: the worker's phones, the forum with the card answered, the organizer below."""
    await page.set_viewport_size({"width": 1400, "height": 900})
    await page.goto(sandbox.url)
    await expect(page.locator("#live")).to_have_text("● Trực tiếp / Live")
    worker, officials = page.locator("#worker-pane"), page.locator("#officials-pane")
    zalo = page.locator("#zalo-pane")
    zalo_case = await ask_on_zalo(zalo, ZALO_QUESTION)
    case = await ask_through_the_buttons(worker, QUESTION)
    await officials.locator(".topic", has_text=HOUSING_TOPIC).click()
    await wait_for_card_link(sandbox, case)
    card = await answer_card(officials, case, QUESTION, ANSWER)
    await expect(worker.locator(".msg", has_text=ANSWER)).to_be_visible()
    await expect(officials.locator(".msg", has_text=f"#{zalo_case}")).not_to_have_count(0)
    await card.evaluate("card => card.scrollIntoView({block: 'center'})")
    await worker.locator(".msg", has_text=ANSWER).evaluate("m => m.scrollIntoView({block: 'end'})")
    problems = await page.evaluate(LAYOUT_PROBLEMS, 0)  # desktop: nothing cut, no word-less button
    assert not problems, "\n".join(problems)
    await page.screenshot(path=str(SHOTS / "sandbox-1400.png"))
