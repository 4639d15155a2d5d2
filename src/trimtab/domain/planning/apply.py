"""Apply a plan's orders to a snapshot, as they would fill at the estimate.

Used to report what a plan leaves behind (residual breaches, the
before/after table) and by tests that check a plan's invariants. It shares
the cost model of `orders.py`, so an estimate and its application agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import TypeAdapter

from trimtab.domain.planning.orders import Order
from trimtab.domain.snapshot import Balance, Position, Snapshot

OVERDRAFT_TOLERANCE = 1e-6
BALANCES = TypeAdapter(tuple[Balance, ...])


def apply_orders(snapshot: Snapshot, orders: Iterable[Order], quote: str,
                 cash_flows: Iterable[tuple[str, float]] = ()) -> Snapshot:
    """The snapshot after `orders` fill at their estimates and cash flows land."""
    rows, positions = applied(snapshot, orders, quote, cash_flows)
    balances = BALANCES.validate_python([  # in one call: per Balance, a fifth of a plan
        {"venue": v, "asset": a, "amount": u} for v, a, u in rows])
    return snapshot.model_copy(update={"balances": balances, "positions": positions})


def applied(snapshot: Snapshot, orders: Iterable[Order], quote: str,
            cash_flows: Iterable[tuple[str, float]] = ()
            ) -> tuple[list[tuple[str, str, float]], tuple[Position, ...]]:
    """`apply_orders`' balances as (venue, asset, units) rows, one per venue and asset, and
    its positions: a plan's residuals weigh these without building a snapshot."""
    units: dict[tuple[str, str], float] = defaultdict(float)
    for b in snapshot.balances:
        units[(b.venue, b.asset)] += b.amount
    positions = list(snapshot.positions)
    for order in orders:
        if order.is_futures:
            positions = [_reduce(p, order) for p in positions]
            # costs beyond the venue's spot quote come out of futures margin
            units[(order.venue, quote)] = max(0.0, units[(order.venue, quote)] + order.quote_delta)
            continue
        units[(order.venue, quote)] += order.quote_delta
        sign = 1.0 if order.side == "buy" else -1.0
        units[(order.venue, order.asset)] += sign * order.amount
    for venue, amount in cash_flows:
        units[(venue, quote)] += amount
    return ([(v, a, u if u >= 0.0 else _non_negative(v, a, u)) for (v, a), u in units.items()],
            tuple(positions))


def _reduce(position: Position, order: Order) -> Position:
    closes = (order.side == "sell") == (position.side == "long")
    if position.venue != order.venue or position.symbol != order.symbol or not closes:
        return position
    remaining = max(0.0, position.contracts - order.amount)
    return position.model_copy(update={"contracts": remaining})


def _non_negative(venue: str, asset: str, amount: float) -> float:
    """Rounding dust below zero is zero; a real overdraft is a planner bug."""
    if amount >= 0.0:
        return amount
    if amount > -OVERDRAFT_TOLERANCE:
        return 0.0
    raise ValueError(f"orders overdraw {asset} on {venue} by {-amount:.10g}")
