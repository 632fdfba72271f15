"""English texts, for users whose client language is English."""

STRINGS: dict[str, str] = {
    "cmd.ask": "Ask a question",
    "cmd.my": "My questions",
    "cmd.help": "How to use the bot",
    "cmd.cancel": "Cancel what you are doing",
    "start.greeting": (
        "Hello {name}! 👋\n"
        "This is <b>Đối thoại</b> (Dialogue): union members, workers, civil servants and "
        "employees send questions here to the trade union and the provincial departments.\n\n"
        "• Questions answered before: the bot answers at once.\n"
        "• New questions: the bot passes them to the officials in charge and brings the answer back to you.\n"
        "• You may ask <b>anonymously</b>.\n\n"
        "What would you like to do?"
    ),
    "menu.ask": "✍️ Ask a question",
    "menu.my": "📋 My questions",
    "menu.help": "❓ Help",
    "help.text": (
        "<b>How to use Đối thoại</b>\n"
        "/ask — ask a question: pick a topic, type it, choose to send with your name or anonymously.\n"
        "/my — see the questions you sent and their answers.\n"
        "/cancel — drop the question you are writing.\n\n"
        "When an official answers, the bot messages you with the case number (e.g. #12). "
        "If you ask anonymously, officials never see your name or account."
    ),
    "ask.choose_topic": "What is your question about? Please pick a topic below:",
    "ask.type_question": (
        "Topic: <b>{topic}</b>\n"
        "Please type your question (at least 10 characters, at most 2,000). Send /cancel to stop."
    ),
    "ask.topic_chosen": "Topic: <b>{topic}</b>",
    "ask.too_short": (
        "Your question is a little short for officials to understand. "
        "Please write at least {minimum} letters or digits."
    ),
    "ask.too_long": (
        "Your question is {length} characters long, over the {maximum}-character limit. "
        "Please shorten it or split it into several questions."
    ),
    "ask.not_text": (
        "Sorry, the bot only takes questions as text for now. Please type your question "
        "instead of sending a sticker, voice message, picture or file."
    ),
    "ask.kb_found": "📚 A similar question has already been answered:",
    "ask.kb_entry": "<b>Q:</b> {question}\n<b>A:</b> {answer}",
    "ask.kb_prompt": "Does this answer your question?",
    "ask.kb_yes": "✅ Yes, thank you",
    "ask.kb_no": "📨 Send my question to officials anyway",
    "ask.kb_thanks": "Glad it helped! Send /ask whenever you have another question.",
    "ask.identity": (
        "Send your question <b>with your name</b> or <b>anonymously</b>?\n"
        "• With name: officials see your name, “{name}”.\n"
        "• Anonymous: officials see neither your name nor your account; the answer still comes back to you."
    ),
    "ask.named": "👤 With my name",
    "ask.anonymous": "🕶 Anonymously",
    "ask.confirm": (
        "Please check before sending:\n"
        "<b>Topic:</b> {topic}\n"
        "<b>Sent:</b> {identity}\n"
        "<b>Question:</b>\n<blockquote>{question}</blockquote>"
    ),
    "ask.identity_named": "with name ({name})",
    "ask.identity_anonymous": "anonymously",
    "ask.send": "📨 Send question",
    "ask.cancel": "✖️ Cancel",
    "ask.sent": (
        "✅ Question sent. Your case number is <b>#{id}</b>.\n"
        "The bot will send you the answer as soon as an official replies. See it again with /my."
    ),
    "ask.cancelled": "The question you were writing is cancelled. Ask again any time with /ask.",
    "ask.nothing_to_cancel": "There is nothing to cancel. Send /ask to ask a question.",
    "ask.stale_button": "This button is out of date. Please use the latest message or send /ask.",
    "ask.use_buttons": "Please choose with the buttons above, or send /cancel to stop.",
    "ask.unknown_topic": "This topic no longer exists. Please choose again.",
    "my.empty": "You have not sent any questions yet. Send /ask to ask your first one.",
    "my.header": "<b>Your questions</b> (newest first):",
    "my.item": "<b>#{id}</b> · {topic} · {status}\n<blockquote>{question}</blockquote>",
    "my.item_answer": "<b>Answer:</b> {answer}",
    "status.open": "⏳ waiting for an answer",
    "status.answered": "✅ answered",
    "answer.delivered": (
        "📬 Your question <b>#{id}</b> has been answered.\n\n"
        "<b>You asked:</b>\n<blockquote>{question}</blockquote>\n"
        "<b>Answer:</b>\n{answer}"
    ),
    "answer.continued": "📬 <b>#{id}</b> (continued)\n{answer}",
    "answer.rate_up": "👍 Helpful",
    "answer.rate_down": "👎 Not satisfied",
    "rate.thanks": "Thank you for your feedback!",
    "rate.invalid": "This button can no longer be used.",
    "error.generic": (
        "Sorry, something went wrong on our side. Everything you sent is stored safely. "
        "Please try again in a few minutes."
    ),
    "unknown.command": "The bot does not know this command. Send /help for help.",
    "card.new": (
        "📩 <b>#{id}</b> · {topic}\n"
        "<b>Asked by:</b> {asker}\n"
        "<blockquote>{question}</blockquote>\n"
        "<i>Answer by replying to this message, or /answer {id} your text.</i>"
    ),
    "card.anonymous": "Anonymous",
    "card.answered": (
        "✅ <b>#{id}</b> · {topic}\n"
        "<b>Asked by:</b> {asker}\n"
        "<blockquote>{question}</blockquote>\n"
        "<b>Answered</b> by {official} at {time}:\n{answer}"
    ),
    "officials.answer_sent": "✅ Answer to #{id} recorded; the bot is delivering it to the asker.",
    "officials.answer_usage": "Usage: /answer &lt;case number&gt; &lt;answer text&gt;, e.g. /answer 12 The answer…",
    "officials.no_such_question": "There is no question #{id}.",
    "officials.answer_empty": "The answer is empty. Please type the answer text.",
    "officials.answer_not_text": "An answer must be text. Please type the answer.",
    "officials.not_allowed": "Only members of the officials' group may answer questions.",
}
