"""A question's life: submitted by a worker, carded to officials, answered, rated."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Topic
from bot.i18n import Catalog, Raw
from bot.models import Answer, Button, Draft, Official, OutboxRequest, Question, User
from bot.services.text import MESSAGE_LIMIT, plain_length, shorten, split_text
from bot.storage import Storage

# The card keeps a readable excerpt; the worker always receives the whole answer.
CARD_ANSWER_EXCERPT = 1500


@dataclass(frozen=True)
class OfficialsRoute:
    """Where cards go: one chat, with an optional forum thread per topic."""

    channel: str
    chat_id: str
    language: str


class QuestionService:
    def __init__(self, storage: Storage, catalog: Catalog, topics: Sequence[Topic],
                 route: OfficialsRoute, timezone: str,
                 queued: Callable[[], None] = lambda: None) -> None:
        """`queued` is called after outbox rows are written (to wake the dispatcher)."""
        self._storage = storage
        self._queued = queued
        self._catalog = catalog
        self._topics = {topic.key: topic for topic in topics}
        self._route = route
        self._zone = ZoneInfo(timezone)

    def topic_title(self, key: str, language: str) -> str:
        topic = self._topics.get(key)
        return topic.title_for(language) if topic else key

    async def submit(self, draft: Draft, user: User) -> Question:
        """Store the worker's question and queue its card for officials."""
        question = await self._storage.submit_question(
            draft, asker_name=user.display_name or None, card=self._new_card
        )
        self._queued()
        return question

    def _new_card(self, question: Question) -> OutboxRequest:
        topic = self._topics.get(question.topic)
        return OutboxRequest(
            channel=self._route.channel,
            chat_id=self._route.chat_id,
            text=self._card_text(question),
            thread_id=topic.thread_id if topic else None,
        )

    def _asker(self, question: Question) -> str:
        language = self._route.language
        if question.anonymous or not question.asker_name:
            return self._catalog.text(language, "card.anonymous")
        return question.asker_name

    def _card_text(self, question: Question) -> str:
        language = self._route.language
        return self._catalog.text(
            language, "card.new", id=question.id, topic=self.topic_title(question.topic, language),
            asker=self._asker(question), question=question.text,
        )

    async def question(self, question_id: int) -> Question | None:
        return await self._storage.get_question(question_id)

    async def question_for_card(self, chat_id: str, message_id: int) -> Question | None:
        question_id = await self._storage.question_for_card(chat_id, message_id)
        return await self._storage.get_question(question_id) if question_id else None

    async def answer(self, question: Question, official: Official, text: str,
                     source: tuple[str, int]) -> Answer | None:
        """Record an official's answer and queue it for the asker and the cards.

        `source` is the official's message (chat id, message id): the same
        message is never taken as an answer twice.
        """
        asker = await self._storage.get_user(question.user_id)
        deliveries: list[OutboxRequest] = []
        if asker is not None:
            deliveries += self._answer_messages(question, asker, text, source)
        deliveries += await self._card_updates(question, official, text)
        answer = await self._storage.add_answer(
            question.id, official.id, official.name, text, source, deliveries
        )
        if answer is not None:
            self._queued()
        return answer

    def _answer_messages(self, question: Question, asker: User, text: str,
                         source: tuple[str, int]) -> list[OutboxRequest]:
        language = asker.language
        first = self._catalog.text(language, "answer.delivered", id=question.id,
                                   question=question.text, answer="")
        later = self._catalog.text(language, "answer.continued", id=question.id, answer="")
        pieces = split_text(text, MESSAGE_LIMIT - plain_length(first),
                            MESSAGE_LIMIT - plain_length(later))
        rate = (
            (Button(self._catalog.text(language, "answer.rate_up"), f"r:{question.id}:up"),
             Button(self._catalog.text(language, "answer.rate_down"), f"r:{question.id}:down")),
        )
        messages = []
        for index, piece in enumerate(pieces):
            key = "answer.delivered" if index == 0 else "answer.continued"
            body = self._catalog.text(language, key, id=question.id, question=question.text,
                                      answer=piece)
            messages.append(OutboxRequest(
                channel=asker.channel, chat_id=asker.chat_id, text=body,
                buttons=rate if index == len(pieces) - 1 else (),
                dedupe_key=f"answer:{source[0]}:{source[1]}:{index}",
            ))
        return messages

    async def _card_updates(self, question: Question, official: Official,
                            text: str) -> list[OutboxRequest]:
        language = self._route.language
        when = datetime.now(self._zone).strftime("%H:%M %d/%m/%Y")
        body = self._catalog.text(
            language, "card.answered", id=question.id, topic=self.topic_title(question.topic, language),
            asker=self._asker(question), question=question.text, official=official.name,
            time=when, answer=shorten(text, CARD_ANSWER_EXCERPT),
        )
        return [
            OutboxRequest(channel=self._route.channel, chat_id=chat_id, text=body,
                          edit_message_id=message_id)
            for chat_id, message_id, _thread in await self._storage.cards_of(question.id)
        ]

    async def history(self, user: User, limit: int = 10) -> list[tuple[Question, list[Answer]]]:
        questions = await self._storage.questions_of_user(user.id, limit)
        return [(q, await self._storage.answers_of(q.id)) for q in questions]

    async def rate(self, user: User, question_id: int, rating: int) -> bool:
        """Store a 👍/👎; only the asker may rate, and only an answered question."""
        question = await self._storage.get_question(question_id)
        if question is None or question.user_id != user.id or question.status != "answered":
            return False
        await self._storage.set_rating(question_id, rating)
        return True

    def render_history(self, user: User, items: Sequence[tuple[Question, list[Answer]]]) -> str:
        language = user.language
        if not items:
            return self._catalog.text(language, "my.empty")
        blocks = [self._catalog.text(language, "my.header")]
        for question, answers in items:
            block = self._catalog.text(
                language, "my.item", id=question.id, topic=self.topic_title(question.topic, language),
                status=Raw(self._catalog.text(language, f"status.{question.status}")),
                question=shorten(question.text, 300),
            )
            if answers:
                block += "\n" + self._catalog.text(language, "my.item_answer",
                                                   answer=shorten(answers[-1].text, 600))
            if plain_length("\n\n".join([*blocks, block])) > MESSAGE_LIMIT:
                break
            blocks.append(block)
        return "\n\n".join(blocks)
