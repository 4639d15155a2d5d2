"""Execution through the ccxt adapter: recorded Binance payloads, a fake server, a real journal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import ccxt
from sqlalchemy import select

from tests.venues.recorded_binance import binance_venue
from trimtab.app.inputs import parse_policy
from trimtab.domain.planning.orders import Order
from trimtab.execution.executor import Executor
from trimtab.journal.models import EventRow, OrderRow, PlanRow
from trimtab.journal.opening import open_journal
from trimtab.journal.store import Journal
from trimtab.venues.retry import Backoff

LTC = 90.8
POLICY = parse_policy({"targets": {"LTC": 0.5, "USDT": 0.5}})


def journal_with_plan(tmp_path: Path) -> Journal:
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    snapshot_id, _ = journal.record_document(datetime.now(UTC), "binance", {}, {}, True)
    journal.add(PlanRow(id="abc123", snapshot_id=snapshot_id, analysis_id=None,
                        status="planned", reason=None, document="{}"))
    return journal


def sell_ltc(amount: float) -> Order:
    notional = amount * LTC
    return Order("binance", "LTC/USDT", "LTC", "sell", amount, LTC, notional,
                 notional * 0.001, notional * 0.0005)


def test_a_timeout_after_binance_accepted_is_resolved_and_never_resent(tmp_path: Path) -> None:
    venue, fake = binance_venue()
    fake.live_prices["LTCUSDT"] = LTC
    fake.after_accept.append(ccxt.RequestTimeout("binance POST /api/v3/order timed out"))
    journal = journal_with_plan(tmp_path)
    executor = Executor(journal, {"binance": venue}, POLICY, Backoff(sleep=lambda _: None))
    result = executor.run("abc123", (sell_ltc(0.5),))
    assert result.stop is None
    assert fake.posts() == 1
    [order] = result.orders
    assert order.client_order_id == "trimtababc123x001" and order.status == "filled"
    with journal.session() as session:
        row = session.scalars(select(OrderRow)).one()
        assert row.amount == "0.5" and row.state == "filled"
        assert "RequestTimeout" in (row.reason or "")


def test_binance_insufficient_balance_stops_the_plan_consistently(tmp_path: Path) -> None:
    venue, fake = binance_venue()
    fake.live_prices["LTCUSDT"] = LTC
    fake.faults["POST /api/v3/order"] = [
        ccxt.InsufficientFunds('binance {"code":-2010,"msg":"Account has insufficient '
                               'balance for requested action."}')]
    journal = journal_with_plan(tmp_path)
    executor = Executor(journal, {"binance": venue}, POLICY, Backoff(sleep=lambda _: None))
    result = executor.run("abc123", (sell_ltc(0.5), sell_ltc(0.2)))
    assert result.stop is not None and "insufficient balance" in result.stop.message
    assert fake.posts() == 1
    with journal.session() as session:
        assert [r.state for r in session.scalars(select(OrderRow))] == ["rejected"]
        assert session.get_one(PlanRow, "abc123").status == "stopped"
        assert session.scalars(select(EventRow.kind)).all() == ["rejected"]


def test_an_amount_is_cut_to_binance_lot_size_before_it_is_sent(tmp_path: Path) -> None:
    venue, fake = binance_venue()
    fake.live_prices["LTCUSDT"] = LTC
    journal = journal_with_plan(tmp_path)
    executor = Executor(journal, {"binance": venue}, POLICY, Backoff(sleep=lambda _: None))
    result = executor.run("abc123", (sell_ltc(0.123456),))
    assert result.orders[0].amount == "0.123"  # LTC/USDT lot size 0.001
    assert fake.requests[-1][2]["quantity"] == ["0.123"]


def test_a_recorded_ticker_a_year_old_is_refused_as_stale(tmp_path: Path) -> None:
    venue, fake = binance_venue()  # no live price: the recorded 2024 ticker is served
    journal = journal_with_plan(tmp_path)
    executor = Executor(journal, {"binance": venue}, POLICY, Backoff(sleep=lambda _: None))
    order = Order("binance", "BTC/USDT", "BTC", "sell", 0.001, 73369.84, 73.37, 0.07, 0.04)
    result = executor.run("abc123", (order,))
    assert result.stop is not None and result.stop.code == "stale_price"
    assert fake.posts() == 0


def test_a_key_in_a_venue_error_never_reaches_the_journal(tmp_path: Path) -> None:
    from tests.venues.recorded_binance import KEY, SECRET
    venue, fake = binance_venue()
    fake.live_prices["LTCUSDT"] = LTC
    fake.faults["POST /api/v3/order"] = [
        ccxt.AuthenticationError(f"binance key {KEY} rejected (secret {SECRET})")]
    journal = journal_with_plan(tmp_path)
    Executor(journal, {"binance": venue}, POLICY, Backoff(sleep=lambda _: None)).run(
        "abc123", (sell_ltc(0.5),))
    dump = "\n".join(journal.engine.raw_connection().driver_connection.iterdump())
    assert "rejected (secret ***)" in dump
    assert KEY not in dump and SECRET not in dump


def test_three_binance_coin_m_contracts_are_worth_300_usd_not_the_price_times_three(
        tmp_path: Path) -> None:
    """Finding 1: a COIN-M BTCUSD_PERP contract is 100 USD, whatever the BTC price."""
    venue, fake = binance_venue()
    fake.live_prices["BTCUSD_PERP"] = 68234.2
    policy = parse_policy({"targets": {"BTC": 0.5, "USDT": 0.5},
                           "execution": {"max_order_notional": 1000, "max_turnover": 1000}})
    journal = journal_with_plan(tmp_path)
    executor = Executor(journal, {"binance": venue}, policy, Backoff(sleep=lambda _: None))
    # reducing the recorded short of 3 contracts: a reduce-only buy
    order = Order("binance", "BTC/USD:BTC", "BTC", "buy", 3, 68234.2, 300.0, 0.3, 0.15,
                  reduce_only=True)
    result = executor.run("abc123", (order,))
    assert result.stop is None, result.stop
    assert fake.posts() == 1
    sent = fake.requests[-1]
    assert sent[1] == "/dapi/v1/order"
    assert sent[2]["quantity"] == ["3"] and sent[2]["reduceOnly"] == ["true"]
