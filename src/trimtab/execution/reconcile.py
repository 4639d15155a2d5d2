"""Reconciling the journal with the venues: no trade while any order's fate is unknown.

Every order row that is not final (pending-submit, unknown, open, partially
filled, cancelling) is looked up on its venue by client order id. At
start-up an intent the venue does not know never reached it (the process
that wrote it is gone), so it is closed as cancelled, and a child still
resting is cancelled (its run, and its timeout, are gone); during a run an
unknown order that the venue does not show yet stays unknown and stops the
run. Open orders that a venue reports as trimtab's (whichever journal wrote
them; the venue's adapter tells, in the venue's own form of the id) and that
this journal never wrote are reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from trimtab.execution.states import (
    LIVE_ORDERS,
    RESTING_ORDERS,
    UNRESOLVED_ORDERS,
    OrderState,
)
from trimtab.journal.models import OrderRow
from trimtab.journal.store import Journal
from trimtab.venues.errors import Fatal, VenueError
from trimtab.venues.port import CLIENT_ID_PREFIX, OpenOrdersRead, Venue, VenueOrder
from trimtab.venues.retry import Backoff

FILL_TOLERANCE = 1e-9


def client_order_id(plan_id: str, leg: int, child: int = 1) -> str:
    """Deterministic, alphanumeric (OKX allows no dashes), at most 32 characters.

    A leg's first child carries the leg's own id (`…x001`, as every order
    did before legs had children); later children add their number
    (`…x001c02`), so a child is named by plan, leg and child alone.
    """
    suffix = "" if child == 1 else f"c{child:02d}"
    return f"{CLIENT_ID_PREFIX}{plan_id}x{leg:03d}{suffix}"


def order_state(order: VenueOrder) -> OrderState:
    """The journal state of an order as the venue reports it."""
    if order.status == "closed":
        done = order.filled >= order.amount * (1 - FILL_TOLERANCE)
        return OrderState.FILLED if done else OrderState.CANCELLED
    if order.status == "open":
        return OrderState.PARTIALLY_FILLED if order.filled > 0 else OrderState.OPEN
    return OrderState.REJECTED if order.status == "rejected" else OrderState.CANCELLED


def exact(value: float) -> str:
    """A venue's figure as a plain decimal string that reads back as the same number.

    The shortest text that round-trips the float ccxt reported: the journal
    used to keep 12 significant digits, rounding amounts, prices and fees.
    """
    return format(Decimal(repr(float(value))), "f")


def order_changes(order: VenueOrder) -> dict[str, object]:
    """Journal columns to update from a venue's report of an order, exactly as reported."""
    return {"state": order_state(order), "venue_order_id": order.id,
            "filled": exact(order.filled),
            "average": None if order.average is None else exact(order.average),
            "fee": None if order.fee is None else exact(order.fee),
            "fee_currency": order.fee_currency}


@dataclass
class Reconciler:
    """Resolves live journal rows against the venues."""

    journal: Journal
    venues: Mapping[str, Venue]
    backoff: Backoff

    def resolve(self, row: OrderRow, *, at_start: bool) -> OrderState:
        """Look one row up on its venue; returns its new state."""
        venue = self.venues[row.venue]
        lookup = partial(venue.fetch_order, row.symbol, order_id=row.venue_order_id,
                         client_order_id=row.client_order_id)
        found = self.backoff.call(lookup)
        if found is not None:
            return self.record(row, found)
        if at_start and OrderState(row.state) in UNRESOLVED_ORDERS:
            self.journal.update_order(row.client_order_id, state=OrderState.CANCELLED,
                                      reason="not on the venue after a restart: never placed")
            return OrderState.CANCELLED
        return OrderState(row.state)

    def record(self, row: OrderRow, report: VenueOrder) -> OrderState:
        """Journal a venue's report of the order in `row`; returns its new state.

        A report for another pair, or of more filled than was sent, is not
        this order (a venue or proxy that answers the wrong request): nothing
        is recorded, the row stays unresolved, so no further order goes out
        until somebody looks, and the error names both.
        """
        amount = float(row.amount)
        pair = row.symbol.split(":")[0]  # a settle suffix that a parser drops is no other market
        if report.symbol.split(":")[0] != pair or report.filled > amount * (1 + FILL_TOLERANCE):
            raise Fatal(row.venue, "order report",
                        f"order {row.client_order_id} ({row.side} {row.amount} {row.symbol}) "
                        f"was answered with {report.symbol} filled {report.filled}: not "
                        "recorded; check the order on the venue")
        return OrderState(self.journal.update_order(row.client_order_id,
                                                    **order_changes(report)).state)

    def cancel_orphan(self, row: OrderRow) -> OrderState:
        """Cancel a child that a run which has ended left resting; returns its new state.

        Its timeout died with its run, so nobody would ever cancel it; what
        it filled stays filled and the rest is planned again. Journaled
        cancelling before the cancel goes out, as during a run.
        """
        cid = row.client_order_id
        current = self.journal.update_order(
            cid, state=OrderState.CANCELLING,
            reason="left resting by a run that ended: cancelled at start-up")
        if current.venue_order_id is not None:
            self.backoff.call(partial(self.venues[row.venue].cancel_order,
                                      current.venue_order_id, row.symbol))
        return self.resolve(self.journal.order(cid), at_start=True)

    def unresolved(self, *, at_start: bool) -> list[str]:
        """Problems that forbid trading: orders still unresolved, foreign trimtab orders."""
        problems = []
        for row in self.journal.live_orders():
            if row.venue not in self.venues:
                problems.append(f"order {row.client_order_id} on {row.venue} is {row.state}; "
                                f"run with --venue {row.venue} to resolve it")
                continue
            try:
                state = self.resolve(row, at_start=at_start)
                if at_start and state in RESTING_ORDERS:
                    state = self.cancel_orphan(row)
            except VenueError as exc:
                problems.append(f"order {row.client_order_id}: cannot look it up ({exc})")
                continue
            if state in LIVE_ORDERS:
                problems.append(f"order {row.client_order_id} on {row.venue} is {state}")
        return problems + (self.foreign_orders() if at_start else [])

    def foreign_orders(self) -> list[str]:
        """Open orders the venues report as trimtab's that this journal never wrote."""
        known = self.journal.known_client_ids()
        out = []
        for venue in self.venues.values():
            try:
                listed = self.backoff.call(partial(venue.scan_open_orders, known=known))
            except VenueError as exc:  # reported, not fatal: the journal's own rows are resolved
                listed = OpenOrdersRead(notes=(str(exc),))
            for note in listed.notes:
                self.journal.event("scan_failed", f"cannot list open orders on {venue.name} "
                                   f"to look for unknown trimtab orders: {note}")
            for order in listed.orders:
                if order.by_trimtab and order.client_order_id not in known:
                    message = (f"open order {order.client_order_id} ({order.symbol}) on "
                               f"{venue.name} is trimtab's but is not in this journal: cancel "
                               "it or use the journal that placed it")
                    self.journal.event("foreign_order", message)
                    out.append(message)
        return out
