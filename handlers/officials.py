"""The officials' groups: answering, routing and closing cases, reports.

Every action checks that the person is an official (member of an officials'
group, or an admin id) and, for card buttons, that the card is current.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Awaitable, Callable

from telegram import Message, MessageOriginUser, Update
from telegram.constants import ChatID, ParseMode
from telegram.error import BadRequest
from telegram.ext import filters

from bot.channels.telegram import MembershipCache, keyboard
from bot.i18n import Raw
from bot.models import Button, Official, Question, Reply
from bot.services.cards import PREFIX, REJECT_REASONS, PublishPreview
from bot.services.questions import CaseError
from bot.services.text import clean_text, parse_id, shorten
from handlers.common import Context, display_name, send, services
from knowledge_base import Entry

log = logging.getLogger(__name__)

KB_CHOICES = 3  # entries /kb N lists

# The first line of a card as Telegram shows it: "📩 #12 · Nhà ở · chờ trả lời".
CARD_HEADER = re.compile(r"^\S{1,3} #(\d{1,9}) · ")
# A case number in the first line of the bot's other messages about one case
# ("✅ Đã ghi nhận trả lời cho #12; …", "⏰ Câu hỏi #12 đã quá hạn …").
CASE_NUMBER = re.compile(r"#(\d{1,9})\b")
# What an official may answer with besides text: the caption is the answer, the file is copied.
ATTACHMENTS = ("photo", "document", "voice", "audio", "video")


class _ExternalReply(filters.MessageFilter):
    """A reply to a message of another chat or forum topic (Message.external_reply)."""

    def filter(self, message: Message) -> bool:
        return message.external_reply is not None


# Replies in the officials' chats: to a message of the same topic, or quoting one of another topic.
REPLIES = filters.REPLY | _ExternalReply(name="officials.EXTERNAL_REPLY")


def _members(context: Context) -> MembershipCache:
    return context.bot_data["members"]  # type: ignore[no-any-return]


async def _official(context: Context, update: Update) -> Official | None:
    """The acting official, or None for anyone else.

    The trust model: in a private chat only `[officials] admin_user_ids` act as
    officials (nobody else costs a membership check there); in an officials' group,
    its members and its anonymous administrators do. Which cases they may act on is
    `_in_scope`.
    """
    chat, sender = update.effective_chat, update.effective_user
    if chat is None:
        return None
    message = update.effective_message
    if chat.type != chat.PRIVATE and message is not None and message.sender_chat is not None:
        return _anonymous_admin(context, message)
    if sender is None or sender.is_bot:
        return None
    members = _members(context)
    if chat.type == chat.PRIVATE:
        allowed = members.is_admin(sender.id)
    else:
        allowed = await members.is_member(context.bot, sender.id, chat.id)
    return Official(id=sender.id, name=display_name(sender)) if allowed else None


def _in_scope(context: Context, update: Update, question: Question) -> bool:
    """A case is handled from the main officials' group or its topic's own group (and by
    admins in a private chat): a member of another topic's group may not see or change it."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == chat.PRIVATE:
        return update.effective_user is not None and _members(context).is_admin(update.effective_user.id)
    config = context.bot_data["config"]
    chats = services(context).officials_chats
    allowed = {chats.current(str(config.officials.chat_id))}
    topic = config.topic(question.topic)
    if topic is not None and topic.chat_id:
        allowed.add(chats.current(str(topic.chat_id)))
    return chats.current(str(chat.id)) in allowed


def _anonymous_admin(context: Context, message: Message) -> Official | None:
    """An administrator posting as the group itself: `from` is GroupAnonymousBot and
    `sender_chat` the group. Only an administrator can do that, and these handlers see
    only the officials' chats, so the group's own voice is an official's; the name is
    the custom title Telegram sends as `author_signature`. Anything else sent on behalf
    of a chat (a linked channel's post) is nobody's answer."""
    sender_chat = message.sender_chat
    if sender_chat is None or sender_chat.id != message.chat_id or message.chat.type == "private":
        return None
    name = clean_text(message.author_signature or "") or _t(context, "officials.anonymous_admin")
    return Official(id=ChatID.ANONYMOUS_ADMIN, name=name)


def _source(message: Message) -> str:
    """The message a command came in: applying it twice (a replayed update) changes nothing."""
    return f"telegram:{message.chat_id}:{message.message_id}"


def _t(context: Context, key: str, **params: object) -> str:
    svc = services(context)
    return svc.catalog.text(svc.catalog.default_language, key, **params)


def _published(question: Question, entry: Entry) -> tuple[str, dict[str, object]]:
    """What officials are told after publishing: the catalog key and its values."""
    params: dict[str, object] = {"id": question.id, "entry": entry.id}
    if entry.variants:
        return "publish.done_variants", params | {"count": len(entry.variants)}
    return "publish.done", params


async def _tell(context: Context, message: Message, key: str, **params: object) -> None:
    await _say(context, message, _t(context, key, **params))


async def _say(context: Context, message: Message, text: str,
               buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
    """Reply where the message was typed (its forum thread, if any)."""
    thread = message.message_thread_id if message.is_topic_message else None
    await send(context, message.chat_id, Reply(text, buttons), thread_id=thread)


# -- answers ----------------------------------------------------------------


async def reply_to_card(update: Update, context: Context) -> None:
    """A reply to one of the bot's messages about a case is the answer to that case.

    The case is found from the message replied to: a card or follow-up card (the
    cards table), or another message of the bot about one case (the confirmation of
    an answer, a reminder: "#12" in its first line); a reply quoting a card of
    another topic carries it as `external_reply`. A reply to a bot message tied to
    no case gets a hint; other messages (a plain message in a topic "replies" to the
    topic's creation) are not the bot's business.
    """
    message = update.effective_message
    if message is None:
        return
    replied = _replied_bot_message(context, message)
    if replied is None:
        return
    chat_id, message_id, text = replied
    preview = await services(context).storage.publish_preview(chat_id, message_id)
    if preview is not None:  # an edit of an entry about to be published, never an answer
        await _preview_reply(update, context, message, preview)
        return
    question = await _case_of(context, chat_id, message_id, text)
    official = await _official(context, update)
    if official is None:
        if question is not None:
            log.info("ignored a reply to case #%s from a non-official", question.id)
        return
    if question is None:
        await _tell(context, message, "officials.reply_hint")
        return
    if not _in_scope(context, update, question):
        await _tell(context, message, "officials.other_group", id=question.id)
        return
    kind = next((name for name in ATTACHMENTS if getattr(message, name, None)), None)
    if kind is not None and not (message.caption or "").strip():
        await _tell(context, message, "officials.answer_needs_caption")
        return
    if kind is None and not message.text:
        await _tell(context, message, "officials.answer_not_text")
        return
    await _answer(context, message, question, official, message.text or message.caption or "",
                  attachment_kind=kind)


def _replied_bot_message(context: Context, message: Message) -> tuple[str, int, str] | None:
    """(chat id, message id, text) of the bot's message this one replies to, if any."""
    external = message.external_reply
    if external is not None:
        origin = external.origin
        if (isinstance(origin, MessageOriginUser) and origin.sender_user.id == context.bot.id
                and external.chat is not None and external.message_id is not None):
            return str(external.chat.id), external.message_id, ""  # Telegram sends no text here
        return None
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    if replied.forum_topic_created is not None:
        return None  # a plain message in a topic the bot created: no reply at all
    return str(message.chat_id), replied.message_id, replied.text or replied.caption or ""


async def _case_of(context: Context, chat_id: str, message_id: int, text: str) -> Question | None:
    svc = services(context)
    question = await svc.questions.question_for_card(chat_id, message_id)
    if question is not None:
        return question
    # A card the bot sent but could not record (it died in between; the card was then
    # sent again), or another message about one case: its first line names the case.
    first_line = text.split("\n", 1)[0]
    match = CARD_HEADER.match(first_line)
    numbers = {match.group(1)} if match else set(CASE_NUMBER.findall(first_line))
    if len(numbers) != 1:
        return None
    return await svc.questions.question(int(numbers.pop()))


async def edited_answer(update: Update, context: Context) -> None:
    """Editing the message that answered a case (its text, or a photo's caption) sends the
    worker a correction."""
    message = update.edited_message
    raw = (message.text or message.caption) if message is not None else None
    if message is None or not raw:
        return
    official = await _official(context, update)
    if official is None:
        return
    text = clean_text(raw)
    if raw.startswith("/answer"):
        parts = text.split(maxsplit=2)
        text = parts[2] if len(parts) > 2 else ""
    elif raw.startswith("/"):
        return  # another command (/kb N ENTRY): its edit is no new answer text
    if not text:
        return
    stamp = int(message.edit_date.timestamp()) if message.edit_date else message.message_id
    await services(context).questions.edit_answer(str(message.chat_id), message.message_id, official,
                                                  text, stamp)


async def _answer(context: Context, message: Message, question: Question,
                  official: Official, raw_text: str, *, attachment_kind: str | None = None) -> None:
    text = clean_text(raw_text)
    if not text:
        await _tell(context, message, "officials.answer_empty")
        return
    answer = await services(context).questions.answer(
        question, official, text, source=(str(message.chat_id), message.message_id),
        attachment_kind=attachment_kind)
    if answer is None:
        return  # this message was already taken as an answer
    await _tell(context, message, "officials.answer_sent", id=question.id)


# -- commands: /answer N text, /assign N dept, /forward N who, /dup N M, ... ---


CommandAction = Callable[[Context, Message, Question, Official, str], Awaitable[None]]


def _case_command(action: CommandAction, usage: str, *, needs_argument: bool = True):  # type: ignore[no-untyped-def]
    """Wrap a "/command N [argument]" handler: permission, parsing, case lookup."""

    async def handler(update: Update, context: Context) -> None:
        message = update.effective_message
        official = await _official(context, update)
        if official is None:
            await _tell(context, message, "officials.not_allowed")
            return
        parts = (message.text or "").split(maxsplit=2)
        number = parts[1].lstrip("#") if len(parts) > 1 else ""
        argument = parts[2].strip() if len(parts) > 2 else ""
        if parse_id(number) is None:
            await _tell(context, message, usage, departments=_departments(context))
            return
        question = await services(context).questions.question(int(number))
        if question is None:
            await _tell(context, message, "officials.no_such_question", id=number)
            return
        if not _in_scope(context, update, question):
            await _tell(context, message, "officials.other_group", id=question.id)
            return
        if needs_argument and not argument:
            if action is _answer_action:
                await _tell(context, message, "officials.answer_empty")
            else:
                await _tell(context, message, usage, departments=_departments(context))
            return
        try:
            await action(context, message, question, official, argument)
        except CaseError as error:
            await _tell(context, message, error.key, **error.params)

    return handler


def _departments(context: Context) -> str:
    return ", ".join(services(context).questions.cards.departments) or "—"


async def _answer_action(context: Context, message: Message, question: Question,
                         official: Official, argument: str) -> None:
    await _answer(context, message, question, official, argument)


async def _kb_action(context: Context, message: Message, question: Question,
                     official: Official, argument: str) -> None:
    """/kb N: the KB entries nearest to case N; /kb N ENTRY: answer N with that entry."""
    svc = services(context)
    if not argument:
        # Not the entries the asker already saw and found not enough.
        declined = await svc.storage.declined_entries(question.id)
        result = await svc.knowledge.match(question.text, topic=question.topic,
                                           limit=KB_CHOICES + len(declined))
        entries = [m.entry for m in result.matches if m.entry.id not in declined][:KB_CHOICES]
        skipped = [_t(context, "kb.declined_line", entry=entry) for entry in declined]
        if not entries:
            await _say(context, message, "\n".join([_t(context, "kb.nothing_near", id=question.id),
                                                    *skipped]))
            return
        lines = [_t(context, "kb.near_line", entry=e.id, question=shorten(e.question, 200)) for e in entries]
        buttons = svc.questions.cards.kb_buttons(question, [(e.id, e.question) for e in entries])
        await _say(context, message, _t(context, "kb.near_buttons", id=question.id,
                                        lines=Raw("\n".join(lines + skipped))), buttons)
        return
    entry_id = argument.split()[0]
    answer, learned = await svc.questions.answer_from_kb(
        question, official, entry_id, svc.knowledge, (str(message.chat_id), message.message_id))
    if answer is None:
        return  # this message was already taken as an answer
    text = _t(context, "kb.answered", id=question.id, entry=entry_id)
    await _say(context, message, f"{text} {_t(context, 'kb.learned')}" if learned else text)


async def _done(context: Context, message: Message, question: Question | None, action_key: str,
                case_id: int) -> None:
    if question is None:
        await _tell(context, message, "officials.stale_card")
        return
    await _tell(context, message, "officials.done", id=case_id, action=_t(context, action_key))


async def _assign_action(context: Context, message: Message, question: Question,
                         official: Official, argument: str) -> None:
    changed = await services(context).questions.assign(question, None, official, argument.split()[0],
                                                        source=_source(message))
    await _done(context, message, changed, "audit.assigned", question.id)


async def _forward_action(context: Context, message: Message, question: Question,
                          official: Official, argument: str) -> None:
    changed = await services(context).questions.forward(question, None, official, argument,
                                                         source=_source(message))
    await _done(context, message, changed, "audit.forwarded", question.id)


async def _duplicate_action(context: Context, message: Message, question: Question,
                            official: Official, argument: str) -> None:
    original = argument.split()[0].lstrip("#")
    if parse_id(original) is None:
        raise CaseError("officials.duplicate_usage")
    changed = await services(context).questions.mark_duplicate(question, None, official, int(original),
                                                                source=_source(message))
    await _done(context, message, changed, "audit.duplicate", question.id)


async def _reject_action(context: Context, message: Message, question: Question,
                         official: Official, argument: str) -> None:
    changed = await services(context).questions.reject(question, None, official, argument,
                                                        source=_source(message))
    await _done(context, message, changed, "audit.rejected", question.id)


async def _reopen_action(context: Context, message: Message, question: Question,
                         official: Official, _argument: str) -> None:
    changed = await services(context).questions.reopen(question, None, official, source=_source(message))
    await _done(context, message, changed, "audit.reopened", question.id)


async def _publish_action(context: Context, message: Message, question: Question,
                          official: Official, argument: str) -> None:
    """/publish N: the case's question with its answer; /publish N question | answer: edited.
    A case whose follow-up was answered too gets the preview, to choose which pair."""
    svc = services(context)
    edited = None
    if argument:
        question_text, separator, answer_text = argument.partition("|")
        if not separator or not clean_text(question_text) or not clean_text(answer_text):
            raise CaseError("publish.usage")
        edited = (clean_text(question_text), clean_text(answer_text))
    elif len(await svc.questions.publish_pairs(question)) > 1:
        thread = message.message_thread_id if message.is_topic_message else None
        await _send_preview(context, message.chat_id, thread, message.message_id, question)
        return
    entry = await svc.questions.publish(question, None, official, svc.knowledge, edited)
    key, params = _published(question, entry)
    await _tell(context, message, key, **params)


async def _case_action(context: Context, message: Message, question: Question,
                       _official: Official, _argument: str) -> None:
    thread = message.message_thread_id if message.is_topic_message else None
    for page in await services(context).questions.audit(question):
        await send(context, message.chat_id, Reply(page), thread_id=thread)


answer_command = _case_command(_answer_action, "officials.answer_usage")
assign_command = _case_command(_assign_action, "officials.assign_usage")
forward_command = _case_command(_forward_action, "officials.forward_usage")
duplicate_command = _case_command(_duplicate_action, "officials.duplicate_usage")
reject_command = _case_command(_reject_action, "officials.reject_usage")
reopen_command = _case_command(_reopen_action, "officials.case_usage", needs_argument=False)
publish_command = _case_command(_publish_action, "publish.usage", needs_argument=False)
kb_command = _case_command(_kb_action, "kb.usage", needs_argument=False)
case_command = _case_command(_case_action, "officials.case_usage", needs_argument=False)


async def _mute_asker(update: Update, context: Context, question: Question, official: Official) -> None:
    """🔇 confirmed on a card: the asker may send nothing new; who they are stays unknown."""
    query = update.callback_query
    changed, done = await services(context).questions.set_muted(question, question.version, official, True)
    if changed is None:
        await query.answer(_t(context, "officials.stale_card"), show_alert=True)
        return
    await query.answer(_t(context, "mute.done" if done else "mute.already", id=question.id),
                       show_alert=True)


async def _unmute_action(context: Context, message: Message, question: Question,
                         official: Official, _argument: str) -> None:
    """/unmute N: undo the mute set from case N (and only that one: saying whether the
    asker is muted from another case would tell that both cases are one person's)."""
    _changed, done = await services(context).questions.set_muted(question, None, official, False,
                                                                  source=_source(message))
    await _tell(context, message, "mute.undone" if done else "mute.not_muted", id=question.id)


unmute_command = _case_command(_unmute_action, "mute.usage", needs_argument=False)


async def stats_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if await _official(context, update) is None:
        await _tell(context, message, "officials.not_allowed")
        return
    text, chart = await services(context).housekeeping.stats()
    thread = message.message_thread_id if message.is_topic_message else None
    await context.bot.send_photo(message.chat_id, io.BytesIO(chart), caption=text,
                                 parse_mode=ParseMode.HTML, message_thread_id=thread,
                                 filename="thong-ke.png")


# -- card buttons: "c:<case>:<version>:<action>[:<argument>]" -----------------


async def card_button(update: Update, context: Context) -> None:
    query = update.callback_query
    official = await _official(context, update)
    if official is None:
        await query.answer(_t(context, "officials.not_allowed"), show_alert=True)
        return
    parts = (query.data or "").split(":", 4)
    svc = services(context)
    question = None
    case_id, version = (parse_id(parts[1]), parse_id(parts[2])) if len(parts) >= 4 else (None, None)
    if parts[0] == PREFIX and case_id is not None:
        question = await svc.questions.question(case_id)
    if question is None or question.version != version:
        await query.answer(_t(context, "officials.stale_card"), show_alert=True)
        return
    if not _in_scope(context, update, question):
        await query.answer(_t(context, "officials.other_group", id=question.id), show_alert=True)
        return
    action, argument = parts[3], parts[4] if len(parts) > 4 else ""
    try:
        await _card_action(update, context, question, official, action, argument)
    except CaseError as error:
        await query.answer(_t(context, error.key, **error.params), show_alert=True)


async def _card_action(update: Update, context: Context, question: Question, official: Official,
                       action: str, argument: str) -> None:
    query = update.callback_query
    svc = services(context)
    cards = svc.questions.cards
    version = question.version
    changed: Question | None = question
    if action == "assign":
        if not cards.departments:
            await query.answer(_t(context, "officials.no_departments"), show_alert=True)
            return
        await _show_keyboard(update, cards.department_buttons(question))
    elif action == "reject":
        await _show_keyboard(update, cards.reject_buttons(question))
    elif action == "back":
        await _show_keyboard(update, cards.buttons(await svc.questions.card_state(question)))
    elif action == "fwd":
        await _forward_menu(update, context, question)
        return
    elif action == "dup":
        await _duplicate_menu(update, context, question)
        return
    elif action == "dupof" and parse_id(argument) is not None:
        original = await svc.questions.question(int(argument))
        if original is None or not _in_scope(context, update, original):
            raise CaseError("officials.no_such_question", id=int(argument))
        changed = await svc.questions.mark_duplicate(question, version, official, original.id)
    elif action == "fwdd" and argument in cards.departments:
        changed = await svc.questions.forward(question, version, official,
                                              cards.department_name(argument))
    elif action == "fwdr":
        authority = await svc.questions.authority(argument)
        changed = None if authority is None else await svc.questions.forward(
            question, version, official, authority)
    elif action == "kb":
        await _kb_button(update, context, question, official, argument)
        return
    elif action == "dept" and argument in cards.departments:
        changed = await svc.questions.assign(question, version, official, argument)
    elif action == "rsn" and argument in REJECT_REASONS:
        reason = svc.questions.reject_reason_text(argument, svc.catalog.default_language)
        changed = await svc.questions.reject(question, version, official, reason)
    elif action == "reopen":
        changed = await svc.questions.reopen(question, version, official)
    elif action == "mute":
        await _show_keyboard(update, cards.mute_buttons(question))
    elif action == "muteok":
        await _mute_asker(update, context, question, official)
        return
    elif action == "pub":
        message = query.message
        await _send_preview(
            context, message.chat.id,
            message.message_thread_id if getattr(message, "is_topic_message", False) else None,
            message.message_id, question)
        await query.answer()
        return
    elif action in ("pubp", "pube"):
        await _preview_button(update, context, question, action, argument)
        return
    elif action == "pubok":
        message = query.message
        preview = await svc.storage.publish_preview(str(message.chat.id), message.message_id)
        if preview is not None and preview["question_id"] != question.id:
            raise CaseError("publish.preview_gone")
        state = await _preview_state(context, question, preview) if preview is not None else None
        if preview is not None and state is None:
            raise CaseError("publish.not_answered")
        entry = await svc.questions.publish(
            question, version, official, svc.knowledge,
            (state.question, state.answer) if state is not None else None,
            pair=state.chosen.number if state is not None else 0)
        key, params = _published(question, entry)
        await query.answer(_t(context, key, **params))
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except (BadRequest, TypeError):  # TypeError: an inaccessible (48 hours old) message
            pass
        return
    else:
        changed = None
    if changed is None:
        await query.answer(_t(context, "officials.stale_card"), show_alert=True)
        return
    await query.answer()


async def _show_keyboard(update: Update, buttons) -> None:  # type: ignore[no-untyped-def]
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=keyboard(buttons))
    except (BadRequest, TypeError):
        pass  # the same keyboard already, or an inaccessible message: nothing to change


# -- menus on a card, /kb choices, the publish preview ---------------------------


async def _duplicate_menu(update: Update, context: Context, question: Question) -> None:
    """🔁: the likely originals as buttons on the card itself (an edit, not a message: the
    group's sends are few); typing /dup N M stays the way for any other case."""
    query = update.callback_query
    svc = services(context)
    candidates = await svc.questions.likely_duplicates(question, lambda c: _in_scope(context, update, c))
    if not candidates:
        await query.answer(_t(context, "dup.none", id=question.id), show_alert=True)
        return
    await query.answer(_t(context, "dup.choose", id=question.id))
    await _show_keyboard(update, svc.questions.cards.duplicate_buttons(question, candidates))


async def _forward_menu(update: Update, context: Context, question: Question) -> None:
    """↪️: the departments and the authorities cases went to lately, on the card itself."""
    query = update.callback_query
    svc = services(context)
    cards = svc.questions.cards
    recent = await svc.questions.forward_targets()
    if not cards.departments and not recent:
        await query.answer(_t(context, "fwd.none", id=question.id), show_alert=True)
        return
    await query.answer(_t(context, "fwd.choose", id=question.id))
    await _show_keyboard(update, cards.forward_buttons(question, recent))


async def _kb_button(update: Update, context: Context, question: Question, official: Official,
                     entry_id: str) -> None:
    """A /kb N choice: answer the case with that entry; the list then says so."""
    query = update.callback_query
    message = query.message
    svc = services(context)
    answer, learned = await svc.questions.answer_from_kb(
        question, official, entry_id, svc.knowledge, (str(message.chat.id), message.message_id))
    await query.answer()
    if answer is None:
        return  # this list already answered the case
    text = _t(context, "kb.answered", id=question.id, entry=entry_id)
    try:
        await query.edit_message_text(f"{text} {_t(context, 'kb.learned')}" if learned else text,
                                      parse_mode=ParseMode.HTML, reply_markup=None)
    except (BadRequest, TypeError):  # TypeError: an inaccessible (48 hours old) message
        pass


async def _send_preview(context: Context, chat_id: int | str, thread: int | None, reply_to: int,
                        question: Question) -> None:
    """📚: the entry the case would become, under the card (or the command)."""
    svc = services(context)
    pairs = await svc.questions.publish_pairs(question)
    if question.status != "answered" or not pairs:
        raise CaseError("publish.not_answered")
    preview = PublishPreview(pairs, pairs[0], pairs[0].question, pairs[0].answer)
    text, buttons = svc.questions.cards.publish_preview(question, preview)
    sent = await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML,
                                          reply_markup=keyboard(buttons), reply_to_message_id=reply_to,
                                          message_thread_id=thread)
    await svc.storage.save_publish_preview(str(sent.chat_id), sent.message_id, question.id,
                                           pairs[0].number)


async def _preview_state(context: Context, question: Question,
                         preview: dict[str, object]) -> PublishPreview | None:
    """A stored preview as it reads now (None: its pair has no answer any more)."""
    pairs = await services(context).questions.publish_pairs(question)
    chosen = next((p for p in pairs if p.number == preview["pair"]), None)
    if chosen is None:
        return None
    return PublishPreview(pairs, chosen, str(preview["question"] or chosen.question),
                          str(preview["answer"] or chosen.answer),
                          str(preview["awaiting"]) if preview["awaiting"] else None)


async def _show_preview(context: Context, chat_id: str, message_id: int, question: Question) -> None:
    svc = services(context)
    preview = await svc.storage.publish_preview(chat_id, message_id)
    state = await _preview_state(context, question, preview) if preview is not None else None
    if state is None:
        return
    text, buttons = svc.questions.cards.publish_preview(question, state)
    try:
        await context.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id,
                                            parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons))
    except BadRequest:
        pass  # shown like this already


async def _preview_button(update: Update, context: Context, question: Question, action: str,
                          argument: str) -> None:
    """On a preview: choose the pair ("pubp:<k>") or say which text the next reply edits
    ("pube:q" / "pube:a")."""
    query = update.callback_query
    message = query.message
    chat_id, message_id = str(message.chat.id), message.message_id
    storage = services(context).storage
    preview = await storage.publish_preview(chat_id, message_id)
    if preview is None or preview["question_id"] != question.id:
        await query.answer(_t(context, "publish.preview_gone"), show_alert=True)
        return
    pairs = await services(context).questions.publish_pairs(question)
    if action == "pubp" and parse_id(argument) is not None and any(p.number == int(argument) for p in pairs):
        # Another pair: the edits were of the one before.
        await storage.update_publish_preview(chat_id, message_id, pair=int(argument), question=None,
                                             answer=None, awaiting=None)
    elif action == "pube" and argument in ("q", "a"):
        await storage.update_publish_preview(chat_id, message_id,
                                             awaiting="question" if argument == "q" else "answer")
    else:
        await query.answer(_t(context, "officials.stale_card"), show_alert=True)
        return
    await query.answer()
    await _show_preview(context, chat_id, message_id, question)


async def _preview_reply(update: Update, context: Context, message: Message,
                         preview: dict[str, object]) -> None:
    """A reply to a publish preview: the edited question or answer, after ✏️ was pressed."""
    official = await _official(context, update)
    if official is None:
        return
    question = await services(context).questions.question(int(str(preview["question_id"])))
    if question is None:
        return
    if not _in_scope(context, update, question):
        await _tell(context, message, "officials.other_group", id=question.id)
        return
    if preview["awaiting"] not in ("question", "answer"):
        await _tell(context, message, "publish.reply_hint")
        return
    text = clean_text(message.text or "")
    if not text:
        await _tell(context, message, "publish.edit_not_text")
        return
    chat_id, message_id = str(preview["chat_id"]), int(str(preview["message_id"]))
    await services(context).storage.update_publish_preview(
        chat_id, message_id, **{str(preview["awaiting"]): text, "awaiting": None})
    await _show_preview(context, chat_id, message_id, question)
