"""Contributions in a backtest: cash at the scheduled bars, a time-weighted return that
counts no deposit as a gain, and the money-weighted return (XIRR) beside it."""

from __future__ import annotations

import math
from typing import Any

import empyrical
import numpy as np
import pandas as pd
import pytest
import pyxirr

from tests.backtest.reference import RefPolicy, run_reference
from tests.builders import WITH_QUOTE, make_policy
from trimtab.backtest.bars import contribution_flows
from trimtab.backtest.engine import run_backtest
from trimtab.backtest.metrics import money_weighted_return
from trimtab.backtest.service import document

CAPITAL = 10_000.0
MONTHLY = [{"every": "monthly", "amount": 500.0}]


def _document(prices: pd.DataFrame, policy: Any) -> dict[str, Any]:
    return document(run_backtest(prices, policy, CAPITAL), CAPITAL, None)


def test_a_yearly_deposit_before_a_fall_is_hand_computed() -> None:
    """100 BTC at 100; a year on, at 200, 20,000 more buys 100; a year on, at 100.

    Time-weighted: ×2 then ×0.5, nothing earned. Money-weighted: −10,000 − 20,000 v
    + 20,000 v² = 0 with v = 1 + r, so v = (1 + √3) / 2 and r = √3 − 2 a year.
    """
    bars = pd.DatetimeIndex(["2023-01-01", "2024-01-01", "2024-12-31"])  # 365 days apart
    prices = pd.DataFrame({"BTC": [100.0, 200.0, 100.0]}, index=bars)
    policy = make_policy({"BTC": 1.0}, contributions=[{"cron": "0 0 1 1 *", "amount": 20_000}])
    doc = _document(prices, policy)
    assert doc["final_value"] == pytest.approx(20_000.0)
    assert doc["contributions"] == pytest.approx(20_000.0)
    assert doc["total_return"] == pytest.approx(0.0, abs=1e-12)
    assert doc["cagr"] == pytest.approx(0.0, abs=1e-12)
    assert doc["money_weighted_return"] == pytest.approx(math.sqrt(3) - 2, rel=1e-9)
    # holding gets the same cash and keeps it in the quote: 100 BTC and 20,000 USDT
    assert doc["hold"]["final_value"] == pytest.approx(100 * 100.0 + 20_000.0)


def test_the_money_weighted_return_is_pyxirr_s(prices: pd.DataFrame) -> None:
    policy = make_policy(WITH_QUOTE, fee=0.001, slippage_bps=5.0, contributions=MONTHLY)
    result = run_backtest(prices, policy, CAPITAL)
    doc = document(result, CAPITAL, None)
    flows = contribution_flows(policy.contributions, result.index.to_numpy())
    assert np.count_nonzero(flows) > 20
    amounts = -flows
    amounts[0] -= CAPITAL
    amounts[-1] += doc["final_value"]
    expected = pyxirr.xirr(result.index.to_pydatetime(), amounts)
    assert doc["money_weighted_return"] == pytest.approx(expected, rel=1e-9)
    assert doc["contributions"] == pytest.approx(flows.sum())


def test_the_time_weighted_return_is_empyrical_s_on_flow_adjusted_returns(
        prices: pd.DataFrame) -> None:
    """The reference loop's values, less each bar's flow, over the value before: empyrical
    compounds and annualises those returns as trimtab does."""
    policy = make_policy(WITH_QUOTE, {"kind": "relative", "width": 0.15}, fee=0.001,
                         slippage_bps=5.0, contributions=MONTHLY)
    doc = _document(prices, policy)
    flows = contribution_flows(policy.contributions, pd.DatetimeIndex(prices.index).to_numpy())
    looks = np.where(flows != 0.0, 2, 1)
    names = [a for a in WITH_QUOTE if a != "USDT"]
    closes = [[*row, 1.0] for row in prices[names].itertuples(index=False)]
    ref = run_reference(closes, RefPolicy([WITH_QUOTE[a] for a in names] + [WITH_QUOTE["USDT"]],
                                          "relative", 0.15, 0.001, 5 / 10_000,
                                          looks=list(looks), flows=list(flows)), CAPITAL)
    values = np.array(ref["values"])
    returns = pd.Series((values[1:] - flows[1:]) / values[:-1] - 1.0, index=prices.index[1:])
    first = values[0] / CAPITAL - 1.0  # the first buy's costs, from the capital
    assert doc["total_return"] == pytest.approx(
        (1 + first) * (1 + empyrical.cum_returns_final(returns)) - 1, rel=1e-9)
    assert doc["sharpe"] == pytest.approx(
        empyrical.sharpe_ratio(returns, annualization=365), rel=1e-9)
    assert doc["max_drawdown"] == pytest.approx(empyrical.max_drawdown(returns), rel=1e-6)
    # the money itself grew by the deposits too: the naive return would count them
    assert doc["final_value"] / CAPITAL - 1 > doc["total_return"] + 0.5


def test_without_contributions_the_two_returns_agree(prices: pd.DataFrame) -> None:
    doc = _document(prices, make_policy(WITH_QUOTE, fee=0.001))
    assert "money_weighted_return" not in doc
    index = pd.DatetimeIndex(prices.index)
    mwr = money_weighted_return(index, CAPITAL, np.zeros(len(index)), doc["final_value"])
    years = (index[-1] - index[0]) / pd.Timedelta(days=365)
    assert mwr == pytest.approx((doc["final_value"] / CAPITAL) ** (1 / years) - 1, rel=1e-9)


def test_a_contribution_of_zero_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"contributions\.0\.amount"):
        make_policy(WITH_QUOTE, contributions=[{"every": "monthly", "amount": 0}])


def test_turnover_ratio_and_cost_drag_are_fractions_of_the_money_held() -> None:
    """100 BTC at 100 (10,000); a year on, at 200, 20,000 more buys 100 BTC (40,000); then
    at 100 (20,000). The money held averages 70,000 / 3 over two years (730 days); the
    time-weighted index (10,000, 20,000, 10,000) is not money and must not be the divisor."""
    bars = pd.DatetimeIndex(["2023-01-01", "2024-01-01", "2024-12-31"])
    prices = pd.DataFrame({"BTC": [100.0, 200.0, 100.0]}, index=bars)
    policy = make_policy({"BTC": 1.0}, fee=0.001,
                         contributions=[{"cron": "0 0 1 1 *", "amount": 20_000}])
    doc = _document(prices, policy)
    years = 2.0  # two bars of 365 days
    assert doc["turnover"] == pytest.approx(10_000 + 20_000, rel=2e-3)  # both buys
    assert doc["turnover_ratio"] == pytest.approx(doc["turnover"] / (70_000 / 3) / years,
                                                  rel=2e-3)
    assert doc["cost_drag"] == pytest.approx(
        (doc["fees"] + doc["slippage"]) / (70_000 / 3) / years, rel=2e-3)
