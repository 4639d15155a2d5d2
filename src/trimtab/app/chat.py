"""Approvals from a chat: which chats may decide, and which plans to announce to them.

The Telegram adapter (`trimtab.chat.telegram`) calls `ChatApprovals.decide`
for every button tap; it answers only the configured chat ids and goes
through `Approvals`, the one path the CLI and the dashboard take too.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field

from trimtab.app.approvals import Approvals, Origin
from trimtab.app.history import recent_plans
from trimtab.chat.telegram import APPROVE, REJECT, TelegramDesk
from trimtab.execution.states import WAITING

log = logging.getLogger(__name__)


@dataclass
class ChatApprovals:
    """Decisions from chats: only `chats` are answered; every decision via `approvals`."""

    approvals: Approvals
    chats: frozenset[int]
    announced: set[str] = field(default_factory=set)

    def decide(self, chat_id: int, action: str, plan_id: str) -> str | None:
        if chat_id not in self.chats:
            return None
        if action == APPROVE:
            decision = self.approvals.approve(plan_id, Origin.TELEGRAM)
        elif action == REJECT:
            decision = self.approvals.reject(plan_id, Origin.TELEGRAM)
        else:
            return f"unknown button '{action}'"
        return f"plan {decision.plan_id}: {decision.outcome}: {decision.message}"

    def to_announce(self, limit: int = 20) -> list[tuple[str, str]]:
        """(plan id, message) of the waiting plans not announced yet by this process."""
        out = []
        for plan in recent_plans(self.approvals.journal, limit):
            if plan.status in {s.value for s in WAITING} and plan.plan_id not in self.announced:
                self.announced.add(plan.plan_id)
                lines = [f"{o.side} {o.amount} {o.symbol} on {o.venue}" for o in plan.orders]
                out.append((plan.plan_id, f"trimtab plan {plan.plan_id} waits for approval:\n"
                            + "\n".join(lines)))
        return out


async def serve_chat(desk: TelegramDesk, chat: ChatApprovals, stop: threading.Event) -> None:
    """Announce waiting plans and answer taps until `stop` is set."""
    async with desk.bot:
        while not stop.is_set():
            for plan_id, text in chat.to_announce():
                for chat_id in chat.chats:
                    await desk.announce(chat_id, text, plan_id)
            await desk.poll_once()


def run_chat(desk: TelegramDesk, chat: ChatApprovals, stop: threading.Event) -> None:
    asyncio.run(serve_chat(desk, chat, stop))
