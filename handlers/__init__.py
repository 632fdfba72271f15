"""Every handler, registered in one place, in order, grouped by who is talking.

After the flood guard (group -2) and the consent gate (group -1), all
handlers share one group, so exactly one handles an update: the first that
matches, in the order below. Catch-alls come last.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler,
                          MessageHandler, TypeHandler, filters)

from bot.config import Config
from handlers import chats, errors, guard, officials, organizers, privacy, worker


def register(app: Application, config: Config) -> None:  # type: ignore[type-arg]
    new_message = filters.UpdateType.MESSAGE  # edits are not new questions or answers
    private = filters.ChatType.PRIVATE & new_message
    # Grows when Telegram moves an officials' chat (a group upgraded to a supergroup).
    officials_groups = chats.OfficialsFilter(list(config.officials_chats))
    app.bot_data["officials_filter"] = officials_groups
    officials_chat = officials_groups & new_message
    officials_or_admin = officials_chat | private  # admins may act from a private chat

    # Before anything else: the per-user flood limit (raises ApplicationHandlerStop).
    app.bot_data["flood_guard"] = guard.FloodGuard(
        config.bot.flood_limit_per_minute,
        exempt=config.organizers.user_ids | config.officials.admin_user_ids)
    app.add_handler(TypeHandler(Update, guard.flood_guard), group=-2)
    # Then consent: nothing personal is kept before the worker agrees.
    app.add_handler(TypeHandler(Update, privacy.consent_gate), group=-1)

    app.add_handlers([
        # The groups themselves: upgraded by Telegram, the bot removed or added back.
        MessageHandler(filters.StatusUpdate.MIGRATE, chats.migrated),
        ChatMemberHandler(chats.bot_status, ChatMemberHandler.MY_CHAT_MEMBER),
        ChatMemberHandler(chats.member_changed, ChatMemberHandler.CHAT_MEMBER),
        # Workers' commands, in private chats.
        CommandHandler("start", worker.start, filters=private),
        CommandHandler("ask", worker.ask, filters=private),
        CommandHandler("my", worker.my_questions, filters=private),
        CommandHandler("help", worker.help_text, filters=private),
        CommandHandler("cancel", worker.cancel, filters=private),
        CommandHandler("events", worker.events, filters=private),
        CommandHandler("stop_news", worker.stop_news, filters=private),
        CommandHandler("mydata", privacy.my_data, filters=private),
        CommandHandler("forget", privacy.forget, filters=private),
        CommandHandler("privacy", privacy.privacy_notice, filters=private),
        CommandHandler("start_news", worker.start_news, filters=private),
        # Organizers, in private chats (each handler checks the id).
        CommandHandler("conference", organizers.conference, filters=private),
        CommandHandler("announce", organizers.announce, filters=private),
        CommandHandler("agenda", organizers.agenda, filters=private),
        CommandHandler("agenda_edit", organizers.agenda_edit, filters=private),
        CommandHandler("answered", organizers.answered_at_conference, filters=private),
        # Officials, in their groups (any forum topic); admin ids also in private.
        CommandHandler("answer", officials.answer_command, filters=officials_or_admin),
        CommandHandler("assign", officials.assign_command, filters=officials_or_admin),
        CommandHandler("forward", officials.forward_command, filters=officials_or_admin),
        CommandHandler("dup", officials.duplicate_command, filters=officials_or_admin),
        CommandHandler("reject", officials.reject_command, filters=officials_or_admin),
        CommandHandler("reopen", officials.reopen_command, filters=officials_or_admin),
        CommandHandler("publish", officials.publish_command, filters=officials_or_admin),
        CommandHandler("kb", officials.kb_command, filters=officials_or_admin),
        CommandHandler("case", officials.case_command, filters=officials_or_admin),
        CommandHandler("unmute", officials.unmute_command, filters=officials_or_admin),
        CommandHandler("stats", officials.stats_command, filters=officials_or_admin),
        MessageHandler(officials_chat & officials.REPLIES, officials.reply_to_card),
        MessageHandler(officials_groups & filters.UpdateType.EDITED_MESSAGE, officials.edited_answer),
        # Workers' messages.
        MessageHandler(private & filters.COMMAND, worker.unknown_command),
        MessageHandler(private & filters.TEXT, worker.text),
        MessageHandler(private & filters.PHOTO & filters.CAPTION, worker.photo_with_caption),
        MessageHandler(private, worker.not_text),
        # Buttons.
        CallbackQueryHandler(privacy.consent_button, pattern=r"^pv:"),
        CallbackQueryHandler(worker.menu_button, pattern=r"^m:"),
        CallbackQueryHandler(worker.ask_button, pattern=r"^q:"),
        CallbackQueryHandler(worker.rate_button, pattern=r"^r:"),
        CallbackQueryHandler(worker.followup_button, pattern=r"^f:"),
        CallbackQueryHandler(worker.event_button, pattern=r"^ev:"),
        CallbackQueryHandler(worker.news_button, pattern=r"^news:"),
        CallbackQueryHandler(organizers.organizer_button, pattern=r"^o:"),
        CallbackQueryHandler(officials.card_button, pattern=r"^c:"),
        CallbackQueryHandler(worker.unknown_button),  # forged or from an older version
    ])
    app.add_error_handler(errors.on_error)
