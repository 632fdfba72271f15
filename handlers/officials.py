"""The officials' group: answering cards by reply or with /answer N text."""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot.channels.telegram import MembershipCache
from bot.models import Official, Question, Reply
from bot.services.text import clean_text
from handlers.common import Context, send, services

log = logging.getLogger(__name__)


def _members(context: Context) -> MembershipCache:
    return context.bot_data["members"]  # type: ignore[no-any-return]


def _official(message: Message) -> Official | None:
    sender = message.from_user
    if sender is None or sender.is_bot:
        return None
    return Official(id=sender.id, name=sender.full_name)


async def _tell(context: Context, message: Message, key: str, **params: object) -> None:
    svc = services(context)
    text = svc.catalog.text(svc.catalog.default_language, key, **params)
    await send(context, message.chat_id, Reply(text), thread_id=message.message_thread_id
               if message.is_topic_message else None)


async def reply_to_card(update: Update, context: Context) -> None:
    """A reply to one of the bot's cards is the answer to that card's question."""
    message = update.effective_message
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    svc = services(context)
    question = await svc.questions.question_for_card(str(message.chat_id), replied.message_id)
    if question is None:
        return  # a reply to some other bot message (a notice, an old confirmation)
    official = _official(message)
    if official is None or not await _members(context).is_official(context.bot, official.id):
        log.info("ignored a reply to card #%s from a non-member", question.id)
        return
    if not message.text:
        await _tell(context, message, "officials.answer_not_text")
        return
    await _answer(context, message, question, official, message.text)


async def answer_command(update: Update, context: Context) -> None:
    """/answer N text — answers without finding the card."""
    message = update.effective_message
    official = _official(message)
    if official is None or not await _members(context).is_official(context.bot, official.id):
        await _tell(context, message, "officials.not_allowed")
        return
    parts = (message.text or "").split(maxsplit=2)
    number = parts[1].lstrip("#") if len(parts) > 1 else ""
    if not number.isdigit():
        await _tell(context, message, "officials.answer_usage")
        return
    question = await services(context).questions.question(int(number))
    if question is None:
        await _tell(context, message, "officials.no_such_question", id=number)
        return
    await _answer(context, message, question, official, parts[2] if len(parts) > 2 else "")


async def _answer(context: Context, message: Message, question: Question,
                  official: Official, raw_text: str) -> None:
    text = clean_text(raw_text)
    if not text:
        await _tell(context, message, "officials.answer_empty")
        return
    svc = services(context)
    answer = await svc.questions.answer(question, official, text,
                                        source=(str(message.chat_id), message.message_id))
    if answer is None:
        return  # this message was already taken as an answer
    await _tell(context, message, "officials.answer_sent", id=question.id)
