"""Every handler, registered in one place, in order, grouped by who is talking."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.config import Config
from handlers import errors, officials, worker


def register(app: Application, config: Config) -> None:  # type: ignore[type-arg]
    new_message = filters.UpdateType.MESSAGE  # edits are not new questions or answers
    private = filters.ChatType.PRIVATE & new_message
    officials_chat = filters.Chat(config.officials.chat_id) & new_message

    # Workers, in private chats.
    app.add_handlers([
        CommandHandler("start", worker.start, filters=private),
        CommandHandler("ask", worker.ask, filters=private),
        CommandHandler("my", worker.my_questions, filters=private),
        CommandHandler("help", worker.help_text, filters=private),
        CommandHandler("cancel", worker.cancel, filters=private),
        # /answer from an admin in a private chat is still an official's answer.
        CommandHandler("answer", officials.answer_command, filters=private | officials_chat),
        MessageHandler(private & filters.COMMAND, worker.unknown_command),
        MessageHandler(private & filters.TEXT, worker.text),
        MessageHandler(private & filters.PHOTO & filters.CAPTION, worker.photo_with_caption),
        MessageHandler(private, worker.not_text),
        CallbackQueryHandler(worker.menu_button, pattern=r"^m:"),
        CallbackQueryHandler(worker.ask_button, pattern=r"^q:"),
        CallbackQueryHandler(worker.rate_button, pattern=r"^r:"),
        CallbackQueryHandler(worker.unknown_button),  # forged or from an older version
    ])

    # Officials, in their group (any forum topic).
    app.add_handler(MessageHandler(officials_chat & filters.REPLY, officials.reply_to_card))

    app.add_error_handler(errors.on_error)
