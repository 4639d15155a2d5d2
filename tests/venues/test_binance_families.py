"""Binance spot, USDⓈ-M and COIN-M together, on recorded payloads: snapshot to execution."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import ccxt
import pytest
from rich.console import Console

from tests.venues.executing import NO_WAIT, execute
from tests.venues.recorded_binance import FakeBinance, binance_venue
from tests.venues.strays import stray_orders
from trimtab.app.inputs import parse_policy
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.snapshot import PriceQuote, Snapshot
from trimtab.execution.executor import Executor
from trimtab.journal.models import PlanRow
from trimtab.journal.opening import open_journal
from trimtab.reports.tables import render_check
from trimtab.venues.ccxt_venue import CcxtVenue
from trimtab.venues.snapshots import market_rules, take_snapshot

POLICY = parse_policy({"targets": {"LTC": 0.5, "ETH": 0.5},
                       "execution": {"max_order_notional": 1_000}})


def live() -> tuple[CcxtVenue, FakeBinance]:
    venue, fake = binance_venue()
    fake.live_prices.update(LTCUSDT=90.8, ETHUSDT=3_000.0, BTCUSDT=67_502.68519858,
                            BTCUSD_PERP=68_234.2)
    # ccxt's static data records no Binance funding rate: the venue refuses the read
    fake.faults["GET /fapi/v1/premiumIndex"] = [ccxt.NotSupported("binance premiumIndex")]
    return venue, fake


def snapshot_of(venue: CcxtVenue) -> Snapshot:
    return take_snapshot([venue], "USDT", set(POLICY.asset_targets()), NO_WAIT)


def test_funding_that_cannot_be_read_is_unknown_shown_as_na_and_the_check_goes_on() -> None:
    """Finding 3: a snapshot with positions demanded funding rates and failed without."""
    venue, _ = live()
    snap = snapshot_of(venue)
    assert snap.funding_rates == {} and len(snap.positions) == 2
    assert any("funding rates unknown on binance" in n for n in snap.notes)
    analysis = analyse(snap, POLICY)
    assert all(p.funding_rate is None for p in analysis.futures.positions)
    console = Console(record=True, width=160)
    render_check(console, analysis, make_plan(snap, POLICY, analysis))
    text = console.export_text()
    assert "n/a" in text and "funding rates unknown" in text


def test_the_leverage_cut_reduces_coin_m_contracts_at_100_usd_each_and_sends_them(
        tmp_path: Path) -> None:
    """Finding 1 end to end: gross notional counts 3 COIN-M contracts as 300 USD."""
    venue, fake = live()
    snap = snapshot_of(venue)
    analysis = analyse(snap, POLICY)
    assert analysis.futures.gross_notional == pytest.approx(0.009 * 67_502.68519858 + 300)
    plan = make_plan(snap, POLICY, analysis, rebalance=False,
                     markets=market_rules([venue], NO_WAIT))
    coin_m = next(o for o in plan.orders if o.symbol == "BTC/USD:BTC")
    assert coin_m.side == "buy" and coin_m.reduce_only
    assert coin_m.notional == pytest.approx(coin_m.amount * 100)
    execute(venue, POLICY, plan.orders, tmp_path)
    sent = [(p, q["quantity"][0], q["reduceOnly"][0]) for m, p, q in fake.requests
            if m == "POST"]
    assert ("/dapi/v1/order", format(coin_m.amount, "g"), "true") in sent


def test_a_hedge_mode_short_is_reduced_on_its_own_side(tmp_path: Path) -> None:
    """Finding 9: a reduce-only order carried no position side; Binance refuses it in
    hedge mode. ccxt's `hedged` param names the side (positionSide) in its place."""
    venue, fake = live()
    fake.hedge_mode = True
    snap = snapshot_of(venue)
    short = next(p for p in snap.positions if p.symbol == "BTC/USD:BTC")
    assert short.hedged and short.side == "short"
    plan = make_plan(snap, POLICY, rebalance=False, markets=market_rules([venue], NO_WAIT))
    coin_m = next(o for o in plan.orders if o.symbol == "BTC/USD:BTC")
    assert coin_m.hedged and coin_m.margin_mode == "cross"
    execute(venue, POLICY, (coin_m,), tmp_path, plan_id="p2")
    [query] = [q for m, p, q in fake.requests if (m, p) == ("POST", "/dapi/v1/order")]
    assert query["positionSide"] == ["SHORT"] and query["side"] == ["BUY"]
    assert "reduceOnly" not in query  # in hedge mode the side itself reduces


def test_units_locked_in_open_orders_are_a_residual_with_reason_locked() -> None:
    """Finding 11: the plan sold total units and the executor then sent only the free
    ones, dropping the rest silently."""
    venue, fake = live()
    fake.locked["LTC"] = ("0.11974100", "0.80000000")  # 0.8 LTC held by an open order
    snap = snapshot_of(venue)
    [ltc] = [b for b in snap.balances if b.asset == "LTC"]
    assert ltc.amount == pytest.approx(0.919741) and ltc.free == pytest.approx(0.119741)
    policy = parse_policy({"targets": {"ETH": 0.5, "USDT": 0.5}})
    plan = make_plan(snap, policy, markets=market_rules([venue], NO_WAIT))
    [sell] = [o for o in plan.orders if o.asset == "LTC"]
    assert sell.amount == pytest.approx(0.119, abs=1e-9)  # the free units, to the lot
    [locked] = [s for s in plan.skipped if s.reason == "locked"]
    assert locked.asset == "LTC" and locked.amount == pytest.approx(0.8)


def test_the_order_cap_values_coin_m_contracts_at_the_snapshots_usd_rate_not_one_to_one(
        tmp_path: Path) -> None:
    """Issue 10: the executor's caps took an inverse contract's USD as the quote (1:1).
    With USDT off its peg (1 USD = 1.25 USDT) 3 contracts of 100 USD are 375 USDT, over a
    350 USDT order cap that 300 would pass."""
    venue, _ = live()
    taken = snapshot_of(venue)
    snap = taken.model_copy(update={"prices": {**taken.prices, "USD": PriceQuote(price=1.25)}})
    capped = POLICY.model_copy(update={"execution": POLICY.execution.model_copy(
        update={"max_order_notional": 350.0})})
    plan = make_plan(snap, capped, rebalance=False, markets=market_rules([venue], NO_WAIT))
    coin_m = replace(next(o for o in plan.orders if o.symbol == "BTC/USD:BTC"), amount=3.0)
    assert coin_m.quote_rate == pytest.approx(1.25)
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    snapshot_id, _ = journal.record_document(datetime.now(UTC), "binance", {}, {}, True)
    journal.add(PlanRow(id="p3", snapshot_id=snapshot_id, analysis_id=None, status="planned",
                        reason=None, document="{}"))
    result = Executor(journal, {"binance": venue}, capped, NO_WAIT).run("p3", (coin_m,))
    assert result.stop is not None and result.stop.code == "order_cap"
    assert "375.00 USDT" in result.stop.message


def test_stray_trimtab_orders_on_binance_usdm_and_coin_m_are_reported_at_start_up(
        tmp_path: Path) -> None:
    """Issue 10 follow-up: the scan listed Binance spot only (/api/v3/openOrders); a stray
    order resting on a USDⓈ-M or COIN-M contract was never seen. Each family is listed
    with ccxt's own params, one request each, and only trimtab's unknown orders are strays."""
    venue, fake = live()
    fake.resting = {"/fapi/v1/openOrders": [("LTCUSDT", "trimtabp0x001"),
                                            ("LTCUSDT", "trimtabp1x001")],  # the journal's
                    "/dapi/v1/openOrders": [("BTCUSD_PERP", "trimtabp0x002"),
                                            ("BTCUSD_PERP", "mine")]}
    problems = stray_orders(venue, tmp_path, {"trimtabp1x001": "LTC/USDT:USDT"})
    assert sorted(p.split(" on ")[0] for p in problems) == [
        "open order trimtabp0x001 (LTC/USDT:USDT)", "open order trimtabp0x002 (BTC/USD:BTC)"]
    listed = [p for _, p, _ in fake.requests if p.endswith("/openOrders")]
    assert listed == ["/api/v3/openOrders", "/fapi/v1/openOrders", "/dapi/v1/openOrders"]


def test_binance_and_binancecoinm_on_one_key_count_the_coin_m_position_once() -> None:
    """Both read /dapi positions: a user who opens both (same keys) had the COIN-M
    position counted twice in exposure and the leverage trigger."""
    venue, fake = live()
    coinm, _ = binance_venue(fake, "binancecoinm")
    fake.faults["GET /dapi/v1/premiumIndex"] = [ccxt.NotSupported("binance premiumIndex")]
    snap = take_snapshot([venue, coinm], "USDT", set(POLICY.asset_targets()), NO_WAIT)
    coin_m = [p for p in snap.positions if p.symbol == "BTC/USD:BTC"]
    assert [p.venue for p in coin_m] == ["binance"]
    assert len(snap.positions) == 2  # as binance alone reads them
    assert any("binancecoinm: BTC/USD:BTC" in n and "counted once" in n for n in snap.notes)
