"""The on-the-fly figures equal the textbook formulas applied to the equity curve."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.builders import WITH_QUOTE, make_policy
from trimtab.backtest.engine import run_backtest
from trimtab.backtest.metrics import drawdown, figures


def test_figures_match_the_equity_curve(prices: pd.DataFrame) -> None:
    result = run_backtest(prices, make_policy(WITH_QUOTE, fee=0.001), 10_000.0)
    equity = result.policy.equity
    got = figures(result.policy.stats, result.index, 10_000.0)
    returns = equity.pct_change().dropna()
    dd = drawdown(equity)
    years = (len(equity) - 1) / 365
    assert got["final_value"] == pytest.approx(equity.iloc[-1], rel=1e-12)
    assert got["cagr"] == pytest.approx((equity.iloc[-1] / 10_000) ** (1 / years) - 1, rel=1e-9)
    assert got["volatility"] == pytest.approx(returns.std() * math.sqrt(365), rel=1e-6)
    assert got["sharpe"] == pytest.approx(returns.mean() / returns.std() * math.sqrt(365),
                                          rel=1e-6)
    downside = math.sqrt((returns.clip(upper=0) ** 2).mean())
    assert got["sortino"] == pytest.approx(returns.mean() / downside * math.sqrt(365), rel=1e-6)
    assert got["max_drawdown"] == pytest.approx(dd.min(), rel=1e-12)
    assert got["max_drawdown_trough"] == dd.idxmin().isoformat()
    assert got["max_drawdown_peak"] == equity.loc[: dd.idxmin()].idxmax().isoformat()
