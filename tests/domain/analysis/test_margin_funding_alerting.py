"""Margin and funding triggers by hand, and the hysteresis that keeps alerts quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.builders import policy, snapshot
from trimtab.domain.analysis.alerting import due, near_edges
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.analysis.margin import estimate_liquidation_price
from trimtab.domain.analysis.triggers import Trigger
from trimtab.domain.policy import Alerts
from trimtab.domain.snapshot import Position

PRICES = {"BTC": 50_000.0, "USDT": 1.0}


def position(**fields: object) -> Position:
    base = {"venue": "binance", "symbol": "BTC/USDT:USDT", "side": "long", "contracts": 1.0,
            "contractSize": 1.0, "markPrice": 50_000.0, "entryPrice": 50_000.0}
    return Position.model_validate(base | fields)


def test_isolated_long_liquidation_estimate_by_hand():
    # 1 BTC at 50,000 with 10x: margin 5,000; (50,000 − 5,000) / (1 − 0.005) = 45,226.13
    p = position(leverage=10, maintenanceMarginPercentage=0.005)
    assert estimate_liquidation_price(p) == pytest.approx(45_000 / 0.995)
    short = position(side="short", leverage=10, maintenanceMarginPercentage=0.005)
    assert estimate_liquidation_price(short) == pytest.approx(55_000 / 1.005)


def test_a_reported_liquidation_price_is_used_and_not_called_an_estimate():
    snap = snapshot(PRICES, {"BTC": 1.0, "USDT": 50_000.0}, positions=[
        {"venue": "binance", "symbol": "BTC/USDT:USDT", "side": "long", "contracts": 0.5,
         "markPrice": 50_000.0, "liquidationPrice": 47_000.0}])
    analysis = analyse(snap, policy({"BTC": 0.5, "USDT": 0.5}))
    margin = [t for t in analysis.triggers if t.kind == "margin"]
    assert len(margin) == 1 and "estimated" not in margin[0].message
    assert margin[0].figures["liquidation_distance"] == pytest.approx(0.06)


def test_an_estimated_liquidation_price_says_so():
    snap = snapshot(PRICES, {"BTC": 1.0, "USDT": 50_000.0}, positions=[
        {"venue": "binance", "symbol": "BTC/USDT:USDT", "side": "long", "contracts": 0.5,
         "markPrice": 50_000.0, "entryPrice": 50_000.0, "leverage": 20}])
    margin = [t for t in analyse(snap, policy({"BTC": 0.5, "USDT": 0.5})).triggers
              if t.kind == "margin"]
    assert margin and "(estimated)" in margin[0].message


def test_margin_ratio_over_the_limit_fires():
    snap = snapshot(PRICES, {"BTC": 1.0, "USDT": 50_000.0}, positions=[
        {"venue": "binance", "symbol": "BTC/USDT:USDT", "side": "long", "contracts": 0.1,
         "markPrice": 50_000.0, "maintenanceMargin": 90.0, "collateral": 100.0,
         "liquidationPrice": 1_000.0}])
    pol = policy({"BTC": 0.5, "USDT": 0.5}, futures={"max_margin_ratio": 0.8})
    fired = [t for t in analyse(snap, pol).triggers if t.kind == "margin"]
    assert [t.figures["margin_ratio"] for t in fired] == [pytest.approx(0.9)]


def test_funding_trigger_on_an_expensive_hedge_suggests_the_dated_future():
    snap = snapshot(PRICES, {"BTC": 1.0, "USDT": 50_000.0}, positions=[
        {"venue": "binance", "symbol": "BTC/USDT:USDT", "side": "short", "contracts": 0.5,
         "markPrice": 50_000.0}],
        funding_rates={"BTC/USDT:USDT": -0.0003},  # shorts pay 0.09 %/day = 32.85 %/year
        dated_futures=[{"venue": "binance", "symbol": "BTC/USDT:USDT-260327",
                        "markPrice": 50_500.0, "expiry": "2026-03-27T08:00:00Z"}])
    pol = policy({"BTC": 0.5, "USDT": 0.5}, futures={"max_funding_apr": 0.2})
    analysis = analyse(snap, pol)
    fired = [t for t in analysis.triggers if t.kind == "funding"]
    assert len(fired) == 1
    assert fired[0].figures["cost_apr"] == pytest.approx(0.0003 * 3 * 365)
    assert "BTC/USDT:USDT-260327" in fired[0].message
    days = (datetime(2026, 3, 27, 8, tzinfo=UTC) - datetime(2026, 1, 31, tzinfo=UTC)
            ).total_seconds() / 86_400
    assert fired[0].figures["basis_apr"] == pytest.approx(-500 / 50_000 * 365 / days)


def test_a_short_on_an_asset_not_held_is_not_a_hedge():
    snap = snapshot(PRICES, {"USDT": 50_000.0}, positions=[
        {"venue": "binance", "symbol": "BTC/USDT:USDT", "side": "short", "contracts": 0.5,
         "markPrice": 50_000.0}], funding_rates={"BTC/USDT:USDT": -0.003})
    analysis = analyse(snap, policy({"USDT": 1.0}))
    assert not [t for t in analysis.triggers if t.kind == "funding"]


def breach(weight: float) -> Trigger:
    return Trigger("threshold", "BTC", "BTC breached",
                   {"weight": weight, "target": 0.5, "low": 0.45, "high": 0.55})


T0 = datetime(2026, 1, 1, tzinfo=UTC)
ALERTS = Alerts(cooldown=3_600, worse_by=0.5)


def test_a_trigger_that_stays_fired_notifies_once_then_after_the_cooldown():
    sent, memory = due([breach(0.57)], {}, T0, ALERTS)
    assert len(sent) == 1
    for minutes in range(5, 60, 5):
        sent, memory = due([breach(0.57)], memory, T0 + timedelta(minutes=minutes), ALERTS)
        assert sent == ()
    sent, memory = due([breach(0.57)], memory, T0 + timedelta(hours=1), ALERTS)
    assert len(sent) == 1


def test_it_notifies_again_when_it_gets_worse_by_the_step():
    _, memory = due([breach(0.57)], {}, T0, ALERTS)      # 2 pp over the band
    sent, memory = due([breach(0.575)], memory, T0 + timedelta(minutes=1), ALERTS)
    assert sent == ()                                   # 2.5 pp: not 50 % worse
    sent, memory = due([breach(0.58)], memory, T0 + timedelta(minutes=2), ALERTS)
    assert len(sent) == 1                               # 3 pp: 50 % worse


def test_it_resets_when_the_condition_clears():
    _, memory = due([breach(0.57)], {}, T0, ALERTS)
    _, memory = due([], memory, T0 + timedelta(minutes=1), ALERTS)
    assert memory == {}
    sent, _ = due([breach(0.57)], memory, T0 + timedelta(minutes=2), ALERTS)
    assert len(sent) == 1


def test_a_weight_hovering_at_the_edge_notifies_once_and_rearms_well_inside():
    pol = policy({"BTC": 0.5, "USDT": 0.5}, bands={"kind": "absolute", "width": 0.05},
                 alerts={"cooldown": 1e9, "rearm": 0.25})
    memory: dict = {}
    sent_at = []
    # weights 55.5 % (out), 54.8 % (in, near the edge), 55.6 % (out), 52 % (well in), 56 % (out)
    for minute, btc in enumerate((0.555, 0.548, 0.556, 0.52, 0.56)):
        snap = snapshot({"BTC": 100.0}, {"BTC": btc * 100, "USDT": (1 - btc) * 10_000})
        analysis = analyse(snap, pol)
        fired = [t for t in analysis.triggers if t.subject == "BTC"]
        sent, memory = due(fired, memory, T0 + timedelta(minutes=minute), pol.alerts,
                           near_edges(analysis, pol.alerts.rearm))
        if sent:
            sent_at.append(minute)
    assert sent_at == [0, 4]
