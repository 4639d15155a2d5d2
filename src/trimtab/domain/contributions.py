"""Recurring contributions: which are due, which comes next, and where they fall in history.

A contribution is due at each fire time of its calendar rule; each due date
is planned once (the journal remembers which were), and several dates that
fell while nothing ran are planned together. The backtest adds each date's
amount at the first bar at or after it (backtest.bars): the same fire times
as the live path, so a replayed month and a live month contribute the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from trimtab.domain.analysis.triggers import Trigger
from trimtab.domain.calendar import fire_times, next_fire
from trimtab.domain.snapshot import WALLET, Snapshot
from trimtab.domain.timing import Contribution


class CashMissing(ValueError):
    """A deposit to plan is not on a venue yet; the message says how much is where."""


@dataclass(frozen=True, slots=True)
class Due:
    """One date of one contribution."""

    contribution: Contribution
    at: datetime

    @property
    def amount(self) -> float:
        return self.contribution.amount


def due_contributions(contributions: Sequence[Contribution], after: datetime,
                      until: datetime) -> tuple[Due, ...]:
    """Every date of every contribution in (after, until], oldest first."""
    found = [Due(c, at) for c in contributions for at in fire_times(c, after, until)]
    return tuple(sorted(found, key=lambda d: d.at))


# How far back the latest past date is looked for: a minute's cron needs the first window,
# a yearly one the fourth, a 29 February one the last.
LOOK_BACK = (timedelta(hours=1), timedelta(days=1), timedelta(days=32), timedelta(days=367),
             timedelta(days=4 * 366 + 1))


def last_dates(contributions: Sequence[Contribution], until: datetime) -> tuple[Due, ...]:
    """The latest date at or before `until` of each contribution (within four years), oldest
    first: what a first watch finds already past."""
    found = []
    for contribution in contributions:
        for back in LOOK_BACK:
            if dates := fire_times(contribution, until - back, until):
                found.append(Due(contribution, dates[-1]))
                break
    return tuple(sorted(found, key=lambda d: d.at))


def next_contribution(contributions: Sequence[Contribution], after: datetime) -> Due | None:
    """The first contribution date after `after` (the larger amount on a shared date)."""
    dates = [(next_fire((c,), after), c) for c in contributions]
    found = [(at, c) for at, c in dates if at is not None]
    if not found:
        return None
    at, contribution = min(found, key=lambda pair: (pair[0], -pair[1].amount))
    return Due(contribution, at)


def before_deposit(snapshot: Snapshot, quote: str, amount: float) -> Snapshot:
    """The snapshot as it was before a deposit of `amount` quote landed on a venue.

    The planner plans new money from the snapshot before it and the amount
    (planning.planner's cash flow). The deposit is taken from the venue
    holding the most quote; the planner lands it on the venue that then holds
    the most; with several venues those can differ, and the executor then
    sizes buys from the quote actually there. CashMissing when no venue holds it.
    """
    held = [b for b in snapshot.balances if b.asset == quote and b.venue != WALLET]
    largest = max(held, key=lambda b: b.amount, default=None)
    if largest is None or largest.amount < amount:
        most = f"{largest.amount:,.2f} on {largest.venue}" if largest else "none"
        raise CashMissing(f"{amount:,.2f} {quote} is not on a venue yet (the most is {most})")
    balances = tuple(b.model_copy(update={"amount": b.amount - amount}) if b is largest else b
                     for b in snapshot.balances)
    return snapshot.model_copy(update={"balances": balances})


def contribution_trigger(dates: Sequence[datetime], amount: float, quote: str, what: str
                         ) -> Trigger:
    """A calendar trigger that says which contribution dates a check took up, and how."""
    when = ", ".join(f"{at:%Y-%m-%d %H:%M}" for at in dates)
    kind = "deposit" if amount > 0 else "withdrawal"
    return Trigger("calendar", "contribution",
                   f"contribution ({kind}) of {abs(amount):,.2f} {quote} due {when} UTC: {what}",
                   {"amount": amount})
