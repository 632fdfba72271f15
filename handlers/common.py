"""What every handler needs: the services, the user as the core knows them, replies."""

from __future__ import annotations

from telegram import Message, Update
from telegram import User as TelegramUser
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.channels.telegram import CHANNEL, keyboard
from bot.models import Button, Reply, User
from bot.services import Services
from bot.services.ask_flow import Outcome
from bot.services.text import clean_text

Context = ContextTypes.DEFAULT_TYPE


def services(context: Context) -> Services:
    return context.bot_data["services"]  # type: ignore[no-any-return]


async def worker(update: Update, context: Context) -> User:
    """Register (or refresh) the person writing in a private chat."""
    sender: TelegramUser = update.effective_user  # type: ignore[assignment]
    svc = services(context)
    # A private chat's id is the user's id: replies go there whatever chat
    # an update came from (a callback may come without its message).
    return await svc.storage.upsert_user(
        CHANNEL, str(sender.id), str(sender.id),
        display_name=display_name(sender), language=svc.catalog.language_for(sender.language_code),
    )


def display_name(sender: TelegramUser) -> str:
    """A name that can be stored and shown: Telegram may send an empty first name (full_name
    is then None) or one with lone UTF-16 surrogates, which SQLite refuses."""
    return clean_text(sender.full_name or "")


def in_private_chat(update: Update) -> bool:
    chat = update.effective_chat
    return chat is None or chat.type == chat.PRIVATE


async def button_presser(update: Update, context: Context) -> User | None:
    """The worker who pressed a button in their private chat; None (the press answered,
    nothing done) for a worker's button pressed anywhere else."""
    if not in_private_chat(update):
        await update.callback_query.answer()  # type: ignore[union-attr]
        return None
    return await worker(update, context)


async def send(context: Context, chat_id: int, reply: Reply, *, thread_id: int | None = None) -> Message:
    return await context.bot.send_message(
        chat_id, reply.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply.buttons),
        message_thread_id=thread_id,
    )


async def apply_outcome(update: Update, context: Context, user: User, outcome: Outcome) -> None:
    """Carry out a flow's Outcome in Telegram terms."""
    query = update.callback_query
    if query is not None:
        await query.answer(outcome.notice)
        if outcome.edit is not None:
            try:
                await query.edit_message_text(outcome.edit.text, parse_mode=ParseMode.HTML,
                                              reply_markup=keyboard(outcome.edit.buttons))
            # Gone or unchanged (BadRequest), or older than 48 hours and so "inaccessible"
            # (python-telegram-bot raises TypeError): say it anew instead.
            except (BadRequest, TypeError):
                await send(context, int(user.chat_id), outcome.edit)
        elif outcome.markup is not None:
            await set_buttons(update, outcome.markup)
        elif not outcome.keep_buttons:
            await clear_buttons(update)
    for reply in outcome.replies:
        await send(context, int(user.chat_id), reply)


async def clear_buttons(update: Update) -> None:
    await set_buttons(update, ())


async def set_buttons(update: Update, buttons: tuple[tuple[Button, ...], ...]) -> None:
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=keyboard(buttons))
    except (BadRequest, TypeError):
        pass  # unchanged, deleted or inaccessible: nothing to tidy
