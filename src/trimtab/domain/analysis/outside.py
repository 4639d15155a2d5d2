"""Futures positions that shrank between two checks with no order of trimtab's on them.

A venue closes a position on its own when it liquidates it or deleverages
it (ADL), and a user may close one by hand. Either way the account is no
longer what the policy last saw, and someone holding leverage wants to hear
it at once, on every venue alike: so the rule compares the positions of two
snapshots rather than reading a venue's own liquidation feed, which few
venues offer through ccxt. Only a fall is reported (a position that grew by
hand is the user's own doing, and harmless to hear about at the next
drift), and only on markets trimtab sent no order to in between, since
trimtab's own orders are journaled and reported as they fill.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from trimtab.domain.analysis.triggers import Trigger
from trimtab.domain.snapshot import Position

PositionKey = tuple[str, str, str]  # venue, symbol, side
TOLERANCE = 1e-9  # relative: a venue's rounding of a contract count is no closing


def held(positions: Iterable[Position]) -> dict[PositionKey, float]:
    """Contracts per (venue, symbol, side); flat positions are not held."""
    out: dict[PositionKey, float] = {}
    for p in positions:
        if p.contracts:
            key = (p.venue, p.symbol, p.side)
            out[key] = out.get(key, 0.0) + abs(p.contracts)
    return out


def shrunk_outside(before: Mapping[PositionKey, float], after: Mapping[PositionKey, float],
                   traded: Collection[tuple[str, str]]) -> tuple[Trigger, ...]:
    """A `position` trigger per position that fell since `before` on a market (venue,
    symbol) that trimtab did not trade in between."""
    fired = []
    for (venue, symbol, side), was in before.items():
        now = after.get((venue, symbol, side), 0.0)
        if (venue, symbol) in traded or now >= was * (1.0 - TOLERANCE):
            continue
        what = "closed" if now == 0.0 else f"cut to {now:g} contracts"
        fired.append(Trigger(
            "position", f"{venue} {symbol} {side}",
            f"{symbol} {side} on {venue}: {was:g} contracts at the last check, {what} now, "
            "and trimtab sent no order for it: liquidated, deleveraged or closed by hand. "
            "Check the venue's account before anything else",
            {"before": was, "after": now}))
    return tuple(fired)
