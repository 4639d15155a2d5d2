"""What `trimtab watch` writes to the journal, and reads back to resume.

Every check is a row (outages included); the hysteresis state is kept so
that a restarted watcher does not notify again what it already notified.
Cleared alerts are marked inactive, not deleted: the journal only grows.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from trimtab.domain.analysis.alerting import Key, Notified
from trimtab.journal.models import AlertMemoryRow, NotificationRow, WatchCheckRow
from trimtab.journal.store import Journal

if TYPE_CHECKING:  # apprise is slow to import, and `trimtab journal` needs neither it nor
    # an analysis
    from trimtab.domain.analysis.drift import Analysis
    from trimtab.domain.analysis.triggers import Trigger
    from trimtab.watch.notify import Delivery, Message


def about(policy: str, title: str) -> str:
    """A notification's title led by the policy it is about (unchanged for a lone policy)."""
    return f"{policy}: {title}" if policy else title


class WatchLog:
    """The watch loop's journal (implements `trimtab.watch.WatchJournal`).

    `policy` names the watched policy when one process watches several: each
    reads back only its own checks and alert memory (its schedules resume
    from its own last check, and one policy's alert never silences another's).
    """

    def __init__(self, journal: Journal, policy: str = "") -> None:
        self.journal = journal
        self.policy = policy

    def last_check(self) -> datetime | None:
        with self.journal.session() as session:
            at = session.scalar(select(WatchCheckRow.at).where(
                WatchCheckRow.ok, WatchCheckRow.policy == self.policy)
                .order_by(WatchCheckRow.id.desc()).limit(1))
        return at

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

    def history(self, limit: int = 50) -> list[WatchCheckRow]:
        """The latest checks, newest first."""
        with self.journal.session() as session:
            rows = list(session.scalars(select(WatchCheckRow)
                                        .order_by(WatchCheckRow.id.desc()).limit(limit)))
            session.expunge_all()
        return rows

