"""Performance figures from the kernel's summary statistics.

Everything is computed from the accumulators `kernel.loop.simulate` keeps on the
fly (return moments, deepest drawdown and its bars), so a sweep that never
stores an equity curve reports the same figures as a single backtest.
Conventions: returns are simple bar returns; annualisation uses the bar
length of the data with crypto's 365-day year; Sharpe and Sortino assume a
zero risk-free rate; max drawdown is negative (−0.42 = 42 % below the peak).

With contributions (cash flows) the returns, `total_return`, `cagr` and the
drawdown are time-weighted: a bar's return is its value less that bar's
flow over the value before, so a deposit is not a gain. What the investor
earned on the money as it came in is `money_weighted_return`: the yearly
rate (the XIRR, 365-day years) at which the capital and every flow grow
into the final value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from trimtab.backtest.kernel import layout

Array = npt.NDArray[Any]
YEAR = pd.Timedelta(days=365)


def bars_per_year(index: pd.DatetimeIndex) -> float:
    """How many bars of this data make a 365-day year."""
    step = index.to_series().diff().median()
    return float(YEAR / step)


def figures(stats: Array, index: pd.DatetimeIndex, capital: float,
            flows: Array | None = None) -> dict[str, Any]:
    """The metrics of one run, JSON-ready (floats, ints, ISO dates).

    `flows` are the cash flows the run made (Run.flows): with them the
    document adds `contributions` (their sum) and `money_weighted_return`.
    """
    n = len(index)
    per_year = bars_per_year(index)
    final = float(stats[layout.S_FINAL])
    growth = float(stats[layout.S_GROWTH])
    years = (n - 1) / per_year
    mean, std, down = _moments(stats, n)
    return {
        "final_value": final,
        "total_return": growth / capital - 1.0,
        "cagr": (growth / capital) ** (1.0 / years) - 1.0 if years > 0 and growth > 0 else None,
        **_flow_figures(index, capital, flows, final),
        "volatility": std * math.sqrt(per_year),
        "sharpe": mean / std * math.sqrt(per_year) if std > 0 else None,
        "sortino": mean / down * math.sqrt(per_year) if down > 0 else None,
        "max_drawdown": float(stats[layout.S_MAX_DD]),
        "max_drawdown_peak": _date(index, stats[layout.S_PEAK_BAR]),
        "max_drawdown_trough": _date(index, stats[layout.S_TROUGH_BAR]),
        "rebalances": int(stats[layout.S_REBALANCES]),
        "orders": int(stats[layout.S_ORDERS]),
        "skipped_orders": int(stats[layout.S_SKIPPED]),
        "fees": float(stats[layout.S_FEES]),
        "slippage": float(stats[layout.S_SLIP]),
        "turnover": float(stats[layout.S_TURNOVER]),
        "time_outside_band": float(stats[layout.S_OUTSIDE]) / n,
    }


def futures_figures(fstats: Array | None, assets: tuple[str, ...], target: Array,
                    fparams: Array) -> dict[str, Any]:
    """The overlay's figures: what funding and trading it cost and how often the cap bit.

    `funding_paid` is positive when the positions paid funding on balance
    (negative: received); `account` is price P/L − funding − fees − slippage,
    already inside `final_value`.
    """
    f = np.zeros(layout.N_FSTATS) if fstats is None else fstats
    band = float(fparams[layout.FP_BAND])
    return {
        "positions": {a: float(m) for a, m in zip(assets, target, strict=True)},
        "max_multiple": float(fparams[layout.FP_CAP]),
        "resize_band": None if band < 0 else band,
        "funding_paid": float(f[layout.FS_FUNDING]),
        "fees": float(f[layout.FS_FEES]),
        "slippage": float(f[layout.FS_SLIPPAGE]),
        "turnover": float(f[layout.FS_TURNOVER]),
        "price_pnl": float(f[layout.FS_PNL]),
        "account": float(f[layout.FS_ACCOUNT]),
        "leverage_rebalances": int(f[layout.FS_LEVERAGE]),
        "resizes": int(f[layout.FS_RESIZES]),
        "final_spot_value": float(f[layout.FS_SPOT]),
        "highest_multiple": float(f[layout.FS_MAX_MULTIPLE]),
    }


def premium(policy: dict[str, Any], hold: dict[str, Any]) -> dict[str, Any]:
    """The rebalancing premium: what the policy earned over holding."""
    cagr = None
    if policy["cagr"] is not None and hold["cagr"] is not None:
        cagr = policy["cagr"] - hold["cagr"]
    return {"final_value": policy["final_value"] - hold["final_value"],
            "relative": policy["final_value"] / hold["final_value"] - 1.0, "cagr": cagr}


def _flow_figures(index: pd.DatetimeIndex, capital: float, flows: Array | None,
                  final: float) -> dict[str, Any]:
    if flows is None:
        return {}
    return {"contributions": float(flows.sum()),
            "money_weighted_return": money_weighted_return(index, capital, flows, final)}


def money_weighted_return(index: pd.DatetimeIndex, capital: float, flows: Array,
                          final: float) -> float | None:
    """The yearly rate r at which −capital at the first bar, −flows[t] at bar t and +final
    at the last bar are worth nothing at the first bar (XIRR: (1 + r) ** (days / 365)).

    Solved by bisection on log(1 + r), where the sum falls from +∞ to −capital
    as the rate rises; None when it has no root (nothing left at the end).
    """
    days = ((index - index[0]) / pd.Timedelta(days=1)).to_numpy(dtype=np.float64)
    amounts = -np.asarray(flows, dtype=np.float64).copy()
    amounts[0] -= capital
    amounts[-1] += final
    years = days / 365.0

    def worth(log_rate: float) -> float:
        return float(np.sum(amounts * np.exp(-log_rate * years)))

    low, high = -20.0, 20.0
    if not worth(low) > 0.0 > worth(high):
        return None
    for _ in range(200):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if worth(mid) > 0.0 else (low, mid)
    return math.expm1(0.5 * (low + high))


def _moments(stats: Array, n: int) -> tuple[float, float, float]:
    """Mean, sample standard deviation and downside deviation of the bar returns."""
    count = n - 1
    if count < 2:
        return 0.0, 0.0, 0.0
    mean = stats[layout.S_SUM_R] / count
    var = max(0.0, (stats[layout.S_SUM_R2] - count * mean * mean) / (count - 1))
    down = math.sqrt(stats[layout.S_SUM_DOWN2] / count)
    return float(mean), math.sqrt(var), down


def _date(index: pd.DatetimeIndex, bar: float) -> str:
    return str(pd.Timestamp(index[int(bar)]).isoformat())


def drawdown(equity: pd.Series) -> pd.Series:
    """Fraction below the running peak at every bar (for charts)."""
    values = equity.to_numpy()
    return pd.Series(values / np.maximum.accumulate(values) - 1.0, index=equity.index)
