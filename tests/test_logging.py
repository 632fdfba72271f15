"""The bot token never appears in logs or errors (issue 8).

Logging is configured exactly as `python -m bot` does (bot.logging_setup.configure_logging)
before the bot starts, its one handler writes into a buffer instead of stderr, and a
second handler behind it keeps every record as the production handler left it. A real
session then runs on the emulated Bot API -- a question asked and answered, a handler
failing on a Bot API error whose text carries the request URL -- and the token's secret
part is looked for in every record's message, args, exception text and formatted
traceback, in everything written out, in what the bot sent to people and in the outbox's
recorded errors. The emulator's token here is shaped like a real one (digits, colon,
35 characters), so that the redacting filter has something to find.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import TOKEN_ENV
from bot.logging_setup import MASK, PAYLOAD_LOGGERS, RedactTokens, configure_logging
from bot.sandbox.emulator import BotApiEmulator
from tests import conftest
from tests.conftest import OFFICIAL, WORKER, Harness

TOKEN = "7012345678:AAHf3kEtOkEnF0rL0gT3sts_x-Yz0123456"
SECRET = TOKEN.split(":", 1)[1]
ROOT = Path(__file__).resolve().parent.parent

QUESTION = "Công ty nợ lương hai tháng thì em phải làm đơn gửi ở đâu ạ?"
ANSWER = "Bạn gửi đơn tới Sở Nội vụ hoặc công đoàn cơ sở để được hỗ trợ."


def leaks(*texts: str) -> list[str]:
    """The texts that show the token's secret part (also URL-encoded after its colon)."""
    return [text for text in texts if SECRET in text or SECRET.replace("-", "%2D") in text]


# -- the filter on its own ---------------------------------------------------------------

def _record(msg: str, args: tuple[Any, ...],
            error: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(error), error, error.__traceback__) if error is not None else None
    return logging.LogRecord("telegram.ext.Updater", logging.ERROR, __file__, 1, msg, args,
                             exc_info)


def _raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:  # noqa: BLE001 - we want the traceback attached
        return caught


def _cause_with_token() -> BaseException:
    try:
        try:
            raise OSError(f"connect failed: https://api.telegram.org/bot{TOKEN}/getUpdates")
        except OSError as inner:
            raise RuntimeError("getUpdates failed") from inner
    except RuntimeError as outer:
        return outer


def _everything(record: logging.LogRecord) -> list[str]:
    texts = [record.getMessage(), repr(record.msg), repr(record.args), record.exc_text or ""]
    if record.exc_info and record.exc_info[1] is not None:
        texts.append("".join(traceback.format_exception(*record.exc_info)))
    if record.stack_info:
        texts.append(record.stack_info)
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    texts.append(formatter.format(record))
    return texts


@pytest.mark.parametrize("msg, args", [
    ("HTTP Request: %s %s", ("POST", f"https://api.telegram.org/bot{TOKEN}/sendMessage")),
    ("token is %s", (TOKEN,)),
    (f"calling https://api.telegram.org/bot{TOKEN}/getMe", ()),
    ("%(url)s failed", ({"url": f"http://127.0.0.1:8081/bot{TOKEN}/getUpdates"},)),
    ("form body token=%s", (TOKEN.replace(":", "%3A"),)),
], ids=["url-in-args", "bare-in-args", "url-in-msg", "mapping-args", "url-encoded"])
def test_redact_tokens_masks_the_message(msg: str, args: tuple[Any, ...]) -> None:
    record = _record(msg, args)
    assert leaks(record.getMessage()), "the test record should carry the token"
    assert RedactTokens().filter(record) is True  # masked, never dropped
    assert leaks(*_everything(record)) == []
    assert MASK in record.getMessage()


@pytest.mark.parametrize("make_error", [
    lambda: _raised(RuntimeError(f"Bad Request at https://api.telegram.org/bot{TOKEN}/getMe")),
    lambda: _raised(ValueError(f"token {TOKEN} rejected")),
    _cause_with_token,
], ids=["url-in-exception", "bare-in-exception", "in-the-cause"])
def test_redact_tokens_masks_args_and_exception(make_error: Any) -> None:
    error = make_error()
    url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    record = _record("update %s failed at %s", (42, url), error)
    assert leaks(*_everything(record)), "the test record should carry the token"
    RedactTokens().filter(record)
    assert leaks(*_everything(record)) == []
    assert "update 42 failed" in record.getMessage()
    assert record.exc_text and MASK in record.exc_text
    assert type(error).__name__ in record.exc_text  # the traceback itself is kept


def test_redact_tokens_leaves_other_records_alone() -> None:
    error = _raised(KeyError("no such case"))
    record = _record("case %s not found (%s)", (17, "1795617229243:t:housing"), error)
    RedactTokens().filter(record)
    assert record.args == (17, "1795617229243:t:housing")
    assert record.exc_info is not None and record.exc_info[1] is error
    assert record.getMessage() == "case 17 not found (1795617229243:t:housing)"


# -- logging as production configures it ----------------------------------------------

class Captured:
    """What the production handler wrote, and every record as it left that handler."""

    def __init__(self) -> None:
        self.output = io.StringIO()
        self.records: list[logging.LogRecord] = []

    def leaks(self) -> list[str]:
        texts = [self.output.getvalue()]
        for record in self.records:
            texts.extend(_everything(record))
        return leaks(*texts)


class _Keep(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.NOTSET)
        self._records = records

    def emit(self, record: logging.LogRecord) -> None:
        self._records.append(record)


@pytest.fixture
def production_logging(request: pytest.FixtureRequest) -> Iterator[Captured]:
    """configure_logging(level) as `python -m bot [-v]` runs it; restored afterwards."""
    level = getattr(request, "param", logging.INFO)
    root = logging.getLogger()
    names = ("httpx", "httpcore", "apscheduler", *PAYLOAD_LOGGERS)
    saved = root.handlers[:], root.level, {name: logging.getLogger(name).level for name in names}
    captured = Captured()
    try:
        configure_logging(level)
        production, = root.handlers
        production.setStream(captured.output)  # type: ignore[attr-defined]
        root.addHandler(_Keep(captured.records))  # behind it: sees what it let through
        yield captured
    finally:
        handlers, root_level, levels = saved
        root.handlers[:] = handlers
        root.setLevel(root_level)
        for name, name_level in levels.items():
            logging.getLogger(name).setLevel(name_level)


@pytest.fixture(autouse=True)
def token_shaped_like_a_real_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """conftest's `emu` builds its emulator with this token (and so the bot uses it)."""
    monkeypatch.setattr(conftest, "BotApiEmulator", functools.partial(BotApiEmulator, token=TOKEN))


def test_configure_logging_quiets_httpx_and_installs_the_filter(
        production_logging: Captured) -> None:
    for name in ("httpx", "httpcore"):
        assert logging.getLogger(name).level == logging.WARNING, name
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    production = logging.getLogger().handlers[0]
    assert any(isinstance(f, RedactTokens) for f in production.filters)
    logging.getLogger("bot.test").error("token %s in a message", TOKEN)
    assert MASK in production_logging.output.getvalue()
    assert production_logging.leaks() == []


async def _provoke_a_bot_api_error(bot: Harness, captured: Captured) -> None:
    """sendMessage fails with a 500 whose text carries the request URL (token included):
    the /help handler raises, the error handler logs it and cannot apologise either."""
    emu = bot.emu
    original = emu._methods["sendmessage"]  # the emulator has no switch for failures

    async def failing(params: Any) -> Any:
        raise RuntimeError(f"upstream failure at {emu.base_url}{TOKEN}/sendMessage")

    emu._methods["sendmessage"] = failing
    try:
        await emu.send_text(WORKER, "/help")
        for _ in range(200):
            if any("could not tell the user" in r.getMessage() for r in captured.records):
                break
            await asyncio.sleep(0.02)
    finally:
        emu._methods["sendmessage"] = original


async def _session(bot: Harness, captured: Captured) -> None:
    case = await bot.ask(WORKER, QUESTION)
    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, ANSWER)
    delivered = await bot.answer_for(WORKER, case, after=after)
    assert ANSWER in delivered["text"]
    await _provoke_a_bot_api_error(bot, captured)
    # The bot recovers: the next message is answered as usual.
    assert "/ask" in (await bot.say(WORKER, "/help"))["text"]


def _sent_by_the_bot(bot: Harness) -> list[str]:
    texts = []
    for chat_id in (WORKER, OFFICIAL, conftest.OFFICIALS):
        for message in bot.emu.bot_messages(chat_id):
            texts.append(str(message.get("text") or message.get("caption") or ""))
    return texts


@pytest.mark.parametrize("production_logging", [logging.INFO, logging.DEBUG], indirect=True,
                         ids=["info", "debug(-v)"])
async def test_a_session_with_an_error_logs_no_token(production_logging: Captured,
                                                    bot: Harness) -> None:
    assert bot.emu.token == TOKEN and bot.app.bot.token == TOKEN
    await _session(bot, production_logging)
    records = production_logging.records
    errors = [r for r in records if r.name == "handlers.errors" and r.levelno >= logging.ERROR]
    assert errors, "the provoked error should have been logged"
    assert "upstream failure at" in production_logging.output.getvalue()  # logged, masked
    assert MASK in production_logging.output.getvalue()
    assert production_logging.leaks() == []
    assert leaks(*_sent_by_the_bot(bot)) == []
    outbox = await bot.services.storage.outbox_rows()
    assert leaks(*[str(row.get("last_error") or "") for row in outbox]) == []


async def test_even_verbose_httpx_logs_show_no_token(production_logging: Captured,
                                                    bot: Harness) -> None:
    """If httpx were turned up to INFO, its request lines (URLs with the token) get masked."""
    logging.getLogger("httpx").setLevel(logging.INFO)
    assert "Xin chào" in (await bot.say(WORKER, "/start"))["text"]
    requests = [r for r in production_logging.records if r.name == "httpx"]
    assert requests, "httpx should have logged its requests"
    assert MASK in production_logging.output.getvalue()
    assert production_logging.leaks() == []


async def test_a_rejected_token_is_not_printed(emu: BotApiEmulator, tmp_path: Path) -> None:
    """`python -m bot run` with a token Telegram refuses stops with an error that does not
    show the token (python-telegram-bot puts it in the InvalidToken message)."""
    wrong = "7099999999:AAWr0ngT0kenWr0ngT0kenWr0ngT0ken_xyz"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{emu.base_url}"\n\n'
        f'[officials]\nchat_id = {conftest.OFFICIALS}\n\n'
        f'[storage]\npath = "{(tmp_path / "bot.sqlite3").as_posix()}"\n\n'
        '[[topics]]\nkey = "housing"\ntitle = "Nhà ở công nhân"\n', encoding="utf-8")
    env = {**os.environ, TOKEN_ENV: wrong}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
    output = (out + err).decode("utf-8", "replace")
    assert process.returncode != 0, output
    assert "InvalidToken" in output and MASK in output, output  # it says what is wrong...
    wrong_secret = wrong.split(":", 1)[1]
    assert wrong_secret not in output, output  # ...without showing it


# -- personal data in the verbose log (-v) ------------------------------------------------

def _personal(bot: Harness, captured: Captured) -> list[str]:
    """Log lines that show the worker's name, username, question or the answer."""
    found = []
    for line in captured.output.getvalue().splitlines():
        shown = line.encode().decode("unicode_escape", "ignore") if "\\u" in line else line
        for needle in ("Nguyễn Thị", "Hoa Nguy", QUESTION[:30], ANSWER[:30], NAME_IN_JOURNAL):
            if needle in line or needle in shown:
                found.append(line[:300])
    return found


NAME_IN_JOURNAL = "Nguy\\u1ec5n Th\\u1ecb"   # the name as Telegram's JSON escapes it


@pytest.mark.parametrize("production_logging", [logging.DEBUG], indirect=True, ids=["debug(-v)"])
async def test_verbose_logs_keep_names_and_texts_out(production_logging: Captured,
                                                     bot: Harness) -> None:
    """`python -m bot -v run`: the bot's own debug lines, not python-telegram-bot's
    request dumps or aiosqlite's statements with their parameters (names, questions)."""
    case = await bot.ask(WORKER, QUESTION)
    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, case, ANSWER)
    await bot.answer_for(WORKER, case, after=after)
    assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)  # still verbose for the bot
    assert _personal(bot, production_logging) == []
