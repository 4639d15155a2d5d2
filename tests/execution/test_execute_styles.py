"""Execution styles on the paper book: limit and post-only children, timeouts, TWAP slices.

Time is a fake clock: `sleep` moves it (and, where a scenario says so, the
paper price), so no test waits and every race is played in a fixed order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.execution.paper_world import FaultyVenue, plan_and_journal, policy, world
from trimtab.execution.executor import Executor
from trimtab.execution.outcome import Execution
from trimtab.journal.models import OrderRow, PaperOrderRow, PlanRow
from trimtab.journal.store import Journal
from trimtab.venues.port import VenueOrder
from trimtab.venues.retry import Backoff


class FakeTime:
    """A clock that moves only when the executor sleeps; `on_sleep` plays the market."""

    def __init__(self, on_sleep: Callable[[FakeTime], None] | None = None) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.on_sleep = on_sleep

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(self)


def run(journal: Journal, venue: Any, execution: dict[str, Any], time: FakeTime,
        plan_id: str = "p1") -> Execution:
    pol = policy(execution=execution)
    plan, _ = plan_and_journal(journal, venue, pol, plan_id)
    return Executor(journal, {"paper": venue}, pol, Backoff(sleep=lambda _: None),
                    environ={}, sleep=time.sleep, clock=time.clock).run(plan_id, plan.orders)


def rows(journal: Journal) -> list[OrderRow]:
    with journal.session() as session:
        out = list(session.scalars(select(OrderRow).order_by(OrderRow.id)))
        session.expunge_all()
    return out


def plan_status(journal: Journal, plan_id: str = "p1") -> str:
    with journal.session() as session:
        return session.get_one(PlanRow, plan_id).status


def test_limit_orders_at_the_touch_fill_as_makers_when_the_price_comes_their_way(
        tmp_path: Path) -> None:
    journal, venue, source = world(tmp_path)

    def swing(_: FakeTime) -> None:  # BTC up (the sell rests at the ask), ETH down (the buy)
        source.prices.update({"BTC": source.prices["BTC"] + 150,
                              "ETH": source.prices["ETH"] - 5})

    result = run(journal, venue, {"style": "limit", "timeout": 30}, FakeTime(swing))
    assert result.stop is None and [o.status for o in result.orders] == ["filled", "filled"]
    sell, buy = result.orders
    assert sell.average == pytest.approx(100_050.0)  # the ask at placement: mid + 5 bp
    assert buy.average == pytest.approx(2_995 * (1 - 0.0005))  # the bid when it was placed
    assert [float(r.plan_price) for r in rows(journal)] == [sell.average, buy.average]
    assert [len(o.children) for o in result.orders] == [1, 1]


def test_a_limit_child_that_times_out_is_cancelled_and_the_rest_sent_at_market(
        tmp_path: Path) -> None:
    journal, venue, _ = world(tmp_path)  # the price never moves: nothing rests into a fill
    time = FakeTime()
    result = run(journal, venue, {"style": "limit", "timeout": 10, "poll_interval": 2},
                 time)
    assert result.stop is None and plan_status(journal) == "done"
    sell = result.orders[0]
    assert [c.status for c in sell.children] == ["cancelled", "filled"]
    assert [c.client_order_id for c in sell.children] == ["trimtabp1x001", "trimtabp1x001c02"]
    assert time.slept[:5] == [2, 2, 2, 2, 2]  # polled until the 10 s timeout
    assert "sent at market" in (sell.children[0].reason or "")


def test_fallback_none_leaves_the_rest_for_the_next_run(tmp_path: Path) -> None:
    journal, venue, _ = world(tmp_path)
    result = run(journal, venue, {"style": "limit", "timeout": 4, "fallback": "none"},
                 FakeTime())
    assert result.stop is not None and result.stop.code == "cancelled"
    assert plan_status(journal) == "stopped"
    assert [r.state for r in rows(journal)] == ["cancelled"]
    assert "re-planned on the next run" in (rows(journal)[0].reason or "")


def test_a_post_only_order_that_would_cross_is_rejected_then_sent_at_market(
        tmp_path: Path) -> None:
    journal, venue, _ = world(tmp_path)
    result = run(journal, venue, {"style": "post-only", "limit_price": "offset",
                                  "offset_bps": -10}, FakeTime())  # 10 bp into the book
    assert result.stop is None
    for leg in result.orders:
        assert [c.status for c in leg.children] == ["rejected", "filled"]
        assert "would cross" in (leg.children[0].reason or "")


def test_a_large_leg_goes_out_as_twap_children_each_with_its_own_id(tmp_path: Path) -> None:
    journal, venue, _ = world(tmp_path)
    time = FakeTime()
    result = run(journal, venue, {"max_slice": 6_000, "twap_window": 600}, time)
    sell = result.orders[0]  # about 20,000 USDT of BTC: four children of at most 6,000
    assert result.stop is None and len(sell.children) == 4
    assert len({c.client_order_id for c in sell.children}) == 4
    assert sum(c.filled for c in sell.children) == pytest.approx(float(sell.amount))
    assert time.slept[:3] == [200.0, 200.0, 200.0]  # 600 s spread over four children
    with venue.journal.session() as session:
        sent = list(session.scalars(select(PaperOrderRow.client_order_id)))
    assert len(sent) == len(set(sent))


class LateFill(FaultyVenue):
    """The venue fills a resting order at the instant trimtab's cancel arrives."""

    def __init__(self, inner: Any, move: Callable[[], None]) -> None:
        super().__init__(inner)
        self.move = move
        self.cancels = 0
        self.cancelled: list[str] = []

    def cancel_order(self, order_id: str, symbol: str) -> VenueOrder | None:
        self.cancels += 1
        self.cancelled.append(order_id)
        self.move()  # the price reaches the order before the cancel is processed
        return self.inner.cancel_order(order_id, symbol)


def test_a_fill_that_arrives_after_the_cancel_was_sent_is_kept_and_nothing_is_resent(
        tmp_path: Path) -> None:
    journal, paper, source = world(tmp_path)
    venue = LateFill(paper, lambda: source.prices.update({
        "BTC": source.prices["BTC"] + 150, "ETH": source.prices["ETH"] - 5}))
    result = run(journal, venue, {"style": "limit", "timeout": 4}, FakeTime())
    assert result.stop is None and venue.cancels == 2  # each leg timed out and cancelled
    assert [len(o.children) for o in result.orders] == [1, 1]  # no market fallback sent
    assert [o.children[0].status for o in result.orders] == ["filled", "filled"]
    assert venue.placements == 2


def test_a_timeout_racing_a_fill_takes_the_fill_and_sends_no_cancel(tmp_path: Path) -> None:
    journal, paper, source = world(tmp_path)
    venue = LateFill(paper, lambda: None)

    def fill_at_the_deadline(time: FakeTime) -> None:
        if time.now >= 10:  # the poll that reaches the timeout is the one that sees the fill
            source.prices.update({"BTC": 100_150.0, "ETH": 2_995.0})

    result = run(journal, venue, {"style": "limit", "timeout": 10, "poll_interval": 5},
                 FakeTime(fill_at_the_deadline))
    assert result.orders[0].children[0].status == "filled"
    assert len(result.orders[0].children) == 1
    assert rows(journal)[0].venue_order_id not in venue.cancelled  # no cancel for the sell
