"""A paper world for execution tests: a real SQLite journal, the paper exchange, fixed prices.

`FaultyVenue` is the hand-written stand-in for a misbehaving remote: it
wraps the paper exchange and injects the failures a real venue produces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trimtab.app.inputs import parse_policy
from trimtab.domain.analysis.drift import Analysis, analyse
from trimtab.domain.planning.orders import Side
from trimtab.domain.planning.planner import Plan, make_plan
from trimtab.domain.policy import Policy
from trimtab.execution.executor import Executor
from trimtab.journal.models import PlanRow
from trimtab.journal.opening import open_journal
from trimtab.journal.store import Journal
from trimtab.venues.errors import InsufficientFunds, OutcomeUnknown, Retryable
from trimtab.venues.paper.venue import PaperCosts, PaperVenue
from trimtab.venues.port import VenueOrder
from trimtab.venues.prices import FixedPrices
from trimtab.venues.retry import Backoff
from trimtab.venues.snapshots import market_rules, take_snapshot

AS_OF = datetime(2025, 1, 31, tzinfo=UTC)
PRICES = {"BTC": 100_000.0, "ETH": 3_000.0}
START = {"BTC": 0.5, "ETH": 5.0, "USDT": 10_000.0}  # BTC 66 %, ETH 20 %, USDT 13 %


def policy(**extra: Any) -> Policy:
    raw = {"targets": {"BTC": 0.4, "ETH": 0.3, "USDT": 0.3},
           "bands": {"kind": "relative", "width": 0.1}, **extra}
    return parse_policy(raw)


def world(tmp_path: Path, prices: Mapping[str, float] = PRICES,
          start: Mapping[str, float] = START) -> tuple[Journal, PaperVenue, FixedPrices]:
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    source = FixedPrices(prices, AS_OF)
    venue = PaperVenue(journal, source, PaperCosts(0.001, 0.0005), assets=("BTC", "ETH"))
    if venue.is_empty():
        venue.fund(start)
    return journal, venue, source


def executor(journal: Journal, venue: Any, pol: Policy, **environ: str) -> Executor:
    return Executor(journal, {"paper": venue}, pol, Backoff(sleep=lambda _: None),
                    environ=dict(environ))


def plan_and_journal(journal: Journal, venue: Any, pol: Policy, plan_id: str
                     ) -> tuple[Plan, Analysis]:
    """Plan from the venue's snapshot and journal the plan, as `prepare` does."""
    backoff = Backoff(sleep=lambda _: None)
    snapshot = take_snapshot([venue], "USDT", set(pol.asset_targets()), backoff)
    analysis = analyse(snapshot, pol)
    plan = make_plan(snapshot, pol, analysis, markets=market_rules([venue], backoff))
    snap_id, ana_id = journal.record_document(snapshot.as_of, "paper", {}, {}, True)
    journal.add(PlanRow(id=plan_id, snapshot_id=snap_id, analysis_id=ana_id, status="planned",
                        reason=None, document="{}"))
    return plan, analysis


class FaultyVenue:
    """The paper exchange with injected faults: all other calls pass through."""

    def __init__(self, inner: PaperVenue) -> None:
        self.inner = inner
        self.name = inner.name
        self.timeout_after_accept: set[int] = set()   # placement numbers (1-based)
        self.insufficient_at: set[int] = set()
        self.rate_limited_reads = 0
        self.placements = 0
        self.partial_at: set[int] = set()
        self.open_orders: dict[str, VenueOrder] = {}  # client id -> partly filled, open
        self.answers_another_order = False  # lookups answer with another market's order

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.inner, attr)

    def fetch_balances(self) -> Any:
        if self.rate_limited_reads > 0:
            self.rate_limited_reads -= 1
            raise Retryable(self.name, "fetch_balances", "429 Too Many Requests")
        return self.inner.fetch_balances()

    def create_order(self, symbol: str, side: Side, amount: str, client_order_id: str, *,
                     reduce_only: bool = False, price: float | None = None,
                     limit: str | None = None, post_only: bool = False,
                     hedged: bool = False, margin_mode: str | None = None) -> VenueOrder:
        self.placements += 1
        if self.placements in self.insufficient_at:
            raise InsufficientFunds(self.name, "create_order", "Account has insufficient balance")
        if self.placements in self.partial_at:
            return self._partial(symbol, side, amount, client_order_id)
        order = self.inner.create_order(symbol, side, amount, client_order_id,
                                        reduce_only=reduce_only, price=price, limit=limit,
                                        post_only=post_only)
        if self.placements in self.timeout_after_accept:
            raise OutcomeUnknown(self.name, "create_order", "RequestTimeout: read timed out")
        return order

    def _partial(self, symbol: str, side: Side, amount: str, client_order_id: str
                 ) -> VenueOrder:
        """Half fills (really, on the paper account); the rest stays open until cancelled."""
        half = self.inner.amount_to_precision(symbol, float(amount) / 2)
        filled = self.inner.create_order(symbol, side, half, client_order_id)
        order = replace(filled, id=f"open-{client_order_id}", amount=float(amount),
                        status="open")
        self.open_orders[client_order_id] = order
        return order

    def fetch_order(self, symbol: str, *, order_id: str | None = None,
                    client_order_id: str | None = None) -> VenueOrder | None:
        for cid, order in self.open_orders.items():
            if order_id == order.id or client_order_id == cid:
                return order
        found = self.inner.fetch_order(symbol, order_id=order_id,
                                       client_order_id=client_order_id)
        if found is not None and self.answers_another_order:
            return replace(found, symbol="LTC/USDT", filled=found.amount * 30)
        return found

    def cancel_order(self, order_id: str, symbol: str) -> VenueOrder | None:
        for cid, order in self.open_orders.items():
            if order.id == order_id:
                self.open_orders[cid] = replace(order, status="canceled")
                return self.open_orders[cid]
        return None
