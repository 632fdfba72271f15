"""Hostile and broken input (issue 8): no generated update, of any shape, crashes a handler.

Hypothesis builds raw Telegram update JSON of every shape the issue lists -- private and
group messages with any Unicode (zero-width, bidi marks, emoji only, 4,096 characters,
lone UTF-16 surrogates as the wire carries them: "\\ud800"), commands with random
arguments and @bot suffixes, stickers, voice, photos with and without captions,
documents, service messages, edits, channel posts, messages from groups the bot does not
know, replies to the bot's messages and to cards, callback queries with forged data for
every prefix the handlers use, on existing, deleted and inaccessible messages or none at
all, unknown and future update types, optional fields left out -- and feeds well over
10,000 of them through the real application (its handlers, services, SQLite storage and
outbox, talking to the emulated Bot API). Some presses hit the buttons the bot is showing
at that moment and some replies go to its latest messages (cards, in the officials'
group), so that generated workers and officials get deep into the real flows too.

Most go in through ``Application.process_update`` (fast, and still every real handler);
a few hundred are queued on the emulator and come in through getUpdates, the bot's own
update loop and python-telegram-bot's parsing. Whatever they are:

* nothing reaches the error handler and nothing logs at ERROR (the failing update is
  printed with its traceback);
* no question is ever created from a group or channel (the people who write in groups
  here never write to the bot privately);
* afterwards the bot still answers an ordinary /start and /ask.

Two things differ from production, both for speed or because the emulator cannot do
otherwise, neither in the code under test: the application runs without its
AIORateLimiter (20 messages a minute to a group would make 10,000 updates take hours),
and callback query ids are registered with the emulator as Telegram would have them
(a forged *data* is the attack; a query id Telegram never issued cannot arrive).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import traceback
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import BaseRateLimiter

from bot.app import build_application
from bot.config import Config
from bot.sandbox.emulator import BotApiEmulator, _CallbackQuery
from tests import conftest
from tests.conftest import (ADMIN, OFFICIAL, OFFICIAL_2, OFFICIALS, STRANGER, WORKER, WORKER_EN,
                            Harness)

# -- the cast ---------------------------------------------------------------------------

ORGANIZER = 1600
NO_LANGUAGE = 2001         # a worker whose client sends no language_code
ODD_LANGUAGE = 2002        # ... and one whose language the bot does not speak
GROUP_STRANGER = 3001      # writes in the officials' group, is not a member
SENTINEL = 1999           # writes once, after everything pushed
NEWCOMER = 1998           # writes only at the end: /start and /ask must still work
GROUP_GHOST = 3002         # writes in groups, unknown even to Telegram's getChatMember
ANONYMOUS_ADMIN = 1087968824  # "GroupAnonymousBot", the sender of anonymous admins' messages

# People who write to the bot privately, and people who only ever write in groups or
# press buttons there: a question owned by one of the latter came from a group.
PRIVATE_USERS = (WORKER, WORKER_EN, ADMIN, STRANGER, ORGANIZER, NO_LANGUAGE, ODD_LANGUAGE)
GROUP_USERS = (OFFICIAL, OFFICIAL_2, GROUP_STRANGER, GROUP_GHOST)

UNKNOWN_SUPERGROUP = -1009999999999  # a group whose stranger added the bot
UNKNOWN_GROUP = -424242              # a basic group
CHANNEL = -1007777777777

DEPARTMENTS = [{"key": "ldtbxh", "name": "Sở Nội vụ"}, {"key": "bhxh", "name": "BHXH tỉnh"}]
REJECT_REASONS = ("out_of_scope", "personal_documents", "unclear")

BATCH = 50                 # updates per Hypothesis example
EXAMPLES = 205             # 205 x 50 = 10,250 through process_update
PUSHED = (6, 50)           # and 6 x 50 through getUpdates
MINIMUM_FED = 10_000

QUESTION_HOUSING = "Công nhân khu công nghiệp có được thuê nhà ở xã hội không ạ?"
QUESTION_JOBS = "Công ty nợ lương hai tháng thì em phải làm đơn gửi ở đâu ạ?"


# -- text --------------------------------------------------------------------------------
# Strategies are built once, at import: building them inside a draw costs more than drawing.

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
BIDI = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
EMOJI = ("😭", "👍🏽", "👨‍👩‍👧‍👦", "🇻🇳", "❤️", "🙏", "🏳️‍🌈", "1️⃣", "🫠")
SNIPPETS = (
    "Công ty nợ lương ba tháng, tôi phải làm gì?", "Bảo hiểm xã hội", "nhà ở", "?", "???",
    "<b>đậm</b>", "<script>alert(1)</script>", "&amp; &lt;", "a & b < c", "\n", "\n\n\n\n",
    "\r\n", "\t", " ", "\x00", "\x1b[31m", "#1", "#999999999", "@doithoai_bot", "/ask",
    "https://example.com/?a=1&b=<2>", "{name}", "{0}", "%s", "%(id)s", "\\",
    "'; DROP TABLE users;--", "Ｆｕｌｌｗｉｄｔｈ", "\u0301\u0301\u0301", "e\u0301", "ﷺ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\U0010ffff", "\ufffd", "مرحبا", "שלום", "你好", "²³", "٣٤", "Ⅻ",
)
surrogates = st.integers(0xD800, 0xDFFF).map(chr)   # lone halves of a UTF-16 pair
pieces = st.one_of(
    st.text(max_size=24),
    st.sampled_from(SNIPPETS),
    st.sampled_from(ZERO_WIDTH + BIDI),
    st.sampled_from(EMOJI),
    surrogates,
)
free_text = st.lists(pieces, max_size=6).map("".join)
long_text = st.builds(lambda piece, size: ((piece or "á") * size)[:size],
                      st.one_of(st.sampled_from(SNIPPETS + EMOJI), st.text(min_size=1, max_size=4),
                                surrogates),
                      st.sampled_from([2000, 2001, 4095, 4096, 4097]))
emoji_only = st.lists(st.sampled_from(EMOJI), min_size=1, max_size=40).map("".join)
invisible_only = st.text(alphabet=ZERO_WIDTH + BIDI + " \n", min_size=1, max_size=20)
# Long enough to pass the question check, so that drafts really move on.
plausible = st.builds(lambda a, b, c: f"{a} {b} {c}", st.sampled_from(SNIPPETS[:3]),
                      st.sampled_from(SNIPPETS), st.sampled_from(SNIPPETS[:2]))
texts = st.one_of(free_text, plausible, emoji_only, invisible_only, long_text)
short_texts = st.one_of(st.text(max_size=12), st.sampled_from(SNIPPETS), surrogates)

# Numbers as people and forgers type them.
numbers = st.one_of(
    st.integers(0, 6).map(str),
    st.sampled_from(["", "-1", "#1", "#2", "²", "٣", "1e3", "0x1", " 1", "9" * 10, "9" * 40,
                     "999999999", "1.5", "١", "𝟏"]),
)

COMMANDS = ("ask", "my", "answer", "assign", "dup", "reject", "case", "stats", "conference",
            "announce", "agenda", "answered", "events", "cancel", "start", "help", "forward",
            "reopen", "publish", "stop_news", "start_news", "mydata", "forget", "nosuchcommand",
            "ASK", "Start", "a", "")
SUFFIXES = ("", "", "", "@doithoai_bot", "@DoiThoai_Bot", "@other_bot", "@")
command_heads = st.builds(lambda name, suffix: f"/{name}{suffix}", st.sampled_from(COMMANDS),
                          st.sampled_from(SUFFIXES))
command_args = st.one_of(
    st.just(""),
    st.builds(" {}".format, numbers),
    st.builds(" {} {}".format, numbers, texts),                       # /answer N text
    st.builds(" {} {} {}".format, numbers, numbers, short_texts),     # /dup N M, /agenda N csv
    st.builds(str.__add__, st.sampled_from([" ", "\n", "\u200b", ""]), free_text),
)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# -- people and chats --------------------------------------------------------------------

names = st.one_of(st.sampled_from(["Hoa", "Nguyễn Thị Hoa", "<b>Sếp</b>", "&", "😭", "", " "]),
                  st.text(max_size=16), st.lists(pieces, max_size=3).map("".join))
languages = st.sampled_from(["vi", "en", "zh", "", "vi-VN", "en-US", "xx-YY", "EN", "ru"])
usernames = st.sampled_from(["hoa_nguyen", "a", "", "x" * 32, "Người_dùng", "doithoai_bot"])


def user_strategy(user_id: int, *, is_bot: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    optional: dict[str, st.SearchStrategy[Any]] = {"last_name": names, "username": usernames,
                                                   "is_premium": st.booleans()}
    if user_id != NO_LANGUAGE:
        optional["language_code"] = languages
    required = {"id": st.just(user_id), "is_bot": st.just(is_bot), "first_name": names}
    return st.fixed_dictionaries(required, optional=optional)


private_senders = st.one_of(*[user_strategy(user_id) for user_id in PRIVATE_USERS])
group_senders = st.one_of(*[user_strategy(user_id) for user_id in GROUP_USERS])
anonymous_admins = user_strategy(ANONYMOUS_ADMIN, is_bot=True)
anyone = st.one_of(private_senders, group_senders)


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    if "username" in user:
        chat["username"] = user["username"]
    return chat


GROUP_CHATS = {
    OFFICIALS: {"id": OFFICIALS, "type": "supergroup", "title": "Cán bộ trả lời", "is_forum": True},
    UNKNOWN_SUPERGROUP: {"id": UNKNOWN_SUPERGROUP, "type": "supergroup", "title": "Nhóm lạ 🎲"},
    UNKNOWN_GROUP: {"id": UNKNOWN_GROUP, "type": "group", "title": "Nhóm thường"},
}
group_chats = st.sampled_from([GROUP_CHATS[OFFICIALS]] * 3
                              + [GROUP_CHATS[UNKNOWN_SUPERGROUP], GROUP_CHATS[UNKNOWN_GROUP]])
stranger_groups = st.sampled_from([GROUP_CHATS[UNKNOWN_SUPERGROUP], GROUP_CHATS[UNKNOWN_GROUP]])
CHANNEL_CHAT = {"id": CHANNEL, "type": "channel", "title": "Kênh tin", "username": "kenhtin"}
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Đối thoại", "username": "doithoai_bot"}

POLL = {"id": "p1", "question": "Ai đi họp?", "total_voter_count": 1, "is_closed": False,
        "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
        "allows_revoting": False, "members_only": False,
        "options": [{"text": "Tôi", "voter_count": 1, "persistent_id": "o1"}]}

# Small ids hit the bot's early messages in the emulator; big ones hit nothing.
message_ids = st.one_of(st.integers(1, 40), st.integers(1, 2**31 - 1))
# Stand-ins resolved against the emulator when an update is fed: a button the bot really
# shows now (PRESS + n), one of its latest messages (RECENT - n). Without them, buttons
# carrying a draft's version (a timestamp) could never be hit and no flow would get far.
PRESS = "\x00press:"
RECENT = -1_000_000


# -- messages ----------------------------------------------------------------------------

def _file(prefix: str) -> st.SearchStrategy[dict[str, str]]:
    return st.integers(0, 10**6).map(
        lambda n: {"file_id": f"{prefix}{n}", "file_unique_id": f"u{prefix}{n}"})


def _with_caption(media: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(media, st.builds(lambda m, caption: {**m, "caption": caption}, media, texts))


@st.composite
def _commands(draw: st.DrawFn) -> dict[str, Any]:
    head, args = draw(command_heads), draw(command_args)
    content: dict[str, Any] = {"text": head + args}
    if draw(st.integers(0, 6)):  # usually with its entity, as Telegram sends it
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16(head)}]
    return content


plain_texts = st.one_of(
    st.builds(lambda text: {"text": text}, texts),
    # Entities that do not fit the text at all.
    st.builds(lambda text, kind, offset, length: {
        "text": text, "entities": [{"type": kind, "offset": offset, "length": length}]},
        texts, st.sampled_from(["bot_command", "bold", "url", "mention"]), st.integers(0, 5000),
        st.integers(0, 5000)),
)
stickers = st.builds(lambda f, emoji, animated: {"sticker": {
    **f, "type": "regular", "width": 512, "height": 512, "is_animated": animated, "is_video": False,
    "emoji": emoji}}, _file("st"), st.sampled_from(EMOJI), st.booleans())
voices = st.builds(lambda f, duration: {"voice": {**f, "duration": duration}}, _file("vo"),
                   st.integers(0, 3600))
photos = _with_caption(_file("ph").map(lambda f: {"photo": [
    {**f, "file_unique_id": f"{f['file_unique_id']}-{w}", "width": w, "height": w}
    for w in (90, 320, 1280)]}))
documents = _with_caption(st.builds(
    lambda f, name: {"document": {**f, **({"file_name": name} if name is not None else {})}},
    _file("doc"), st.sampled_from([None, "don.pdf", "ảnh.jpg", "", "a" * 300])))
others = st.sampled_from([
    {"location": {"latitude": 21.0278, "longitude": 105.8342}},
    {"contact": {"phone_number": "+84901234567", "first_name": "Hoa"}},
    {"dice": {"emoji": "🎲", "value": 6}},
    {"video_note": {"file_id": "vn1", "file_unique_id": "uvn1", "length": 240, "duration": 3}},
    {"audio": {"file_id": "au1", "file_unique_id": "uau1", "duration": 30}},
    {"animation": {"file_id": "an1", "file_unique_id": "uan1", "width": 1, "height": 1,
                   "duration": 1}},
    {"poll": {**POLL, "options": []}},
])
services_ = st.sampled_from([
    {"new_chat_members": [BOT_USER]},
    {"new_chat_members": [{"id": GROUP_GHOST, "is_bot": False, "first_name": "Ma"}]},
    {"left_chat_member": BOT_USER},
    {"new_chat_title": "Tên mới"},
    {"group_chat_created": True},
    {"forum_topic_created": {"name": "Chủ đề", "icon_color": 7322096}},
    {"pinned_message": {"message_id": 1, "date": 0,
                        "chat": {"id": OFFICIALS, "type": "supergroup", "title": "x"}}},
    {},  # nothing at all: a kind of message this python-telegram-bot does not know
])
contents = st.one_of(plain_texts, plain_texts, plain_texts, _commands(), _commands(), stickers,
                     voices, photos, documents, others, services_)
extras = st.fixed_dictionaries({}, optional={
    "reply_to": st.tuples(st.sampled_from(["recent", "recent", "bot", "self"]), message_ids,
                          st.none() | short_texts),
    "topic": st.just(True),
    "forwarded": st.just(True),
})


@st.composite
def messages(draw: st.DrawFn, chat: dict[str, Any],
             sender: dict[str, Any] | None) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": draw(message_ids), "date": int(time.time()),
                               "chat": chat}
    if sender is not None:
        message["from"] = sender
    message.update(draw(contents))
    extra = draw(extras)
    if "topic" in extra and chat["id"] == OFFICIALS:
        # In the housing topic (the one that exists), as a topic message.
        message["message_thread_id"] = THREAD
        message["is_topic_message"] = True
    if "reply_to" in extra:
        whose, replied_id, text = extra["reply_to"]
        if whose == "recent":  # one of the bot's latest messages there, resolved when fed
            replied_id = RECENT - replied_id % 8
        author = sender if whose == "self" and sender is not None else BOT_USER
        replied: dict[str, Any] = {"message_id": replied_id, "date": int(time.time()), "chat": chat,
                                   "from": author}
        if text is not None:
            replied["text"] = text
        message["reply_to_message"] = replied
    if "forwarded" in extra:
        message["forward_origin"] = {"type": "hidden_user", "sender_user_name": "Ai đó", "date": 0}
    return message


@st.composite
def private_messages(draw: st.DrawFn) -> dict[str, Any]:
    # A private message always has a sender; optional fields are left out instead.
    sender = draw(private_senders)
    return draw(messages(private_chat(sender), sender))


@st.composite
def group_messages(draw: st.DrawFn) -> dict[str, Any]:
    chat = draw(group_chats)
    if draw(st.integers(0, 7)) == 0:  # an anonymous admin speaks as the group
        message = draw(messages(chat, draw(anonymous_admins)))
        message["sender_chat"] = chat
        return message
    return draw(messages(chat, draw(group_senders)))


@st.composite
def channel_posts(draw: st.DrawFn) -> dict[str, Any]:
    message = draw(messages(CHANNEL_CHAT, None))
    message["sender_chat"] = CHANNEL_CHAT
    return message


# -- callback queries --------------------------------------------------------------------

CARD_ACTIONS = st.sampled_from(("assign", "reject", "back", "fwd", "dup", "dept", "rsn", "reopen",
                                "pub", "pubok", "", "zzz"))
ASK_ACTIONS = st.sampled_from(("t", "yes", "no", "follow", "own", "named", "anon", "send", "cancel",
                               "x"))
ORGANIZER_ACTIONS = st.sampled_from(("quit", "new", "pick", "topic", "topics_done", "create",
                                     "field", "cancel_conf", "cancel_yes", "aud", "send", "x"))
ARGUMENTS = st.sampled_from(("", "housing", "jobs", "nope", "ldtbxh", "bhxh", *REJECT_REASONS,
                             "all", "subscribers", "title", "when", "😭", "a:b:c"))
optional_argument = st.one_of(st.just(""), ARGUMENTS.map(":{}".format))

callback_data = st.one_of(
    # Card buttons with forged numbers, and with the real cases' ids and small versions.
    st.builds("c:{}:{}:{}:{}".format, numbers, numbers, CARD_ACTIONS, ARGUMENTS),
    st.builds("c:{}:{}:{}{}".format, st.integers(1, 4), st.integers(1, 8), CARD_ACTIONS,
              optional_argument),
    st.builds("q:{}:{}:{}".format, numbers, ASK_ACTIONS, ARGUMENTS),
    st.builds("r:{}:{}".format, numbers, st.sampled_from(["up", "down", "sideways", ""])),
    st.builds("f:{}".format, numbers),
    st.builds("ev:{}:{}".format, numbers, st.sampled_from(["sub", "unsub", "ask", "", "x"])),
    st.sampled_from(["news:off", "news:on", "news:", "m:ask", "m:my", "m:help", "m:", "m:x",
                     "pv:yes", "pv:no", "pv:forget", "pv:", "pv:maybe"]),
    st.builds("o:{}:{}:{}".format, numbers, ORGANIZER_ACTIONS, ARGUMENTS),
    st.builds(str.__add__, st.sampled_from(["q:", "m:", "r:", "f:", "c:", "ev:", "news:", "o:",
                                            "pv:"]), free_text),
    free_text,
    st.sampled_from([":", "::::", "c", "q", "", "c:1:1", "c::::", "x" * 200]),
    st.none(),  # a game button: no data
)
WHERE = st.sampled_from(["private", "private", "officials", "officials", "group", "inaccessible",
                         "inaccessible group", "inline", "nothing",
                         "press", "press", "press", "press officials", "press officials"])
_query_ids = itertools.count(1)


@st.composite
def callback_queries(draw: st.DrawFn) -> dict[str, Any]:
    where = draw(WHERE)
    if where in ("private", "inaccessible", "inline", "nothing", "press"):
        sender = draw(private_senders)
        chat = private_chat(sender)
    else:
        sender = draw(group_senders)
        chat = draw(stranger_groups) if where == "group" else GROUP_CHATS[OFFICIALS]
    query: dict[str, Any] = {"id": f"fuzz-{next(_query_ids)}", "from": sender,
                             "chat_instance": str(abs(chat["id"]))}
    data = draw(callback_data)
    if where.startswith("press"):  # a real button of a recent bot message, found when fed
        data = f"{PRESS}{draw(st.integers(0, 10**6))}"
        where = "private" if where == "press" else "officials"
    if data is not None:
        query["data"] = data
    else:
        query["game_short_name"] = "game"
    if where == "inline":
        query["inline_message_id"] = f"AAAAAgDjx{draw(st.integers(0, 99))}"
    elif where.startswith("inaccessible"):  # older than 48 hours: only chat and id, date 0
        query["message"] = {"chat": chat, "message_id": draw(message_ids), "date": 0}
    elif where != "nothing":
        message: dict[str, Any] = {"message_id": draw(message_ids), "date": int(time.time()),
                                   "chat": chat, "from": BOT_USER, "text": draw(short_texts)}
        if chat["id"] == OFFICIALS and draw(st.booleans()):
            message.update(message_thread_id=THREAD, is_topic_message=True)
        query["message"] = message
    return query


# -- updates -----------------------------------------------------------------------------

@st.composite
def strange_updates(draw: st.DrawFn) -> dict[str, Any]:
    """Update types the bot does not ask for, and ones that do not exist yet."""
    someone = draw(anyone)
    return draw(st.sampled_from([
        {"poll": POLL},
        {"poll_answer": {"poll_id": "p1", "option_ids": [0], "option_persistent_ids": ["o1"],
                         "user": someone}},
        {"inline_query": {"id": "iq1", "from": someone, "query": "nhà ở", "offset": ""}},
        {"chosen_inline_result": {"result_id": "r1", "from": someone, "query": ""}},
        {"my_chat_member": {
            "chat": GROUP_CHATS[UNKNOWN_SUPERGROUP], "from": someone, "date": 0,
            "old_chat_member": {"status": "left", "user": BOT_USER},
            "new_chat_member": {"status": "member", "user": BOT_USER}}},
        {"chat_join_request": {"chat": GROUP_CHATS[UNKNOWN_SUPERGROUP], "from": someone,
                               "user_chat_id": someone["id"], "date": 0}},
        {"message_reaction_count": {"chat": GROUP_CHATS[OFFICIALS], "message_id": 1, "date": 0,
                                    "reactions": []}},
        {"some_future_type": {}},
        {"some_future_type": {"id": 1, "from": someone, "text": "/start"}},
        {},  # nothing but an update_id
    ]))


def _edited(message: dict[str, Any]) -> dict[str, Any]:
    return {"edited_message": {**message, "edit_date": int(time.time())}}


def _channel(post: dict[str, Any], edited: bool) -> dict[str, Any]:
    if edited:
        return {"edited_channel_post": {**post, "edit_date": int(time.time())}}
    return {"channel_post": post}


updates = st.one_of(
    private_messages().map(lambda m: {"message": m}),
    private_messages().map(lambda m: {"message": m}),
    private_messages().map(lambda m: {"message": m}),
    private_messages().map(lambda m: {"message": m}),
    group_messages().map(lambda m: {"message": m}),
    group_messages().map(lambda m: {"message": m}),
    group_messages().map(lambda m: {"message": m}),
    st.one_of(private_messages(), group_messages()).map(_edited),
    st.builds(_channel, channel_posts(), st.booleans()),
    callback_queries().map(lambda q: {"callback_query": q}),
    callback_queries().map(lambda q: {"callback_query": q}),
    callback_queries().map(lambda q: {"callback_query": q}),
    strange_updates(),
)


THREAD = 0  # the housing topic in the officials' forum; set when the world is built


# -- the world ---------------------------------------------------------------------------

class NoRateLimit(BaseRateLimiter):  # type: ignore[type-arg]
    """Passes every request straight through (see the module docstring)."""

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(  # type: ignore[no-untyped-def]
            self, callback, args, kwargs, endpoint, data, rate_limit_args):
        return await callback(*args, **kwargs)


@pytest.fixture
async def fuzz_bot(emu: BotApiEmulator, make_config: Callable[..., Config],
                   monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    global THREAD
    monkeypatch.setattr(conftest, "build_application", lambda config, **kwargs: build_application(
        config, rate_limiter=NoRateLimit(), **kwargs))
    THREAD = emu.create_forum_topic(OFFICIALS, "Nhà ở")
    for user_id, name, language in ((ORGANIZER, "Tổ chức", "vi"), (NO_LANGUAGE, "Không", None),
                                    (ODD_LANGUAGE, "Zhang", "zh"), (GROUP_STRANGER, "Khách", "vi"),
                                    (SENTINEL, "Cuối", "vi"), (NEWCOMER, "Mới", "vi")):
        emu.add_user(user_id, name, language_code=language)
    for user_id in (*PRIVATE_USERS, SENTINEL, NEWCOMER):
        emu.open_chat(user_id)  # they have all written to the bot before
    config = make_config(
        topics=[
            {"key": "housing", "title": "Nhà ở công nhân", "title_en": "Housing",
             "thread_id": THREAD},
            {"key": "jobs", "title": "Việc làm, thu nhập", "title_en": "Jobs and income"},
            {"key": "procedures", "title": "Thủ tục hành chính", "title_en": "Procedures"},
        ],
        departments=DEPARTMENTS,
        organizers={"user_ids": [ORGANIZER]},
        # The flood guard still sees every update, but lets all of them through: at the
        # default 20 a minute, seven people sending thousands would mostly be turned away.
        bot={"flood_limit_per_minute": 1_000_000},
    )
    harness = Harness(emu, config)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


class ErrorCollector(logging.Handler):
    """Every ERROR record from anywhere, and every exception handed to error handlers."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.errors: list[tuple[object, BaseException | None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    async def on_error(self, update: object, context: Any) -> None:
        self.errors.append((update, context.error))

    def count(self) -> int:
        return len(self.records) + len(self.errors)

    def describe(self) -> str:
        lines = []
        for update, error in self.errors:
            lines.append(f"error handler got {type(error).__name__}: {error} (update "
                         f"{getattr(update, 'update_id', None)})")
            if error is not None:
                lines.extend(traceback.format_exception(error))
        for record in self.records:
            lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")
            if record.exc_info:
                lines.extend(traceback.format_exception(*record.exc_info))
        return "\n".join(lines)


class RecentBotMessages:
    """The bot's latest messages in each chat, kept up to date from the emulator's events."""

    KEEP = 8

    def __init__(self, emu: BotApiEmulator) -> None:
        self._emu = emu
        self._events = emu.subscribe()
        self._chats: dict[int, dict[int, dict[str, Any]]] = {}

    def close(self) -> None:
        self._emu.unsubscribe(self._events)

    def _catch_up(self) -> None:
        while not self._events.empty():
            event = self._events.get_nowait()
            message = event.get("message")
            if not message or message.get("from", {}).get("id") != self._emu.bot_id:
                continue
            chat = self._chats.setdefault(event["chat_id"], {})
            if event["kind"] == "delete":
                chat.pop(message["message_id"], None)
            elif event["kind"] == "message" or message["message_id"] in chat:
                chat[message["message_id"]] = message
            while len(chat) > self.KEEP:
                del chat[min(chat)]

    def latest(self, chat_id: int, *, with_buttons: bool = False) -> list[dict[str, Any]]:
        """Newest first, as Telegram would send them (without the emulator's own keys)."""
        self._catch_up()
        found = []
        for message_id in sorted(self._chats.get(chat_id, {}), reverse=True):
            message = self._chats[chat_id][message_id]
            if with_buttons and not any(b.get("callback_data") for b in message.get("buttons", [])):
                continue
            found.append(message)
        return found

    def resolve(self, data: dict[str, Any]) -> None:
        """Replace the stand-ins (PRESS, RECENT) in a generated update, in place."""
        query = data.get("callback_query")
        if query and str(query.get("data", "")).startswith(PRESS):
            n = int(query["data"][len(PRESS):])
            chat = query["message"]["chat"]
            pressable = self.latest(chat["id"], with_buttons=True)[:3]
            if pressable:
                message = pressable[n % len(pressable)]
                buttons = [b["callback_data"] for b in message["buttons"] if b.get("callback_data")]
                query["data"] = buttons[n // 3 % len(buttons)]
                query["message"] = _public(message)
            else:
                query["data"] = "m:ask"
        for key in ("message", "edited_message"):
            replied = (data.get(key) or {}).get("reply_to_message")
            if replied and replied["message_id"] <= RECENT:
                n = RECENT - replied["message_id"]
                # Half the time one with buttons: in the officials' group, mostly a card.
                recent = self.latest(data[key]["chat"]["id"], with_buttons=n % 2 == 0)
                if recent:
                    data[key]["reply_to_message"] = _public(recent[n % len(recent)])
                    data[key]["reply_to_message"].pop("reply_to_message", None)
                else:
                    replied["message_id"] = 1


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key not in ("html", "buttons")}


def register_query(emu: BotApiEmulator, data: dict[str, Any]) -> None:
    """Telegram issued this callback query: the emulator accepts one answer to it."""
    query = data.get("callback_query")
    if not query:
        return
    message = query.get("message") or {}
    emu._callbacks[query["id"]] = _CallbackQuery(
        query_id=query["id"], user_id=query["from"]["id"],
        chat_id=message.get("chat", {}).get("id", query["from"]["id"]),
        message_id=message.get("message_id", 0), data=query.get("data") or "")


def wire(data: dict[str, Any]) -> dict[str, Any]:
    """The update as it arrives: JSON text, lone surrogates as \\udXXX escapes."""
    return json.loads(json.dumps(data, ensure_ascii=True))


async def questions_from_groups(bot: Harness) -> list[tuple[int, str]]:
    """Questions whose asker is not one of the people who write privately."""
    storage = bot.services.storage
    private = {str(user_id) for user_id in PRIVATE_USERS}
    found = []
    for question in await storage.all_questions():
        owner = await storage.get_user(question.user_id)
        external_id = owner.external_id if owner else "?"
        # /forget (a private command) replaces the id with "forgotten:<n>".
        if external_id not in private and not external_id.startswith("forgotten:"):
            found.append((question.id, external_id))
    return found


async def seed(bot: Harness) -> None:
    """Real cases and a conference, so that forged data can point at things that exist."""
    answered = await bot.ask(WORKER, QUESTION_HOUSING, topic="Nhà ở")
    await bot.ask(WORKER, QUESTION_JOBS, topic="Việc làm", anonymous=True)
    after = bot.last_bot_id(WORKER)
    await bot.answer_by_reply(OFFICIAL, answered, "Được, nếu thu nhập dưới mức chịu thuế.")
    await bot.answer_for(WORKER, answered, after=after)
    await bot.services.conferences.create("Hội nghị đối thoại 2026", time.time() + 7 * 86400,
                                          "Hội trường LĐLĐ tỉnh", "", [], ORGANIZER)


async def wait_until_idle(bot: Harness) -> None:
    """Every pushed update fetched and handled: a /start queued after them is answered.

    (Updates are handled one at a time, in order; the sentinel writes nothing else.)
    """
    after = bot.last_bot_id(SENTINEL)
    await bot.emu.send_text(SENTINEL, "/start")
    await bot.emu.wait_for_bot_message(SENTINEL, lambda m: "Xin chào Cuối" in m["text"],
                                       after=after, timeout=60)


# -- the test ----------------------------------------------------------------------------

async def test_generated_updates_never_crash_a_handler(fuzz_bot: Harness) -> None:
    bot = fuzz_bot
    app = bot.app
    await seed(bot)
    seeded = len(await bot.services.storage.all_questions())

    recent = RecentBotMessages(bot.emu)
    collector = ErrorCollector()
    root = logging.getLogger()
    root.addHandler(collector)
    app.add_error_handler(collector.on_error)
    loop = asyncio.get_running_loop()
    update_ids = itertools.count(10_000_000)
    fed = {"processed": 0, "pushed": 0}

    async def feed(batch: list[dict[str, Any]]) -> None:
        for data in batch:
            data = wire({"update_id": next(update_ids), **data})
            recent.resolve(data)
            register_query(bot.emu, data)
            before = collector.count()
            await app.process_update(Update.de_json(data, app.bot))
            fed["processed"] += 1
            if collector.count() != before:
                report = collector.describe()
                collector.records.clear()
                collector.errors.clear()
                raise AssertionError(f"update {json.dumps(data, ensure_ascii=True)}\n"
                                     f"was not handled cleanly:\n{report}")

    # No shrinking: the bot keeps its state from one batch to the next, so a smaller batch
    # need not fail the same way; the failing update itself is printed, with its traceback.
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
              print_blob=False)
    @given(st.lists(updates, min_size=BATCH, max_size=BATCH))
    def fuzz(batch: list[dict[str, Any]]) -> None:
        asyncio.run_coroutine_threadsafe(feed(batch), loop).result()

    @settings(max_examples=PUSHED[0], derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.lists(updates, min_size=PUSHED[1], max_size=PUSHED[1]))
    def to_push(batch: list[dict[str, Any]]) -> None:
        pushing.extend(batch)

    pushing: list[dict[str, Any]] = []
    pushed: dict[int, dict[str, Any]] = {}
    began = time.monotonic()
    try:
        await loop.run_in_executor(None, fuzz)
        processed_in = time.monotonic() - began

        # Through getUpdates and python-telegram-bot's own parsing.
        await loop.run_in_executor(None, to_push)
        for data in pushing:
            data = wire(data)
            recent.resolve(data)
            register_query(bot.emu, data)
            pushed[bot.emu.push_update(data)] = data
            fed["pushed"] += 1
        try:
            await wait_until_idle(bot)
        except TimeoutError as error:
            raise AssertionError("the pushed updates were not all handled within a minute: the "
                                 f"update loop is stuck or gone\n{collector.describe()}") from error
        if collector.count():
            failed = {getattr(update, "update_id", None) for update, _ in collector.errors}
            raise AssertionError("\n".join(
                [f"update {json.dumps(pushed[i], ensure_ascii=True)} was not handled cleanly"
                 for i in sorted(failed & pushed.keys())] + [collector.describe()]))
    finally:
        recent.close()
        root.removeHandler(collector)
        app.remove_error_handler(collector.on_error)

    total = fed["processed"] + fed["pushed"]
    print(f"\nfed {total} generated updates ({fed['processed']} through process_update in "
          f"{processed_in:.1f} s, {fed['pushed']} through getUpdates); "
          f"{time.monotonic() - began:.1f} s in all")
    assert total >= MINIMUM_FED, total

    # Nothing a group, a channel or a stranger there did became a question.
    assert await questions_from_groups(bot) == []
    assert len(await bot.services.storage.all_questions()) >= seeded

    # And the bot still works for an ordinary worker (one the generated updates left alone:
    # they may have had the others decline consent or be forgotten).
    greeting = await bot.say(NEWCOMER, "/start")
    assert "Xin chào Mới" in greeting["text"], greeting["text"]
    assert "Mời bạn gõ câu hỏi" in (await bot.say(NEWCOMER, "/ask"))["text"]
    menu = await bot.say(NEWCOMER, "Công nhân thuê trọ có được hỗ trợ tiền nhà không ạ?")
    assert any("Nhà ở" in button["text"] for button in menu["buttons"]), menu
