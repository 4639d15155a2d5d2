"""The sweep's loop: a block of configurations side by side inside one pass over the bars.

`loop.simulate_grid` used to run each configuration as its own pass over
every bar, so a 100-configuration sweep read the prices 100 times and paid
the loop's setup 100 times. Here a block of configurations shares one pass:
each bar's prices are read once (`bar_prices`, into a price vector), then
every configuration of the block takes its spot step with the arithmetic
`loop.simulate` does, in the same order (`quick.value_and_verdict`, with
`assets_outside_at` where the verdict is unsure: bar_value's sum and
assets_breached's divisions, on the price vector; then sleeves_breached,
trade, track), so that each
configuration's statistics equal a run of its own bit for bit
(tests/backtest/test_sweep.py). Reading the frame's row once per block
instead of once per configuration took 12-15 % off the sweep's CPU time.
The futures overlay is not swept, so it is not here.

Each configuration's state is one row of a 2-D array (units[c], tally[c],
stats[c]): a row is a contiguous view, and the rules take it as they take
the single run's vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from trimtab.backtest.kernel.layout import (
    LOOK_REBALANCE,
    N_RUN,
    N_STATS,
    N_TALLY,
    N_WORK_ROWS,
    NO_LOOK,
    P_CAPITAL,
    P_QUOTE,
    R_PEAK,
    R_PEAK_BAR,
    R_PREVIOUS,
    S_OUTSIDE,
    S_REBALANCES,
    T_ORDERS,
    W_COLUMN,
)
from trimtab.backtest.kernel.loop import close_bar, close_stats, keep, tracked
from trimtab.backtest.kernel.options import rule
from trimtab.backtest.kernel.quick import OUTSIDE, UNSURE, value_and_verdict
from trimtab.backtest.kernel.spot import (
    assets_outside_at,
    bar_prices,
    columns_of,
    sleeves_breached,
    trade,
)

Array = npt.NDArray[Any]
BLOCK = 8  # configurations per pass: measured in benchmarks/README.md


@njit(cache=True)
def simulate_block(held: Array, held_cols: Array, looks: Array, bands: Array,
                   sleeve_bands: Array, use_band: Array, sleeve_of: Array, tradable: Array,
                   params: Array) -> Array:
    """Configurations c = 0..C-1 (looks[c], bands[c], sleeve_bands[c], use_band[c]) in one
    pass over the bars; returns stats[c] (layout.S_*), each equal to `simulate_spot`'s."""
    n, n_conf, n_sleeves = held_cols.size + 1, bands.shape[0], sleeve_bands.shape[2]
    asset_out = np.zeros((n_conf, n), dtype=np.bool_)
    sleeve_out = np.zeros((n_conf, n_sleeves), dtype=np.bool_)
    stats = np.zeros((n_conf, N_STATS))
    run_block(held, held_cols, looks, bands, sleeve_bands, use_band, sleeve_of, tradable,
              params, np.ones(n), np.zeros((n_conf, n)), asset_out, sleeve_out,
              np.zeros((n_conf, n_sleeves)), np.zeros((n_conf, N_TALLY)), stats,
              np.zeros((n_conf, N_RUN)), np.zeros((N_WORK_ROWS, n)))
    return stats


@rule()
def run_block(held: Array, held_cols: Array, looks: Array, bands: Array, sleeve_bands: Array,
              use_band: Array, sleeve_of: Array, tradable: Array, params: Array, price: Array,
              units: Array, asset_out: Array, sleeve_out: Array, sleeve_w: Array, tally: Array,
              stats: Array, run: Array, work: Array) -> None:
    """`simulate_block` in the memory the caller gives, allocating nothing: the CPU passes
    a block's arrays, a GPU thread (cuda_sweep.py) one configuration's, as rows of one.

    `price` holds 1 at the quote; `stats` and `tally` start at zero; `units` and
    `run` (layout.R_*) are set here; the rest is scratch (`work`: layout.W_* rows,
    shared by the block, whose rebalances run one at a time).
    """
    for c in range(bands.shape[0]):
        units[c, :] = 0.0
        units[c, int(params[P_QUOTE])] = params[P_CAPITAL]
        run[c, R_PREVIOUS], run[c, R_PEAK], run[c, R_PEAK_BAR] = (params[P_CAPITAL],
                                                                params[P_CAPITAL], 0.0)
    col_of = work[W_COLUMN]
    columns_of(held_cols, col_of)
    for t in range(held.shape[0]):
        bar_prices(held, t, col_of, price)  # once for the block: no gather per configuration
        for c in range(bands.shape[0]):
            value, seen = value_and_verdict(units[c], price, bands[c])
            out = seen == OUTSIDE or (
                seen == UNSURE and assets_outside_at(units[c], price, value, bands[c]))
            if sleeve_w.shape[1]:
                out |= sleeves_breached(units[c], held, t, col_of, value, sleeve_of,
                                        sleeve_bands[c], sleeve_w[c])
            stats[c, S_OUTSIDE] += out
            look = looks[c, t]
            if (look != NO_LOOK and (out or look == LOOK_REBALANCE or use_band[c] == 0.0)
                    and value > 0):
                orders = tally[c, T_ORDERS]
                value = trade(units[c], held, t, col_of, value, bands[c], sleeve_of,
                              sleeve_bands[c], tradable, price, asset_out[c], sleeve_out[c],
                              sleeve_w[c], params, tally[c], work)
                stats[c, S_REBALANCES] += tally[c, T_ORDERS] > orders
            acc, peak, peak_bar = close_bar(tracked(stats[c]), t, value, run[c, R_PREVIOUS],
                                            run[c, R_PEAK], int(run[c, R_PEAK_BAR]))
            keep(stats[c], acc)
            run[c, R_PEAK], run[c, R_PEAK_BAR], run[c, R_PREVIOUS] = peak, peak_bar, value
    for c in range(bands.shape[0]):
        close_stats(stats[c], tally[c], run[c, R_PREVIOUS], run[c, R_PREVIOUS])  # no flows


@njit(cache=True, parallel=True)
def simulate_grid(held: Array, held_cols: Array, looks: Array, bands: Array,
                  sleeve_bands: Array, use_band: Array, sleeve_of: Array, tradable: Array,
                  params: Array, block: int, threads: int) -> Array:
    """Every (band b, schedule s) pair, `block` pairs per pass; returns stats[b, s].

    Thread w of `threads` (numba.get_num_threads(), passed in because a
    function that asks numba for it cannot be cached) takes configurations
    w, w + T, w + 2T, ...: neighbours in
    a grid cost about the same (a band width and the next), so every thread
    gets as much work. Contiguous blocks handed out by numba's static
    schedule left one of two threads with 70 % of a sweep's work
    (benchmarks/README.md, issue 16).
    """
    n_bands, n_schedules = bands.shape[0], looks.shape[0]
    n_conf = n_bands * n_schedules
    flat = np.zeros((n_conf, N_STATS))
    n_workers = max(1, min(threads, n_conf))
    for w in prange(n_workers):
        mine = np.arange(w, n_conf, n_workers)
        for start in range(0, mine.size, block):
            k = mine[start:start + block]
            b, s = k // n_schedules, k % n_schedules
            stats = simulate_block(held, held_cols, looks[s], bands[b], sleeve_bands[b],
                                   use_band[b], sleeve_of, tradable, params)
            for i in range(k.size):
                flat[k[i]] = stats[i]
    return flat.reshape((n_bands, n_schedules, N_STATS))
