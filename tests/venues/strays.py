"""The start-up scan for stray trimtab orders, run on a venue against a fresh SQLite journal."""

from __future__ import annotations

from pathlib import Path

from tests.venues.executing import NO_WAIT, plan_journal
from trimtab.execution.reconcile import Reconciler
from trimtab.journal.models import OrderRow
from trimtab.venues.port import Venue


def stray_orders(venue: Venue, tmp_path: Path, wrote: dict[str, str]) -> list[str]:
    """What the start-up scan reports on `venue` for a journal that wrote the orders
    `wrote` (trimtab's client order id -> symbol), open on the venue as it left them."""
    journal = plan_journal(tmp_path, venue.name, status="executing")
    for leg, (cid, symbol) in enumerate(wrote.items(), start=1):
        journal.add(OrderRow(client_order_id=cid, plan_id="p1", leg=leg, venue=venue.name,
                             symbol=symbol, side="buy", amount="0.1", plan_price="70",
                             state="open"))
    return Reconciler(journal, {venue.name: venue}, NO_WAIT).foreign_orders()
