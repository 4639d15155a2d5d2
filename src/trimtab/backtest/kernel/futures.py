"""The futures overlay's loop: the spot kernel's bar plus perpetual positions on top.

A separate jitted loop, chosen once by the engine, so that the spot-only
kernel (kernel.simulate) keeps its hot loop untouched. The spot side is the
same bar as there (same helpers, same order); the overlay adds, per bar:

1. mark to market: the futures account gains Σ c_i · (p_t − p_{t−1});
2. funding: it pays Σ c_i · p_t · r_{t,i}, where r_{t,i} is the sum of the
   8-hourly rates settled in (bar t−1, bar t] (positive: longs pay shorts);
   daily data have no intraday price, so a settlement is valued at the close
   of the bar it falls in;
3. the leverage trigger (domain.futures: gross notional / spot value >
   max_multiple, strictly): every position is cut in the same proportion to
   gross = max_multiple × spot value. Its costs are paid from the futures
   account, not from spot, so the cut is the domain's futures_reductions cut
   with no cost term; it never increases gross notional;
4. at a look, with a resize band: when a position's multiple of spot value
   leaves target × (1 ± band), every position is set back to its target.

Contracts are linear (base units), priced at the asset's close. The futures
account starts at 0 and is kept apart from spot (a futures wallet): spot
weights and bands ignore it; equity = spot value + futures account. Margin
and liquidation are not simulated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from trimtab.backtest.kernel.layout import (
    EV_LEVERAGE,
    EV_RESIZE,
    FP_BAND,
    FP_CAP,
    FP_FEE,
    FP_SLIP,
    FP_TRIGGER,
    FS_ACCOUNT,
    FS_FEES,
    FS_FUNDING,
    FS_LEVERAGE,
    FS_MAX_MULTIPLE,
    FS_PNL,
    FS_RESIZES,
    FS_SLIPPAGE,
    FS_SPOT,
    FS_TURNOVER,
    N_STATS,
    N_TALLY,
    P_CAPITAL,
    P_QUOTE,
    P_USE_BAND,
    S_FEES,
    S_FINAL,
    S_ORDERS,
    S_OUTSIDE,
    S_REBALANCES,
    S_SKIPPED,
    S_SLIP,
    S_TURNOVER,
    T_FEES,
    T_ORDERS,
    T_SKIPPED,
    T_SLIP,
    T_TURNOVER,
    X_EVENTS,
    X_GROSS,
    X_SPOT,
)
from trimtab.backtest.kernel.spot import _track, breaches, portfolio_value, rebalance

Array = npt.NDArray[Any]


@njit(cache=True)
def gross_notional(contracts: Array, price: Array, cols: Array) -> float:
    total = 0.0
    for j in range(cols.size):
        total += abs(contracts[j] * price[cols[j]])
    return total


@njit(cache=True)
def trade_to(contracts: Array, wanted: Array, price: Array, cols: Array, fparams: Array,
             fstats: Array) -> float:
    """Set the positions to `wanted`; returns the costs (fees + slippage) of the trades."""
    cost = 0.0
    for j in range(cols.size):
        notional = abs(wanted[j] - contracts[j]) * price[cols[j]]
        fstats[FS_FEES] += notional * fparams[FP_FEE]
        fstats[FS_SLIPPAGE] += notional * fparams[FP_SLIP]
        fstats[FS_TURNOVER] += notional
        cost += notional * (fparams[FP_FEE] + fparams[FP_SLIP])
        contracts[j] = wanted[j]
    return cost


@njit(cache=True)
def outside_resize_band(contracts: Array, price: Array, cols: Array, target: Array,
                        spot: float, band: float) -> bool:
    for j in range(cols.size):
        multiple = contracts[j] * price[cols[j]] / spot
        if abs(multiple - target[j]) > band * abs(target[j]):
            return True
    return False


@njit(cache=True)
def multiple(gross: float, spot: float) -> float:
    """domain.futures.exposure_multiple: gross / spot, infinite with futures but no spot."""
    if spot > 0.0:
        return gross / spot
    return np.inf if gross > 0.0 else 0.0


@njit(cache=True)
def cut_to_cap(contracts: Array, price: Array, cols: Array, cap: float, spot: float,
               gross: float, wanted: Array) -> None:
    """`wanted` = every position scaled by one factor so that gross / spot ≤ `cap`.

    The factor cap · spot / gross can land one rounding step above the cap;
    it is nudged down until it does not (the domain rounds a reduction up
    for the same reason), so that the cap holds exactly and the next bar
    does not fire on dust.
    """
    keep = cap * spot / gross if spot > 0.0 else 0.0
    for _ in range(16):
        for j in range(cols.size):
            wanted[j] = contracts[j] * keep
        if multiple(gross_notional(wanted, price, cols), spot) <= cap:
            return
        keep = np.nextafter(keep, 0.0)


@njit(cache=True)
def futures_step(t: int, contracts: Array, price: Array, last: Array, cols: Array,
                 target: Array, funding: Array, spot: float, look: bool, fparams: Array,
                 fstats: Array, wanted: Array) -> int:
    """One bar of the overlay after the spot side traded; returns the bar's events."""
    for j in range(cols.size):
        p = price[cols[j]]
        pnl = contracts[j] * (p - last[j])
        paid = contracts[j] * p * funding[t, j]
        fstats[FS_PNL] += pnl
        fstats[FS_FUNDING] += paid
        fstats[FS_ACCOUNT] += pnl - paid
        last[j] = p
    events = 0
    if t == 0 or (look and fparams[FP_BAND] >= 0.0 and spot > 0.0 and outside_resize_band(
            contracts, price, cols, target, spot, fparams[FP_BAND])):
        for j in range(cols.size):
            wanted[j] = target[j] * spot / price[cols[j]]
        fstats[FS_ACCOUNT] -= trade_to(contracts, wanted, price, cols, fparams, fstats)
        events |= EV_RESIZE
        fstats[FS_RESIZES] += t > 0
    gross, cap = gross_notional(contracts, price, cols), fparams[FP_CAP]
    if fparams[FP_TRIGGER] != 0.0 and multiple(gross, spot) > cap:  # FuturesExposure.breached
        cut_to_cap(contracts, price, cols, cap, spot, gross, wanted)
        fstats[FS_ACCOUNT] -= trade_to(contracts, wanted, price, cols, fparams, fstats)
        events |= EV_LEVERAGE
        fstats[FS_LEVERAGE] += 1
    fstats[FS_MAX_MULTIPLE] = max(fstats[FS_MAX_MULTIPLE],
                                 multiple(gross_notional(contracts, price, cols), spot))
    return events


@njit(cache=True)
def simulate_overlay(held: Array, held_cols: Array, looks: Array, bands: Array,
                     sleeve_of: Array, sleeve_bands: Array, tradable: Array, params: Array,
                     cols: Array, target: Array, funding: Array, fparams: Array,
                     equity: Array, path: Array, fpath: Array, fstats: Array) -> Array:
    """kernel.simulate with the overlay; fills `fstats` (layout.FS_*) and returns the S_* stats.

    `cols` are the futures assets' positions among the assets, `target`
    their signed multiples of spot value, `funding[t, j]` the rates settled
    during bar t. `equity`, `path` (spot units) and `fpath` (n_bars × 3: gross
    notional, spot value, events) are filled when they have n_bars rows.
    """
    n_bars, n = held.shape[0], held_cols.size + 1
    price, units = np.ones(n), np.zeros(n)
    units[int(params[P_QUOTE])] = params[P_CAPITAL]
    asset_out = np.zeros(n, dtype=np.bool_)
    sleeve_out = np.zeros(sleeve_bands.shape[1], dtype=np.bool_)
    sleeve_w = np.zeros(sleeve_bands.shape[1])
    contracts, last, wanted = np.zeros(cols.size), np.zeros(cols.size), np.zeros(cols.size)
    tally, stats = np.zeros(N_TALLY), np.zeros(N_STATS)
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
        events = futures_step(t, contracts, price, last, cols, target, funding, value, looks[t],
                              fparams, fstats, wanted)
        total = value + fstats[FS_ACCOUNT]
        if total > peak:
            peak, peak_bar = total, t
        _track(stats, t, total, previous, peak, peak_bar)
        previous = total
        if equity.size == n_bars:
            equity[t] = total
        if path.shape[0] == n_bars:
            path[t] = units
        if fpath.shape[0] == n_bars:
            fpath[t, X_GROSS] = gross_notional(contracts, price, cols)
            fpath[t, X_SPOT] = value
            fpath[t, X_EVENTS] = events
        fstats[FS_SPOT] = value
    stats[S_FINAL] = previous
    stats[S_FEES], stats[S_SLIP] = tally[T_FEES], tally[T_SLIP]
    stats[S_TURNOVER] = tally[T_TURNOVER]
    stats[S_ORDERS], stats[S_SKIPPED] = tally[T_ORDERS], tally[T_SKIPPED]
    return stats
