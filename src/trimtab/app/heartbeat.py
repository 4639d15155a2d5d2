"""Is `trimtab watch` alive, and what is it doing? The one reader of its heartbeat.

The loop writes a heartbeat row at every check and at least once a minute
while it waits (watch.history.WatchLog.beat), with its state: checking,
waiting (until the next check), error (the last check failed; it retries),
stopped. The last check row says what the last check saw and decided.
`trimtab config`, the dashboard and `/healthz` all read them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from trimtab.journal.store import Journal
from trimtab.journal.tables import watch_checks, watch_heartbeats


@dataclass(frozen=True)
class WatchSeen:
    """The latest heartbeat of any `trimtab watch` on this journal, and its latest check."""

    at: datetime | None  # the last check (None: no check yet)
    ok: bool  # that check took a snapshot
    decision: str
    beat_at: datetime | None = None  # the last heartbeat (wall time)
    state: str | None = None  # execution.states.WatchState
    detail: str = ""
    next_check: datetime | None = None

    def age(self, now: datetime) -> float | None:
        """Seconds since the last sign of life (heartbeat, else check)."""
        last = self.beat_at or self.at
        return None if last is None else (now - last).total_seconds()

    def describe(self, now: datetime) -> str:
        """One line for a person: state, how long ago, next check, last check."""
        parts = []
        if self.beat_at is not None:
            beat = f"watch {self.state} (heartbeat {self.age(now):,.0f} s ago"
            if self.next_check is not None:
                beat += f"; next check {self.next_check:%Y-%m-%d %H:%M:%S} UTC"
            parts.append(beat + ")")
        if self.at is not None:
            outage = "" if self.ok else " (no snapshot)"
            parts.append(f"last check {self.at:%Y-%m-%d %H:%M:%S} UTC{outage}: {self.decision}")
        return "; ".join(parts)


def watch_seen(journal: Journal) -> WatchSeen | None:
    """What `trimtab watch` last did on this journal (None if it never ran here).

    Core reads (`trimtab config` asks at every start, and needs no ORM for it).
    """
    with journal.connection() as connection:
        check = connection.execute(select(watch_checks.c.at, watch_checks.c.ok,
                                          watch_checks.c.decision)
                                   .order_by(watch_checks.c.id.desc()).limit(1)).first()
        beat = connection.execute(select(watch_heartbeats).order_by(
            watch_heartbeats.c.at.desc()).limit(1)).first()
    if check is None and beat is None:
        return None
    seen = WatchSeen(check.at, bool(check.ok), check.decision) if check else \
        WatchSeen(None, False, "")
    if beat is None:
        return seen
    return WatchSeen(seen.at, seen.ok, seen.decision, beat.at, beat.state, beat.detail,
                     beat.next_check)
