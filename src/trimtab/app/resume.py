"""Resuming a plan that did not finish: its remaining legs, never more than it planned.

After a kill or a stop, planning the whole rebalance again from a new
snapshot sent extra orders (a futures cut taken again in a new proportion,
small trades from a shifted total) and ended somewhere an uninterrupted run
would not. So the next run sends what the unfinished plan still owes: each
leg's planned amount less what the journal says filled, in the plan's
order (the executor then sizes each against what the venue holds, so a
leg never goes beyond it). When that plan is older than `max_plan_age`, its
record cannot be read, or a price has moved more than `max_price_move`
since it was made, it is not resumed and the rebalance is planned afresh.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from trimtab.domain.planning.orders import Order
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.journal.models import OrderRow
from trimtab.journal.plan_record import RecordError, load_record
from trimtab.journal.store import Journal

DONE_FRACTION = 1e-9  # a leg filled to within this share of its amount is done


def remaining_legs(journal: Journal, plan_id: str, snapshot: Snapshot, policy: Policy,
                   now: datetime | None = None) -> tuple[Order, ...] | None:
    """What plan `plan_id` still owes, in its order; None when it must be planned afresh."""
    row = journal.plan(plan_id)
    age = ((now or datetime.now(UTC)) - row.created_at).total_seconds()
    try:
        planned = load_record(plan_id, row.document).to_orders()
    except RecordError:
        return None
    if age > policy.max_plan_age or not planned or _moved(planned, snapshot, policy):
        return None
    filled = _filled_by_leg(journal, plan_id)
    out = []
    for leg, order in enumerate(planned, start=1):
        left = order.amount - filled[leg]
        if left > order.amount * DONE_FRACTION:
            share = left / order.amount
            out.append(replace(order, amount=left, notional=order.notional * share,
                               fee=order.fee * share, slippage=order.slippage * share))
    return tuple(out)


def _filled_by_leg(journal: Journal, plan_id: str) -> defaultdict[int, float]:
    with journal.session() as session:
        rows = session.execute(select(OrderRow.leg, OrderRow.filled).where(
            OrderRow.plan_id == plan_id)).all()
    filled: defaultdict[int, float] = defaultdict(float)
    for leg, amount in rows:
        filled[leg] += float(Decimal(amount or "0"))
    return filled


def _moved(orders: tuple[Order, ...], snapshot: Snapshot, policy: Policy) -> bool:
    """True when an order's asset is unpriced now or moved past max_price_move."""
    for order in orders:
        quote = snapshot.prices.get(order.asset)
        if quote is None or abs(quote.price / order.price - 1.0) > policy.max_price_move:
            return True
    return False
