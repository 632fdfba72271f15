"""Workers on Zalo: thin adapters around AskFlow and QuestionService, like handlers/worker.py.

One worker logic for both Zalo channels: the Bot Platform (bot/channels/zalo.py)
and the Official Account (bot/channels/zalo_oa.py); the channel object says
which one (`name`, where choices are kept, whether button data comes back).

Every choice the core offers is shown numbered (OA buttons, where used, send
back the button's data) and read back here: "2", "số 2", or a few words of
the option with or without accents ("nha o") become the button's data, and
the data goes to the same flow method the Telegram handler calls for it.
Commands are words: "hỏi", "câu hỏi của tôi", "hủy", "trợ giúp" (with or
without accents or a leading "/", and the Telegram commands' English names).
On the OA, following is "start" and unfollowing stops every message but
direct answers (the person is marked blocked).

Every reply goes through the outbox, keyed by the journal row it answers, so
an update processed again after a crash never sends the same reply twice.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.channels.zalo import ZaloIncoming, ZaloJournal, choice_number, match_choice
from bot.i18n import Raw
from bot.models import Button, OutboxRequest, Reply, User
from bot.services import Services
from bot.services.ask_flow import Outcome
from bot.services.privacy import PREFIX as PRIVACY
from bot.services.text import clean_text, parse_id
from bot.services.vocabulary import command_for, is_confirmation

log = logging.getLogger(__name__)

Command = Callable[["ZaloWorker", User], Awaitable[Outcome]]
# What a button's data looks like (see handlers/__init__.py): "q:12:topic:housing", "r:5:up", "m:ask".
_BUTTON_DATA = re.compile(r"^(?:q|r|f|ev|pv|m|news):[A-Za-z0-9_:.\-]{1,60}$")

# The merged last step's "send" choices: "ok" or "đồng ý" picks the first of them.
_SEND_CHOICE = re.compile(r"^q:\d+:(?:named|anon)$")


class ZaloWorker:
    """Handles one Zalo event from a worker (see ZaloJournal.attach)."""

    def __init__(self, services: Services, channel: ZaloJournal) -> None:
        self.svc = services
        self.channel = channel

    def t(self, user: User, key: str, **params: object) -> str:
        return self.svc.catalog.text(user.language, key, **params)

    async def __call__(self, incoming: ZaloIncoming) -> None:
        if not incoming.private:
            return  # the worker's conversation is private; groups are not served on Zalo
        svc = self.svc
        if incoming.event == "unfollow":  # no announcements, no reminders until they come back
            await svc.storage.mark_blocked(self.channel.name, incoming.chat_id)
            return
        user = await svc.storage.upsert_user(self.channel.name, incoming.user_id, incoming.chat_id,
                                             display_name=incoming.name,
                                             language=svc.catalog.default_language)
        try:
            outcome, pressed = await self._outcome(incoming, user)
        except Exception:
            await self._send(incoming, user, [Reply(self.t(user, "error.generic"))], suffix="error")
            raise
        await self._apply(incoming, user, outcome, pressed)

    async def _outcome(self, incoming: ZaloIncoming, user: User) -> tuple[Outcome, bool]:
        """What to do, and whether it was a choice (a "button press")."""
        ask = self.svc.ask
        if incoming.resolved is not None:  # decided on an earlier try: act on the same button
            return await self.press(user, incoming.resolved, name=incoming.name), True
        text = clean_text(incoming.text) if incoming.event == "text" else ""
        command = command_for(text) if text else None  # the same words as on Telegram
        choice = None
        if text and command is None and not text.startswith("/"):
            choice = await self._choice(user, text)
        if incoming.event == "unsupported":
            # Zalo withheld what a person in a protected group wrote (children, people with
            # disabilities, people who cannot read): they cannot answer a notice or a choice,
            # so they are told at once how else to reach the union.
            return Outcome(replies=[self.withheld(user)]), False
        if user.consent is None and not (isinstance(choice, str) and choice.startswith(f"{PRIVACY}:")):
            # As the Telegram consent gate: the notice first, nothing else before an answer.
            return Outcome(replies=[self.svc.privacy.notice(user)]), False
        if incoming.event == "follow":  # a new follower (or one back): as "start"
            return await self.start(replace(user, display_name=incoming.name)), False
        if incoming.event == "image" and incoming.text.strip():
            return await ask.text(user, incoming.text), False  # the caption is the question
        if incoming.event != "text":
            return await ask.not_text(user), False  # stickers, pictures, anything else
        if command == "start":  # greeted by the name Zalo gives, kept or not (as on Telegram)
            return await self.start(replace(user, display_name=incoming.name)), False
        if command is not None:
            return await COMMANDS[command](self, user), False
        if text.startswith("/"):
            return Outcome(replies=[Reply(self.t(user, "unknown.command"))]), False
        if isinstance(choice, Reply):
            return Outcome(replies=[choice]), False
        if choice is not None:
            await self.channel.resolve(incoming, choice)
            return await self.press(user, choice, name=incoming.name), True
        # The company or industrial park, when asked before a question for a conference.
        workplace = await self.svc.conferences.workplace_text(ask, user, text)
        return workplace or await ask.text(user, text), False

    async def _choice(self, user: User, text: str) -> str | Reply | None:
        """The button data the text chooses, a Reply explaining why it cannot, or None (not a choice)."""
        choices = await self.svc.storage.zalo_choices(self.channel.choices_key(user.chat_id))
        if self.channel.button_payloads and (text in {data for _label, data in choices} or _BUTTON_DATA.match(text)):
            return text  # a button pressed: its data came back as the person's message
        if is_confirmation(text):  # "ok", "đồng ý": send, as the first send choice offered
            send = next((data for _label, data in choices if _SEND_CHOICE.match(data)), None)
            if send is not None:
                return send
        number = choice_number(text)
        if number is not None:
            if not choices:
                return Reply(self.t(user, "zalo.no_choices"))
            if not 1 <= number <= len(choices):
                if len(choices) == 1:
                    return Reply(self.t(user, "zalo.out_of_range_one", number=number))
                return Reply(self.t(user, "zalo.out_of_range", number=number, first=1, last=len(choices)))
            return choices[number - 1][1]
        index = match_choice(text, [label for label, _data in choices])
        return choices[index][1] if index is not None else None

    def withheld(self, user: User) -> Reply:
        hotline = self.channel.hotline
        how = (self.t(user, "zalo.withheld_hotline", hotline=hotline) if hotline
               else self.t(user, "zalo.withheld_no_hotline"))
        return Reply(self.t(user, "zalo.withheld", how=Raw(how)))

    # -- the worker's "buttons", by their data (the same routes as handlers/__init__.py) --------

    async def press(self, user: User, data: str, *, name: str = "") -> Outcome:
        """`name`: the worker's Zalo name, kept only if they agree to it."""
        svc = self.svc
        prefix, _, rest = data.partition(":")
        if prefix == PRIVACY:
            return await self._privacy_choice(user, rest, name)
        if prefix == "q":
            return await svc.ask.button(user, data)
        if data in MENU:
            return replace(await MENU[data](self, user), keep_buttons=True)
        if prefix == "r":  # "r:<question id>:up|down"
            return await svc.ask.rate(user, data)
        if prefix == "f":  # "f:<question id>"
            case_id = parse_id(rest)
            if case_id is None:
                return Outcome(notice=self.t(user, "followup.invalid"), keep_buttons=True)
            return await svc.ask.start_followup(user, case_id)
        if prefix == "ev":
            return await self._event_choice(user, rest)
        if data == "news:off":
            return await self.stop_news(user)
        return Outcome(notice=self.t(user, "ask.stale_button"), keep_buttons=True)

    async def _event_choice(self, user: User, rest: str) -> Outcome:
        """"ev:<conference>:sub|unsub|ask|skipwp" (skipwp: no workplace given)."""
        svc = self.svc
        conference_id, _, action = rest.partition(":")
        number = parse_id(conference_id)
        conference = await svc.conferences.conference(number) if number is not None else None
        if (conference is None or conference.status != "scheduled"
                or action not in ("sub", "unsub", "ask", "skipwp")):
            return Outcome(notice=self.t(user, "events.gone"), keep_buttons=True)
        if action == "ask":
            return await svc.conferences.ask_for(svc.ask, conference, user)
        if action == "skipwp":
            return await svc.conferences.skip_workplace(svc.ask, conference, user)
        await svc.conferences.subscribe(conference.id, user, action == "sub")
        return Outcome(notice=self.t(user, "events.subscribed" if action == "sub" else "events.unsubscribed"),
                       edit=await svc.conferences.event_card(conference, user))

    async def _privacy_choice(self, user: User, action: str, name: str) -> Outcome:
        """"pv:yes" / "pv:no" under the notice; "pv:forget" under the "forget" question."""
        privacy = self.svc.privacy
        if action == "forget":
            await privacy.forget(user)
            await self.svc.storage.forget_zalo_chat(user.chat_id, channel=self.channel.name,
                                                    choices_key=self.channel.choices_key(user.chat_id))
            self.channel.forget(user.chat_id)
            return Outcome(edit=Reply(self.t(user, "privacy.forgotten")))
        if action not in ("yes", "no"):
            return Outcome(notice=self.t(user, "ask.stale_button"), keep_buttons=True)
        await privacy.decide(user, action == "yes", name)
        greeting = await self.start(replace(user, display_name=name))
        return replace(greeting, edit=Reply(self.t(user, "privacy.agreed" if action == "yes"
                                                   else "privacy.declined")))

    # -- commands --------------------------------------------------------------------

    async def start(self, user: User) -> Outcome:
        menu = ((Button(self.t(user, "menu.ask"), "m:ask"),),
                (Button(self.t(user, "menu.my"), "m:my"),),
                (Button(self.t(user, "menu.help"), "m:help"),))
        name = user.display_name or self.t(user, "zalo.friend")  # the OA gives no name with a message
        return Outcome(replies=[Reply(self.t(user, "start.greeting", name=name), menu)])

    async def ask(self, user: User) -> Outcome:
        return await self.svc.ask.start(user)

    async def my_questions(self, user: User) -> Outcome:
        questions = self.svc.questions
        return Outcome(replies=[Reply(questions.render_history(user, await questions.history(user)))])

    async def help(self, user: User) -> Outcome:
        """The same list as on Telegram: its commands read as the words to type here."""
        return Outcome(replies=[Reply(self.t(user, "help.text") + "\n\n" + self.t(user, "zalo.help_choices"))])

    async def thanks(self, user: User) -> Outcome:
        return await self.svc.ask.thanks(user)

    async def cancel(self, user: User) -> Outcome:
        await self.svc.conferences.drop_waiting(user)  # the optional workplace question, if asked
        return await self.svc.ask.cancel(user)

    async def events(self, user: User) -> Outcome:
        """Upcoming conferences in one message (one list of choices), not one message each."""
        conferences = self.svc.conferences
        upcoming = await conferences.upcoming()
        if not upcoming:
            return Outcome(replies=[Reply(self.t(user, "events.none"))])
        texts, rows = [self.t(user, "events.header")], []
        for conference in upcoming:
            card = await conferences.event_card(conference, user)
            texts.append(card.text)
            for row in card.buttons:
                rows.append(tuple(Button(f"{b.label} — {conference.title}" if len(upcoming) > 1 else b.label,
                                         b.data) for b in row))
        return Outcome(replies=[Reply("\n\n".join(texts), tuple(rows))])

    async def privacy_notice(self, user: User) -> Outcome:
        return Outcome(replies=[self.svc.privacy.notice(user)])

    async def my_data(self, user: User) -> Outcome:
        """Zalo bots cannot send files: the copy comes as text (split to Zalo's length)."""
        data = (await self.svc.privacy.export(user)).decode("utf-8")
        caption = self.t(user, "privacy.mydata_caption")
        return Outcome(replies=[Reply(f"{caption}\n{html.escape(data, quote=False)}")])

    async def forget(self, user: User) -> Outcome:
        return Outcome(replies=[self.svc.privacy.forget_prompt(user)])

    async def stop_news(self, user: User) -> Outcome:
        await self.svc.broadcasts.opt_out(user, True)
        return Outcome(replies=[Reply(self.t(user, "news.stopped"))], keep_buttons=True)

    async def start_news(self, user: User) -> Outcome:
        await self.svc.broadcasts.opt_out(user, False)
        return Outcome(replies=[Reply(self.t(user, "news.started"))])

    # -- carrying out an Outcome in Zalo terms ------------------------------------------

    async def _apply(self, incoming: ZaloIncoming, user: User, outcome: Outcome, pressed: bool) -> None:
        """Like handlers.common.apply_outcome: the toast and the edit become messages.

        A choice acted on is used up (as Telegram clears a pressed message's
        buttons) unless the flow keeps it; the next message with choices
        replaces it once sent.
        """
        if pressed and (outcome.edit is not None or not outcome.keep_buttons):
            await self.svc.storage.save_zalo_choices(self.channel.choices_key(user.chat_id), [])
        replies = [Reply(outcome.notice)] if outcome.notice else []
        if outcome.markup is not None and outcome.edit is None:
            # The choices left (a rating shows as said, not as a choice), under the notice.
            # (None when a reply brings its own choices: the last choices sent are the ones read.)
            kept = (tuple(b for b in row if not b.data.startswith("r:")) for row in outcome.markup)
            rows = () if any(r.buttons for r in outcome.replies) else tuple(row for row in kept if row)
            replies = [Reply(outcome.notice or "", rows)] if rows or outcome.notice else []
        replies += ([outcome.edit] if outcome.edit is not None else []) + list(outcome.replies)
        await self._send(incoming, user, [self._for_zalo(user, r) for r in replies])

    def _for_zalo(self, user: User, reply: Reply) -> Reply:
        # The one flow text that speaks of buttons.
        if reply.text == self.t(user, "ask.use_buttons"):
            return replace(reply, text=self.t(user, "zalo.use_choices"))
        # Consent must name what is kept: here, the Zalo display name.
        if reply.text == self.t(user, "privacy.notice"):
            return replace(reply, text=reply.text.replace("Telegram", "Zalo"))
        return reply

    async def _send(self, incoming: ZaloIncoming, user: User, replies: list[Reply], *,
                    suffix: str = "") -> None:
        if not replies:
            return
        key = f"{self.channel.name}:{incoming.journal_id}{':' + suffix if suffix else ''}"
        await self.svc.storage.enqueue([
            OutboxRequest(channel=self.channel.name, chat_id=user.chat_id, text=reply.text, buttons=reply.buttons,
                          dedupe_key=f"{key}:{index}")
            for index, reply in enumerate(replies)
        ])
        self.svc.outbox.wake()


COMMANDS: dict[str, Command] = {
    "ask": ZaloWorker.ask, "my": ZaloWorker.my_questions, "cancel": ZaloWorker.cancel,
    "help": ZaloWorker.help, "start": ZaloWorker.start, "events": ZaloWorker.events,
    "stop_news": ZaloWorker.stop_news, "start_news": ZaloWorker.start_news,
    "privacy": ZaloWorker.privacy_notice, "mydata": ZaloWorker.my_data, "forget": ZaloWorker.forget,
    "thanks": ZaloWorker.thanks,
}
MENU: dict[str, Command] = {"m:ask": ZaloWorker.ask, "m:my": ZaloWorker.my_questions,
                            "m:help": ZaloWorker.help, "m:events": ZaloWorker.events}
