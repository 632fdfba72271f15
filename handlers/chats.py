"""What happens to the groups themselves: upgraded by Telegram, the bot removed or added back.

Telegram sends these as service messages (`migrate_to_chat_id` in the old
group, `migrate_from_chat_id` in the new supergroup) and as `my_chat_member`
updates (the bot's own status in a chat); `chat_member` updates tell that an
official joined or left.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.ext import filters

from bot.channels.telegram import MembershipCache
from handlers.common import Context, services

log = logging.getLogger(__name__)

# The bot's status in a group, from a ChatMember: may it post there?
_PRESENT = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER})


class OfficialsFilter(filters.Chat):
    """The officials' chats; a chat Telegram moves is followed (see OfficialsChats)."""

    def follow(self, _old: str, new: str) -> None:
        self.add_chat_ids(int(new))


async def migrated(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    await services(context).officials_chats.migrated(str(old), str(new))


def _can_post(member: ChatMember) -> bool:
    if member.status in _PRESENT:
        return True
    return member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False)) and bool(
        getattr(member, "can_send_messages", False))


async def bot_status(update: Update, context: Context) -> None:
    """The bot's own status in a chat changed (my_chat_member)."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type == change.chat.PRIVATE:
        return  # a worker blocking the bot: the outbox learns it from the 403
    chat_id, new = str(change.chat.id), change.new_chat_member
    officials = services(context).officials_chats
    if chat_id not in officials:
        if _can_post(new):
            log.info("added to the group %s (%r), which is not in the config: set [officials] chat_id "
                     "or a topic's chat_id to this id to use it", chat_id, change.chat.title)
        return
    if _can_post(new):
        await officials.reachable(chat_id)
        if new.status != ChatMember.ADMINISTRATOR and new.status != ChatMember.OWNER:
            await officials.report(chat_id, "not_admin")
        return
    reason = "kicked" if new.status == ChatMember.BANNED else (
        "no_rights" if new.status == ChatMember.RESTRICTED and getattr(new, "is_member", False)
        else "not_member")
    await officials.unreachable(chat_id, reason, f"my_chat_member: {new.status}")


async def member_changed(update: Update, context: Context) -> None:
    """Someone joined or left an officials' group: their access changes now, not in a minute."""
    change = update.chat_member
    if change is None or str(change.chat.id) not in services(context).officials_chats:
        return
    members: MembershipCache = context.bot_data["members"]
    members.forget(change.new_chat_member.user.id)
