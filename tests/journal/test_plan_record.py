"""The stored plan: what an approval later executes must value orders as the planner did."""

from __future__ import annotations

import json

from trimtab.app.inputs import parse_policy
from trimtab.domain.planning.orders import Order
from trimtab.domain.planning.planner import Plan
from trimtab.journal.plan_record import PlanRecord, load_record

INVERSE = Order("binance", "BTC/USD:BTC", "BTC", "buy", 3.0, 68_000.0, 375.0, 0.15, 0.1,
                reduce_only=True, quote_rate=1.25)


def test_an_inverse_orders_usd_rate_survives_the_journal_so_an_approval_caps_it_alike() -> None:
    policy = parse_policy({"targets": {"BTC": 1.0}})
    record = PlanRecord.of(Plan(orders=(INVERSE,)), policy, ("binance",), None, {})
    [order] = load_record("p1", record.dumps()).to_orders()
    assert order == INVERSE and order.quote_rate == 1.25


def test_a_record_written_before_the_rate_was_stored_reads_it_as_one() -> None:
    policy = parse_policy({"targets": {"BTC": 1.0}})
    raw = json.loads(PlanRecord.of(Plan(orders=(INVERSE,)), policy, ("binance",), None,
                                   {}).dumps())
    del raw["orders"][0]["quote_rate"]
    [order] = load_record("p1", json.dumps(raw)).to_orders()
    assert order.quote_rate == 1.0
