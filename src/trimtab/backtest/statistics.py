"""The statistics a quant reads first, from a recorded equity curve.

`metrics.figures` works from the kernel's running accumulators so that a
sweep never stores a curve; what needs the whole curve (calendar returns,
drawdown durations, higher moments, tracking against a benchmark) is here.
Conventions are those of `metrics`: simple bar returns, a 365-day year,
annualisation by the data's bars per year, zero risk-free rate. Each figure
is held equal to quantstats, empyrical or ffn on the same series in
tests/backtest/test_statistics.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def time_weighted(equity: pd.Series, flows: np.ndarray | None) -> pd.Series:
    """The curve with each bar's cash flow taken out of its return (the kernel's index):
    the equity itself when there were no flows."""
    if flows is None:
        return equity
    values = equity.to_numpy()
    growth = np.ones(values.size)
    growth[1:] = (values[1:] - flows[1:]) / values[:-1]
    return pd.Series(values[0] * np.cumprod(growth), index=equity.index, name=equity.name)


def returns_of(equity: pd.Series) -> pd.Series:
    """Simple bar returns (the first bar has none)."""
    return equity.pct_change().iloc[1:]


def statistics(equity: pd.Series, per_year: float, traded: float, costs: float,
               against: dict[str, pd.Series], money: pd.Series | None = None
               ) -> dict[str, Any]:
    """Figures of one equity curve; `against` maps a name to a benchmark's equity or closes.

    `traded` is the quote notional traded and `costs` the fees plus slippage
    paid: both are turned into yearly fractions of the average value held in
    the quote, `money` (the curve before its flows were taken out; `equity`
    itself when it had none), since a time-weighted index is not money. Calmar
    takes the curve's own CAGR (from the first bar's value, as the libraries
    do), not `figures`' CAGR from the capital before the first buy's costs.
    """
    r = returns_of(equity)
    years = len(r) / per_year
    mean_value = float((equity if money is None else money).mean())
    duration, recovery = drawdown_spans(equity)
    cagr = _cagr(equity, years)
    mdd = float((equity / equity.cummax() - 1.0).min())
    return {
        "calmar": cagr / abs(mdd) if cagr is not None and mdd < 0 else None,
        "max_drawdown_days": duration,
        "max_drawdown_recovery_days": recovery,
        "skew": _finite(r.skew()),
        "kurtosis": _finite(r.kurt()),
        "best": _extremes(equity, max), "worst": _extremes(equity, min),
        "turnover_ratio": traded / mean_value / years if years > 0 else None,
        "cost_drag": costs / mean_value / years if years > 0 else None,
        "monthly_returns": period_returns(equity, "M"),
        "yearly_returns": period_returns(equity, "Y"),
        "tracking": {name: tracking(r, returns_of(other.reindex(equity.index)), per_year)
                     for name, other in against.items()},
    }


def benchmark_figures(closes: pd.Series, capital: float, per_year: float) -> dict[str, Any]:
    """A buy of `capital` worth of the benchmark at the first close, held (no costs)."""
    equity = closes / closes.iloc[0] * capital
    r = returns_of(equity)
    years = len(r) / per_year
    std = float(r.std())
    return {"name": str(closes.name), "final_value": float(equity.iloc[-1]),
            "total_return": float(equity.iloc[-1] / capital - 1.0),
            "cagr": _cagr(equity, years),
            "volatility": std * math.sqrt(per_year),
            "sharpe": float(r.mean()) / std * math.sqrt(per_year) if std > 0 else None,
            "max_drawdown": float((equity / equity.cummax() - 1.0).min())}


def period_returns(equity: pd.Series, period: str) -> dict[str, float]:
    """Compounded returns per calendar month ("2024-01") or year ("2024").

    The first period runs from the first bar's value, so a month that
    starts mid-way counts only its bars.
    """
    r = returns_of(equity)
    grouped = (1.0 + r).groupby(r.index.to_period(period)).prod() - 1.0
    return {str(p): float(v) for p, v in grouped.items()}


def tracking(r: pd.Series, b: pd.Series, per_year: float) -> dict[str, float | None]:
    """Tracking error and information ratio of returns `r` against `b`, annualised."""
    active = (r - b).dropna()
    std = float(active.std())
    if len(active) < 2 or not std > 0:
        return {"tracking_error": None, "information_ratio": None}
    return {"tracking_error": std * math.sqrt(per_year),
            "information_ratio": float(active.mean()) / std * math.sqrt(per_year)}


def drawdown_spans(equity: pd.Series) -> tuple[float, float | None]:
    """Days of the longest time below a peak, and days from the deepest trough back to its peak.

    An underwater stretch that lasts to the end counts up to the last bar; a
    deepest drawdown not yet recovered has no recovery (None).
    """
    peak = equity.cummax()
    under = (equity < peak).to_numpy()
    times = equity.index
    longest, start = 0.0, None
    for i, below in enumerate(under):
        if below and start is None:
            start = i - 1  # the peak it fell from
        if start is not None and (not below or i == len(under) - 1):
            end = i
            longest = max(longest, (times[end] - times[start]) / pd.Timedelta(days=1))
            start = None
    trough = int(np.argmin((equity / peak).to_numpy()))
    after = np.flatnonzero(equity.to_numpy()[trough:] >= peak.iloc[trough])
    recovery = None if not len(after) else (times[trough + after[0]] - times[trough]) \
        / pd.Timedelta(days=1)
    return longest, recovery


def _extremes(equity: pd.Series, pick: Any) -> dict[str, float]:
    """The best (or worst) bar, month and year."""
    r = returns_of(equity)
    return {"bar": float(pick(r)),
            "month": float(pick(period_returns(equity, "M").values())),
            "year": float(pick(period_returns(equity, "Y").values()))}


def _cagr(equity: pd.Series, years: float) -> float | None:
    growth = float(equity.iloc[-1] / equity.iloc[0])
    return growth ** (1.0 / years) - 1.0 if years > 0 and growth > 0 else None


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None
