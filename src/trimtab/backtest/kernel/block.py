"""The sweep's loop: a block of configurations side by side inside one pass over the bars.

`loop.simulate_grid` used to run each configuration as its own pass over
every bar, so a 100-configuration sweep read the prices 100 times and paid
the loop's setup 100 times. Here a block of configurations shares one pass:
each bar's prices are read once, then every configuration of the block takes
its spot step with the very functions `loop.simulate` calls (portfolio_value,
breaches, rebalance, track), in the same order, so that each configuration's
statistics equal a run of its own bit for bit (tests/backtest/test_sweep.py).
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
    N_STATS,
    N_TALLY,
    N_WORK_ROWS,
    NO_LOOK,
    P_CAPITAL,
    P_QUOTE,
    S_OUTSIDE,
    S_REBALANCES,
    T_ORDERS,
)
from trimtab.backtest.kernel.loop import close_stats, track
from trimtab.backtest.kernel.spot import breaches, portfolio_value, rebalance

Array = npt.NDArray[Any]
BLOCK = 8  # configurations per pass: measured in benchmarks/README.md


@njit(cache=True)
def simulate_block(held: Array, held_cols: Array, looks: Array, bands: Array,
                   sleeve_bands: Array, use_band: Array, sleeve_of: Array, tradable: Array,
                   params: Array) -> Array:
    """Configurations c = 0..C-1 (looks[c], bands[c], sleeve_bands[c], use_band[c]) in one
    pass over the bars; returns stats[c] (layout.S_*), each equal to `simulate_spot`'s."""
    n_bars, n, n_conf = held.shape[0], held_cols.size + 1, bands.shape[0]
    n_sleeves = sleeve_bands.shape[2]
    price, units = np.ones(n), np.zeros((n_conf, n))
    units[:, int(params[P_QUOTE])] = params[P_CAPITAL]
    asset_out = np.zeros((n_conf, n), dtype=np.bool_)
    sleeve_out = np.zeros((n_conf, n_sleeves), dtype=np.bool_)
    sleeve_w = np.zeros((n_conf, n_sleeves))
    tally, stats = np.zeros((n_conf, N_TALLY)), np.zeros((n_conf, N_STATS))
    work = np.zeros((N_WORK_ROWS, n))  # scratch: the block's rebalances run one at a time
    previous, peak = np.full(n_conf, params[P_CAPITAL]), np.full(n_conf, params[P_CAPITAL])
    peak_bar = np.zeros(n_conf, dtype=np.int64)
    for t in range(n_bars):
        for j in range(held_cols.size):
            price[held_cols[j]] = held[t, j]
        for c in range(n_conf):
            value = portfolio_value(units[c], price)
            out = breaches(units[c], price, value, bands[c], sleeve_of, sleeve_bands[c],
                           asset_out[c], sleeve_out[c], sleeve_w[c])
            stats[c, S_OUTSIDE] += out
            look = looks[c, t]
            if (look != NO_LOOK and (out or look == LOOK_REBALANCE or use_band[c] == 0.0)
                    and value > 0):
                orders = tally[c, T_ORDERS]
                rebalance(units[c], price, value, bands[c], sleeve_of, sleeve_bands[c],
                          tradable, asset_out[c], sleeve_out[c], params, tally[c], work)
                stats[c, S_REBALANCES] += tally[c, T_ORDERS] > orders
                value = portfolio_value(units[c], price)
            if value > peak[c]:
                peak[c], peak_bar[c] = value, t
            track(stats[c], t, value, previous[c], peak[c], peak_bar[c])
            previous[c] = value
    for c in range(n_conf):
        close_stats(stats[c], tally[c], previous[c], previous[c])
    return stats


@njit(cache=True, parallel=True)
def simulate_grid(held: Array, held_cols: Array, looks: Array, bands: Array,
                  sleeve_bands: Array, use_band: Array, sleeve_of: Array, tradable: Array,
                  params: Array, block: int) -> Array:
    """Every (band b, schedule s) pair, `block` pairs per pass; returns stats[b, s]."""
    n_bands, n_schedules = bands.shape[0], looks.shape[0]
    n_conf = n_bands * n_schedules
    flat = np.zeros((n_conf, N_STATS))
    for k in prange((n_conf + block - 1) // block):
        start, stop = k * block, min(n_conf, (k + 1) * block)
        b = np.arange(start, stop) // n_schedules
        s = np.arange(start, stop) % n_schedules
        flat[start:stop] = simulate_block(held, held_cols, looks[s], bands[b], sleeve_bands[b],
                                          use_band[b], sleeve_of, tradable, params)
    return flat.reshape((n_bands, n_schedules, N_STATS))
