"""Funding cost of hedges, the funding trigger, and the dated-future alternative.

A hedge is a short perpetual on an asset also held spot. Its annualised
funding cost is what it pays per year as a fraction of its notional
(shorts pay when the funding rate is negative). When that cost is over the
policy's limit, the message suggests moving the hedge to a dated future,
whose cost is the basis instead: shorting a future at F while spot is at S
earns F − S by expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from trimtab.domain.analysis.triggers import Trigger
from trimtab.domain.snapshot import DatedFuture, Position, Snapshot

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True, slots=True)
class HedgeFunding:
    """One hedge's funding cost and the dated future it could move to."""

    position: Position
    cost_apr: float
    alternative: DatedFuture | None = None
    basis_apr: float | None = None  # annualised cost of the alternative (negative: it earns)


def hedge_funding(snapshot: Snapshot, spot_held: set[str]) -> tuple[HedgeFunding, ...]:
    """Funding cost of every short perpetual on an asset held spot, where the rate is known."""
    out = []
    for p in snapshot.positions:
        rate = snapshot.funding_rates.get(p.symbol)
        if p.side != "short" or p.contracts <= 0 or rate is None or p.base not in spot_held:
            continue
        cost_apr = rate.per_day * DAYS_PER_YEAR * -1.0  # a short pays when the rate is < 0
        future, basis = _dated_alternative(p, snapshot)
        out.append(HedgeFunding(p, cost_apr, future, basis))
    return tuple(out)


def _dated_alternative(position: Position, snapshot: Snapshot
                       ) -> tuple[DatedFuture | None, float | None]:
    spot = snapshot.prices.get(position.base)
    price = spot.price if spot else position.mark_price
    candidates = [f for f in snapshot.dated_futures
                  if f.base == position.base and f.expiry > snapshot.as_of]
    if not candidates:
        return None, None
    same_venue = [f for f in candidates if f.venue == position.venue] or candidates
    future = min(same_venue, key=lambda f: f.expiry)
    return future, basis_apr(price, future.mark_price, snapshot.as_of, future.expiry)


def basis_apr(spot: float, future: float, now: datetime, expiry: datetime) -> float:
    """Annualised cost of holding a short future from now to expiry (negative: earns)."""
    days = max((expiry - now).total_seconds() / 86_400.0, 1.0 / 24.0)
    return (spot - future) / spot * DAYS_PER_YEAR / days


def funding_triggers(hedges: tuple[HedgeFunding, ...], max_apr: float) -> tuple[Trigger, ...]:
    """A funding trigger per hedge whose annualised cost is over the limit."""
    fired = []
    for h in hedges:
        if h.cost_apr <= max_apr:
            continue
        p = h.position
        subject = f"{p.venue}:{p.symbol}"
        advice = ""
        if h.alternative is not None and h.basis_apr is not None:
            advice = (f"; consider moving it to {h.alternative.symbol} (expires "
                      f"{h.alternative.expiry:%Y-%m-%d}) at a basis cost of {h.basis_apr:.1%} "
                      "a year")
        fired.append(Trigger("funding", subject,
                             f"hedge {subject} pays funding at {h.cost_apr:.1%} a year, above "
                             f"{max_apr:.1%}{advice}",
                             {"cost_apr": h.cost_apr, "max_funding_apr": max_apr,
                              **({"basis_apr": h.basis_apr} if h.basis_apr is not None else {})}))
    return tuple(fired)
