"""Domain services: the question lifecycle, the worker's flow, the outbox.

Nothing in this package imports `telegram`; channels translate to and from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Catalog
from bot.services.ask_flow import AskFlow
from bot.services.broadcasts import BroadcastService
from bot.services.conferences import ConferenceService
from bot.services.housekeeping import Housekeeping
from bot.services.organizer_flow import OrganizerFlow
from bot.services.privacy import PrivacyService
from bot.services.knowledge import KnowledgeService
from bot.services.officials_chats import OfficialsChats
from bot.services.outbox import OutboxDispatcher
from bot.services.questions import QuestionService
from bot.storage import Storage


@dataclass
class Services:
    storage: Storage
    catalog: Catalog
    knowledge: KnowledgeService
    questions: QuestionService
    ask: AskFlow
    outbox: OutboxDispatcher
    housekeeping: Housekeeping
    conferences: ConferenceService
    broadcasts: BroadcastService
    organizer: OrganizerFlow
    privacy: PrivacyService
    officials_chats: OfficialsChats
