"""Each backtest statistic equals quantstats, empyrical or ffn on the same equity curve.

The curve is a real run of the kernel on the bundled daily history (BTC, ETH,
SOL, AVAX, LINK and a stablecoin, 2020-09 → 2025-02): deep drawdowns, long
recoveries and a few years of months. The libraries' conventions are set to
trimtab's (365 periods a year, zero risk-free rate) where they take one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.builders import WITH_QUOTE, make_policy
from trimtab.backtest.data.files import bundled_prices
from trimtab.backtest.engine import BacktestResult, run_backtest
from trimtab.backtest.metrics import figures
from trimtab.backtest.statistics import drawdown_spans, returns_of, statistics, time_weighted

qs = pytest.importorskip("quantstats")
empyrical = pytest.importorskip("empyrical")
ffn = pytest.importorskip("ffn")

YEAR = 365


@pytest.fixture(scope="module")
def run() -> BacktestResult:
    policy = make_policy(WITH_QUOTE, fee=0.001, slippage_bps=5)
    return run_backtest(bundled_prices(), policy, 10_000.0)


@pytest.fixture(scope="module")
def equity(run: BacktestResult) -> pd.Series:
    return run.policy.equity


@pytest.fixture(scope="module")
def stats(run: BacktestResult) -> dict:
    ours = figures(run.policy.stats, run.index, 10_000.0)
    btc = bundled_prices()["BTC"]
    return statistics(run.policy.equity, YEAR, ours["turnover"], ours["fees"] + ours["slippage"],
                      {"hold": run.hold.equity, "BTC": btc})


def test_calmar_and_its_cagr_equal_quantstats_and_empyrical(equity: pd.Series,
                                                            stats: dict) -> None:
    r = returns_of(equity)
    mdd = ffn.core.calc_max_drawdown(equity)
    assert mdd == pytest.approx(empyrical.max_drawdown(r), rel=1e-9)
    assert stats["calmar"] == pytest.approx(qs.stats.calmar(r, periods=YEAR), rel=1e-9)
    assert stats["calmar"] == pytest.approx(empyrical.calmar_ratio(r, annualization=YEAR),
                                            rel=1e-9)
    assert stats["calmar"] * abs(mdd) == pytest.approx(qs.stats.cagr(r, periods=YEAR), rel=1e-9)


def test_drawdown_duration_and_recovery_equal_ffn_and_quantstats(equity: pd.Series,
                                                                 stats: dict) -> None:
    days = pd.Timedelta(days=1)
    details = ffn.core.drawdown_details(ffn.core.to_drawdown_series(equity))
    # ffn starts a drawdown at its first bar under water; trimtab at the peak, a bar before
    assert stats["max_drawdown_days"] == details["Length"].max() + 1
    q = qs.stats.drawdown_details(qs.stats.to_drawdown_series(returns_of(equity)))
    deepest = q.loc[q["max drawdown"].idxmin()]
    # quantstats' end is the last bar under water; recovery is the bar after it
    recovery = (pd.Timestamp(deepest["end"]) - pd.Timestamp(deepest["valley"])) / days + 1
    assert stats["max_drawdown_recovery_days"] == recovery
    assert stats["max_drawdown_days"] == q["days"].max() + 1


def test_drawdown_spans_on_a_hand_made_curve() -> None:
    days = pd.date_range("2024-01-01", periods=8, freq="D")
    curve = pd.Series([100, 120, 90, 60, 80, 125, 110, 115], index=days, dtype=float)
    longest, recovery = drawdown_spans(curve)
    assert longest == 4.0  # from the peak on 01-02 back above it on 01-06
    assert recovery == 2.0  # trough 01-04, recovered 01-06
    never = pd.Series([100, 90, 95], index=days[:3], dtype=float)
    assert drawdown_spans(never) == (2.0, None)


def test_calendar_returns_and_extremes_equal_empyrical_and_quantstats(
        equity: pd.Series, stats: dict) -> None:
    r = returns_of(equity)
    monthly = empyrical.aggregate_returns(r, "monthly")
    yearly = empyrical.aggregate_returns(r, "yearly")
    assert list(stats["monthly_returns"].values()) == pytest.approx(list(monthly), rel=1e-9)
    assert list(stats["yearly_returns"].values()) == pytest.approx(list(yearly), rel=1e-9)
    assert list(stats["yearly_returns"]) == [str(y) for y in yearly.index]
    assert stats["best"]["month"] == pytest.approx(qs.stats.best(r, aggregate="ME"), rel=1e-9)
    assert stats["worst"]["month"] == pytest.approx(qs.stats.worst(r, aggregate="ME"), rel=1e-9)
    assert stats["best"]["year"] == pytest.approx(qs.stats.best(r, aggregate="YE"), rel=1e-9)
    assert stats["worst"]["bar"] == pytest.approx(qs.stats.worst(r), rel=1e-12)


def test_skew_and_kurtosis_equal_quantstats(equity: pd.Series, stats: dict) -> None:
    r = returns_of(equity)
    assert stats["skew"] == pytest.approx(qs.stats.skew(r), rel=1e-9)
    assert stats["kurtosis"] == pytest.approx(qs.stats.kurtosis(r), rel=1e-9)


def test_tracking_against_hold_and_btc_equals_quantstats_and_empyrical(
        equity: pd.Series, stats: dict, run: BacktestResult) -> None:
    r = returns_of(equity)
    for name, other in (("hold", run.hold.equity), ("BTC", bundled_prices()["BTC"])):
        b = returns_of(other.reindex(equity.index))
        got = stats["tracking"][name]
        # quantstats' information ratio is per bar; trimtab's is annualised
        assert got["information_ratio"] == pytest.approx(
            qs.stats.information_ratio(r, b) * math.sqrt(YEAR), rel=1e-9)
        assert got["information_ratio"] == pytest.approx(
            empyrical.excess_sharpe(r, b) * math.sqrt(YEAR), rel=1e-9)
        assert got["tracking_error"] == pytest.approx((r - b).std() * math.sqrt(YEAR), rel=1e-12)


def test_turnover_ratio_and_cost_drag_are_yearly_fractions_of_the_average_value(
        equity: pd.Series, stats: dict, run: BacktestResult) -> None:
    ours = figures(run.policy.stats, run.index, 10_000.0)
    years = (len(equity) - 1) / YEAR
    assert stats["turnover_ratio"] == pytest.approx(ours["turnover"] / equity.mean() / years)
    assert stats["cost_drag"] == pytest.approx(
        (ours["fees"] + ours["slippage"]) / equity.mean() / years)
    assert 0 < stats["cost_drag"] < stats["turnover_ratio"] * 0.002  # 0.1 % fee + 5 bp


def test_with_flows_turnover_and_cost_drag_divide_by_the_money_held_not_the_index() -> None:
    """Money: 1,000 gains 20 % to 1,200 and 1,000 is deposited (2,200), then 2,200: it averages
    1,800 over two daily bars (2 / 365 of a year), so 2,000 traded is 2,000 / 1,800 / (2 / 365)
    a year; the time-weighted index (1,000, 1,200, 1,200) averages 1,133.33, not money."""
    days = pd.date_range("2024-01-01", periods=3, freq="D")
    money = pd.Series([1_000.0, 2_200.0, 2_200.0], index=days)
    index = time_weighted(money, np.array([0.0, 1_000.0, 0.0]))
    assert list(index) == pytest.approx([1_000.0, 1_200.0, 1_200.0])
    stats = statistics(index, 365.0, 2_000.0, 20.0, {}, money)
    assert stats["turnover_ratio"] == pytest.approx(2_000 / 1_800 / (2 / 365))
    assert stats["cost_drag"] == pytest.approx(20 / 1_800 / (2 / 365))
