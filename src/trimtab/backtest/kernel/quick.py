"""The band test without a division, for the bars where the answer is plain.

The domain's rule (spot.outside) divides each holding's value x by the
portfolio's value v and compares the weight with low - ε and high + ε. A
division costs a bar more than everything else in it, and almost every bar
is far inside its bands. So the loops first ask a question that needs only
products: with reciprocals of the bounds moved inward by a relative
QUICK_MARGIN (the band rows QUICK_LOW and QUICK_HIGH, once per run),

    x · (1 / low_in) >= v  and  x · (1 / high_in) <= v  for every asset

means every weight is inside, bit for bit as the rule would find: rounding
is monotone, the bounds are representable and the products' relative error
(~4e-16) is far below the margin (1e-13). Clearly beyond a bound by three
margins means outside. Between the two (a weight within ~3e-13 of a bound,
no value, a NaN) the verdict is UNSURE and the rule itself decides at that
bar. One pass over the assets gives the value (the same sum in the same
order as bar_value, so the same bits) and both extremes.

Bounds that a product cannot test are coded so that the product drops out:
a side with no bound (the quote's ±inf) has a NaN reciprocal, which no
comparison keeps; a lower bound at or below zero has +inf, so that only a
negative holding (an overdrawn quote) makes the verdict UNSURE.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from trimtab.backtest.kernel.layout import HIGH, LOW, QUICK_HIGH, QUICK_LOW
from trimtab.domain.bands import BREACH_EPSILON

Array = npt.NDArray[Any]
QUICK_MARGIN = 1e-13  # relative: ~250 times the products' rounding, far below any drift
INSIDE, OUTSIDE, UNSURE = range(3)  # a bar's verdict


def fill_quick_rows(rows: Array) -> Array:
    """Set the QUICK_LOW and QUICK_HIGH rows from LOW and HIGH (in place; returns `rows`)."""
    low = rows[LOW] - BREACH_EPSILON
    high = rows[HIGH] + BREACH_EPSILON
    if np.any(~(high > 0.0)):
        raise ValueError("a band's upper bound must be above zero (high >= target >= 0)")
    with np.errstate(divide="ignore", invalid="ignore"):
        rows[QUICK_LOW] = np.where(low > 0.0, 1.0 / (low * (1.0 + QUICK_MARGIN)),
                                   np.where(low > -np.inf, np.inf, np.nan))
        rows[QUICK_HIGH] = np.where(high < np.inf, 1.0 / (high * (1.0 - QUICK_MARGIN)), np.nan)
    return rows


@njit(cache=True, inline="always")
def verdict(value: float, lowest: float, highest: float) -> int:
    """INSIDE, OUTSIDE or UNSURE from a bar's value and the extremes of x / low_in (the
    lowest) and x / high_in (the highest) over its assets."""
    if not value > 0.0:  # no value, or NaN: the rule's own handling decides
        return UNSURE
    if lowest >= value and highest <= value:
        return INSIDE
    if (-np.inf < lowest and lowest * (1.0 + 3.0 * QUICK_MARGIN) < value) or (
            highest * (1.0 - 3.0 * QUICK_MARGIN) > value):
        return OUTSIDE
    return UNSURE


@njit(cache=True, inline="always")
def scan_bars(units: Array, held: Array, start: int, col_of: Array, bands: Array,
              values: Array, lowest: Array, highest: Array, verdicts: Array) -> int:
    """Values and verdicts of the bars start, start + 1, ... at once, with the holdings as
    they are: values[k] and verdicts[k] for bar start + k, as many bars as `values`
    holds (fewer at the end); returns how many. `lowest` and `highest` are scratch.

    The frame is column-major: an asset's closes over consecutive bars are
    adjacent, so the arithmetic runs over bars in SIMD lanes, where over
    assets it needed a gather per bar. A trade or a cash flow changes the
    holdings: the caller scans again from the next bar.
    """
    m = int(min(values.size, held.shape[0] - start))
    for k in range(m):
        values[k], lowest[k], highest[k] = 0.0, np.inf, 0.0
    for i in range(units.size):
        c, u = int(col_of[i]), units[i]
        to_low, to_high = bands[QUICK_LOW, i], bands[QUICK_HIGH, i]
        if c < 0:  # the quote, priced at 1: a constant, often without a band
            for k in range(m):
                values[k] += u * 1.0
            r, s = u * to_low, u * to_high  # a NaN (no bound, 0 · inf) is never kept
            for k in range(m):
                lowest[k] = r if r < lowest[k] else lowest[k]
                highest[k] = s if s > highest[k] else highest[k]
            continue
        for k in range(m):
            x = u * held[start + k, c]
            values[k] += x
            r, s = x * to_low, x * to_high
            lowest[k] = r if r < lowest[k] else lowest[k]
            highest[k] = s if s > highest[k] else highest[k]
    for k in range(m):
        verdicts[k] = verdict(values[k], lowest[k], highest[k])
    return m


@njit(cache=True, inline="always")
def value_and_verdict(units: Array, price: Array, bands: Array) -> tuple[float, int]:
    """One bar's portfolio_value (the same sum in the same order) and verdict, at the
    prices of a price vector: a sweep's configuration at a bar."""
    value, lowest, highest = 0.0, np.inf, 0.0
    for i in range(units.size):
        x = units[i] * price[i]
        value += x
        r, s = x * bands[QUICK_LOW, i], x * bands[QUICK_HIGH, i]
        lowest = r if r < lowest else lowest
        highest = s if s > highest else highest
    return value, verdict(value, lowest, highest)
