"""The issue's worked example, by hand: BTC 50 / ETH 30 / USDT 20, relative band 0.10, fee 0."""

from __future__ import annotations

import pytest

from tests.builders import policy, snapshot
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan

PRICES = {"BTC": 58_000.0, "ETH": 2_700.0, "USDT": 1.0}
HOLDINGS = {"BTC": 0.1, "ETH": 1.0, "USDT": 1_500.0}  # worth 5,800 / 2,700 / 1,500


@pytest.fixture
def example():
    pol = policy({"BTC": 0.50, "ETH": 0.30, "USDT": 0.20})
    snap = snapshot(PRICES, HOLDINGS)
    return pol, snap, analyse(snap, pol)


def test_btc_and_usdt_are_breached_and_eth_sits_on_its_edge(example):
    _, _, analysis = example
    btc, eth, usdt = (analysis.asset(a) for a in ("BTC", "ETH", "USDT"))
    assert analysis.spot_value == pytest.approx(10_000.0)
    assert btc.weight == pytest.approx(0.58)
    assert (btc.band.low, btc.band.high) == pytest.approx((0.45, 0.55))
    assert btc.breached
    assert usdt.weight == pytest.approx(0.15)
    assert (usdt.band.low, usdt.band.high) == pytest.approx((0.18, 0.22))
    assert usdt.breached
    assert eth.weight == pytest.approx(0.27)
    assert not eth.breached
    assert {t.subject for t in analysis.triggers} == {"BTC", "USDT"}
    assert all(t.kind == "threshold" for t in analysis.triggers)


def test_plan_is_exactly_sell_800_btc_then_buy_300_eth(example):
    pol, snap, analysis = example
    plan = make_plan(snap, pol, analysis)
    assert [(o.symbol, o.side) for o in plan.orders] == [("BTC/USDT", "sell"),
                                                         ("ETH/USDT", "buy")]
    sell, buy = plan.orders
    assert sell.notional == pytest.approx(800.0, rel=1e-12)
    assert sell.amount == pytest.approx(800.0 / 58_000.0, rel=1e-12)
    assert buy.notional == pytest.approx(300.0, rel=1e-12)
    assert buy.amount == pytest.approx(300.0 / 2_700.0, rel=1e-12)
    assert plan.fees == 0.0
    assert plan.skipped == () and plan.residual == ()
    # the stablecoin is the cash leg: +800 − 300 = +500, with no order of its own
    assert sum(o.quote_delta for o in plan.orders) == pytest.approx(500.0)
