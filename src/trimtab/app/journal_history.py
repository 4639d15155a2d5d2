"""The dashboard's history: every watch check in the journal, thinned out for a browser.

A year of checks every five minutes is 100,000 rows; a chart needs a few
hundred points. The ids and times of all checks are read (cheap), evenly
spaced ones are kept, and only those rows are parsed. Holding ("hold") is
the first recorded check's units valued at each later check's prices, so
the value line can be read against what doing nothing would have made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from trimtab.execution.states import PlanStatus
from trimtab.journal.models import PlanRow, SnapshotRow, WatchCheckRow
from trimtab.journal.store import Journal

# plans whose orders went out: each is a rebalance on the charts
EXECUTED = (PlanStatus.DONE.value, PlanStatus.STOPPED.value)


@dataclass(frozen=True)
class Rebalance:
    """An executed plan, at the time of the snapshot it was planned on."""

    at: datetime
    plan_id: str
    status: str


@dataclass(frozen=True)
class History:
    """Checks at evenly spaced positions of the journal, oldest first."""

    times: tuple[datetime, ...]
    value: tuple[float, ...]
    hold: tuple[float | None, ...]
    weights: dict[str, tuple[float, ...]]
    rebalances: tuple[Rebalance, ...]
    checks: int  # how many checks the journal holds (before thinning)

    @property
    def empty(self) -> bool:
        return len(self.times) < 2


def journal_history(journal: Journal, points: int = 400) -> History:
    """The journal's whole watch history in at most `points` checks, with its rebalances."""
    with journal.session() as session:
        ids = [row[0] for row in session.execute(
            select(WatchCheckRow.id).where(WatchCheckRow.ok).order_by(WatchCheckRow.id))]
        kept = set(thin(ids, points))
        rows = session.execute(
            select(WatchCheckRow.at, WatchCheckRow.spot_value, WatchCheckRow.weights,
                   WatchCheckRow.holdings)
            .where(WatchCheckRow.id.in_(kept)).order_by(WatchCheckRow.id)).all()
        first = session.scalar(select(WatchCheckRow.holdings).where(
            WatchCheckRow.ok, WatchCheckRow.holdings.is_not(None))
            .order_by(WatchCheckRow.id).limit(1))
        plans = session.execute(
            select(SnapshotRow.as_of, PlanRow.id, PlanRow.status)
            .join(SnapshotRow, PlanRow.snapshot_id == SnapshotRow.id)
            .where(PlanRow.status.in_(EXECUTED)).order_by(SnapshotRow.as_of)).all()
    start = {a: held[0] for a, held in json.loads(first).items()} if first else None
    weights = [json.loads(w) if w else {} for _, _, w, _ in rows]
    assets = sorted({a for w in weights for a in w})
    return History(
        times=tuple(at for at, _, _, _ in rows),
        value=tuple(float(v or 0.0) for _, v, _, _ in rows),
        hold=tuple(_hold(start, h) for _, _, _, h in rows),
        weights={a: tuple(w.get(a, 0.0) for w in weights) for a in assets},
        rebalances=tuple(Rebalance(at, pid, status) for at, pid, status in plans),
        checks=len(ids))


def thin(ids: list[int], points: int) -> list[int]:
    """At most `points` evenly spaced items of `ids`, always the first and the last."""
    if len(ids) <= points:
        return ids
    step = (len(ids) - 1) / (points - 1)
    return [ids[round(i * step)] for i in range(points)]


def _hold(start: dict[str, float] | None, holdings: str | None) -> float | None:
    """The starting units at this check's prices; None where a price is missing."""
    if start is None or not holdings:
        return None
    prices = {a: held[1] for a, held in json.loads(holdings).items()}
    if any(prices.get(a) is None for a, units in start.items() if units):
        return None
    return float(sum(units * prices[a] for a, units in start.items() if units))
