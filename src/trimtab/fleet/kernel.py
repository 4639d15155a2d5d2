"""The fleet check: one price tick against P portfolios × A assets, in numba.

A platform that watches thousands of portfolios cannot afford the domain's
`analyse` (objects, dicts, a few ms each) on every tick. This kernel restates
the part of it that a tick changes — weights, the band breach rule, alert
prices and the futures exposure multiple — over arrays, one portfolio per
parallel iteration. The bands themselves are not restated: `arrays.py` builds
them with the domain's `band_for`, once per policy, and the breach tolerance
is the domain's own constant. `tests/fleet/test_kernel.py` holds the kernel
equal to `analyse` on random portfolios.

Missing results (no alert price) are NaN, where the domain says None.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from trimtab.domain.bands import BREACH_EPSILON

Array = npt.NDArray[Any]


@njit(cache=True)
def alert_price(units: float, rest: float, bound: float) -> float:
    """domain.analysis.drift.alert_prices for one bound; NaN where it gives None."""
    if units <= 0.0 or rest <= 0.0 or bound <= 0.0 or bound >= 1.0:
        return np.nan
    denominator = units * (1.0 - bound)
    if denominator <= 0.0:
        return np.nan
    price = bound * rest / denominator
    return price if np.isfinite(price) else np.nan


@njit(cache=True)
def outside(weight: float, low: float, high: float) -> bool:
    """domain.bands.Band.breached."""
    return weight < low - BREACH_EPSILON or weight > high + BREACH_EPSILON


@njit(cache=True)
def rest_values(values: Array, rest: Array) -> None:
    """For each asset, the value of all the others, summed (prefix + suffix), never
    subtracted from the total: an asset that is most of the portfolio keeps an exact
    alert price, as in the domain."""
    n = values.size
    running = 0.0
    for a in range(n):
        rest[a] = running
        running += values[a]
    running = 0.0
    for a in range(n - 1, -1, -1):
        rest[a] += running
        running += values[a]


@njit(cache=True)
def exposure_multiple(gross: float, spot: float) -> float:
    """domain.analysis.futures.exposure_multiple."""
    if spot > 0.0:
        return gross / spot
    return np.inf if gross > 0.0 else 0.0


@njit(cache=True)
def check_one(p: int, price: Array, units: Array, low: Array, high: Array, alertable: Array,
              sleeve_of: Array, sleeve_low: Array, sleeve_high: Array, breached: Array,
              sleeve_breached: Array, alert_low: Array, alert_high: Array) -> float:
    """Portfolio p's weights, breaches and alert prices, written into the output rows;
    returns its spot value."""
    n, n_sleeves = price.size, sleeve_low.shape[1]
    values, rest = np.empty(n), np.empty(n)
    spot = 0.0
    for a in range(n):
        values[a] = units[p, a] * price[a]
        spot += values[a]
    rest_values(values, rest)
    sleeve_w = np.zeros(n_sleeves)
    for a in range(n):
        w = values[a] / spot if spot > 0.0 else 0.0
        breached[p, a] = outside(w, low[p, a], high[p, a])
        if n_sleeves and sleeve_of[p, a] >= 0:
            sleeve_w[sleeve_of[p, a]] += w
        lo, hi = np.nan, np.nan
        if alertable[p, a]:
            lo = alert_price(units[p, a], rest[a], low[p, a])
            hi = alert_price(units[p, a], rest[a], high[p, a])
        alert_low[p, a], alert_high[p, a] = lo, hi
    for s in range(n_sleeves):
        sleeve_breached[p, s] = outside(sleeve_w[s], sleeve_low[p, s], sleeve_high[p, s])
    return spot


@njit(cache=True, parallel=True)
def fleet_check(price: Array, units: Array, low: Array, high: Array, alertable: Array,
                sleeve_of: Array, sleeve_low: Array, sleeve_high: Array, futures_units: Array,
                futures_fixed: Array, max_multiple: Array, breached: Array,
                sleeve_breached: Array, alert_low: Array, alert_high: Array, multiple: Array,
                over: Array) -> None:
    """Check every portfolio at one tick; results go into the output arrays (the last six).

    `price[a]` is the tick; `units[p, a]` the core spot units (tactical ones
    taken out); `futures_units[p, a]` the gross notional of linear positions
    per unit of price (the domain's notional at price 1, valued at the tick)
    and `futures_fixed[p]` the quote value of inverse ones. Output arrays are
    passed in so that a watcher reuses them from tick to tick.
    """
    for p in prange(units.shape[0]):
        spot = check_one(p, price, units, low, high, alertable, sleeve_of, sleeve_low,
                         sleeve_high, breached, sleeve_breached, alert_low, alert_high)
        gross = futures_fixed[p]
        for a in range(price.size):
            gross += futures_units[p, a] * price[a]
        multiple[p] = exposure_multiple(gross, spot)
        over[p] = multiple[p] > max_multiple[p]
