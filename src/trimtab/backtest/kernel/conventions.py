"""Other libraries' ways of fitting fees into a to-target rebalance, in numba.

trimtab's own convention (rebalance.py) lands every asset exactly on its
target weight of the post-fee value. bt and vectorbt do it differently
(see the peer benchmark's README), so their results differ by O(fee) per
rebalance and, once a trigger flips, by whole paths. These two functions
reproduce their arithmetic so that the agreement tests can hold trimtab to
each library at 1e-9 and show that the remaining differences are
conventions, not bugs. They rebalance every tradable asset to target and
ignore slippage, the minimum trade and `rebalance_to`, as the libraries do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from trimtab.backtest.kernel.layout import (
    P_FEE,
    P_QUOTE,
    T_FEES,
    T_ORDERS,
    T_TURNOVER,
    TARGET,
)
from trimtab.backtest.kernel.options import rule
from trimtab.backtest.kernel.sorting import stable_order

Array = npt.NDArray[Any]
IS_CLOSE_REL, IS_CLOSE_ABS = 1e-9, 1e-12  # vectorbt's is_close_nb tolerances


@rule()
def bt_rebalance(units: Array, price: Array, value: float, bands: Array, tradable: Array,
                 params: Array, tally: Array) -> None:
    """bt's Rebalance: each asset gets an order for (t − w)·V of cash, fees included."""
    fee_rate = params[P_FEE]
    quote = int(params[P_QUOTE])
    spent = 0.0
    for i in range(units.size):
        if not tradable[i]:
            continue
        h = units[i] * price[i]
        d = (bands[TARGET, i] - h / value) * value
        if d == 0.0:
            continue
        moved = d / (1.0 + fee_rate) if d > 0 else d / (1.0 - fee_rate)
        units[i] = (h + moved) / price[i]
        spent += d
        _tally(tally, abs(moved), fee_rate * abs(moved))
    units[quote] -= spent
    if abs(units[quote]) < 1e-9 * value:  # bt's deltas sum to the idle cash
        units[quote] = 0.0


@rule()
def _is_close(a: float, b: float) -> bool:
    return abs(a - b) <= max(IS_CLOSE_REL * max(abs(a), abs(b)), IS_CLOSE_ABS)


@rule()
def _add(a: float, b: float) -> float:
    """vectorbt's add_nb: a sum that is close to zero is zero."""
    if _is_close(abs(a), abs(b)) and (a >= 0) != (b >= 0):
        return 0.0
    return a + b


@rule()
def vbt_rebalance(units: Array, price: Array, value: float, bands: Array, tradable: Array,
                  params: Array, tally: Array, key: Array, order: Array) -> None:
    """vectorbt's TargetPercent segment: sells first, fees on top, the last buy partial
    (`key` and `order` are scratch rows)."""
    fee_rate = params[P_FEE]
    quote = int(params[P_QUOTE])
    for i in range(units.size):
        key[i] = bands[TARGET, i] * value - units[i] * price[i] if tradable[i] else np.inf
    stable_order(key, order)  # stable, as insert_argsort_nb
    for k in range(order.size):
        i = int(order[k])
        if not tradable[i]:
            continue
        size = bands[TARGET, i] * value / price[i] - units[i]
        if _is_close(size, 0.0):
            continue
        if size < 0:
            sold = min(units[i], -size)
            fee = sold * price[i] * fee_rate
            units[quote] += sold * price[i] - fee
            units[i] = _add(units[i], -sold)
            _tally(tally, sold * price[i], fee)
        elif units[quote] != 0.0:
            _vbt_buy(i, size, units, price, fee_rate, quote, tally)
        if _is_close(units[quote], 0.0):
            units[quote] = 0.0


@rule()
def _vbt_buy(i: int, size: float, units: Array, price: Array, fee_rate: float, quote: int,
             tally: Array) -> None:
    cost = size * price[i]
    fee = cost * fee_rate
    if cost + fee < units[quote] or _is_close(cost + fee, units[quote]):
        units[quote] = _add(units[quote], -(cost + fee))
        units[i] += size
        _tally(tally, cost, fee)
        return
    affordable = units[quote] / (1.0 + fee_rate)  # partial fill with all the cash left
    _tally(tally, affordable, units[quote] - affordable)
    units[i] += affordable / price[i]
    units[quote] = 0.0


@rule()
def _tally(tally: Array, notional: float, fee: float) -> None:
    tally[T_FEES] += fee
    tally[T_TURNOVER] += notional
    tally[T_ORDERS] += 1
