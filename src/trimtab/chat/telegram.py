"""Telegram, through python-telegram-bot: inline Approve / Reject buttons under a plan.

This adapter only moves messages. Every tap goes to one `decide` callback
(chat id, action, plan id) that `app.chat` binds to the approvals path, so
a plan approved by two taps, or from the CLI and a phone at once, executes
once: the approval is a conditional UPDATE in the journal, not a flag here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

APPROVE, REJECT = "approve", "reject"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# (chat id, action, plan id) -> the reply, or None to ignore the chat altogether
Decide = Callable[[int, str, str], str | None]

log = logging.getLogger(__name__)


def buttons(plan_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("Approve", callback_data=f"{APPROVE}:{plan_id}"),
        InlineKeyboardButton("Reject", callback_data=f"{REJECT}:{plan_id}")]])


class TelegramDesk:
    """Long-polls the Bot API for button taps and sends plans with their buttons."""

    def __init__(self, token: str, decide: Decide, base_url: str = DEFAULT_BASE_URL,
                 poll_timeout: int = 30) -> None:
        self.bot = Bot(token, base_url=base_url)
        self.decide = decide
        self.poll_timeout = poll_timeout
        self.offset: int | None = None

    async def poll_once(self) -> int:
        """Fetch pending updates and answer every tap; how many updates there were."""
        updates = await self.bot.get_updates(offset=self.offset, timeout=self.poll_timeout,
                                             allowed_updates=["callback_query"])
        for update in updates:
            self.offset = update.update_id + 1  # an update is answered once, even on error
            query = update.callback_query
            if query is None or query.message is None or not query.data:
                continue
            action, _, plan_id = query.data.partition(":")
            chat_id = query.message.chat.id
            # an approval may execute orders: it runs in a worker thread, not on the loop
            reply = await asyncio.to_thread(self.decide, chat_id, action, plan_id)
            if reply is None:
                log.warning("ignored a button from chat %s: not in TRIMTAB_TELEGRAM_CHATS",
                            chat_id)
                continue
            await query.answer(reply[:190])
            await self.bot.send_message(chat_id, reply)
        return len(updates)

    async def announce(self, chat_id: int, text: str, plan_id: str) -> None:
        """Send a plan waiting for approval, with its two buttons."""
        await self.bot.send_message(chat_id, text, reply_markup=buttons(plan_id))
