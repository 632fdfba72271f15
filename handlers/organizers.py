"""Organizers (config `[organizers] user_ids`), in their private chats with the bot:
/conference, /announce, /agenda ID, /agenda_edit N text, /answered N text.
"""

from __future__ import annotations

import io
import logging

from telegram import Update
from telegram.constants import ParseMode

from bot.models import Official, Reply, User
from bot.services.agenda_files import write_csv, write_xlsx
from bot.services.ask_flow import Outcome
from bot.services.conferences import MAX_READING
from bot.services.organizer_flow import OrganizerOutcome
from bot.services.text import clean_text, parse_id, shorten, utf16_length
from handlers.common import (
    Context,
    apply_outcome,
    display_name,
    in_private_chat,
    send,
    services,
    worker,
)

log = logging.getLogger(__name__)


def is_organizer(update: Update, context: Context) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.bot_data["config"].organizers.user_ids


async def _organizer(update: Update, context: Context) -> User | None:
    """The organizer, registered like any user; None (with a polite refusal) for anyone else."""
    user = await worker(update, context)
    if not is_organizer(update, context):
        await send(context, int(user.chat_id), Reply(services(context).catalog.text(user.language,
                                                                                     "org.not_allowed")))
        return None
    return user


async def conference(update: Update, context: Context) -> None:
    user = await _organizer(update, context)
    if user is not None:
        await apply(update, context, user, await services(context).organizer.conference_menu(user))


async def announce(update: Update, context: Context) -> None:
    user = await _organizer(update, context)
    if user is not None:
        await apply(update, context, user, await services(context).organizer.announce(user))


async def agenda(update: Update, context: Context) -> None:
    user = await _organizer(update, context)
    if user is None:
        return
    svc = services(context)
    parts = (update.effective_message.text or "").split()
    conference_id = parse_id(parts[1]) if len(parts) > 1 else None
    conference = await svc.conferences.conference(conference_id) if conference_id else None
    if conference is None:
        listing = ", ".join(f"{c.id} ({c.title})" for c in await svc.conferences.recent()) or "—"
        await send(context, int(user.chat_id), Reply(svc.catalog.text(user.language, "org.agenda_usage",
                                                                       conferences=listing)))
        return
    rows = await svc.conferences.agenda_rows(conference.id, user.language)
    as_csv = len(parts) > 2 and parts[2].lower() == "csv"
    title = svc.catalog.text(user.language, "agenda.title", title=conference.title,
                             when=svc.conferences.when(conference, user.language))
    if as_csv:
        text = io.StringIO()
        write_csv(rows, text)
        data, filename = ("\ufeff" + text.getvalue()).encode("utf-8"), f"chuong-trinh-{conference.id}.csv"
    else:
        buffer = io.BytesIO()
        write_xlsx(rows, buffer, title=conference.title)
        data, filename = buffer.getvalue(), f"chuong-trinh-{conference.id}.xlsx"
    # A caption holds 1,024 UTF-16 units; a title may have up to 1,000.
    caption = svc.catalog.text(user.language, "org.agenda_caption", title=shorten(conference.title, 600),
                               count=len(rows))
    await context.bot.send_document(int(user.chat_id), io.BytesIO(data), filename=filename,
                                    caption=caption, parse_mode=ParseMode.HTML)
    log.info("agenda %s sent (%s)", conference.id, title)


async def agenda_edit(update: Update, context: Context) -> None:
    """/agenda_edit N text: how case N is read aloud in the hall ("-": the automatic wording)."""
    user = await _organizer(update, context)
    if user is None:
        return
    svc = services(context)
    parts = (update.effective_message.text or "").split(maxsplit=2)
    case_id = parse_id(parts[1].lstrip("#")) if len(parts) > 1 else None
    text = clean_text(parts[2]) if len(parts) > 2 else ""
    t = svc.catalog.text
    if case_id is None or not text:
        await send(context, int(user.chat_id), Reply(t(user.language, "org.agenda_edit_usage")))
        return
    if utf16_length(text) > MAX_READING:
        await send(context, int(user.chat_id), Reply(t(user.language, "org.too_long", maximum=MAX_READING)))
        return
    sender = update.effective_user
    wording = await svc.conferences.edit_wording(case_id, text, sender.id if sender else 0)
    if wording is None:
        await send(context, int(user.chat_id), Reply(t(user.language, "org.agenda_edit_usage")))
        return
    key = "org.agenda_edit_reset" if text in ("-", "—") else "org.agenda_edit_done"
    await send(context, int(user.chat_id), Reply(t(user.language, key, id=case_id, text=wording)))


async def answered_at_conference(update: Update, context: Context) -> None:
    """/answered N text: the answer given in the hall reaches the asker and followers."""
    user = await _organizer(update, context)
    if user is None:
        return
    svc = services(context)
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=2)
    number = parts[1].lstrip("#") if len(parts) > 1 else ""
    text = clean_text(parts[2]) if len(parts) > 2 else ""
    case_id = parse_id(number)
    question = await svc.questions.question(case_id) if case_id else None
    if question is None or not text:
        await send(context, int(user.chat_id), Reply(svc.catalog.text(user.language, "org.answered_usage")))
        return
    sender = update.effective_user
    official = Official(id=sender.id, name=display_name(sender)) if sender else Official(0, "")
    await svc.questions.answer(question, official, text, source=(str(message.chat_id), message.message_id))
    await send(context, int(user.chat_id), Reply(svc.catalog.text(user.language, "org.answered_done",
                                                                  id=question.id)))


async def organizer_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if not in_private_chat(update) or not is_organizer(update, context):
        await query.answer()
        return
    user = await worker(update, context)
    await apply(update, context, user, await services(context).organizer.button(user, query.data or ""))


async def handles_message(update: Update, context: Context) -> bool:
    """Take a private message that belongs to an organizer's open conversation."""
    if not is_organizer(update, context):
        return False
    svc = services(context)
    user = await worker(update, context)
    if not await svc.organizer.active(user):
        return False
    message = update.effective_message
    if message.photo:
        outcome = await svc.organizer.attachment(user, "photo", message.photo[-1].file_id,
                                                 message.caption or "")
    elif message.document:
        outcome = await svc.organizer.attachment(user, "document", message.document.file_id,
                                                 message.caption or "")
    elif message.text:
        outcome = await svc.organizer.text(user, message.text)
    else:
        return False
    await apply(update, context, user, outcome)
    return True


async def apply(update: Update, context: Context, user: User, outcome: Outcome) -> None:
    """Like apply_outcome, and start a confirmed broadcast with its progress message."""
    await apply_outcome(update, context, user, outcome)
    if outcome.start_broadcast is not None:
        text, audience, attachment = outcome.start_broadcast
        svc = services(context)
        # Nothing sent yet, everyone left (with left = 0 the text would already say "done").
        left = len(await svc.broadcasts.audience(audience, sender=user))
        progress = await send(context, int(user.chat_id),
                              Reply(svc.broadcasts.progress_text(user.language, 0, 0, left)))
        conference_id = outcome.conference_id if isinstance(outcome, OrganizerOutcome) else None
        await svc.broadcasts.start(update.effective_user.id if update.effective_user else 0, text, audience,
                                   attachment, (str(progress.chat_id), progress.message_id),
                                   sender=user, conference_id=conference_id)
