"""The one factory: config in, a ready Application out.

`build_application` wires Telegram; `setup` (run as post_init, or by `start`
for tests and the sandbox) opens storage and builds the services, because
those need the event loop. Telegram, the Zalo Bot Platform and the Zalo
Official Account run in one process from one config; either Zalo may be absent.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest

import handlers
from bot.channels.telegram import (
    CHANNEL,
    MembershipCache,
    SendingRateLimiter,
    TelegramSender,
    check_officials_chats,
)
from bot.channels.telegram_updates import DurableUpdater
from bot.channels.zalo import CHANNEL as ZALO
from bot.channels.zalo import ZaloChannel
from bot.channels.zalo_oa import CHANNEL as ZALO_OA
from bot.channels.zalo_oa import ZaloOAChannel
from bot.config import Config
from bot.i18n import CATALOGS, Catalog
from bot.services import Services
from bot.services.ask_flow import AskFlow
from bot.services.broadcasts import BroadcastService
from bot.services.conferences import ConferenceService
from bot.services.housekeeping import Housekeeping
from bot.services.knowledge import KnowledgeService, keep_out_of_collections
from bot.services.officials_chats import OfficialsChats
from bot.services.organizer_flow import OrganizerFlow
from bot.services.outbox import OutboxDispatcher, Sender, UndeliveredNotices
from bot.services.privacy import PrivacyService
from bot.services.questions import Deadlines, OfficialsRoute, QuestionService
from bot.storage import Storage
from handlers.zalo import ZaloWorker

log = logging.getLogger(__name__)

WORKER_COMMANDS = ("ask", "my", "events", "help", "cancel", "stop_news", "mydata", "forget")
HOUSEKEEPING_INTERVAL = 30.0  # seconds between looks for overdue cases and the digest


def build_application(config: Config, *, request: BaseRequest | None = None,
                      get_updates_request: BaseRequest | None = None,
                      rate_limiter: BaseRateLimiter | None = None) -> Application:  # type: ignore[type-arg]
    builder = (
        ApplicationBuilder()
        .token(config.telegram.token)
        .base_url(config.telegram.base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(rate_limiter or SendingRateLimiter(max_retries=2))
        # Updates come through DurableUpdater (journal first, acknowledge after).
        .updater(None)
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app = builder.build()
    app.bot_data["config"] = config
    app.bot_data["members"] = MembershipCache(config.officials.admin_user_ids)
    handlers.register(app, config)
    return app


async def setup(app: Application) -> None:  # type: ignore[type-arg]
    """Open storage, build the services, load the KB, start delivering."""
    if "services" in app.bot_data:
        return
    config: Config = app.bot_data["config"]
    storage = await Storage.open(config.storage.path)
    catalog = Catalog(config.bot.default_language)
    knowledge = KnowledgeService(storage, [t.key for t in config.topics],
                                 config.knowledge_base.suggest_threshold)
    loaded = await knowledge.load()
    wake = Wake()
    broadcasts = BroadcastService(storage, catalog, queued=wake)
    zalo = ZaloChannel(config.zalo, storage, catalog) if config.zalo is not None else None
    zalo_oa = ZaloOAChannel(config.zalo_oa, storage, catalog) if config.zalo_oa is not None else None
    for journaled in (zalo, zalo_oa):
        if journaled is not None:  # [privacy] journal_days: the Zalo journals' retention too
            journaled.journal_keep = config.privacy.journal_days * 86400
    officials_chats = OfficialsChats(
        storage, catalog, CHANNEL, [str(chat) for chat in config.officials_chats],
        [str(admin) for admin in sorted(config.officials.admin_user_ids)], config.bot.default_language,
        queued=wake)
    officials_chats.on_migrate(app.bot_data["officials_filter"].follow)
    senders: dict[str, Sender] = {CHANNEL: TelegramSender(
        app.bot, officials=officials_chats.__contains__,
        topic_note=_topic_note(config, catalog))}
    pace = {CHANNEL: config.telegram.rate_per_second}
    if zalo is not None:
        senders[ZALO] = zalo.sender   # paces itself: a row may be several messages
    if zalo_oa is not None and config.zalo_oa is not None:
        senders[ZALO_OA] = zalo_oa.sender
        pace[ZALO_OA] = config.zalo_oa.rate_per_second
    outbox = OutboxDispatcher(storage, senders, pace=pace, after_pass=broadcasts.report_progress,
                              on_undelivered=UndeliveredNotices(storage, catalog, CHANNEL,
                                                                str(config.officials.chat_id),
                                                                config.bot.default_language),
                              chats={CHANNEL: officials_chats})
    wake.target = outbox.wake
    route = OfficialsRoute(CHANNEL, str(config.officials.chat_id), config.bot.default_language)
    questions = QuestionService(
        storage, catalog, config.topics, config.departments, route,
        Deadlines(config.officials.deadline_days, config.officials.holidays, config.bot.timezone),
        queued=wake, max_open=config.bot.max_open_questions,
    )
    await questions.load()
    officials_chats.refresh_cards_with(questions.refresh_cards)
    await officials_chats.load()
    conferences = ConferenceService(storage, catalog, questions, config.bot.timezone,
                                    config.organizers.reminders, config.organizers.reminder_grace,
                                    queued=wake)
    app.bot_data["services"] = Services(
        storage=storage, catalog=catalog, knowledge=knowledge, questions=questions,
        ask=AskFlow(storage, catalog, config.topics, knowledge, questions), outbox=outbox,
        housekeeping=Housekeeping(storage, questions, catalog, route, config.bot.timezone,
                                  config.officials.digest_hour, queued=wake),
        conferences=conferences, broadcasts=broadcasts,
        organizer=OrganizerFlow(storage, catalog, config.topics, conferences, broadcasts,
                                config.bot.timezone),
        privacy=PrivacyService(storage, questions, catalog, config.privacy.retention_days,
                               journal_days=config.privacy.journal_days,
                               outbox_days=config.privacy.outbox_days),
        officials_chats=officials_chats,
    )
    if app.job_queue is not None:
        app.job_queue.run_repeating(_housekeeping_tick, interval=HOUSEKEEPING_INTERVAL, first=5,
                                    name="housekeeping")
    await _set_commands(app, catalog)
    outbox.start()
    for key, channel in (("zalo", zalo), ("zalo_oa", zalo_oa)):
        if channel is not None:  # started by `start`, with the Telegram updater
            channel.attach(ZaloWorker(app.bot_data["services"], channel))
            app.bot_data[key] = channel
    log.info("ready: %d knowledge-base entries, %d topics", loaded, len(config.topics))


def _topic_note(config: Config, catalog: Catalog) -> Callable[[str, int], str]:
    """The line on a card sent to General because its forum topic was deleted."""
    titles = {topic.thread_id: topic.title_for(config.bot.default_language)
              for topic in config.topics if topic.thread_id}

    def note(_chat_id: str, thread_id: int) -> str:
        title = titles.get(thread_id)
        if title is None:
            return catalog.text(config.bot.default_language, "officials_chat.topic_gone_unknown")
        return catalog.text(config.bot.default_language, "officials_chat.topic_gone", topic=title)

    return note


class Wake:
    """Wakes the outbox dispatcher; services get it before the dispatcher exists."""

    def __init__(self) -> None:
        self.target: Callable[[], None] = lambda: None

    def __call__(self) -> None:
        self.target()


async def _housekeeping_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services | None = context.bot_data.get("services")
    if services is not None:
        await services.housekeeping.tick()
        await services.conferences.send_due_reminders()
        await services.privacy.purge_inactive()
        await services.privacy.prune_if_due()


async def teardown(app: Application) -> None:  # type: ignore[type-arg]
    services: Services | None = app.bot_data.pop("services", None)
    if services is not None:
        await services.outbox.stop()
        zalo: ZaloChannel | None = app.bot_data.pop("zalo", None)
        if zalo is not None:
            await zalo.stop()
        zalo_oa: ZaloOAChannel | None = app.bot_data.pop("zalo_oa", None)
        if zalo_oa is not None:
            await zalo_oa.stop()
        await services.storage.close()


def agenda_services(config: Config, storage: Storage) -> ConferenceService:
    """Just enough of the services to read conferences and agendas (for the CLI)."""
    catalog = Catalog(config.bot.default_language)
    route = OfficialsRoute(CHANNEL, str(config.officials.chat_id), config.bot.default_language)
    questions = QuestionService(
        storage, catalog, config.topics, config.departments, route,
        Deadlines(config.officials.deadline_days, config.officials.holidays, config.bot.timezone))
    return ConferenceService(storage, catalog, questions, config.bot.timezone,
                             config.organizers.reminders, config.organizers.reminder_grace)


async def _set_commands(app: Application, catalog: Catalog) -> None:  # type: ignore[type-arg]
    for language in CATALOGS:
        commands = [BotCommand(c, catalog.text(language, f"cmd.{c}")) for c in WORKER_COMMANDS]
        code = None if language == catalog.default_language else language
        await app.bot.set_my_commands(commands, language_code=code)


async def start(app: Application, *, poll_interval: float = 0.0, timeout: int = 10,  # type: ignore[type-arg]
                freeze_loaded: bool = False) -> None:
    """Start everything inside a running event loop: services, handlers, the updater.
    `freeze_loaded`: keep what was just loaded (the knowledge base) out of garbage
    collections, before anything polls (`bot run`)."""
    await app.initialize()
    await setup(app)
    if freeze_loaded:
        keep_out_of_collections()
    await app.start()
    services: Services = app.bot_data["services"]
    await check_officials_chats(app.bot, services.officials_chats)
    updater = DurableUpdater(app, services.storage, timeout=timeout, poll_interval=poll_interval)
    app.bot_data["updater"] = updater
    updater.start()
    zalo: ZaloChannel | None = app.bot_data.get("zalo")
    if zalo is not None:
        await zalo.start(poll_timeout=timeout)
    zalo_oa: ZaloOAChannel | None = app.bot_data.get("zalo_oa")
    if zalo_oa is not None:
        await zalo_oa.start()


async def stop(app: Application) -> None:  # type: ignore[type-arg]
    services: Services | None = app.bot_data.get("services")
    if services is not None:
        # Sending stops first: what is still queued waits, durably, for the next start.
        await services.outbox.stop()
    updater: DurableUpdater | None = app.bot_data.pop("updater", None)
    if updater is not None:
        await updater.stop()
    if app.running:
        await app.stop()
    await teardown(app)
    await app.shutdown()


async def serve(config: Config) -> int:
    """`python -m bot run`: until SIGINT or SIGTERM; returns the exit status.

    If the intake of updates ends by itself (an error it cannot get past), the
    process stops with status 1 so that its supervisor starts it again, rather
    than running on without hearing anyone.
    """
    app = build_application(config)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await start(app, timeout=30, freeze_loaded=True)
    log.info("running; Ctrl-C stops")
    updater: DurableUpdater = app.bot_data["updater"]
    intake = updater.task
    assert intake is not None
    signalled = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait({signalled, intake}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        signalled.cancel()
        died = intake.done() and not stopping.is_set()
        if died:
            error = None if intake.cancelled() else intake.exception()
            log.critical("the intake of Telegram updates stopped (%r); exiting with status 1 "
                         "so that the service is restarted", error)
        await stop(app)
    return 1 if died else 0
