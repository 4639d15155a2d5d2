"""A leverage trigger executed on the paper exchange's perpetuals."""

from __future__ import annotations

from pathlib import Path

from tests.execution.paper_world import executor, plan_and_journal, world
from trimtab.app.inputs import parse_policy


def test_reduce_only_orders_bring_gross_notional_under_the_cap(tmp_path: Path) -> None:
    journal, venue, _ = world(tmp_path, start={"BTC": 0.1, "ETH": 3.0, "USDT": 6_000.0,
                                               "BTC/USDT:USDT": 0.4})
    pol = parse_policy({"targets": {"BTC": 0.4, "ETH": 0.3, "USDT": 0.3},
                        "futures": {"max_multiple": 1.0}})
    plan, analysis = plan_and_journal(journal, venue, pol, "p1")
    assert analysis.futures.breached
    futures = [o for o in plan.orders if o.is_futures]
    assert futures and all(o.reduce_only and o.side == "sell" for o in futures)
    result = executor(journal, venue, pol).run("p1", plan.orders)
    assert result.stop is None
    _, after = plan_and_journal(journal, venue, pol, "p2")
    assert not after.futures.breached
    assert after.futures.gross_notional < analysis.futures.gross_notional
