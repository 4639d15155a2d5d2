"""The stored plan: what an approval later executes must value orders as the planner did."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests import builders
from trimtab.app.history import plan_detail
from trimtab.app.inputs import parse_policy
from trimtab.domain.planning.orders import Order
from trimtab.domain.planning.planner import Plan, make_plan
from trimtab.domain.policy import Policy
from trimtab.domain.tax.lots import Acquire, replay
from trimtab.domain.tax.settings import TaxSettings
from trimtab.journal.models import PlanRow
from trimtab.journal.opening import open_journal
from trimtab.journal.plan_record import PlanRecord, RecordError, load_record

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


def taxed_plan() -> tuple[Plan, Policy]:
    """1.5 BTC at 80,000 and 40,000 USDT, 50/50: the plan sells 0.5 BTC for 40,000. FIFO
    takes it from lot A (1.0 BTC for 60,000 on 2024-01-10, long-term on 2026-01-31):
    gain 40,000 − 30,000 = 10,000 long at 15 % → 1,500 of tax."""
    settings = TaxSettings(short_term_rate=0.30, long_term_rate=0.15)
    policy = builders.policy({"BTC": 0.5, "USDT": 0.5}, tax=settings.model_dump())
    lots = replay([Acquire(datetime(2024, 1, 10, tzinfo=UTC), "BTC", "binance", 1.0, 60_000.0,
                           "A")], settings)
    snap = builders.snapshot({"BTC": 80_000.0, "USDT": 1.0}, {"BTC": 1.5, "USDT": 40_000.0})
    return make_plan(snap, policy, lots=lots), policy


def test_each_sells_tax_survives_a_journal_round_trip(tmp_path: Path) -> None:
    plan, policy = taxed_plan()
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    snapshot_id, _ = journal.record_document(datetime(2026, 1, 31, tzinfo=UTC), "binance",
                                             {}, {}, True)
    record = PlanRecord.of(plan, policy, ("binance",), None, {})
    journal.add(PlanRow(id="p1", snapshot_id=snapshot_id, analysis_id=None, status="proposed",
                        reason=None, document=record.dumps()))
    back = load_record("p1", journal.plan("p1").document)
    (sell,) = back.orders
    assert sell.tax is not None and sell.tax.tax == pytest.approx(1_500.0)
    assert (sell.tax.gain_long, sell.tax.gain_short) == (pytest.approx(10_000.0), 0.0)
    assert [(u.lot_id, u.units, u.cost, u.term) for u in sell.tax.lots] == [
        ("A", pytest.approx(0.5), pytest.approx(30_000.0), "long")]
    assert sell.tax.lots[0].acquired == datetime(2024, 1, 10, tzinfo=UTC)
    assert back.totals["tax"] == pytest.approx(1_500.0)
    assert back.hedges[0]["deferred_tax"] == pytest.approx(1_500.0)
    assert back.to_orders() == plan.orders
    (planned,) = plan_detail(journal, "p1").planned
    assert planned.tax is not None and planned.tax["tax"] == pytest.approx(1_500.0)


def test_a_version_1_record_without_tax_still_loads_and_executes_alike() -> None:
    plan, policy = taxed_plan()
    raw = json.loads(PlanRecord.of(plan, policy, ("binance",), None, {}).dumps())
    raw["version"] = 1
    del raw["orders"][0]["tax"], raw["totals"]["tax"]
    record = load_record("p1", json.dumps(raw))
    assert record.orders[0].tax is None and "tax" not in record.totals
    assert record.to_orders() == plan.orders


def test_a_record_from_a_newer_trimtab_says_to_upgrade() -> None:
    plan, policy = taxed_plan()
    raw = json.loads(PlanRecord.of(plan, policy, ("binance",), None, {}).dumps())
    raw["version"] = 3
    with pytest.raises(RecordError, match="version 3 was written by a newer trimtab"):
        load_record("p1", json.dumps(raw))
