"""The backtest's hot loop: one pass over the bars, compiled with numba.

At every bar, after the price move, the kernel values the holdings, tests
every band (assets, then sleeves) with the domain's strict rule, and, at a
look bar (schedule.py) where the band is breached or no band applies,
rebalances with one of three fee conventions: trimtab's (the domain rule,
rebalance.py), bt's or vectorbt's (conventions.py). Holdings are
units; the quote currency is one of the columns, priced at 1.

Nothing here allocates per bar except on a rebalance, and nothing grows with
the number of bars unless `record` asks for the equity curve and the
holdings path. Summary statistics (drawdown, return moments) are
accumulated on the fly so that a sweep never stores a path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from trimtab.backtest.kernel.conventions import bt_rebalance, vbt_rebalance
from trimtab.backtest.kernel.layout import (
    BT,
    HIGH,
    LOW,
    N_STATS,
    N_TALLY,
    P_CAPITAL,
    P_MODEL,
    P_QUOTE,
    P_SCOPE_ALL,
    P_USE_BAND,
    S_FEES,
    S_FINAL,
    S_MAX_DD,
    S_ORDERS,
    S_OUTSIDE,
    S_PEAK_BAR,
    S_REBALANCES,
    S_SKIPPED,
    S_SLIP,
    S_SUM_DOWN2,
    S_SUM_R,
    S_SUM_R2,
    S_TROUGH_BAR,
    S_TURNOVER,
    T_FEES,
    T_ORDERS,
    T_SKIPPED,
    T_SLIP,
    T_TURNOVER,
    VECTORBT,
)
from trimtab.backtest.kernel.rebalance import execute, solve_deltas
from trimtab.domain.bands import BREACH_EPSILON

Array = npt.NDArray[Any]


@njit(cache=True)
def portfolio_value(units: Array, price: Array) -> float:
    total = 0.0
    for i in range(units.size):
        total += units[i] * price[i]
    return total


@njit(cache=True)
def breaches(units: Array, price: Array, value: float, bands: Array, sleeve_of: Array,
             sleeve_bands: Array, asset_out: Array, sleeve_out: Array, sleeve_w: Array) -> bool:
    """The domain's breach rule: a weight strictly outside [low, high] (up to the domain's
    BREACH_EPSILON), for assets and sleeves.

    `sleeve_w` is scratch space (one float per sleeve), passed in so that the
    per-bar test allocates nothing.
    """
    any_out = False
    n_sleeves = sleeve_bands.shape[1]
    for s in range(n_sleeves):
        sleeve_w[s] = 0.0
    scale = value if value > 0 else np.inf  # no value: every weight is 0
    for i in range(units.size):
        w = units[i] * price[i] / scale
        out = w < bands[LOW, i] - BREACH_EPSILON or w > bands[HIGH, i] + BREACH_EPSILON
        asset_out[i] = out
        any_out |= out
        if n_sleeves and sleeve_of[i] >= 0:
            sleeve_w[sleeve_of[i]] += w
    for s in range(n_sleeves):
        sleeve_out[s] = (sleeve_w[s] < sleeve_bands[LOW, s] - BREACH_EPSILON
                         or sleeve_w[s] > sleeve_bands[HIGH, s] + BREACH_EPSILON)
        any_out = any_out or sleeve_out[s]
    return any_out


@njit(cache=True)
def movable_assets(tradable: Array, sleeve_of: Array, asset_out: Array, sleeve_out: Array,
                   scope_all: bool) -> Array:
    """domain.sizing._in_scope: all tradable assets, or the breached ones and their sleeves'."""
    movable = tradable.copy()
    if not scope_all:
        for i in range(tradable.size):
            in_breached_sleeve = sleeve_of[i] >= 0 and sleeve_out[sleeve_of[i]]
            movable[i] = tradable[i] and (asset_out[i] or in_breached_sleeve)
    return movable


@njit(cache=True)
def rebalance(units: Array, price: Array, value: float, bands: Array, sleeve_of: Array,
              sleeve_bands: Array, tradable: Array, asset_out: Array, sleeve_out: Array,
              params: Array, tally: Array) -> None:
    """Trade the holdings (units, in place) under the chosen fee convention."""
    model = int(params[P_MODEL])
    if model == BT:
        bt_rebalance(units, price, value, bands, tradable, params, tally)
        return
    if model == VECTORBT:
        vbt_rebalance(units, price, value, bands, tradable, params, tally)
        return
    scope_all = params[P_SCOPE_ALL] != 0.0
    movable = movable_assets(tradable, sleeve_of, asset_out, sleeve_out, scope_all)
    sleeve_scope = sleeve_out.copy()
    if scope_all:
        sleeve_scope[:] = True
    h = units * price
    deltas = solve_deltas(h, value, bands, sleeve_of, sleeve_bands, movable, sleeve_scope,
                          params)
    execute(deltas, h / value, units, price, value, bands, params, tally)


@njit(cache=True)
def _track(stats: Array, t: int, value: float, previous: float, peak: float,
           peak_bar: int) -> None:
    """Accumulate return moments and the deepest drawdown seen so far."""
    if t > 0:
        r = value / previous - 1.0
        stats[S_SUM_R] += r
        stats[S_SUM_R2] += r * r
        if r < 0.0:
            stats[S_SUM_DOWN2] += r * r
    if value >= peak * (1.0 + stats[S_MAX_DD]) * (1.0 + 1e-12):
        return  # certainly not a deeper drawdown: spare the division
    drawdown = value / peak - 1.0
    if drawdown < stats[S_MAX_DD]:
        stats[S_MAX_DD] = drawdown
        stats[S_PEAK_BAR] = peak_bar
        stats[S_TROUGH_BAR] = t


@njit(cache=True)
def simulate(held: Array, held_cols: Array, looks: Array, bands: Array, sleeve_of: Array,
             sleeve_bands: Array, tradable: Array, params: Array, equity: Array,
             path: Array) -> Array:
    """Run one policy over all bars; returns the summary statistics (layout.S_*).

    `held` has the closes of every asset but the quote, which is priced at 1;
    `held_cols` says where each of its columns goes. `equity` (n_bars) and
    `path` (n_bars × n_assets, units after each bar) are filled when they
    have that many rows; pass 1-row arrays to skip them.
    """
    n_bars, n = held.shape[0], held_cols.size + 1
    price = np.ones(n)
    units = np.zeros(n)
    units[int(params[P_QUOTE])] = params[P_CAPITAL]
    asset_out = np.zeros(n, dtype=np.bool_)
    sleeve_out = np.zeros(sleeve_bands.shape[1], dtype=np.bool_)
    sleeve_w = np.zeros(sleeve_bands.shape[1])
    tally = np.zeros(N_TALLY)
    stats = np.zeros(N_STATS)
    use_band = params[P_USE_BAND] != 0.0
    previous, peak, peak_bar = params[P_CAPITAL], params[P_CAPITAL], 0
    for t in range(n_bars):
        for j in range(held_cols.size):
            price[held_cols[j]] = held[t, j]
        value = portfolio_value(units, price)
        out = breaches(units, price, value, bands, sleeve_of, sleeve_bands, asset_out, sleeve_out,
                       sleeve_w)
        stats[S_OUTSIDE] += out
        if looks[t] and (out or not use_band) and value > 0:
            orders = tally[T_ORDERS]
            rebalance(units, price, value, bands, sleeve_of, sleeve_bands, tradable, asset_out,
                      sleeve_out, params, tally)
            stats[S_REBALANCES] += tally[T_ORDERS] > orders
            value = portfolio_value(units, price)
        if value > peak:
            peak, peak_bar = value, t
        _track(stats, t, value, previous, peak, peak_bar)
        previous = value
        if equity.size == n_bars:
            equity[t] = value
        if path.shape[0] == n_bars:
            path[t] = units
    stats[S_FINAL] = previous
    stats[S_FEES], stats[S_SLIP] = tally[T_FEES], tally[T_SLIP]
    stats[S_TURNOVER] = tally[T_TURNOVER]
    stats[S_ORDERS], stats[S_SKIPPED] = tally[T_ORDERS], tally[T_SKIPPED]
    return stats


@njit(cache=True, parallel=True)
def simulate_grid(held: Array, held_cols: Array, looks: Array, bands: Array,
                  sleeve_bands: Array, use_band: Array, sleeve_of: Array, tradable: Array,
                  params: Array) -> Array:
    """Every (band b, schedule s) pair: bands[b], looks[s]; returns stats[b, s]."""
    n_bands, n_schedules = bands.shape[0], looks.shape[0]
    out = np.zeros((n_bands, n_schedules, N_STATS))
    none = np.zeros(1)
    no_path = np.zeros((1, 1))
    for k in prange(n_bands * n_schedules):
        b, s = k // n_schedules, k % n_schedules
        p = params.copy()
        p[P_USE_BAND] = use_band[b]
        out[b, s] = simulate(held, held_cols, looks[s], bands[b], sleeve_of, sleeve_bands[b],
                             tradable, p, none, no_path)
    return out
