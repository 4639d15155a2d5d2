"""Execution against a paper venue with the faults a real exchange produces."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from tests.execution.paper_world import FaultyVenue, executor, plan_and_journal, policy, world
from trimtab.app.inputs import parse_policy
from trimtab.journal.models import EventRow, FillRow, OrderRow, PaperOrderRow, PlanRow
from trimtab.journal.store import Journal


def count(journal: Journal, model: type, *where: object) -> int:
    with journal.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_sells_run_before_buys_and_the_portfolio_lands_in_its_bands(tmp_path: Path) -> None:
    journal, venue, _ = world(tmp_path)
    pol = policy()
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    result = executor(journal, venue, pol).run("p1", plan.orders)
    assert result.stop is None
    assert [o.side for o in result.orders] == ["sell", "buy"]
    again, analysis = plan_and_journal(journal, venue, pol, "p2")
    assert not analysis.triggered and again.orders == ()


def test_timeout_after_accept_is_found_by_client_id_and_not_sent_again(tmp_path: Path) -> None:
    journal, paper, _ = world(tmp_path)
    venue = FaultyVenue(paper)
    venue.timeout_after_accept = {1}
    pol = policy()
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    result = executor(journal, venue, pol).run("p1", plan.orders)
    assert result.stop is None and result.orders[0].status == "filled"
    assert venue.placements == len(plan.orders)
    assert count(journal, PaperOrderRow) == len(plan.orders)  # each accepted once
    with journal.session() as session:
        first = session.scalars(select(OrderRow).where(OrderRow.leg == 1)).one()
        assert first.state == "filled" and "RequestTimeout" in (first.reason or "")


def test_a_lookup_answered_with_another_order_records_nothing_and_stops_trading(
        tmp_path: Path) -> None:
    """Found by the recorded-payload sweep: OKX's recorded lookup answers with an LTC/USDT
    order filled 0.1, and the journal took it as the fill of a BTC/USDT order."""
    journal, paper, _ = world(tmp_path)
    venue = FaultyVenue(paper)
    venue.timeout_after_accept = {1}
    venue.answers_another_order = True
    pol = policy()
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    result = executor(journal, venue, pol).run("p1", plan.orders)
    assert result.stop is not None and result.stop.code == "venue_error"
    assert "LTC/USDT" in result.stop.message and "not recorded" in result.stop.message
    assert venue.placements == 1  # nothing after it
    with journal.session() as session:
        first = session.scalars(select(OrderRow).where(OrderRow.leg == 1)).one()
        assert first.state == "unknown" and first.filled in (None, "0")
        assert session.get_one(PlanRow, "p1").status == "stopped"
    assert count(journal, FillRow) == 0


def test_insufficient_funds_half_way_stops_and_a_rerun_replans(tmp_path: Path) -> None:
    journal, paper, _ = world(tmp_path)
    venue = FaultyVenue(paper)
    venue.insufficient_at = {2}
    pol = policy()
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    result = executor(journal, venue, pol).run("p1", plan.orders)
    assert result.stop is not None and result.stop.code == "rejected"
    assert [o.status for o in result.orders] == ["filled", "rejected"]
    with journal.session() as session:
        assert session.get_one(PlanRow, "p1").status == "stopped"
    replan, _ = plan_and_journal(journal, paper, pol, "p2")
    assert [o.side for o in replan.orders] == ["buy"]  # the sell is not repeated
    rerun = executor(journal, paper, pol).run("p2", replan.orders)
    assert rerun.stop is None and rerun.orders[0].status == "filled"


def test_a_rate_limit_storm_backs_off_then_completes(tmp_path: Path) -> None:
    journal, paper, _ = world(tmp_path)
    venue = FaultyVenue(paper)
    pol = policy()
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    venue.rate_limited_reads = 3
    run = executor(journal, venue, pol)
    result = run.run("p1", plan.orders)
    assert result.stop is None and len(run.backoff.waits) == 3


def test_a_rate_limit_storm_past_the_cap_stops_before_sending(tmp_path: Path) -> None:
    journal, paper, _ = world(tmp_path)
    venue = FaultyVenue(paper)
    pol = policy(execution={"read_attempts": 2})
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    venue.rate_limited_reads = 10
    run = executor(journal, venue, pol)
    run.backoff.attempts = 2
    result = run.run("p1", plan.orders)
    assert result.stop is not None and result.stop.code == "venue_error"
    assert venue.placements == 0 and count(journal, OrderRow) == 0


def test_a_jumping_price_is_refused_with_the_reason_journaled(tmp_path: Path) -> None:
    journal, venue, prices = world(tmp_path)
    pol = policy()
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    prices.prices["BTC"] *= 1.05  # moved 5 % between plan and execution
    result = executor(journal, venue, pol).run("p1", plan.orders)
    assert result.stop is not None and result.stop.code == "price_moved"
    assert count(journal, OrderRow) == 0
    assert count(journal, EventRow, EventRow.kind == "price_moved") == 1


def test_a_stale_price_is_refused_with_the_reason_journaled(tmp_path: Path) -> None:
    journal, venue, prices = world(tmp_path)
    pol = policy()
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    from datetime import timedelta
    prices.stamps["BTC"] = prices.as_of - timedelta(minutes=5)
    result = executor(journal, venue, pol).run("p1", plan.orders)
    assert result.stop is not None and result.stop.code == "stale_price"
    assert count(journal, EventRow, EventRow.kind == "stale_price") == 1


def test_the_kill_switch_stops_before_the_next_order(tmp_path: Path) -> None:
    journal, venue, _ = world(tmp_path)
    pol = policy()
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    result = executor(journal, venue, pol, TRIMTAB_KILL_SWITCH="1").run("p1", plan.orders)
    assert result.stop is not None and result.stop.code == "kill_switch"
    assert count(journal, OrderRow) == 0


def test_the_turnover_cap_stops_the_run(tmp_path: Path) -> None:
    journal, venue, _ = world(tmp_path)
    pol = policy(execution={"max_turnover": 1000})
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    result = executor(journal, venue, pol).run("p1", plan.orders)
    assert result.stop is not None and result.stop.code == "turnover_cap"
    assert count(journal, OrderRow) == 0


def test_a_buy_is_sized_from_the_quote_actually_available(tmp_path: Path) -> None:
    journal, venue, prices = world(tmp_path, start={"BTC": 0.6, "ETH": 5.0})
    pol = parse_policy({"targets": {"BTC": 0.5, "ETH": 0.5}, "max_price_move": 0.5})
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    assert [o.side for o in plan.orders] == ["sell", "buy"]
    prices.prices["BTC"] *= 0.9  # the sell raises 10 % less quote than planned
    result = executor(journal, venue, pol).run("p1", plan.orders)
    assert result.stop is None
    buy = result.orders[-1]
    assert float(buy.amount) < next(o.amount for o in plan.orders if o.side == "buy")
    assert venue.fetch_balances().total.get("USDT", 0.0) >= 0.0


def test_a_partial_fill_is_recorded_and_the_rest_cancelled_then_replanned(
        tmp_path: Path) -> None:
    journal, paper, _ = world(tmp_path)
    venue = FaultyVenue(paper)
    venue.partial_at = {1}
    pol = policy()
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    result = executor(journal, venue, pol).run("p1", plan.orders)
    assert result.stop is not None and result.stop.code == "cancelled"
    [first] = result.orders
    assert first.status == "cancelled" and 0 < first.filled < float(first.amount)
    assert venue.placements == 1  # the rest was not sent again
    with journal.session() as session:
        row = session.scalars(select(OrderRow)).one()
        assert "re-planned" in (row.reason or "")
        assert session.scalar(select(func.count()).select_from(FillRow)) == 1
    replan, _ = plan_and_journal(journal, paper, pol, "p2")
    assert replan.orders and replan.orders[0].side == "sell"  # the remainder, re-planned
