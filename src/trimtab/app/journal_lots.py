"""Lot events from the journal's own fills: what trimtab bought and sold itself.

Every recorded fill of a spot order becomes a buy (a lot, id `<client order
id>/<fill id>`) or a sale, at the price the journal recorded with it and on
its venue. The order's fee is shared over its fills in proportion to their
amounts: a fee in the quote adds to the cost or comes off the proceeds, a fee
in the base asset reduces the units received; a fee in a third asset is left
out, as for imported files. Futures orders are left out (no spot lots).
A sale consumes first the lots its plan chose (the plan record's tax): the
ledger records the tax the plan showed, whatever the policy's method.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from trimtab.domain.tax.lots import Acquire, Dispose, Event
from trimtab.journal.models import FillRow, OrderRow, PlanRow
from trimtab.journal.plan_record import RecordError, load_record
from trimtab.journal.store import Journal

Leg = tuple[str, int]  # (plan id, leg)


def journal_events(journal: Journal) -> list[Event]:
    """A lot event for every spot fill in the journal, in the order it was recorded."""
    with journal.session() as session:
        rows = session.execute(select(FillRow, OrderRow).join(
            OrderRow, FillRow.order_id == OrderRow.id).order_by(FillRow.id)).all()
        fills = [(f.id, f.amount, f.price, f.recorded_at, o.client_order_id, o.venue, o.symbol,
                  o.side, o.filled, o.fee, o.fee_currency, (o.plan_id, o.leg)) for f, o in rows]
        sold_by = {o.plan_id for _, o in rows if o.side == "sell"}
        planned = _planned_lots(session.scalars(select(PlanRow).where(PlanRow.id.in_(sold_by))))
    events: list[Event] = []
    for (fill_id, amount, price, at, client_id, venue, symbol, side, filled, fee, fee_ccy,
         leg) in fills:
        if ":" in symbol or price is None or "/" not in symbol:
            continue
        base, quote = symbol.split("/", 1)
        units, unit_price = float(amount), float(price)
        share = float(fee or 0) * units / float(filled) if float(filled or 0) else 0.0
        when = at if at.tzinfo else at.replace(tzinfo=UTC)
        event = fill_event(side, when, base, quote, venue, units, unit_price, share, fee_ccy,
                           f"{client_id}/{fill_id}")
        if isinstance(event, Dispose) and leg in planned:
            event = replace(event, planned=planned[leg])
        events.append(event)
    return events


def _planned_lots(plans: Iterable[PlanRow]) -> dict[Leg, tuple[str, ...]]:
    """The lots each sell leg of these plans was planned to consume (records with tax)."""
    out: dict[Leg, tuple[str, ...]] = {}
    for plan in plans:
        try:
            orders = load_record(plan.id, plan.document).orders
        except RecordError:
            continue  # an unreadable record: its sales follow the policy's method
        for leg, order in enumerate(orders, start=1):
            if order.tax is not None and order.tax.lots:
                out[(plan.id, leg)] = tuple(u.lot_id for u in order.tax.lots)
    return out


def fill_event(side: str, at: datetime, base: str, quote: str, venue: str, units: float,
               price: float, fee: float, fee_currency: str | None, lot_id: str) -> Event:
    """A buy opens a lot (fee in the quote adds to the cost, in the base reduces the units);
    a sale realises notional less a quote fee (a base fee is sold too)."""
    notional = units * price
    in_quote = fee if fee_currency == quote else 0.0
    if side == "buy":
        got = units - fee if fee_currency == base else units
        return Acquire(at, base, venue, got, notional + in_quote, lot_id)
    return Dispose(at, base, venue, units + (fee if fee_currency == base else 0.0),
                   notional - in_quote)
