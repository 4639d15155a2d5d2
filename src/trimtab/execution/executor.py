"""Executing a plan exactly once: intent journaled, then sent, then reconciled.

For every leg, in the plan's order (sells before buys): the kill switch, a
reconciliation of the journal with the venues, the caps and the price guards
are checked; the amount is sized from what the venue holds now (a buy from
the quote actually available after the sells), cut to the market's
precision and checked against its limits; then the leg goes out as child
orders in the policy's style (`children.py`), each written as
pending-submit and committed before it is sent, each checked again (kill
switch, fresh price) before it goes. A placement is never re-sent: an
ambiguous failure marks it unknown and it is resolved by lookup; a refusal
stops the run with the journal consistent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from trimtab.domain.planning.orders import MarketRule, Order
from trimtab.domain.policy import Policy
from trimtab.domain.refusal import Refusal
from trimtab.execution.children import LegSender
from trimtab.execution.guards import cap_guard, kill_switch, price_guard
from trimtab.execution.lease import AccountLease, LeaseLost
from trimtab.execution.outcome import SKIPPED, Execution, OrderResult
from trimtab.execution.reconcile import Reconciler
from trimtab.execution.states import OrderState, PlanStatus
from trimtab.journal.store import Journal
from trimtab.venues.errors import VenueError
from trimtab.venues.port import Ticker, Venue
from trimtab.venues.retry import Backoff

Progress = Callable[[str], None]


@dataclass
class Executor:
    """Sends one plan's orders through the venues, journaling every step."""

    journal: Journal
    venues: Mapping[str, Venue]
    policy: Policy
    backoff: Backoff
    environ: Mapping[str, str] | None = None
    progress: Progress = lambda _message: None
    lease: AccountLease | None = None  # renewed before every order; lost, nothing more is sent
    sleep: Callable[[float], None] = time.sleep  # between children, while a limit rests
    clock: Callable[[], float] = time.monotonic

    @property
    def reconciler(self) -> Reconciler:
        return Reconciler(self.journal, self.venues, self.backoff)

    def run(self, plan_id: str, orders: tuple[Order, ...]) -> Execution:
        """Execute `orders` of plan `plan_id`; stops at the first guard or refusal.

        The plan must be `planned` or `approved`: claiming it as `executing`
        is one conditional update, so a plan is never executed twice. An
        unexpected error still leaves the plan `stopped` with the error.
        """
        result = Execution(plan_id)
        current = self.journal.claim_plan(plan_id, PlanStatus.EXECUTING)
        if current is not None:
            result.stop = Refusal("not_executable", f"plan {plan_id} is {current}")
            return result
        try:
            self._legs(plan_id, orders, result)
        except BaseException as exc:
            self._finish(plan_id, Refusal("internal_error", f"{type(exc).__name__}: {exc}"),
                         sent=True)  # whether anything went out is for reconciliation to say
            raise
        # the journal, not the results: a leg that failed after its order went out (a cancel
        # the venue refused) has no result, and the plan must not look untouched
        self._finish(plan_id, result.stop, sent=self.journal.has_orders(plan_id))
        return result

    def _legs(self, plan_id: str, orders: tuple[Order, ...], result: Execution) -> None:
        turnover = 0.0
        for leg, order in enumerate(orders, start=1):
            try:
                outcome = self._leg(plan_id, leg, order, turnover)
            except VenueError as exc:
                outcome = Refusal("venue_error", str(exc))
            if isinstance(outcome, Refusal):
                result.stop = outcome
                return
            result.orders.append(outcome)
            turnover += self._rule(order).notional(outcome.filled, outcome.average or 0.0,
                                                  order.quote_rate)
            if outcome.status not in (OrderState.FILLED, SKIPPED):
                result.stop = Refusal(str(outcome.status),
                                      outcome.reason or f"order {outcome.status}")
                return

    def _finish(self, plan_id: str, stop: Refusal | None, sent: bool) -> None:
        """Done; stopped once an order went out; failed (approvable again) if none did."""
        if stop is None:
            self.journal.set_plan(plan_id, PlanStatus.DONE)
            return
        self.journal.event(stop.code, stop.message, plan_id)
        self.journal.set_plan(plan_id, PlanStatus.STOPPED if sent else PlanStatus.FAILED,
                              str(stop))

    def _leg(self, plan_id: str, leg: int, order: Order, turnover: float
             ) -> OrderResult | Refusal:
        venue = self.venues[order.venue]
        problems = self.reconciler.unresolved(at_start=False)
        if problems and kill_switch(self.environ) is None:
            return Refusal("unresolved_orders", "; ".join(problems))
        ticker = self._check(venue, order)
        if isinstance(ticker, Refusal):
            return ticker
        amount, skip = self._size(venue, order, ticker.last)
        if skip is not None:
            self.journal.event("skipped", f"leg {leg} {order.side} {order.symbol}: {skip}",
                               plan_id)
            return OrderResult(None, order.venue, order.symbol, order.side, amount,
                               SKIPPED, reason=skip)
        notional = self._rule(order).notional(float(amount), ticker.last, order.quote_rate)
        stop = cap_guard(notional, turnover, self.policy, self.policy.quote)
        if stop is not None:
            return stop
        sender = LegSender(self.journal, self.reconciler, self.backoff, self.policy.execution,
                           self.progress, self.sleep, self.clock)
        return sender.send(plan_id, leg, order, amount, venue,
                           partial(self._check, venue, order), ticker, notional)

    def _check(self, venue: Venue, order: Order) -> Ticker | Refusal:
        """Before every child: the kill switch, the lease, a fresh price that passes the guard."""
        stop = kill_switch(self.environ) or self._lease_lost()
        if stop is not None:
            return stop
        ticker = self.backoff.call(partial(venue.fetch_tickers, [order.symbol])).get(
            order.symbol)
        stop = price_guard(ticker, order.price, venue.now(), self.policy, order.asset)
        if stop is not None or ticker is None:
            return stop or Refusal("missing_price", f"no price for {order.asset}")
        return ticker

    def _lease_lost(self) -> Refusal | None:
        if self.lease is None:
            return None
        try:
            self.lease.renew()
        except LeaseLost as exc:
            return Refusal("lease_lost", str(exc))
        return None

    def _size(self, venue: Venue, order: Order, price: float) -> tuple[str, str | None]:
        """The amount to send now, as a precise string, or the reason to skip the leg."""
        free = self.backoff.call(venue.fetch_balances).free
        amount = order.amount
        if not order.is_futures and order.side == "sell":
            amount = min(amount, free.get(order.asset, 0.0))
        elif not order.is_futures:
            costs = self.policy.costs
            per_unit = price * (1.0 + costs.fee_rate + costs.slippage_bps / 10_000)
            amount = min(amount, free.get(self.policy.quote, 0.0) / per_unit)
        rule = self._rule(order)
        cut = rule.floor(amount)
        reason = _limit_violation(rule, cut, rule.notional(cut, price, order.quote_rate),
                                  self.policy.costs.min_trade, self.policy.quote)
        if reason is not None:
            return format(cut, ".12g"), reason
        return venue.amount_to_precision(order.symbol, cut), None

    def _rule(self, order: Order) -> MarketRule:
        """The order's market rule (lot size, limits, contract) as the venue lists it."""
        venue = self.venues[order.venue]
        market = self.backoff.call(venue.load_markets).get(order.symbol)
        return market.rule if market is not None else MarketRule()


def _limit_violation(rule: MarketRule, amount: float, notional: float, min_trade: float,
                     quote: str) -> str | None:
    """Why an amount may not be sent (ccxt does not check limits), or None."""
    if amount <= 0 or (rule.min_amount is not None and amount < rule.min_amount):
        return f"below_min_amount: {amount:.10g} is under the market's minimum amount"
    if rule.min_cost is not None and notional < rule.min_cost:
        return (f"below_min_notional: {notional:,.2f} {quote} is under the market's minimum "
                f"notional {rule.min_cost:g}")
    if notional < min_trade:
        return f"below_min_trade: {notional:,.2f} {quote} is under min_trade {min_trade:g}"
    return None
