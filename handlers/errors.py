"""The one error handler: log with the update id, answer the person kindly."""

from __future__ import annotations

import logging
import sqlite3

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.channels.telegram_updates import TRANSIENT
from handlers.common import Context

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, sqlite3.OperationalError) and update_id is not None:
        # Disk full, database locked: the update stays in the journal and is retried.
        log.error("database error on update %s (%s); it will be processed again",
                  update_id, context.error)
        context.bot_data.setdefault(TRANSIENT, set()).add(update_id)
        return
    if isinstance(context.error, BadRequest) and "query is too old" in str(context.error).lower():
        # A button press answered late (replayed after a restart): nothing to tell anyone.
        log.info("update %s: callback query too old to answer", update_id)
        return
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE:
        return  # groups get no apology for every hiccup
    services = context.bot_data.get("services")
    if services is None:
        return
    user = update.effective_user
    language = services.catalog.language_for(user.language_code if user else None)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(chat.id, services.catalog.text(language, "error.generic"),
                                       parse_mode=ParseMode.HTML)
    except TelegramError:
        log.warning("could not tell the user about the error of update %s", update_id)
