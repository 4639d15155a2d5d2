"""The backtest's hot loop: one pass over the bars, compiled with numba.

One loop serves the spot-only backtest and the futures overlay (the sweep runs
blocks of configurations through the same spot rules: block.py),
so that the two cannot drift apart: at every bar the spot side moves prices,
tests the bands and, at a look, rebalances (spot.py); when the overlay has
positions, the futures side then marks them, pays funding and applies the
leverage trigger (futures.py). Without positions that costs one branch per
bar, which measures as nothing (benchmarks/README.md); a shared per-bar
helper called from two loops measured 1.5–1.8× slower and was dropped.

Nothing here allocates per bar, not even a rebalance (its scratch array is
allocated once, before the first bar; the rules it calls compile without
numba's reference counts, options.py), and nothing grows with
the number of bars unless the caller passes arrays to record the equity
curve and the paths. Summary statistics (drawdown, return moments) are
accumulated on the fly so that a sweep never stores a path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from trimtab.backtest.kernel.futures import futures_step, gross_notional
from trimtab.backtest.kernel.layout import (
    FS_ACCOUNT,
    FS_SPOT,
    LOOK_REBALANCE,
    LOOK_REVIEW,
    N_STATS,
    N_TALLY,
    N_WORK_ROWS,
    NO_LOOK,
    P_CAPITAL,
    P_QUOTE,
    P_USE_BAND,
    S_FEES,
    S_FINAL,
    S_GROWTH,
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
    X_EVENTS,
    X_GROSS,
    X_SPOT,
)
from trimtab.backtest.kernel.options import rule
from trimtab.backtest.kernel.quick import INSIDE, OUTSIDE, UNSURE, scan_bars
from trimtab.backtest.kernel.spot import (
    assets_breached,
    bar_prices,
    columns_of,
    sleeves_breached,
    trade,
)

Array = npt.NDArray[Any]
LANES = 32  # bars scanned at once (quick.scan_bars)
Track = tuple[float, float, float, float, float, float]
TRACK_START = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)  # sums of r, r², min(r, 0)²; drawdown, its bars


@njit(cache=True, inline="always")
def track(acc: Track, t: int, value: float, previous: float, peak: float,
          peak_bar: int) -> Track:
    """Return moments and the deepest drawdown so far, after bar t (acc: TRACK_START).

    The accumulators travel as a tuple, not as a row of `stats`: a tuple stays in
    registers, where a stats row sent every bar's sums through memory (a store and a
    load on each chain). The downside moment adds min(r, 0)² at every bar, which is
    the same sum as adding r² when r < 0 (adding +0.0 changes no sum), without a
    branch that mispredicts on every other bar.
    """
    sum_r, sum_r2, sum_down2, max_dd, dd_peak, dd_trough = acc
    if t > 0:
        r = value / previous - 1.0
        down = min(r, 0.0)
        sum_r += r
        sum_r2 += r * r
        sum_down2 += down * down
    if value < peak * (1.0 + max_dd) * (1.0 + 1e-12):  # else certainly not deeper
        drawdown = value / peak - 1.0
        if drawdown < max_dd:
            max_dd, dd_peak, dd_trough = drawdown, float(peak_bar), float(t)
    return sum_r, sum_r2, sum_down2, max_dd, dd_peak, dd_trough


@njit(cache=True, inline="always")
def close_bar(acc: Track, t: int, index: float, previous: float, peak: float,
              peak_bar: int) -> tuple[Track, float, int]:
    """The end of bar t: the peak so far, then `track`; returns both."""
    if index > peak:
        peak, peak_bar = index, t
    return track(acc, t, index, previous, peak, peak_bar), peak, peak_bar


@njit(cache=True, inline="always")
def tracked(stats: Array) -> Track:
    """The accumulators kept in a stats row (a sweep's configuration between bars)."""
    return (stats[S_SUM_R], stats[S_SUM_R2], stats[S_SUM_DOWN2], stats[S_MAX_DD],
            stats[S_PEAK_BAR], stats[S_TROUGH_BAR])


@njit(cache=True, inline="always")
def keep(stats: Array, acc: Track) -> None:
    """Write the accumulators into a stats row."""
    (stats[S_SUM_R], stats[S_SUM_R2], stats[S_SUM_DOWN2], stats[S_MAX_DD],
     stats[S_PEAK_BAR], stats[S_TROUGH_BAR]) = acc


@rule()
def close_stats(stats: Array, tally: Array, final: float, growth: float) -> None:
    """The run's totals, copied into `stats` once after the last bar."""
    stats[S_FINAL], stats[S_GROWTH] = final, growth
    stats[S_FEES], stats[S_SLIP] = tally[T_FEES], tally[T_SLIP]
    stats[S_TURNOVER] = tally[T_TURNOVER]
    stats[S_ORDERS], stats[S_SKIPPED] = tally[T_ORDERS], tally[T_SKIPPED]


@rule()
def add_cash(flows: Array, t: int, units: Array, quote: int, value: float) -> float:
    """Bar t's contribution (or withdrawal) into the quote; returns what was added.

    A withdrawal larger than the spot value is not made: `flows[t]` is set to
    0 so that the caller's money-weighted return sees only the flows made.
    """
    flow = float(flows[t])
    if value + flow <= 0.0:
        flows[t] = 0.0
        return 0.0
    units[quote] += flow
    return flow


@njit(cache=True)
def simulate(held: Array, held_cols: Array, looks: Array, bands: Array, sleeve_of: Array,
             sleeve_bands: Array, tradable: Array, params: Array, equity: Array, path: Array,
             cols: Array, target: Array, funding: Array, fparams: Array, fstats: Array,
             fpath: Array, flows: Array) -> Array:
    """Run one policy over all bars, with its futures overlay; returns the stats (layout.S_*).

    `held` has the closes of every asset but the quote, which is priced at 1;
    `held_cols` says where each of its columns goes; `looks[t]` is bar t's
    look code (layout.NO_LOOK, LOOK_REVIEW or LOOK_REBALANCE). The overlay
    (futures.py) has a position for each of `cols` (none: spot only) and
    fills `fstats` (layout.FS_*). `equity`, `path` (units) and `fpath`
    (layout.X_* columns) are filled when they have one row per bar; pass
    1-row arrays to skip them. `flows` (one per bar, or empty) is quote cash
    added at a bar's close before its look (negative: withdrawn, see
    add_cash); returns and drawdown are those of the time-weighted index,
    which a flow does not move.
    """
    n_bars, n = held.shape[0], held_cols.size + 1
    price, units = np.ones(n), np.zeros(n)
    units[int(params[P_QUOTE])] = params[P_CAPITAL]
    asset_out = np.zeros(n, dtype=np.bool_)
    sleeve_out = np.zeros(sleeve_bands.shape[1], dtype=np.bool_)
    sleeve_w = np.zeros(sleeve_bands.shape[1])
    contracts, last, wanted = np.zeros(cols.size), np.zeros(cols.size), np.zeros(cols.size)
    tally, stats = np.zeros(N_TALLY), np.zeros(N_STATS)
    work = np.zeros((N_WORK_ROWS, n))
    use_band = params[P_USE_BAND] != 0.0
    previous, peak, peak_bar = params[P_CAPITAL], params[P_CAPITAL], 0
    acc, outside = TRACK_START, 0.0
    has_flows, scale, final = flows.size == n_bars, 1.0, params[P_CAPITAL]
    col_of = np.empty(n, dtype=np.int64)  # ints: converting W_COLUMN's floats cost 1 ms
    columns_of(held_cols, col_of)
    values, lowest, highest = np.zeros(LANES), np.zeros(LANES), np.zeros(LANES)
    verdicts = np.zeros(LANES, dtype=np.int8)
    # most bars of a plain run (spot only, no flows, no sleeves, nothing recorded) are
    # inside their bands without a look that trades: they skip the bar's other steps
    quiet = (not has_flows and cols.size == 0 and sleeve_w.size == 0 and equity.size != n_bars
             and path.shape[0] != n_bars)
    first, scanned = 0, 0  # bars first..first + scanned - 1 are scanned with these units
    for t in range(n_bars):
        if t >= first + scanned:
            first, scanned = t, scan_bars(units, held, t, col_of, bands, values, lowest,
                                          highest, verdicts)
        value, seen = values[t - first], verdicts[t - first]
        if quiet and seen == INSIDE and (looks[t] == NO_LOOK or (
                looks[t] == LOOK_REVIEW and use_band)):  # nothing but the value moved
            acc, peak, peak_bar = close_bar(acc, t, value, previous, peak, peak_bar)
            previous = final = value
            continue
        out = seen == OUTSIDE or (  # too near a bound for the products: the rule decides
            seen == UNSURE and assets_breached(units, held, t, col_of, value, bands))
        flow = 0.0
        if has_flows and flows[t] != 0.0:
            flow = add_cash(flows, t, units, int(params[P_QUOTE]), value)
            value += flow
            out = assets_breached(units, held, t, col_of, value, bands)
            scanned = t + 1 - first
        if sleeve_w.size:  # a call with arrays costs a spot-only bar more than its work
            out |= sleeves_breached(units, held, t, col_of, value, sleeve_of, sleeve_bands,
                                    sleeve_w)
        outside += out
        look = looks[t]
        if look != NO_LOOK and (out or look == LOOK_REBALANCE or not use_band) and value > 0:
            orders = tally[T_ORDERS]
            value = trade(units, held, t, col_of, value, bands, sleeve_of, sleeve_bands,
                          tradable, price, asset_out, sleeve_out, sleeve_w, params, tally, work)
            stats[S_REBALANCES] += tally[T_ORDERS] > orders
            scanned = t + 1 - first  # the holdings changed: scan again from the next bar
        total = value
        if cols.size:  # the overlay, after the spot trades: it sizes on spot value
            bar_prices(held, t, col_of, price)
            events = futures_step(t, contracts, price, last, cols, target, funding, value,
                                  look != NO_LOOK, fparams, fstats, wanted)
            total += fstats[FS_ACCOUNT]
            fstats[FS_SPOT] = value
            if fpath.shape[0] == n_bars:
                fpath[t, X_GROSS] = gross_notional(contracts, price, cols)
                fpath[t, X_SPOT], fpath[t, X_EVENTS] = value, events
        final = total
        if flow != 0.0 and total > 0.0:  # the index grows as if the flow had not come
            scale *= (total - flow) / total
        index = total * scale
        acc, peak, peak_bar = close_bar(acc, t, index, previous, peak, peak_bar)
        previous = index
        if equity.size == n_bars:
            equity[t] = total
        if path.shape[0] == n_bars:
            path[t] = units
    keep(stats, acc)
    stats[S_OUTSIDE] = outside
    close_stats(stats, tally, final, previous)
    return stats


@njit(cache=True)
def simulate_spot(held: Array, held_cols: Array, looks: Array, bands: Array, sleeve_of: Array,
                  sleeve_bands: Array, tradable: Array, params: Array, equity: Array,
                  path: Array, flows: Array) -> Array:
    """`simulate` without a futures overlay."""
    no_cols = np.zeros(0, dtype=np.int64)
    none = np.zeros(0)
    return simulate(held, held_cols, looks, bands, sleeve_of, sleeve_bands, tradable, params,
                    equity, path, no_cols, none, np.zeros((1, 0)), none, none,
                    np.zeros((1, 1)), flows)
