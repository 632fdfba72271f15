"""Consent before anything personal is kept; /mydata and /forget.

The consent gate runs before the other handlers (group -1): a worker who has
not yet said yes or no sees the notice instead of having their update
processed. Staff (organizers, admin ids) are not asked.
"""

from __future__ import annotations

import io

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from bot.services.privacy import PREFIX
from handlers import worker as worker_handlers
from handlers.common import Context, button_presser, display_name, send, services, worker


def _staff(update: Update, context: Context) -> bool:
    config = context.bot_data["config"]
    user = update.effective_user
    return user is not None and user.id in (config.organizers.user_ids | config.officials.admin_user_ids)


async def consent_gate(update: Update, context: Context) -> None:
    chat, sender = update.effective_chat, update.effective_user
    if sender is None or sender.is_bot or (chat is not None and chat.type != chat.PRIVATE):
        return
    if _staff(update, context):
        return
    query = update.callback_query
    if query is not None and (query.data or "").startswith(f"{PREFIX}:"):
        return  # the answer to the notice itself
    if update.message is None and query is None:
        return  # edits and the like: nothing to ask about
    user = await worker(update, context)
    if user.consent is not None:
        return
    if query is not None:
        await query.answer()
    await send(context, int(user.chat_id), services(context).privacy.notice(user))
    raise ApplicationHandlerStop


async def consent_button(update: Update, context: Context) -> None:
    """"pv:yes" / "pv:no" under the notice; "pv:forget" under the /forget question."""
    query = update.callback_query
    user = await button_presser(update, context)
    if user is None:
        return
    svc = services(context)
    t = svc.catalog.text
    action = (query.data or "").partition(":")[2]
    if action not in ("yes", "no", "forget"):
        await query.answer(t(user.language, "ask.stale_button"))
        return
    await query.answer()
    if action == "forget":
        await svc.privacy.forget(user)
        await _edit(update, t(user.language, "privacy.forgotten"))
        return
    granted = action == "yes"
    await svc.privacy.decide(user, granted, display_name(update.effective_user) if update.effective_user else "")
    await _edit(update, t(user.language, "privacy.agreed" if granted else "privacy.declined"))
    await worker_handlers.start(update, context)


async def _edit(update: Update, text: str) -> None:
    try:
        await update.callback_query.edit_message_text(text, parse_mode=ParseMode.HTML)
    except (BadRequest, TypeError):  # TypeError: an inaccessible (48 hours old) message
        pass  # the notice is gone: the answer below says enough


async def my_data(update: Update, context: Context) -> None:
    user = await worker(update, context)
    svc = services(context)
    data = await svc.privacy.export(user)
    await context.bot.send_document(int(user.chat_id), io.BytesIO(data), filename="du-lieu-cua-toi.json",
                                    caption=svc.catalog.text(user.language, "privacy.mydata_caption"),
                                    parse_mode=ParseMode.HTML)


async def forget(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await send(context, int(user.chat_id), services(context).privacy.forget_prompt(user))


async def privacy_notice(update: Update, context: Context) -> None:
    """/privacy: the notice again, to change one's answer."""
    user = await worker(update, context)
    await send(context, int(user.chat_id), services(context).privacy.notice(user))
