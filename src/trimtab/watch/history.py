"""What `trimtab watch` writes to the journal, and reads back to resume.

Every check is a row (outages included); the hysteresis state is kept so
that a restarted watcher does not notify again what it already notified.
Cleared alerts are marked inactive, not deleted: the journal only grows.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Collection, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trimtab.domain.analysis.alerting import Key, Notified
from trimtab.execution.states import (
    CONTRIBUTION_OPEN,
    ContributionStatus,
    WatchState,
    contribution_sources,
)
from trimtab.journal.models import (
    AlertMemoryRow,
    ContributionRow,
    HeartbeatRow,
    NotificationRow,
    WatchCheckRow,
)
from trimtab.journal.store import Journal

if TYPE_CHECKING:  # apprise is slow to import, and `trimtab journal` needs neither it nor
    # an analysis
    from trimtab.domain.analysis.drift import Analysis
    from trimtab.domain.analysis.triggers import Trigger
    from trimtab.domain.contributions import Due
    from trimtab.watch.contributing import Pending
    from trimtab.watch.notify import Delivery, Message


def about(policy: str, title: str) -> str:
    """A notification's title led by the policy it is about (unchanged for a lone policy)."""
    return f"{policy}: {title}" if policy else title


class WatchLog:
    """The watch loop's journal (implements `trimtab.watch.WatchJournal`, the loop's
    ContributionBook and its heartbeat).

    `policy` names the watched policy when one process watches several: each
    reads back only its own checks and alert memory (its schedules resume
    from its own last check, and one policy's alert never silences another's).
    """

    def __init__(self, journal: Journal, policy: str = "") -> None:
        self.journal = journal
        self.policy = policy
        self.holder = f"{socket.gethostname()}/{os.getpid()}"

    def beat(self, state: WatchState, detail: str, next_check: datetime | None) -> None:
        """This process's heartbeat row, written at wall time (it says the process lives)."""
        with self.journal.session() as session:
            row = session.get(HeartbeatRow, self.holder)
            if row is None:
                row = HeartbeatRow(holder=self.holder)
                session.add(row)
            row.at, row.state, row.detail = datetime.now(UTC), str(state), detail[:500]
            row.next_check = next_check

    def pending(self, dues: Sequence[Due], keys: Collection[str]) -> tuple[Pending, ...]:
        self._add(dues, ContributionStatus.DUE, "")
        # imported here: contributing needs numpy and the planner, `trimtab journal` neither
        from trimtab.watch.contributing import Pending

        with self.journal.session() as session:
            rows = session.scalars(select(ContributionRow).where(
                ContributionRow.status.in_([str(s) for s in CONTRIBUTION_OPEN]),
                ContributionRow.key.in_([self._scoped(k) for k in keys]))
                .order_by(ContributionRow.due_at))
            return tuple(Pending(r.key, r.due_at, float(r.amount),
                                 ContributionStatus(r.status), r.detail) for r in rows)

    def skip(self, dues: Sequence[Due], detail: str) -> tuple[Due, ...]:
        return self._add(dues, ContributionStatus.SKIPPED, detail)

    def _add(self, dues: Sequence[Due], status: ContributionStatus, detail: str
             ) -> tuple[Due, ...]:
        """One row per date, whoever finds it first; the dates this call added."""
        added = []
        for due in dues:
            with suppress(IntegrityError):
                self.journal.add(ContributionRow(
                    key=self._scoped(due.contribution.key), due_at=due.at,
                    amount=format(due.amount, ".12g"), status=str(status), detail=detail[:500]))
                added.append(due)
        return tuple(added)

    def _scoped(self, key: str) -> str:
        """A contribution's journal key: led by the policy's name when it has one, so that
        two watched policies with the same contribution each plan their own dates."""
        return f"{self.policy}/{key}" if self.policy else key

    def wait(self, pending: Sequence[Pending], detail: str) -> None:
        for p in pending:
            self._move(p, ContributionStatus.WAITING_CASH, detail)

    def release(self, keys: Collection[str]) -> list[str]:
        return self.journal.release_stranded(
            [self._scoped(k) for k in keys],
            "sent nothing and cannot run any more (its process ended before executing it, or "
            "its execution failed before any order): superseded, its contribution dates "
            "planned again")

    def fail(self, pending: Sequence[Pending], reason: str) -> None:
        for p in pending:
            self._move(p, ContributionStatus.FAILED, reason)

    def close(self, pending: Sequence[Pending], decision: str) -> None:
        for p in pending:
            self._move(p, ContributionStatus.PLANNED, decision)

    def note(self, pending: Sequence[Pending], decision: str, plan_id: str) -> None:
        with self.journal.session() as session:
            for p in pending:
                session.execute(update(ContributionRow).where(
                    ContributionRow.key == p.key, ContributionRow.due_at == p.at,
                    ContributionRow.plan_id == plan_id).values(
                    detail=decision[:500], updated_at=datetime.now(UTC)))

    def _move(self, p: Pending, target: ContributionStatus, detail: str) -> bool:
        """One conditional UPDATE: the row moves only from a status allowed to reach `target`
        (execution.states): a date a plan took is never failed or closed after."""
        sources = [str(s) for s in contribution_sources(target)]
        with self.journal.session() as session:
            result = cast(CursorResult[Any], session.execute(update(ContributionRow).where(
                ContributionRow.key == p.key, ContributionRow.due_at == p.at,
                ContributionRow.status.in_(sources)).values(
                status=str(target), detail=detail[:500], updated_at=datetime.now(UTC))))
            return result.rowcount == 1

    def last_check(self) -> datetime | None:
        with self.journal.session() as session:
            at = session.scalar(select(WatchCheckRow.at).where(
                WatchCheckRow.ok, WatchCheckRow.policy == self.policy)
                .order_by(WatchCheckRow.id.desc()).limit(1))
        return at

    def order_mark(self) -> int:
        return self.journal.order_mark()

    def traded_since(self, mark: int) -> frozenset[tuple[str, str]]:
        return self.journal.markets_traded_since(mark)

    def alert_memory(self) -> dict[Key, Notified]:
        with self.journal.session() as session:
            rows = session.scalars(select(AlertMemoryRow).where(
                AlertMemoryRow.active, AlertMemoryRow.policy == self.policy))
            return {(r.kind, r.subject): Notified(r.kind, r.subject, r.at, r.severity)
                    for r in rows}

    def record_check(self, at: datetime, analysis: Analysis | None, fired: tuple[Trigger, ...],
                     notified: tuple[Trigger, ...], decision: str,
                     memory: dict[Key, Notified]) -> None:
        weights = None if analysis is None else json.dumps(
            {a.asset: a.weight for a in analysis.assets})
        holdings = None if analysis is None else json.dumps(
            {a.asset: [a.units, a.price] for a in analysis.assets})
        with self.journal.session() as session:
            session.add(WatchCheckRow(
                at=at, ok=analysis is not None, weights=weights, holdings=holdings,
                decision=decision,
                spot_value=None if analysis is None else format(analysis.spot_value, ".12g"),
                fired=json.dumps([{"kind": t.kind, "subject": t.subject, "message": t.message}
                                  for t in fired]),
                notified=json.dumps([f"{t.kind}:{t.subject}" for t in notified]),
                policy=self.policy))
            if analysis is not None:
                self._save_memory(session, memory)

    def record_notification(self, at: datetime, message: Message, delivery: Delivery) -> None:
        detail = "" if delivery.ok else f"\n[not delivered after {delivery.attempts} " \
            f"attempt(s): {delivery.error}]"
        self.journal.add(NotificationRow(at=at, channel=", ".join(delivery.targets)[:100],
                                         message=f"{about(self.policy, message.title)}\n"
                                                 f"{message.body}{detail}",
                                         delivered=delivery.ok))

    def _save_memory(self, session: Session, memory: dict[Key, Notified]) -> None:
        current = {(r.kind, r.subject): r for r in session.scalars(select(AlertMemoryRow).where(
            AlertMemoryRow.active, AlertMemoryRow.policy == self.policy))}
        for key, cleared in current.items():
            if key not in memory:
                cleared.active = False
        for key, note in memory.items():
            kept = current.get(key)
            if kept is None:
                session.add(AlertMemoryRow(kind=note.kind, subject=note.subject,
                                           at=note.at, severity=note.severity,
                                           policy=self.policy))
            elif kept.at != note.at:
                kept.at, kept.severity = note.at, note.severity
