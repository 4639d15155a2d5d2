"""Sending one leg as child orders: slices, limit and post-only styles, timeout, fallback.

A leg of more than `max_slice` quote units is split into children, spread
over `twap_window`. Each child has its own client order id derived from the
plan, the leg and the child number; it is journaled pending-submit before
it is sent and is never re-sent. Partial fills continue from the journal:
each slice is sized from what the leg's children have filled so far as the
journal has them, never from memory.

A limit (or post-only) child rests until it fills or `timeout` passes; then
it is marked cancelling in the journal before the cancel goes out, because a
fill may still land first (the lookup after the cancel says which). What is
left is sent as a market child (`fallback = "market"`) or left for the next
run (`fallback = "none"`), which stops this one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from sqlalchemy import select

from trimtab.domain.planning.orders import Order
from trimtab.domain.planning.styles import child_count, limit_price, pause
from trimtab.domain.policy import Execution
from trimtab.domain.refusal import Refusal
from trimtab.execution.outcome import OrderResult
from trimtab.execution.reconcile import (
    FILL_TOLERANCE,
    Reconciler,
    client_order_id,
    exact,
)
from trimtab.execution.states import RESTING_ORDERS, OrderState
from trimtab.journal.models import OrderRow
from trimtab.journal.store import Journal
from trimtab.venues.errors import OutcomeUnknown, VenueError
from trimtab.venues.port import Ticker, Venue
from trimtab.venues.retry import Backoff

Check = Callable[[], "Ticker | Refusal"]  # kill switch, fresh price, price guard


@dataclass
class LegSender:
    """Sends the children of one leg and reports the leg as their sum."""

    journal: Journal
    reconciler: Reconciler
    backoff: Backoff
    execution: Execution
    progress: Callable[[str], None]
    sleep: Callable[[float], None]
    clock: Callable[[], float]

    def send(self, plan_id: str, leg: int, order: Order, amount: str, venue: Venue,
             check: Check, first: Ticker, notional: float) -> OrderResult:
        """Send `amount` (worth `notional`) of `order` as children; `check` guards later ones."""
        total = Decimal(amount)
        slices = child_count(self.execution, notional)
        size = total / slices
        ticker: Ticker | Refusal = first
        for number in range(1, slices + 1):
            if number > 1:
                self.sleep(pause(self.execution, slices))
                ticker = check()
            if isinstance(ticker, Refusal):
                return self.result(plan_id, leg, order, amount, ticker.code, str(ticker))
            left = total - self.filled(plan_id, leg)
            units = left if number == slices else min(left, size)
            cut = venue.amount_to_precision(order.symbol, float(units))
            if Decimal(cut) <= 0:
                break  # what is left is under one lot
            state = self._slice(plan_id, leg, order, cut, venue, ticker)
            if state is not OrderState.FILLED:
                return self.result(plan_id, leg, order, amount, state)
        return self.result(plan_id, leg, order, amount)

    def _slice(self, plan_id: str, leg: int, order: Order, amount: str, venue: Venue,
               ticker: Ticker) -> OrderState:
        """One slice: a market child, or a limit child and perhaps its market fallback."""
        if self.execution.style == "market":
            return self._child(plan_id, leg, order, amount, venue, ticker.last, None)
        bid, ask = ticker.bid or ticker.last, ticker.ask or ticker.last
        price = limit_price(self.execution, order.side, bid, ask)
        text = venue.price_to_precision(order.symbol, price) if price else None
        before = self.filled(plan_id, leg)
        state = self._child(plan_id, leg, order, amount, venue, ticker.last, text)
        if state is OrderState.FILLED or state not in (OrderState.CANCELLED,
                                                       OrderState.REJECTED):
            return state
        rest = Decimal(amount) - (self.filled(plan_id, leg) - before)
        cut = venue.amount_to_precision(order.symbol, float(rest))
        if self.execution.fallback == "none" or Decimal(cut) <= 0:
            return state
        return self._child(plan_id, leg, order, cut, venue, ticker.last, None)

    def _child(self, plan_id: str, leg: int, order: Order, amount: str, venue: Venue,
               sized_at: float, price: str | None) -> OrderState:
        """Journal, send and follow one child order to a final state (or to unknown).

        `price` is a limit price (None: a market order); `sized_at` is the
        price the amount was sized at, which a venue that buys by cost needs.
        """
        cid = client_order_id(plan_id, leg, self._next_child(plan_id, leg))
        self.journal.add_order(OrderRow(
            client_order_id=cid, plan_id=plan_id, leg=leg, venue=order.venue,
            symbol=order.symbol, side=order.side, amount=amount, reduce_only=order.reduce_only,
            plan_price=price or exact(order.price), state=OrderState.PENDING_SUBMIT))
        kind = f"limit {price}" if price else "market"
        self.progress(f"sending {cid}: {order.side} {amount} {order.symbol} on {order.venue} "
                      f"({kind})")
        try:
            sent = venue.create_order(order.symbol, order.side, amount, cid,
                                      reduce_only=order.reduce_only, price=sized_at,
                                      limit=price, post_only=price is not None
                                      and self.execution.style == "post-only",
                                      hedged=order.hedged, margin_mode=order.margin_mode)
        except OutcomeUnknown as exc:
            self.journal.update_order(cid, state=OrderState.UNKNOWN, reason=str(exc))
            return self.reconciler.resolve(self.journal.order(cid), at_start=False)
        except VenueError as exc:
            self.journal.update_order(cid, state=OrderState.REJECTED, reason=str(exc))
            return OrderState.REJECTED
        state = self.reconciler.record(self.journal.order(cid), sent)
        if price is not None:
            state = self._rest(cid, state)
        if state in RESTING_ORDERS:
            state = self._cancel(cid, order.symbol, venue, price is not None)
        return state

    def _rest(self, cid: str, state: OrderState) -> OrderState:
        """Look at a resting child every `poll_interval` until it fills or times out."""
        deadline = self.clock() + self.execution.timeout
        while state in RESTING_ORDERS and self.clock() < deadline:
            self.sleep(self.execution.poll_interval)
            state = self.reconciler.resolve(self.journal.order(cid), at_start=False)
        return state

    def _cancel(self, cid: str, symbol: str, venue: Venue, limit: bool) -> OrderState:
        """Cancel the rest of a child; the journal says cancelling before the cancel goes out."""
        row = self.journal.update_order(cid, state=OrderState.CANCELLING)
        if row.venue_order_id is not None:
            self.backoff.call(partial(venue.cancel_order, row.venue_order_id, symbol))
        state = self.reconciler.resolve(self.journal.order(cid), at_start=False)
        if state is OrderState.CANCELLED:
            row = self.journal.order(cid)
            then = "is sent at market" if limit and self.execution.fallback == "market" \
                else "is re-planned on the next run"
            self.journal.update_order(cid, reason=f"filled {row.filled} of {row.amount}; the "
                                      f"rest was cancelled and {then}")
        return state

    def filled(self, plan_id: str, leg: int) -> Decimal:
        """What the leg's children have filled, as the journal has it."""
        return sum((Decimal(r.filled or "0") for r in self._rows(plan_id, leg)), Decimal(0))

    def _next_child(self, plan_id: str, leg: int) -> int:
        return len(self._rows(plan_id, leg)) + 1

    def _rows(self, plan_id: str, leg: int) -> list[OrderRow]:
        with self.journal.session() as session:
            rows = list(session.scalars(select(OrderRow).where(
                OrderRow.plan_id == plan_id, OrderRow.leg == leg).order_by(OrderRow.id)))
            session.expunge_all()
        return rows

    def result(self, plan_id: str, leg: int, order: Order, amount: str,
               state: OrderState | str | None = None, reason: str | None = None
               ) -> OrderResult:
        """The leg as the sum of its children: filled, average price, fees."""
        rows = self._rows(plan_id, leg)
        children = tuple(_child_result(r) for r in rows)
        filled = sum(c.filled for c in children)
        paid = sum(c.filled * (c.average or 0.0) for c in children)
        fees = [c.fee for c in children if c.fee is not None]
        done = filled >= float(amount) * (1 - FILL_TOLERANCE)
        status = OrderState.FILLED if done and state is None else state or (
            children[-1].status if children else OrderState.CANCELLED)
        last_reason = next((c.reason for c in reversed(children) if c.reason), None)
        return OrderResult(rows[0].client_order_id if rows else None, order.venue, order.symbol,
                           order.side, amount, status, filled,
                           paid / filled if filled else None, sum(fees) if fees else None,
                           reason or (None if status is OrderState.FILLED else last_reason),
                           children)


def _child_result(row: OrderRow) -> OrderResult:
    return OrderResult(row.client_order_id, row.venue, row.symbol, row.side, row.amount,
                       OrderState(row.state), float(row.filled or 0),
                       float(row.average) if row.average else None,
                       float(row.fee) if row.fee else None, row.reason)
