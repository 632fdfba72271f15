"""Private chats with workers: thin adapters around AskFlow and QuestionService."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.channels.telegram import keyboard
from bot.models import Button, Reply
from bot.services.text import clean_text, parse_id
from bot.services.vocabulary import command_for
from handlers import organizers
from handlers.common import (
    Context,
    apply_outcome,
    button_presser,
    in_private_chat,
    send,
    services,
    worker,
)

Handler = Callable[[Update, Context], Awaitable[None]]


async def start(update: Update, context: Context) -> None:
    user = await worker(update, context)
    t = services(context).catalog.text
    menu = (
        (Button(t(user.language, "menu.ask"), "m:ask"),),
        (Button(t(user.language, "menu.my"), "m:my"),),
        (Button(t(user.language, "menu.events"), "m:events"),),
        (Button(t(user.language, "menu.help"), "m:help"),),
    )
    # Cleaned: a name may carry lone UTF-16 surrogates, which cannot be sent back.
    name = clean_text(update.effective_user.first_name or "") if update.effective_user else ""
    await send(context, int(user.chat_id), Reply(t(user.language, "start.greeting", name=name), menu))


async def ask(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await apply_outcome(update, context, user, await services(context).ask.start(user))


async def cancel(update: Update, context: Context) -> None:
    user = await worker(update, context)
    svc = services(context)
    outcome = await svc.organizer.cancel(user) if organizers.is_organizer(update, context) else None
    await svc.conferences.drop_waiting(user)  # the optional workplace question, if asked
    await apply_outcome(update, context, user, outcome or await svc.ask.cancel(user))


async def my_questions(update: Update, context: Context) -> None:
    user = await worker(update, context)
    svc = services(context)
    text = svc.questions.render_history(user, await svc.questions.history(user))
    await send(context, int(user.chat_id), Reply(text))


async def help_text(update: Update, context: Context) -> None:
    """The same list as on Zalo (where the commands read as words), and the words here too."""
    user = await worker(update, context)
    t = services(context).catalog.text
    await send(context, int(user.chat_id),
               Reply(t(user.language, "help.text") + "\n\n" + t(user.language, "help.words")))


async def thanks(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await apply_outcome(update, context, user, await services(context).ask.thanks(user))


async def _privacy(name: str) -> Handler:
    from handlers import privacy  # handlers.privacy imports this module
    return getattr(privacy, name)  # type: ignore[no-any-return]


async def text(update: Update, context: Context) -> None:
    if await organizers.handles_message(update, context):
        return
    raw = update.effective_message.text or ""
    keyword = command_for(raw)
    if keyword is not None:  # "hỏi", "hủy", "xin chào"... with or without accents
        route = KEYWORDS[keyword]
        await (route if not isinstance(route, str) else await _privacy(route))(update, context)
        return
    user = await worker(update, context)
    svc = services(context)
    # The company or industrial park, when asked before a question for a conference.
    outcome = await svc.conferences.workplace_text(svc.ask, user, raw)
    await apply_outcome(update, context, user, outcome or await svc.ask.text(user, raw))


async def photo_with_caption(update: Update, context: Context) -> None:
    """A photo with a caption: the caption is the question, the picture is not kept."""
    if await organizers.handles_message(update, context):
        return
    user = await worker(update, context)
    caption = update.effective_message.caption or ""
    await apply_outcome(update, context, user, await services(context).ask.text(user, caption))


async def not_text(update: Update, context: Context) -> None:
    if await organizers.handles_message(update, context):  # an announcement's photo or file
        return
    user = await worker(update, context)
    await apply_outcome(update, context, user, await services(context).ask.not_text(user))


async def events(update: Update, context: Context) -> None:
    """/events: upcoming conferences, each with subscribe and ask buttons."""
    user = await worker(update, context)
    svc = services(context)
    upcoming = await svc.conferences.upcoming()
    if not upcoming:
        await send(context, int(user.chat_id), Reply(svc.catalog.text(user.language, "events.none")))
        return
    await send(context, int(user.chat_id), Reply(svc.catalog.text(user.language, "events.header")))
    for conference in upcoming:
        await send(context, int(user.chat_id), await svc.conferences.event_card(conference, user))


async def event_button(update: Update, context: Context) -> None:
    """"ev:<conference>:sub|unsub|ask|skipwp" (skipwp: no workplace given)."""
    query = update.callback_query
    user = await button_presser(update, context)
    if user is None:
        return
    svc = services(context)
    parts = (query.data or "").split(":")
    conference_id = parse_id(parts[1]) if len(parts) == 3 else None
    conference = await svc.conferences.conference(conference_id) if conference_id else None
    if (conference is None or conference.status != "scheduled"
            or parts[2] not in ("sub", "unsub", "ask", "skipwp")):
        await query.answer(svc.catalog.text(user.language, "events.gone"))
        return
    if parts[2] == "ask":
        await apply_outcome(update, context, user, await svc.conferences.ask_for(svc.ask, conference, user))
        return
    if parts[2] == "skipwp":
        await apply_outcome(update, context, user,
                            await svc.conferences.skip_workplace(svc.ask, conference, user))
        return
    await svc.conferences.subscribe(conference.id, user, parts[2] == "sub")
    await query.answer(svc.catalog.text(user.language,
                                        "events.subscribed" if parts[2] == "sub" else "events.unsubscribed"))
    card = await svc.conferences.event_card(conference, user)
    try:
        await query.edit_message_text(card.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(card.buttons))
    except (BadRequest, TypeError):
        pass  # unchanged (a double tap), or inaccessible (python-telegram-bot's TypeError)


async def stop_news(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await services(context).broadcasts.opt_out(user, True)
    await send(context, int(user.chat_id), Reply(services(context).catalog.text(user.language, "news.stopped")))


async def start_news(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await services(context).broadcasts.opt_out(user, False)
    await send(context, int(user.chat_id), Reply(services(context).catalog.text(user.language, "news.started")))


async def news_button(update: Update, context: Context) -> None:
    """The 🔕 button under every announcement."""
    query = update.callback_query
    await query.answer()
    if in_private_chat(update) and query.data == "news:off":
        await stop_news(update, context)


async def unknown_command(update: Update, context: Context) -> None:
    user = await worker(update, context)
    await send(context, int(user.chat_id),
               Reply(services(context).catalog.text(user.language, "unknown.command")))


async def menu_button(update: Update, context: Context) -> None:
    query = update.callback_query
    route = {"m:ask": ask, "m:my": my_questions, "m:help": help_text,
             "m:events": events}.get(query.data or "")
    if not in_private_chat(update):
        route = None
    if route is not ask:  # ask answers the query itself, with the outcome of the press
        await query.answer()
    if route is not None:
        await route(update, context)


async def ask_button(update: Update, context: Context) -> None:
    user = await button_presser(update, context)
    if user is None:
        return
    outcome = await services(context).ask.button(user, update.callback_query.data or "")
    await apply_outcome(update, context, user, outcome)


async def rate_button(update: Update, context: Context) -> None:
    """"r:<case>:up|down" under an answer."""
    user = await button_presser(update, context)
    if user is None:
        return
    outcome = await services(context).ask.rate(user, update.callback_query.data or "")
    await apply_outcome(update, context, user, outcome)


async def followup_button(update: Update, context: Context) -> None:
    query = update.callback_query
    user = await button_presser(update, context)
    if user is None:
        return
    parts = (query.data or "").split(":")
    case_id = parse_id(parts[1]) if len(parts) == 2 else None
    if case_id is None:
        await query.answer(services(context).catalog.text(user.language, "followup.invalid"))
        return
    await apply_outcome(update, context, user, await services(context).ask.start_followup(user, case_id))


async def unknown_button(update: Update, context: Context) -> None:
    user = update.effective_user
    catalog = services(context).catalog
    language = catalog.language_for(user.language_code if user else None)
    await update.callback_query.answer(catalog.text(language, "ask.stale_button"))


# What a worker may type instead of a command, as on Zalo (bot/services/vocabulary.py).
KEYWORDS: dict[str, Handler | str] = {
    "ask": ask, "my": my_questions, "cancel": cancel, "help": help_text, "start": start,
    "events": events, "stop_news": stop_news, "start_news": start_news, "thanks": thanks,
    "privacy": "privacy_notice", "mydata": "my_data", "forget": "forget",
}
