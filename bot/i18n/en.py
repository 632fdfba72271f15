"""English texts, for users whose client language is English."""

STRINGS: dict[str, str] = {
    # -- the officials' chats: moved by Telegram, out of reach (told to admins privately) --
    "officials_chat.migrated": (
        "ℹ️ Telegram upgraded the officials' group <code>{old}</code> to a supergroup; its new id is "
        "<code>{new}</code>. The bot now sends there and has re-posted {cards} card(s) still waiting.\n"
        "Please update the config: <code>chat_id = {new}</code> ([officials] or the topic's section)."
    ),
    "officials_chat.held": (
        "⚠️ The bot cannot post in the officials' group <code>{chat}</code>: {why}. {count} card(s) are "
        "waiting.\nNothing is lost: they go out as soon as the bot can post again. "
        "Please add the bot back and make it an administrator (allowed to post)."
    ),
    "officials_chat.recovered": (
        "✅ The bot can post in the officials' group <code>{chat}</code> again. Sending the {count} waiting "
        "message(s)."
    ),
    "officials.other_group": (
        "Question #{id} belongs to another officials' group, so it cannot be handled here. "
        "Please use that topic's group or the main officials' group."
    ),
    "officials_chat.reason.kicked": "the bot was removed (banned) from the group",
    "officials_chat.reason.not_member": "the bot is no longer a member of the group",
    "officials_chat.reason.no_rights": "the bot has no right to post in the group",
    "officials_chat.reason.not_found": "the group was not found (deleted, or a wrong chat_id in the config)",
    "officials_chat.reason.other": "Telegram refused the message",
    "officials_chat.check.not_admin": (
        "ℹ️ The bot is not an administrator of the officials' group <code>{chat}</code>. Replies to its "
        "cards still reach it, but make it an administrator so that it sees every message in the group."
    ),
    "officials_chat.topic_gone": "🗂 <i>This card belongs to the topic “{topic}”, which was deleted.</i>",
    "officials_chat.topic_gone_unknown": "🗂 <i>This card's topic was deleted from the group.</i>",
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
        "/ask — ask a question: type it; if the knowledge base already has the answer, the bot "
        "sends it at once; if not, pick a topic and send it with your name or anonymously.\n"
        "/my — see the questions you sent and their answers.\n"
        "/events — upcoming dialogue conferences: get reminders, send a question for one.\n"
        "/cancel — drop the question you are writing.\n"
        "/stop_news — stop general announcements; /start_news — get them again.\n"
        "/mydata — see the data the bot keeps about you; /forget — delete your personal data.\n\n"
        "When an official answers, the bot messages you with the case number (e.g. #12). "
        "If you ask anonymously, officials never see your name or account."
    ),
    "ask.choose_topic": "What is your question about? Please pick a topic below:",
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
    "ask.named": "📨 Send with my name",
    "ask.anonymous": "🕶 Send anonymously",
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
    "rate.invalid": "You can rate only an answer sent to you, to your question or one you also asked.",
    "error.generic": (
        "Sorry, something went wrong on our side. Everything you sent is stored safely. "
        "Please try again in a few minutes."
    ),
    "unknown.command": "The bot does not know this command. Send /help for help.",
    "officials.answer_sent": "✅ Answer to #{id} recorded; the bot is delivering it to the asker.",
    "officials.answer_usage": "Usage: /answer &lt;case number&gt; &lt;answer text&gt;, e.g. /answer 12 The answer…",
    "officials.no_such_question": "There is no question #{id}.",
    "officials.answer_empty": "The answer is empty. Please type the answer text.",
    "officials.answer_not_text": "An answer must be text. Please type the answer.",
    "officials.not_allowed": "Only members of the officials' group may answer questions.",

    "card.header": "{icon} <b>#{id}</b> · {topic} · <i>{status}</i>",
    "card.asker": "<b>Asked by:</b> {asker}",
    "card.anonymous": "Anonymous",
    "card.followers": "👥 {count} asking the same",
    "card.due": "<b>Due:</b> {when}",
    "card.overdue": "⚠️ <b>Overdue</b> (due: {when})",
    "card.department": "<b>Assigned to:</b> {department} (by {by})",
    "card.forwarded": "<b>Forwarded to:</b> {to}",
    "card.duplicate": "<b>Duplicate of:</b> #{of}",
    "card.rejected": "<b>Rejected:</b> {reason}",
    "card.question": "<blockquote>{question}</blockquote>",
    "card.followup": "<b>Follow-up</b> ({count}):\n<blockquote>{text}</blockquote>",
    "card.answer": "<b>Answered</b> by {official} at {when}:\n{answer}",
    "card.published": "📚 Published to the knowledge base.",
    "card.how_to_answer": (
        "<i>How to answer: press Reply on this message, or type /answer {id} ‹your text›. "
        "Already answered in the knowledge base? /kb {id}</i>"
    ),
    "card.btn_assign": "🏢 Assign",
    "card.btn_forward": "↪️ Forward",
    "card.btn_duplicate": "🔁 Duplicate",
    "card.btn_reject": "⛔ Reject",
    "card.btn_publish": "📚 Publish to KB",
    "card.btn_reopen": "🔄 Reopen",
    "card.btn_back": "◀️ Back",
    "case.status.open": "open",
    "case.status.answered": "answered",
    "case.status.forwarded": "forwarded",
    "case.status.duplicate": "duplicate",
    "case.status.rejected": "rejected",
    "reject.out_of_scope": "Out of scope",
    "reject.personal_documents": "Needs personal documents",
    "reject.unclear": "Unclear",
    "reject_text.out_of_scope": "This is outside what the dialogue programme can answer.",
    "reject_text.personal_documents": (
        "Your case needs your personal documents; please contact the office in charge or your "
        "grassroots union directly for guidance."
    ),
    "reject_text.unclear": "The question is not clear enough; please send it again with more detail.",
    "publish.preview": (
        "📚 <b>Knowledge-base entry from #{id} (preview)</b>\n<b>Q:</b> {question}\n<b>A:</b> {answer}\n"
        "<i>To edit before publishing: /publish {id} question | answer</i>"
    ),
    "publish.confirm": "✅ Publish",
    "publish.done": "📚 #{id} published to the knowledge base (entry {entry}). Similar questions are now answered at once.",
    "publish.done_variants": (
        "📚 #{id} published to the knowledge base (entry {entry}), with {count} other ways workers asked it "
        "(the original wording, merged duplicates). Similar questions are now answered at once."
    ),
    "publish.not_answered": "Only answered questions can be published.",
    "kb.nothing_near": "The knowledge base has no entry close to #{id}.",
    "kb.near": "📚 Knowledge-base entries close to #{id}:\n{lines}\n<i>If one answers it: /kb {id} entry id</i>",
    "kb.near_line": "• <code>{entry}</code> — {question}",
    "kb.usage": (
        "Usage: /kb &lt;question number&gt; &lt;KB entry id&gt;, e.g. /kb 12 kb-041: "
        "answer with an entry already in the knowledge base"
    ),
    "kb.no_such_entry": "The knowledge base has no entry “{entry}”. Type /kb with the question number to see the entries close to it.",
    "kb.answered": "✅ #{id} answered with knowledge-base entry {entry}; the bot is sending it to the asker.",
    "kb.learned": "This wording was added to the entry: whoever asks it this way next is answered at once.",
    "publish.usage": "Usage: /publish &lt;case&gt; [question | answer]",
    "audit.header": "<b>History of #{id}</b> ({status}):",
    "audit.line": "• {when} — {actor}: {action}",
    "audit.detail": "{detail}",
    "audit.system": "System",
    "audit.asked": "asked",
    "audit.answered": "answered",
    "audit.answer_edited": "edited the answer",
    "audit.assigned": "assigned",
    "audit.forwarded": "forwarded to the competent authority",
    "audit.duplicate": "marked as duplicate",
    "audit.rejected": "rejected",
    "audit.reopened": "reopened",
    "audit.published": "published to the knowledge base",
    "audit.followup": "asked a follow-up",
    "audit.followed": "asked the same",
    "audit.overdue": "overdue reminder",
    "officials.stale_card": "This card is out of date: the case just changed. Please use the latest card.",
    "officials.forward_hint": "Send: /forward {id} name of the competent authority",
    "officials.duplicate_hint": "Send: /dup {id} original case number (e.g. /dup {id} 5)",
    "officials.forward_usage": "Usage: /forward &lt;case&gt; &lt;competent authority&gt;",
    "officials.duplicate_usage": "Usage: /dup &lt;case&gt; &lt;original case&gt;",
    "officials.reject_usage": "Usage: /reject &lt;case&gt; &lt;reason&gt;",
    "officials.assign_usage": "Usage: /assign &lt;case&gt; &lt;department&gt;. Departments: {departments}",
    "officials.no_departments": "No departments are configured ([[departments]] in the config file).",
    "officials.duplicate_self": "A question cannot be a duplicate of itself.",
    "officials.case_usage": "Usage: /case &lt;case number&gt;",
    "officials.not_changed": "Case #{id} did not change (it is already in that state).",
    "officials.done": "✅ #{id}: {action}.",
    "notify.assigned": "📌 Your question <b>#{id}</b> has been assigned to <b>{department}</b> to answer.",
    "notify.forwarded": (
        "↪️ Your question <b>#{id}</b> is for <b>{to}</b> to decide. It has been forwarded there; "
        "you may also contact them directly."
    ),
    "notify.duplicate": (
        "🔁 Your question <b>#{id}</b> is the same as question <b>#{of}</b>. "
        "You will receive the answer to #{of}."
    ),
    "notify.rejected": (
        "Sorry, question <b>#{id}</b> cannot be answered through this channel.\n<b>Reason:</b> {reason}\n"
        "You can ask another question with /ask. Thank you for understanding."
    ),
    "notify.correction": "✏️ The answer to your question <b>#{id}</b> was corrected:\n{answer}",
    "answer.followup": "❓ Ask a follow-up",
    "followup.prompt": "Please type your follow-up question about <b>#{id}</b> (send /cancel to stop):",
    "followup.sent": "✅ Your follow-up about <b>#{id}</b> was sent. An official will answer soon.",
    "followup.card": "❓ <b>Follow-up on #{id}</b> · {topic}\n<blockquote>{text}</blockquote>\n<i>To answer: reply to this message.</i>",
    "followup.invalid": "You can only follow up on your own answered questions.",
    "metoo.found": (
        "👥 Your question is much like one waiting for an answer: <b>#{id}</b>, topic <b>{topic}</b>, "
        "{count} asking so far.\nYour question: <blockquote>{question}</blockquote>"
    ),
    "metoo.follow": "👥 Same question as #{id}",
    "metoo.own": "📨 Send my own question",
    "metoo.following": "✅ You are now following <b>#{id}</b>. The bot will send you its answer.",
    # -- "me too" without showing others' words; limits on asking; muting an asker --
    "metoo.choose": (
        "You can <b>ask the same</b> and receive its answer, or send your own question. "
        "<i>(To protect the people who ask, the bot never shows someone else's question.)</i>"
    ),
    "ask.muted": (
        "Sorry, you cannot send new questions through the bot for now. "
        "The questions you already sent are kept, and /my still shows them. "
        "If something is urgent, please contact your grassroots union directly. Thank you for understanding."
    ),
    "ask.too_many_open": (
        "You already have {limit} questions waiting for an answer, the most you can send at once. "
        "Please wait for those to be answered before asking more. "
        "You can see them under “📋 My questions”."
    ),
    "card.muted": "🔇 The asker of #{id} may not send new questions. To undo: /unmute {id}",
    "card.btn_mute": "🔇 Mute the asker of #{id}",
    "card.btn_mute_confirm": "🔇 Confirm: mute the asker of #{id}",
    "audit.muted": "muted the asker",
    "audit.unmuted": "unmuted the asker",
    "mute.done": (
        "🔇 The asker of #{id} is muted: they cannot send new questions until unmuted "
        "(/unmute {id}). Who they are stays confidential."
    ),
    "mute.already": "The asker of #{id} is already muted from this question.",
    "mute.undone": "🔈 The asker of #{id} is unmuted.",
    "mute.not_muted": "No mute was set from question #{id}.",
    "mute.usage": "Usage: /unmute &lt;case number&gt;",
    "status.forwarded": "↪️ forwarded to the competent authority",
    "status.duplicate": "🔁 same as another question",
    "status.rejected": "⛔ could not be answered",
    "nudge.overdue": "⏰ Question <b>#{id}</b> is overdue (due: {when}). Please answer it soon.",
    "digest.header": "🗓 <b>Digest for {day}</b>",
    "digest.by_status": "<b>By status:</b> {counts}",
    "digest.by_topic": "<b>Open, by topic:</b>\n{lines}",
    "digest.by_department": "<b>Open, by department:</b>\n{lines}",
    "digest.oldest": "<b>Waiting longest:</b>\n{lines}",
    "digest.oldest_line": "• #{id} · {topic} · since {since}{overdue}",
    "digest.overdue_mark": " ⚠️ overdue",
    "digest.none": "No questions are waiting for an answer. 👏",
    "digest.unassigned": "Unassigned",
    "stats.text": (
        "📊 <b>Statistics</b>\n"
        "Questions: {total}\n{by_status}\n"
        "Time to answer (median): {median}\n"
        "Answered on time: {within}\n"
        "Ratings: 👍 {up} · 👎 {down}\n"
        "Answered at once by the knowledge base: {deflections}"
    ),
    "stats.chart_title": "Questions per week and per topic",
    "stats.empty": "No data yet",

    "cmd.events": "Upcoming dialogue conferences",
    "cmd.stop_news": "Stop announcements",
    "cmd.start_news": "Receive announcements again",
    "events.none": "No dialogue conference is coming up yet. You can still ask a question any time with /ask.",
    "events.header": "🗓 <b>Upcoming dialogue conferences</b>",
    "events.item": "🗓 <b>{title}</b>\n🕗 {when}\n📍 {place}",
    "events.description": "{description}",
    "events.topics": "<b>Topics:</b> {topics}",
    "events.subscribe": "🔔 Remind me",
    "events.unsubscribe": "🔕 Stop reminders",
    "events.subscribed_note": "<i>🔔 You will be reminded before the conference.</i>",
    "events.ask": "✍️ Ask a question for this conference",
    "events.subscribed": "Reminders on.",
    "events.unsubscribed": "Reminders off.",
    "events.gone": "This conference is no longer taking place.",
    "ask.for_conference": "✍️ Question for the conference <b>{title}</b>.",
    "reminder.before": "🔔 Reminder: <b>{title}</b>\n🕗 {when}\n📍 {place}\nYou can still send questions for it with /events.",
    "reminder.cancelled": "⚠️ The conference <b>{title}</b> ({when}) has been <b>cancelled</b>. We are sorry for the inconvenience. Questions you sent will still be answered.",
    "news.stop_button": "🔕 Stop announcements",
    "news.stopped": "You will no longer receive general announcements. Answers to your questions still reach you. Send /start_news to receive them again.",
    "news.started": "You will receive announcements again. Send /stop_news to stop.",
    "broadcast.progress": "📣 Sending the announcement…\n{bar} {percent}%\nSent: {sent} · Failed: {failed} · Left: {left}",
    "broadcast.progress_done": "📣 The announcement has been sent.\n{bar} {percent}%\nSent: {sent} · Failed: {failed}",
    "org.not_allowed": "This is for conference organizers.",
    "org.cancelled": "Cancelled.",
    "org.conference_menu": "🗓 <b>Dialogue conferences</b>\nCreate a new conference, or pick one to edit or cancel:",
    "org.new_conference": "➕ New conference",
    "org.edit_conference": "✏️ {title}",
    "org.ask_title": "What is the conference called?",
    "org.ask_when": "When does it take place? E.g. <code>25/12/2026 8h30</code> or <code>8:30 25-12</code>.",
    "org.bad_when": "The bot did not understand this time, or it is in the past. Please type it again, e.g. <code>25/12/2026 8h30</code>.",
    "org.ask_place": "Where does it take place?",
    "org.ask_description": "A short description (who attends, what about). Send <code>-</code> for none.",
    "org.ask_topics": "Which topics will it cover? Tap to select or unselect; none selected means every topic.",
    "org.topics_done": "➡️ Done",
    "org.preview": "<b>Check the conference</b>\n🗓 {title}\n🕗 {when}\n📍 {place}\n{description}\n<b>Topics:</b> {topics}",
    "org.all_topics": "all",
    "org.create": "✅ Create",
    "org.created": "✅ Conference <b>#{id}</b> created: {title}. Workers see it and subscribe with /events; choose 📣 to announce it to them, with buttons to get reminders and ask questions.",
    "org.not_found": "This conference was not found (it may have been cancelled).",
    "org.field_title": "✏️ Rename",
    "org.field_when": "🕗 Change the time",
    "org.field_place": "📍 Change the place",
    "org.field_description": "📝 Edit the description",
    "org.cancel_conference": "✖️ Cancel the conference",
    "org.confirm_cancel": "Cancel this conference? Subscribers will be told once.",
    "org.cancel_yes": "✖️ Yes, cancel it",
    "org.conference_cancelled": "The conference is cancelled and subscribers have been told.",
    "org.updated": "✅ Updated. Reminders follow the new time.",
    "org.empty": "This is empty. Please type it again.",
    "org.too_long": "Too long (at most {maximum} characters; an emoji such as 😀 counts as 2).",
    "org.ask_announcement": "📣 Send the announcement: text, or one photo / one file with a caption. Send /cancel to stop.",
    "org.ask_audience": "Who should receive it?",
    "org.audience_all": "👥 All workers",
    "org.audience_conference": "🗓 Subscribers: {title}",
    "org.audience_topic": "💬 Who asked about: {topic}",
    "org.announcement_preview": "<b>Announcement preview</b> — it will go to <b>{count}</b> people:",
    "org.with_attachment": "<i>(with a {kind})</i>",
    "org.send_announcement": "📣 Send now",
    "org.announcement_queued": "📣 The announcement is queued. Progress is shown below.",
    "org.agenda_usage": "Usage: /agenda &lt;conference&gt; [csv]. Conferences: {conferences}",
    "org.agenda_caption": "📋 Agenda: <b>{title}</b> ({count} questions, most shared first). To change how one is read aloud: /agenda_edit &lt;number&gt; &lt;text&gt;",
    "org.answered_usage": "Usage: /answered &lt;case&gt; &lt;the answer given at the conference&gt;",
    "org.answered_done": "✅ The answer given at the conference for #{id} is recorded and sent to the asker and followers.",
    "agenda.title": "{title} — {when}",
    # -- conferences on the day: announcing, workplaces, the agenda's wording, results --
    "menu.events": "🗓 Dialogue conferences",
    "events.ask_workplace": (
        "✍️ Question for the conference <b>{title}</b>.\n"
        "Which company or industrial park do you work at? The organizers use it to group questions "
        "by workplace; only they see it, with your question (even an anonymous one).\n"
        "Optional: type its name (e.g. Viet Tien Garment, Tan Binh IP) or choose Skip."
    ),
    "events.skip_workplace": "⏭ Skip",
    "events.workplace_saved": "Workplace noted: <b>{workplace}</b>.",
    "events.workplace_skipped": "Skipped: no workplace noted.",
    "events.workplace_too_long": "That name is rather long. Please keep it under {maximum} characters, or choose Skip.",
    "ask.sent_conference": (
        "✅ Your question is registered for the conference <b>{title}</b>. "
        "Your case number is <b>#{id}</b>.\n"
        "The organizers will put it on the conference's agenda. The bot will send you the answer "
        "as soon as there is one. See it again with /my."
    ),
    "conference.announcement": (
        "📣 <b>You are invited to a dialogue conference</b>\n\n{details}\n\n"
        "Choose 🔔 to be reminded before it starts, or ✍️ to send a question for it."
    ),
    "org.announce_conference": "📣 Announce this conference",
    "org.conference_announcement_preview": (
        "<b>Announcement preview</b> — to be sent to <b>{count}</b> people, with the buttons "
        "🔔 Remind me and ✍️ Ask a question (numbered choices on Zalo):"
    ),
    "org.conference_stats": "🔔 {subscribers} subscribed to reminders · ✍️ {questions} questions sent for it",
    "org.agenda_edit_usage": (
        "Usage: /agenda_edit &lt;case number&gt; &lt;wording to read aloud&gt;. "
        "/agenda_edit &lt;case number&gt; - goes back to the automatic wording."
    ),
    "org.agenda_edit_done": (
        "✅ Case #{id} will be read aloud as:\n<blockquote>{text}</blockquote>\n"
        "The worker's own words stay in the next column of the agenda file (/agenda)."
    ),
    "org.agenda_edit_reset": "✅ Case #{id} is back to the automatic wording:\n<blockquote>{text}</blockquote>",
    "agenda.source.conference": "Sent for the conference",
    "agenda.source.open": "Waiting for an answer (same topics)",
    "broadcast.report": "📋 <b>Announcement results</b>: sent to {sent}, could not reach {failed}.",
    "broadcast.report_header": "<b>Could not reach:</b>",
    "broadcast.report_line": "• {who} ({channel}): {reason}",
    "broadcast.report_more": "• … and {count} more",
    "broadcast.report_subscribers": (
        "🔔 Subscribed to reminders for <b>{title}</b>: {total}, of whom {new} after this announcement. "
        "See it again any time: /conference, then choose the conference."
    ),
    "broadcast.someone": "Someone who did not let the bot keep their name",
    "broadcast.unreachable.blocked": "blocked the bot",
    "broadcast.unreachable.never_started": "never pressed Start with the bot, so it may not write first",
    "broadcast.unreachable.deactivated": "account deleted",
    "broadcast.unreachable.other": "error: {error}",
    "flood.slow_down": "You are sending messages a little fast. Please wait a minute and send again; the last ones were not processed.",
    # -- the Zalo channel (no buttons there: numbered choices and words) --
    "channel.telegram": "Telegram",
    "channel.zalo": "Zalo",
    "zalo.friend": "there",
    "channel.zalo_oa": "Zalo OA",
    "audit.undelivered": "a message did not reach the asker",
    "audit.undelivered_follower": "a message did not reach someone following the question",
    "undelivered.notice": (
        "⚠️ A message about <b>#{id}</b> did not reach {who} (via {channel}): {why}\n"
        "<i>«{preview}»</i>\n"
        "{after}"
    ),
    "undelivered.asker": "the asker",
    "undelivered.follower": "someone following the question",
    "undelivered.not_resent": "The bot will not send this message again.",
    "undelivered.answer_waits": (
        "The bot will not send it again; the asker can still read the answer by writing to the bot "
        "and opening “my questions”."
    ),
    "undelivered.window": (
        "{days} days have passed since the last message from {who}, so Zalo no longer lets the "
        "Official Account write to them"
    ),
    "undelivered.window_hours": (
        "{hours} hours have passed since the last message from {who}, so Zalo no longer lets the "
        "Official Account write to them"
    ),
    "undelivered.blocked": "{who} blocked the bot",
    "undelivered.blocked.zalo_oa": "{who} unfollowed or blocked the Official Account",
    "undelivered.quota": "the Official Account has used up its message quota for this person",
    "undelivered.other": "the platform refused the message ({error})",
    "zalo.choices_hint": "👉 Reply {first}–{last} to choose.",
    "zalo.choices_hint_one": "👉 Reply 1 to choose.",
    "zalo.out_of_range": "There is no choice number {number}. Please reply with a number from {first} to {last}.",
    "zalo.out_of_range_one": "There is no choice number {number}. There is only one choice: reply 1.",
    "zalo.no_choices": (
        "There are no numbered choices waiting for you. "
        "Send “ask” to ask a question, or “help” for instructions."
    ),
    "zalo.use_choices": "Please reply with the number of one of the choices below, or send “cancel” to stop.",
    "zalo.news_hint": "🔕 Send “stop news” to stop receiving announcements.",
    # message.unsupported.received: Zalo withheld the person's message (a protected group, by law).
    "zalo.withheld": (
        "Zalo did not pass your message on to us: for some accounts Zalo withholds the content, as the "
        "law requires, so we could not read what you wanted to ask.\n\n{how}"
    ),
    "zalo.withheld_hotline": (
        "Please call the union's hotline: <b>{hotline}</b>, or ask a relative to get in touch for you. "
        "We are always glad to hear from you."
    ),
    "zalo.withheld_no_hotline": (
        "Please contact the union at your workplace directly, or ask a relative to get in touch for you. "
        "We are always glad to hear from you."
    ),
    # What a Zalo user types where a text names a Telegram command ("/cancel" → “cancel”).
    "zalo.word.ask": "“ask”",
    "zalo.word.my": "“my questions”",
    "zalo.word.cancel": "“cancel”",
    "zalo.word.help": "“help”",
    "zalo.word.events": "“events”",
    "zalo.word.privacy": "“privacy”",
    "zalo.word.mydata": "“my data”",
    "zalo.word.forget": "“forget”",
    "zalo.word.stop_news": "“stop news”",
    "zalo.word.start_news": "“start news”",
    "zalo.attachment_missing": "(This announcement has a picture or file that cannot be sent through Zalo yet.)",
    "cmd.mydata": "See the data kept about me",
    "cmd.forget": "Delete my personal data",
    "privacy.notice": (
        "🔒 <b>Before you start</b>\n"
        "What is kept: your Telegram display name (only if you agree), your questions and their answers, "
        "so that questions reach officials and answers come back to you.\n"
        "Who sees it: the union and department officials who answer. For anonymous questions, nobody sees your name.\n"
        "See or delete it: /mydata sends you a copy, /forget deletes your personal data.\n"
        "(Under Decree 13/2023/NĐ-CP on personal data protection.)\n\n"
        "May the bot keep your name? If not, you can still ask, but every question will be anonymous."
    ),
    "privacy.agree": "✅ I agree",
    "privacy.decline": "🕶 No, I ask anonymously only",
    "privacy.agreed": "✅ Thank you. You can change your mind any time with /privacy.",
    "privacy.declined": "🕶 The bot will not keep your name; all your questions will be anonymous. Change: /privacy.",
    "privacy.mydata_caption": "📄 Everything the bot keeps about you.",
    "privacy.forget_confirm": (
        "Delete your personal data? Your name and account link are deleted; questions you sent stay as "
        "anonymous records, and you will <b>not receive</b> answers to questions still waiting."
    ),
    "privacy.forget_yes": "🗑 Delete my data",
    "privacy.forgotten": "🗑 Your personal data is deleted. If you write again, the bot will treat you as a new user.",
    # -- deadlines as days; long texts in several messages --
    "deadline.end_of_day": "end of {weekday} {day}",
    "deadline.weekdays": "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday",
    "audit.header_continued": "<b>History of #{id}</b> ({status}, continued):",
    # -- officials as Telegram really shows them: anonymous admins, media answers, replies --
    "officials.anonymous_admin": "Group administrator",
    "officials.reply_hint": (
        "💡 This message is not tied to any question. To answer, reply directly to the question's "
        "card, or type /answer N text (N is the question number)."
    ),
    "officials.answer_needs_caption": (
        "A photo, file or voice message needs a caption with the answer. Please send it again "
        "with a caption."
    ),
    "answer.attachment_copy": "📎 Attached to the answer to your question <b>#{id}</b>.",
    "answer.attachment_left_out": "📎 The official also sent {what}, which the bot cannot pass on through this channel.",
    "attachment.photo": "a photo",
    "attachment.document": "a file",
    "attachment.voice": "a voice message",
    "attachment.audio": "an audio file",
    "attachment.video": "a video",
    # -- followers, follow-ups and ratings: each answer to whom it is meant, 👎 seen by officials --
    "answer.follower_delivered": (
        "📬 The question you also asked (<b>#{id}</b>) has been answered.\n\n"
        "<b>Answer:</b>\n{answer}"
    ),
    "answer.duplicate_delivered": (
        "📬 Your question <b>#{own}</b> is the same as question <b>#{id}</b>, which has now been answered.\n\n"
        "<b>You asked:</b>\n<blockquote>{question}</blockquote>\n"
        "<b>Answer:</b>\n{answer}"
    ),
    "answer.followup_delivered": (
        "📬 Your follow-up question on <b>#{id}</b> has been answered.\n\n"
        "<b>You asked:</b>\n<blockquote>{question}</blockquote>\n"
        "<b>Answer:</b>\n{answer}"
    ),
    "rate.rated_up": "✅ Your rating: 👍 Helpful",
    "rate.rated_down": "✅ Your rating: 👎 Not satisfactory",
    "rate.why": (
        "Thank you for telling us. What was missing in the answer? You can type one short line "
        "for the officials to look at, or skip."
    ),
    "rate.why_skip": "Skip",
    "rate.why_thanks": "Thank you. Your feedback has been passed on to the officials in charge.",
    "rate.why_skipped": "Thank you for your feedback!",
    "dislike.asker": "The asker",
    "dislike.follower": "Someone who also asked",
    "dislike.notice": "👎 #{id}: {who} is not satisfied with the answer.",
    "dislike.notice_reason": "👎 #{id}: {who} is not satisfied with the answer: «{reason}»",
    "card.dislike": "👎 <b>{who}: not satisfied</b>",
    "card.dislike_reason": "👎 <b>{who}: not satisfied:</b> «{reason}»",
    "card.dislikes_more": "👎 … and {count} earlier",
    "card.thread_earlier": "<i>… {count} earlier follow-ups and answers: see /case {id}</i>",
    "audit.disliked": "not satisfied with the answer (👎)",
    "audit.disliked_follower": "someone who also asked is not satisfied with the answer (👎)",
    "stats.follower_ratings": "Ratings by people who also asked: 👍 {up} · 👎 {down}",
    "digest.dislikes": "<b>👎 Not satisfied with an answer:</b>\n{lines}",
    "digest.dislike_line": "• #{id} · {who}",
    "digest.dislike_line_reason": "• #{id} · {who}: «{reason}»",
    # -- one vocabulary on Telegram and Zalo; search first, topic later, one last step --
    "help.words": (
        "You can also type words instead of commands, with or without accents: "
        "“hỏi” (ask), “câu hỏi của tôi” (my questions), “hội nghị” (conferences), “hủy” (cancel), "
        "“trợ giúp” (help)."
    ),
    "zalo.help_choices": (
        "On Zalo, when the bot offers numbered choices, reply with the number (e.g. 2) or type a few "
        "words of the choice, with or without accents; “ok” or “đồng ý” sends your question."
    ),
    "vocab.thanks": "You are welcome! Send /ask whenever you have another question.",
    "ask.type_question_first": (
        "✍️ Please type your question (at least 10 characters, at most 2,000). Send /cancel to stop."
    ),
    "ask.type_full_question": (
        "✍️ Please type your question in full (at least {minimum} characters) so that officials "
        "understand it. Send /cancel to stop."
    ),
    "ask.kb_choices": (
        "📚 The knowledge base has questions close to “{words}”. "
        "Pick one to see its answer, or type your own question:"
    ),
    "ask.kb_write": "✍️ I will type my own question",
    "ask.confirm_send": (
        "Please check before sending:\n"
        "<b>Topic:</b> {topic}\n"
        "<b>Question:</b>\n<blockquote>{question}</blockquote>\n"
        "{how}"
    ),
    "ask.confirm_how_named": (
        "• <b>With your name</b>: officials see your name, “{name}”.\n"
        "• <b>Anonymously</b>: officials see neither your name nor your account; "
        "the answer still comes back to you."
    ),
    "ask.confirm_how_anonymous": (
        "Your question will be sent <b>anonymously</b>: officials see neither your name nor your "
        "account; the answer still comes back to you."
    ),
    # -- officials' tools: likely duplicates, forward targets, /kb choices, publishing step by step --
    "card.declined": (
        "📚 <i>The asker saw entry <code>{entry}</code> (“{question}”) and found it not enough: "
        "do not send it back.</i>"
    ),
    "dup.choose": "Choose the original question below, or type /dup {id} ‹original case number›.",
    "dup.none": "No question like #{id} found. If you know the original, type /dup {id} ‹number›.",
    "dup.button": "{icon} #{id} · {question}",
    "fwd.choose": "Choose an authority below, or type /forward {id} ‹name of the competent authority›.",
    "fwd.none": "No authority to choose from yet. Type /forward {id} ‹name of the competent authority›.",
    "fwd.department": "↪️ {name}",
    "fwd.recent": "🕘 {name}",
    "kb.near_buttons": (
        "📚 Knowledge-base entries close to #{id}:\n{lines}\n"
        "<i>Press one to answer #{id} with it, or type /kb {id} ‹entry id›.</i>"
    ),
    "kb.button": "📚 {entry} · {question}",
    "kb.declined_line": "<i>Entry {entry} is not offered again: the asker saw it and found it not enough.</i>",
    "kb.declined": (
        "The asker of #{id} saw entry {entry} and found it not enough, so the bot does not send it "
        "again. Please answer in your own words and add what is missing."
    ),
    "publish.preview_pair": (
        "📚 <b>Preview of the knowledge-base entry from #{id}</b> · {pair}\n"
        "<b>Q</b>{question_edited}: {question}\n<b>A</b>{answer_edited}: {answer}"
    ),
    "publish.pair_question": "the original question and its answer",
    "publish.pair_followup": "follow-up {count} and its answer",
    "publish.edited": " (edited)",
    "publish.how_to_edit": (
        "<i>To edit before publishing: press ✏️, then Reply to this message with the new text "
        "(or type /publish {id} question | answer).</i>"
    ),
    "publish.awaiting_question": "✍️ <b>Press Reply on this message and type the edited question.</b>",
    "publish.awaiting_answer": "✍️ <b>Press Reply on this message and type the edited answer.</b>",
    "publish.btn_pair_question": "❓ Original question",
    "publish.btn_pair_followup": "❓ Follow-up {count}",
    "publish.btn_chosen": "✔️ {label}",
    "publish.btn_edit_question": "✏️ Edit the question",
    "publish.btn_edit_answer": "✏️ Edit the answer",
    "publish.reply_hint": (
        "To edit this entry, press ✏️ Edit the question or ✏️ Edit the answer on the preview first, "
        "then reply to it."
    ),
    "publish.edit_not_text": "The edited text must be text. Please type it again.",
    "publish.preview_gone": "This preview is out of date. Press 📚 Publish on the card to see it again.",
}
