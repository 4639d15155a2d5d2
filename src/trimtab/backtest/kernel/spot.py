"""The spot side of a bar: value the holdings, test the bands, rebalance.

The loop (loop.py) calls these at every bar: after the price move it values
the holdings, tests every band (assets, then sleeves) with the domain's
strict rule (the single run values and tests the assets of 32 bars at once,
`scan_bars`, reading the column-major frame down its columns) and, at a
look where the band is breached or no band applies, rebalances with one of
three fee conventions: trimtab's (the domain rule, rebalance.py), bt's or
vectorbt's (conventions.py). Holdings are units; the
quote currency is one of the columns, priced at 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from trimtab.backtest.kernel.conventions import bt_rebalance, vbt_rebalance
from trimtab.backtest.kernel.layout import (
    BT,
    HIGH,
    LOW,
    P_MODEL,
    P_SCOPE_ALL,
    VECTORBT,
    W_DELTA,
    W_DESIRED,
    W_HELD,
    W_KEY,
    W_MOVABLE,
    W_ORDER,
    W_WEIGHT,
)
from trimtab.backtest.kernel.options import rule
from trimtab.backtest.kernel.rebalance import execute, solve_deltas
from trimtab.domain.bands import BREACH_EPSILON

Array = npt.NDArray[Any]


@rule(inline="always")
def portfolio_value(units: Array, price: Array) -> float:
    total = 0.0
    for i in range(units.size):
        total += units[i] * price[i]
    return total


@rule()
def columns_of(held_cols: Array, col_of: Array) -> None:
    """For each asset, its column in the held closes, or -1 for the quote (priced at 1),
    into `col_of`: an int array, or the scratch row layout.W_COLUMN where a caller
    cannot allocate (run_block on a GPU; floats, read back with int())."""
    for i in range(col_of.size):
        col_of[i] = -1.0
    for j in range(held_cols.size):
        col_of[held_cols[j]] = j


@rule(inline="always")
def bar_prices(held: Array, t: int, col_of: Array, price: Array) -> None:
    """Bar t's closes into the price vector, for the steps that read prices by asset."""
    for i in range(price.size):
        c = int(col_of[i])  # the quote has no column (-1): it is priced at 1
        price[i] = held[t, c] if c >= 0 else 1.0


@njit(cache=True, inline="always")
def bar_value(units: Array, held: Array, t: int, col_of: Array) -> float:
    """portfolio_value at bar t's closes, the same sum in the same order, read from the
    frame's row: scattering a row into a price vector first cost more than the bar."""
    total = 0.0
    for i in range(units.size):
        c = int(col_of[i])
        total += units[i] * (held[t, c] if c >= 0 else 1.0)
    return total


@njit(cache=True, inline="always")
def outside(w: float, low: float, high: float) -> bool:
    """The domain's breach rule: a weight strictly outside [low, high], up to BREACH_EPSILON."""
    return w < low - BREACH_EPSILON or w > high + BREACH_EPSILON


@njit(cache=True, inline="always")
def assets_breached(units: Array, held: Array, t: int, col_of: Array, value: float,
                    bands: Array) -> bool:
    """Whether any asset is outside its band at bar t: `breaches` without sleeves and
    without its flags, which only a trade reads (it calls `breaches` first)."""
    scale = value if value > 0 else np.inf  # no value: every weight is 0
    any_out = False
    for i in range(units.size):
        c = int(col_of[i])
        w = units[i] * (held[t, c] if c >= 0 else 1.0) / scale
        any_out |= outside(w, bands[LOW, i], bands[HIGH, i])
    return any_out


@njit(cache=True, inline="always")
def assets_outside_at(units: Array, price: Array, value: float, bands: Array) -> bool:
    """`assets_breached` at the prices of a price vector: a sweep's block reads a bar's
    row into it once (bar_prices) for all its configurations, where each reading the
    frame's row for itself paid a gather per configuration."""
    scale = value if value > 0 else np.inf  # no value: every weight is 0
    any_out = False
    for i in range(units.size):
        any_out |= outside(units[i] * price[i] / scale, bands[LOW, i], bands[HIGH, i])
    return any_out


@njit(cache=True, inline="always")
def certainly_inside(bound: float, sign: float) -> float:
    """A bound of `outside`'s test moved inward by far more than the rounding of a weight:
    a holding whose value x satisfies low' · value <= x <= high' · value (two products,
    no division) has a weight x / value that `outside` finds inside, bit for bit.

    `outside` compares the rounded quotient x / value with low - ε and high + ε.
    Rounding is monotone and the bounds are representable, so x / value on the
    inner side of a bound (in exact arithmetic) stays there once rounded; the
    products' and the quotient's relative errors are ~1e-16 of weights of order
    one, and the bounds move by 1e-14 of the larger of 1 and the bound.
    """
    if not abs(bound) < np.inf:  # no bound (the quote's band), or NaN: as it is
        return bound
    return bound + sign * 1e-14 * max(1.0, abs(bound))


@njit(cache=True, inline="always")
def scan_bars(units: Array, held: Array, start: int, col_of: Array, bands: Array,
              values: Array, outs: Array, unsure: Array) -> int:
    """`bar_value` for the bars start, start + 1, ... at once, with the holdings as they
    are, and whether `assets_breached` may find an asset outside: values[k] and
    outs[k] for bar start + k, as many bars as `values` holds (fewer at the end);
    returns how many. outs[k] False means certainly inside; True means ask
    `assets_breached` (the caller does, at that bar only).

    The frame is column-major: an asset's closes over consecutive bars are
    adjacent, so the arithmetic runs over bars, eight to a SIMD instruction,
    where over assets it needed a gather per bar. Each bar's sum is the same
    operations in the same order as bar_value's, so the values are the same
    bits. The band test multiplies instead of dividing (`certainly_inside`):
    the divisions were half of a bar. A trade or a cash flow changes the
    holdings: the caller scans again from the next bar.
    """
    m = int(min(values.size, held.shape[0] - start))
    for k in range(m):
        values[k] = 0.0
    for i in range(units.size):
        c, u = int(col_of[i]), units[i]
        for k in range(m):
            values[k] += u * (held[start + k, c] if c >= 0 else 1.0)
    for k in range(m):
        unsure[k] = not values[k] > 0.0  # no value (or NaN): `assets_breached` decides
        outs[k] = False
    for i in range(units.size):
        c, u = int(col_of[i]), units[i]
        low, high = bands[LOW, i] - BREACH_EPSILON, bands[HIGH, i] + BREACH_EPSILON
        low_in, high_in = certainly_inside(low, 1.0), certainly_inside(high, -1.0)
        low_out, high_out = certainly_inside(low, -1.0), certainly_inside(high, 1.0)
        for k in range(m):
            x, v = u * (held[start + k, c] if c >= 0 else 1.0), values[k]
            unsure[k] |= (x < low_in * v) | (x > high_in * v)
            outs[k] |= (x < low_out * v) | (x > high_out * v)
    return m


@rule(inline="always")
def breaches(units: Array, price: Array, value: float, bands: Array, sleeve_of: Array,
             sleeve_bands: Array, asset_out: Array, sleeve_out: Array, sleeve_w: Array) -> bool:
    """The domain's breach rule (`outside`) for assets and sleeves, with a flag for each.

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
        out = outside(w, bands[LOW, i], bands[HIGH, i])
        asset_out[i] = out
        any_out |= out
        if n_sleeves and sleeve_of[i] >= 0:
            sleeve_w[sleeve_of[i]] += w
    for s in range(n_sleeves):
        sleeve_out[s] = outside(sleeve_w[s], sleeve_bands[LOW, s], sleeve_bands[HIGH, s])
        any_out = any_out or sleeve_out[s]
    return any_out


@rule()
def sleeves_breached(units: Array, held: Array, t: int, col_of: Array, value: float,
                     sleeve_of: Array, sleeve_bands: Array, sleeve_w: Array) -> bool:
    """Whether any sleeve is outside its band at bar t (`sleeve_w`: scratch, one per sleeve)."""
    scale = value if value > 0 else np.inf
    for s in range(sleeve_w.size):
        sleeve_w[s] = 0.0
    for i in range(units.size):
        c = int(col_of[i])
        if sleeve_of[i] >= 0:
            sleeve_w[sleeve_of[i]] += units[i] * (held[t, c] if c >= 0 else 1.0) / scale
    any_out = False
    for s in range(sleeve_w.size):
        any_out |= outside(sleeve_w[s], sleeve_bands[LOW, s], sleeve_bands[HIGH, s])
    return any_out


@rule()
def trade(units: Array, held: Array, t: int, col_of: Array, value: float, bands: Array,
          sleeve_of: Array, sleeve_bands: Array, tradable: Array, price: Array,
          asset_out: Array, sleeve_out: Array, sleeve_w: Array, params: Array, tally: Array,
          work: Array) -> float:
    """Rebalance at bar t (flags set by `breaches` first); returns the value after it."""
    bar_prices(held, t, col_of, price)
    if params[P_SCOPE_ALL] == 0.0:  # the flags say what moves, unless everything does
        breaches(units, price, value, bands, sleeve_of, sleeve_bands, asset_out, sleeve_out,
                 sleeve_w)
    rebalance(units, price, value, bands, sleeve_of, sleeve_bands, tradable, asset_out,
              sleeve_out, params, tally, work)
    return portfolio_value(units, price)


@njit(cache=True, inline="always")
def movable_assets(tradable: Array, sleeve_of: Array, asset_out: Array, sleeve_out: Array,
                   scope_all: bool, movable: Array) -> None:
    """domain.sizing._in_scope, into `movable` (1.0 or 0.0): all tradable assets, or the
    breached ones and their sleeves'."""
    for i in range(tradable.size):
        in_breached_sleeve = sleeve_of[i] >= 0 and sleeve_out[sleeve_of[i]]
        moves = tradable[i] and (scope_all or asset_out[i] or in_breached_sleeve)
        movable[i] = 1.0 if moves else 0.0


@rule(inline="always")
def rebalance(units: Array, price: Array, value: float, bands: Array, sleeve_of: Array,
              sleeve_bands: Array, tradable: Array, asset_out: Array, sleeve_out: Array,
              params: Array, tally: Array, work: Array) -> None:
    """Trade the holdings (units, in place) under the chosen fee convention.

    `work` is scratch space (layout.W_* rows × assets) that the caller
    allocates once per run: nothing here allocates, so that the same code
    runs inside a CUDA kernel.
    """
    model = int(params[P_MODEL])
    if model == BT:
        bt_rebalance(units, price, value, bands, tradable, params, tally)
        return
    if model == VECTORBT:
        vbt_rebalance(units, price, value, bands, tradable, params, tally, work[W_KEY],
                      work[W_ORDER])
        return
    scope_all = params[P_SCOPE_ALL] != 0.0
    movable, h, w = work[W_MOVABLE], work[W_HELD], work[W_WEIGHT]
    movable_assets(tradable, sleeve_of, asset_out, sleeve_out, scope_all, movable)
    for i in range(units.size):
        h[i] = units[i] * price[i]
    solve_deltas(h, value, bands, sleeve_of, sleeve_bands, movable, sleeve_out, scope_all,
                 params, w, work[W_DESIRED], work[W_DELTA])
    for i in range(units.size):
        w[i] = h[i] / value
    execute(work[W_DELTA], w, units, price, value, bands, params, tally, work[W_KEY],
            work[W_ORDER])
