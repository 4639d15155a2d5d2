"""The numba kernel equals the plain-Python reference loop to 1e-9."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tests.backtest.reference import RefPolicy, run_reference
from tests.builders import EQUAL, WITH_QUOTE, make_policy
from trimtab.backtest.bars import look_mask
from trimtab.backtest.engine import run_backtest
from trimtab.backtest.kernel import layout
from trimtab.backtest.schedule import Schedule

CAPITAL = 10_000.0
CASES = [
    # (targets, band, fee, slippage bps, every N bars, band on)
    (EQUAL, {"kind": "relative", "width": 0.10}, 0.0, 0.0, 1, True),
    (EQUAL, {"kind": "relative", "width": 0.05}, 0.001, 0.0, 1, True),
    (EQUAL, {"kind": "absolute", "width": 0.02}, 0.001, 5.0, 1, True),
    (WITH_QUOTE, {"kind": "relative", "width": 0.15}, 0.0025, 10.0, 1, True),
    (WITH_QUOTE, {"kind": "absolute", "width": 0.03}, 0.001, 5.0, 7, True),
    (WITH_QUOTE, {"kind": "relative", "width": 0.10}, 0.001, 5.0, 30, False),
]


def _reference(prices: pd.DataFrame, targets: dict[str, float], band: dict[str, Any],
               fee: float, slip_bps: float, every: int, band_on: bool) -> dict[str, float]:
    names = [a for a in targets if a != "USDT"]
    closes = [[*row, 1.0] for row in prices[names].itertuples(index=False)]
    weights = [targets[a] for a in names] + [targets.get("USDT", 0.0)]
    policy = RefPolicy(weights, band["kind"] if band_on else "off", band["width"], fee,
                       slip_bps / 10_000, every, quote_has_target="USDT" in targets)
    return run_reference(closes, policy, CAPITAL)


@pytest.mark.parametrize(("targets", "band", "fee", "slip", "every", "band_on"), CASES)
def test_kernel_matches_the_reference_loop(prices: pd.DataFrame, targets: dict[str, float],
                                           band: dict[str, Any], fee: float, slip: float,
                                           every: int, band_on: bool) -> None:
    policy = make_policy(targets, band, fee=fee, slippage_bps=slip)
    result = run_backtest(prices, policy, CAPITAL, Schedule.parse(f"every:{every}"),
                          use_band=band_on, record=False)
    ref = _reference(prices, targets, band, fee, slip, every, band_on)
    stats = result.policy.stats
    assert ref["rebalances"] > 3
    assert stats[layout.S_REBALANCES] == ref["rebalances"]
    assert stats[layout.S_FINAL] == pytest.approx(ref["final_value"], rel=1e-9)
    assert stats[layout.S_FEES] == pytest.approx(ref["fees"], rel=1e-9, abs=1e-9)
    assert stats[layout.S_SLIP] == pytest.approx(ref["slippage"], rel=1e-9, abs=1e-9)


def test_holding_is_one_initial_buy(prices: pd.DataFrame) -> None:
    policy = make_policy(EQUAL, fee=0.001)
    result = run_backtest(prices, policy, CAPITAL, record=True)
    first, last = prices.iloc[0], prices.iloc[-1]
    spend = CAPITAL / (1 + 0.001)  # all of it, fees on top
    expected = sum(0.2 * spend / first[a] * last[a] for a in EQUAL)
    assert result.hold.stats[layout.S_REBALANCES] == 1
    assert result.hold.stats[layout.S_FINAL] == pytest.approx(expected, rel=1e-12)
    assert result.hold.equity.iloc[-1] == pytest.approx(expected, rel=1e-12)


def test_band_edge_and_fractions_trade_less_than_rebalancing_to_target(
        prices: pd.DataFrame) -> None:
    """rebalance_to moves breached weights only part of the way back, so turnover falls."""
    turnover = {}
    for to in ("target", 0.5, "band-edge"):
        policy = make_policy(WITH_QUOTE, {"kind": "relative", "width": 0.2}, fee=0.001,
                             rebalance_to=to)
        stats = run_backtest(prices, policy, CAPITAL, record=False).policy.stats
        turnover[to] = stats[layout.S_TURNOVER]
    assert turnover["target"] > turnover[0.5] > turnover["band-edge"] > 0


MONTHLY_REBALANCE_WEEKLY_REVIEW = [{"every": "monthly", "action": "rebalance"},
                                   {"every": "weekly", "action": "review"}]


@pytest.mark.parametrize(("width", "fee"), [(0.10, 0.001), (0.60, 0.0), (0.02, 0.0025)])
def test_a_policys_schedules_replay_as_the_reference_with_the_calendars_looks(
        prices: pd.DataFrame, width: float, fee: float) -> None:
    """Monthly rebalance, weekly review: the reference gets its looks from domain.calendar.

    A rebalance look trades whatever the band, a review only on a breach; a
    0.60 band is never breached after the first buy, so only the months trade.
    """
    policy = make_policy(WITH_QUOTE, {"kind": "relative", "width": width}, fee=fee,
                         schedules=MONTHLY_REBALANCE_WEEKLY_REVIEW)
    result = run_backtest(prices, policy, CAPITAL, Schedule.parse("policy"), record=False)
    bars = prices.index.to_numpy()
    months, weeks = (look_mask(s, bars) for s in policy.schedules)
    looks = [2 if m else 1 if w else 0 for m, w in zip(months, weeks, strict=True)]
    looks[0] = 1  # the first buy is a look like any other: all cash is out of band
    names = [a for a in WITH_QUOTE if a != "USDT"]
    closes = [[*row, 1.0] for row in prices[names].itertuples(index=False)]
    ref = run_reference(closes, RefPolicy([WITH_QUOTE[a] for a in names] + [WITH_QUOTE["USDT"]],
                                          "relative", width, fee, looks=looks), CAPITAL)
    stats = result.policy.stats
    assert stats[layout.S_REBALANCES] == ref["rebalances"]
    assert stats[layout.S_FINAL] == pytest.approx(ref["final_value"], rel=1e-9)
    assert stats[layout.S_FEES] == pytest.approx(ref["fees"], rel=1e-9, abs=1e-9)
    if width == 0.60:
        assert ref["rebalances"] == 1 + months[1:].sum()
    else:
        assert 1 + months[1:].sum() < ref["rebalances"] < 1 + (months | weeks)[1:].sum()
