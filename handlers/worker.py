"""Private chats with workers: thin adapters around AskFlow and QuestionService."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.channels.telegram import keyboard
from bot.models import Button, Reply, User
from bot.services.ask_flow import Outcome
from handlers.common import Context, in_private_chat, send, services, worker


async def start(update: Update, context: Context) -> None:
    user = await worker(update, context)
    t = services(context).catalog.text
    menu = (
        (Button(t(user.language, "menu.ask"), "m:ask"),),
        (Button(t(user.language, "menu.my"), "m:my"),),
        (Button(t(user.language, "menu.help"), "m:help"),),
    )
    name = update.effective_user.first_name if update.effective_user else ""
    await send(context, int(user.chat_id), Reply(t(user.language, "start.greeting", name=name), menu))


async def ask(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await _apply(update, context, user, await services(context).ask.start(user))


async def cancel(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await _apply(update, context, user, await services(context).ask.cancel(user))


async def my_questions(update: Update, context: Context) -> None:
    user = await worker(update, context)
    svc = services(context)
    text = svc.questions.render_history(user, await svc.questions.history(user))
    await send(context, int(user.chat_id), Reply(text))


async def help_text(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await send(context, int(user.chat_id), Reply(services(context).catalog.text(user.language, "help.text")))


async def text(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await _apply(update, context, user, await services(context).ask.text(user, update.effective_message.text or ""))


async def photo_with_caption(update: Update, context: Context) -> None:
    """A photo with a caption: the caption is the question, the picture is not kept."""
    user = await worker(update, context)
    caption = update.effective_message.caption or ""
    await _apply(update, context, user, await services(context).ask.text(user, caption))


async def not_text(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await _apply(update, context, user, await services(context).ask.not_text(user))


async def unknown_command(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await send(context, int(user.chat_id),
               Reply(services(context).catalog.text(user.language, "unknown.command")))


async def menu_button(update: Update, context: Context) -> None:
    query = update.callback_query
    await query.answer()
    if not in_private_chat(update):
        return
    route = {"m:ask": ask, "m:my": my_questions, "m:help": help_text}.get(query.data or "")
    if route is not None:
        await route(update, context)


async def ask_button(update: Update, context: Context) -> None:
    if not in_private_chat(update):
        await update.callback_query.answer()
        return
    user = await worker(update, context)
    outcome = await services(context).ask.button(user, update.callback_query.data or "")
    await _apply(update, context, user, outcome)


async def rate_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if not in_private_chat(update):
        await query.answer()
        return
    user = await worker(update, context)
    svc = services(context)
    # "r:<question id>:up|down"
    parts = (query.data or "").split(":")
    ok = (len(parts) == 3 and parts[1].isdigit() and parts[2] in ("up", "down")
          and await svc.questions.rate(user, int(parts[1]), 1 if parts[2] == "up" else -1))
    await query.answer(svc.catalog.text(user.language, "rate.thanks" if ok else "rate.invalid"))


async def followup_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if not in_private_chat(update):
        await query.answer()
        return
    user = await worker(update, context)
    parts = (query.data or "").split(":")
    if len(parts) != 2 or not parts[1].isdigit() or len(parts[1]) > 9:
        await query.answer(services(context).catalog.text(user.language, "followup.invalid"))
        return
    await _apply(update, context, user, await services(context).ask.start_followup(user, int(parts[1])))


async def unknown_button(update: Update, context: Context) -> None:
    user = update.effective_user
    catalog = services(context).catalog
    language = catalog.language_for(user.language_code if user else None)
    await update.callback_query.answer(catalog.text(language, "ask.stale_button"))


async def _apply(update: Update, context: Context, user: User, outcome: Outcome) -> None:
    """Carry out an Outcome in Telegram terms."""
    query = update.callback_query
    if query is not None:
        await query.answer(outcome.notice)
        if outcome.edit is not None:
            try:
                await query.edit_message_text(outcome.edit.text, parse_mode=ParseMode.HTML,
                                              reply_markup=keyboard(outcome.edit.buttons))
            except BadRequest:  # the message is gone or unchanged: say it anew instead
                await send(context, int(user.chat_id), outcome.edit)
        elif not outcome.keep_buttons:
            await _clear_buttons(update)
    for reply in outcome.replies:
        await send(context, int(user.chat_id), reply)


async def _clear_buttons(update: Update) -> None:
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except BadRequest:
        pass  # already without buttons, or deleted: nothing to tidy
