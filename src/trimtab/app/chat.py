"""Approvals from a chat: which chats may decide, and which plans to announce to them.

The Telegram adapter (`trimtab.chat.telegram`) calls `ChatApprovals.decide`
for every button tap; it answers only the configured chat ids and goes
through `Approvals`, the one path the CLI and the dashboard take too.
What was announced to which chat is kept in the journal (chat_announcements),
so a restarted bot does not announce a waiting plan again. Journal reads and
approvals (which may execute orders) run in worker threads, off the event
loop, so a slow venue never stalls the polling. Telegram's glitches (a timeout,
no connection, a 5xx, a 429) are waited out with backoff: the bot runs for days.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from contextlib import suppress
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from trimtab.app.approvals import Approvals, Origin
from trimtab.app.history import recent_plans
from trimtab.chat.telegram import (
    APPROVE,
    REJECT,
    MessageRefused,
    TelegramDesk,
    TelegramUnreachable,
)
from trimtab.config.crash_log import write_crash_log
from trimtab.execution.states import RUNNING, WAITING, PlanStatus
from trimtab.journal.models import AnnouncementRow
from trimtab.journal.opening import open_reader
from trimtab.journal.store import Journal, JournalBusy
from trimtab.venues.retry import Backoff

log = logging.getLogger(__name__)

# The bot's waits after Telegram failed: 1 s doubling to 2 min (a 429's retry_after
# too is capped there); the exponent stops growing, so an outage of days never overflows.
PAUSE_BASE_S, PAUSE_MAX_S, MAX_DOUBLINGS = 1.0, 120.0, 16


@dataclass
class ChatApprovals:
    """Decisions from chats: only `chats` are answered; every decision via `approvals`.

    The plans to announce are read through a read-only engine beside the approvals'
    writer (open_reader): a poll never waits behind another process's write lock,
    which used to end the bot with "database is locked" after the busy timeout.
    """

    approvals: Approvals
    chats: frozenset[int]
    reader: Journal = field(init=False, repr=False)
    # (plan id, chat id) Telegram refused for good: not sent again until a restart
    refused: set[tuple[str, int]] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.reader = open_reader(self.approvals.journal)

    def decide(self, chat_id: int, action: str, plan_id: str) -> str | None:
        """The one line a tap is answered with; None for a chat that may not decide.

        An error nothing below expected (a bug in one decision, a venue error no adapter
        translated) used to end the bot: it is answered with what failed and where the
        plan stands, its traceback goes to the crash log, and the bot goes on polling.
        """
        if chat_id not in self.chats:
            return None
        try:
            return self._decide(action, plan_id)
        except Exception as exc:  # the last line of defence of one tap
            return self._failed(action, plan_id, exc)

    def _decide(self, action: str, plan_id: str) -> str:
        if action == APPROVE:
            decision = self.approvals.approve(plan_id, Origin.TELEGRAM)
        elif action == REJECT:
            decision = self.approvals.reject(plan_id, Origin.TELEGRAM)
        else:
            return f"unknown button '{action}'"
        return f"plan {decision.plan_id}: {decision.outcome}: {decision.message}"

    def _failed(self, action: str, plan_id: str, exc: Exception) -> str:
        """What failed, in one line, and what the journal says was decided. The error's
        text stays in the crash log: it may carry a URL with a key or a venue's payload."""
        where = write_crash_log(exc)
        log.error("plan %s: %s from Telegram failed: %s: %s; %s", plan_id, action,
                  type(exc).__name__, exc,
                  f"the traceback is in {where}" if where else "no crash log could be written")
        return (f"plan {plan_id}: {action} failed: internal error ({type(exc).__name__}); "
                f"{self._standing(plan_id)}; the traceback is in the bot's crash log")

    def _standing(self, plan_id: str) -> str:
        """Whether anything was decided, as the journal has it after a failed decision."""
        try:
            status = PlanStatus(self.reader.plan(plan_id).status)
        except Exception:  # the line must still be said
            return f"what was decided could not be read: see trimtab plan show {plan_id}"
        if status in WAITING:
            return f"nothing was decided: the plan is {status} and may be approved again"
        if status in RUNNING:
            return (f"the plan is {status}: any order sent was journaled first and is "
                    f"reconciled when its venues are next taken (trimtab plan show {plan_id})")
        return f"the plan is {status} (trimtab plan show {plan_id})"

    def to_announce(self, limit: int = 20) -> list[tuple[str, str, list[int]]]:
        """(plan id, message, chats) of the waiting plans some chat has not been sent yet."""
        waiting = [p for p in recent_plans(self.reader, limit)
                   if p.status in {s.value for s in WAITING}]
        with self.reader.session() as session:
            done = {(row[0], row[1]) for row in session.execute(
                select(AnnouncementRow.plan_id, AnnouncementRow.chat_id).where(
                    AnnouncementRow.plan_id.in_([p.plan_id for p in waiting])))}
        out = []
        for plan in waiting:
            chats = sorted(c for c in self.chats if (plan.plan_id, str(c)) not in done
                           and (plan.plan_id, c) not in self.refused)
            if chats:
                lines = [f"{o.side} {o.amount} {o.symbol} on {o.venue}" for o in plan.orders]
                out.append((plan.plan_id, f"trimtab plan {plan.plan_id} waits for approval:\n"
                            + "\n".join(lines), chats))
        return out

    def announced(self, plan_id: str, chat_id: int) -> None:
        """Remember that the chat has the plan (after the send: a failed send is retried).

        While another process keeps the journal locked (JournalBusy) it is not
        remembered: the plan is announced again at the next poll, rather than the
        bot ending.
        """
        try:
            with suppress(IntegrityError):  # another bot on the same journal sent it too
                self.approvals.journal.add(AnnouncementRow(plan_id=plan_id,
                                                           chat_id=str(chat_id)))
        except JournalBusy as exc:
            log.warning("plan %s: its announcement to chat %s is not recorded (%s); it is "
                        "sent again at the next poll", plan_id, chat_id, exc)


def pauses_until(stop: threading.Event) -> Backoff:
    """The bot's backoff: its sleep ends early when `stop` is set (a SIGTERM mid-wait)."""
    def sleep(seconds: float) -> None:
        stop.wait(seconds)
    return Backoff(base_delay=PAUSE_BASE_S, max_delay=PAUSE_MAX_S, sleep=sleep)


async def serve_chat(desk: TelegramDesk, chat: ChatApprovals, stop: threading.Event,
                     backoff: Backoff | None = None) -> None:
    """Announce waiting plans and answer taps until `stop` is set.

    Telegram timing out, unreachable, answering 5xx or 429 used to end the bot. Now
    the glitch is one log line, the bot waits (`backoff`: doubling with jitter, capped;
    Telegram's retry_after when it names one, capped too) and carries on. An
    announcement that failed is not recorded, so the next cycle sends it again, as
    when the journal is busy; a poll that failed consumed no update.
    """
    pauses = backoff or pauses_until(stop)
    failures = 0
    try:
        while not stop.is_set():
            try:
                await desk.start()  # once; a bot started while offline waits here too
                await _cycle(desk, chat)
            except TelegramUnreachable as exc:
                wait = (pauses.delay(failures) if exc.retry_after is None
                        else min(pauses.max_delay, max(0.0, exc.retry_after)))
                failures = min(failures + 1, MAX_DOUBLINGS)
                log.warning("%s; trying again in %.1f s", exc, wait)
                await asyncio.to_thread(pauses.pause, wait)
            else:
                failures = 0
    finally:
        await desk.close()


async def _cycle(desk: TelegramDesk, chat: ChatApprovals) -> None:
    """Announce what some chat has not been sent yet, then answer the taps once.

    A chat that refuses a plan (it blocked the bot, a 400) used to end the bot for
    every chat, at every start: now it is one log line, and that plan is not sent to
    that chat again until the bot restarts (it is not recorded as announced).
    """
    for plan_id, text, chats in await asyncio.to_thread(chat.to_announce):
        for chat_id in chats:
            try:
                await desk.announce(chat_id, text, plan_id)
            except MessageRefused as exc:
                log.warning("%s; not sent again until the bot restarts", exc)
                chat.refused.add((plan_id, chat_id))
                continue
            await asyncio.to_thread(chat.announced, plan_id, chat_id)
    await desk.poll_once()


def run_chat(desk: TelegramDesk, chat: ChatApprovals, stop: threading.Event) -> None:
    asyncio.run(serve_chat(desk, chat, stop))
