"""The domain's rebalance rule restated in numba for the backtest kernel.

This is `domain.planning.sizing.spot_targets` (desired weights of the
post-cost value, found by the same fixed-point iteration, with the domain's
own ITERATIONS and CONVERGED) followed by
`domain.planning.routing.spot_orders` for a single venue: sells first, largest
drift first; buys most underweight first, each limited to the quote on hand;
orders under `min_trade` skipped; trades under the domain's DUST (a share of
the value) ignored. Band bounds are not recomputed here: the caller passes
the bounds that `domain.bands.band_for` and `Band.inner` produced. A property test
(tests/backtest/test_domain_agreement.py) holds this file equal to the domain
on random portfolios, because a rule must have one meaning.

Array layout (layout.py, filled by `inputs.py`): `bands[row, asset]` with
rows TARGET, LOW, HIGH, INNER_LOW, INNER_HIGH; `sleeve_bands[row, sleeve]`
likewise; `sleeve_of[asset]` is the asset's sleeve or -1.

Nothing here allocates, raises or builds an object: every temporary is a row
of the caller's scratch array (layout.W_*, allocated once per run), so that
the CPU loop spares ten small allocations per rebalance and the same
functions compile as CUDA device code for the GPU sweep. The helpers are
inlined at numba IR level (`inline="always"`): a compiled call that takes
arrays adjusts each one's reference count atomically, which cost more than
the helpers' arithmetic (benchmarks/README.md, issue 16).
"""

from __future__ import annotations

from typing import Any

import numpy.typing as npt
from numba import njit

from trimtab.backtest.kernel import layout
from trimtab.backtest.kernel.layout import (
    INNER_HIGH,
    INNER_LOW,
    P_FEE,
    P_FRACTION,
    P_MIN_TRADE,
    P_QUOTE,
    P_SCOPE_ALL,
    P_SLIP,
    T_FEES,
    T_ORDERS,
    T_SKIPPED,
    T_SLIP,
    T_TURNOVER,
    TARGET,
)
from trimtab.backtest.kernel.options import rule
from trimtab.backtest.kernel.sorting import stable_order
from trimtab.domain.planning.routing import DUST
from trimtab.domain.planning.sizing import CONVERGED, ITERATIONS

Array = npt.NDArray[Any]
# reports.charts still imports the band rows from here; layout.py is their one home
HIGH, LOW = layout.HIGH, layout.LOW


@rule()
def smallest_step(start: float, slope: float, low: float, high: float) -> float:
    """domain.targets.smallest_step: least λ in [0, 1] with start + λ·slope in [low, high]."""
    if low <= start <= high:
        return 0.0
    edge = high if start > high else low
    if slope == 0.0 or (edge - start) / slope < 0.0:
        return 1.0
    return min(1.0, (edge - start) / slope)


@njit(cache=True, inline="always")
def _pull(desired: Array, targets: Array, movable: Array, sleeve_of: Array, sleeve: int,
          base: float, sign: float, low: float, high: float) -> None:
    """Move the movable assets of `sleeve` (-1: every movable asset) toward their targets
    until base + sign·Σ desired is in band."""
    total = 0.0
    slope = 0.0
    for i in range(desired.size):
        if movable[i] and (sleeve < 0 or sleeve_of[i] == sleeve):
            total += desired[i]
            slope += targets[i] - desired[i]
    step = smallest_step(base + sign * total, sign * slope, low, high)
    for i in range(desired.size):
        if movable[i] and (sleeve < 0 or sleeve_of[i] == sleeve):
            desired[i] += step * (targets[i] - desired[i])


@njit(cache=True, inline="always")
def desired_weights(w: Array, bands: Array, sleeve_of: Array, sleeve_bands: Array,
                    movable: Array, sleeve_out: Array, scope_all: bool, params: Array,
                    desired: Array) -> None:
    """domain.targets.desired_weights for the movable assets (others keep their weight),
    written into `desired`; the sleeves in scope are all (scope_all) or the breached ones."""
    n = w.size
    for i in range(n):
        desired[i] = w[i]
        if movable[i]:
            desired[i] = min(max(w[i], bands[INNER_LOW, i]), bands[INNER_HIGH, i])
    if params[P_FRACTION] == 0.0:
        return
    for s in range(sleeve_bands.shape[1]):
        if not (scope_all or sleeve_out[s]):
            continue
        fixed = 0.0
        for i in range(n):
            if sleeve_of[i] == s and not movable[i]:
                fixed += w[i]
        _pull(desired, bands[TARGET], movable, sleeve_of, s, fixed, 1.0,
              sleeve_bands[INNER_LOW, s], sleeve_bands[INNER_HIGH, s])
    quote = int(params[P_QUOTE])
    if params[P_SCOPE_ALL] != 0.0:
        fixed = 0.0
        for i in range(n):
            if not movable[i] and i != quote:
                fixed += w[i]
        _pull(desired, bands[TARGET], movable, sleeve_of, -1, 1.0 - fixed, -1.0,
              bands[INNER_LOW, quote], bands[INNER_HIGH, quote])


@njit(cache=True, inline="always")
def solve_deltas(h: Array, value: float, bands: Array, sleeve_of: Array, sleeve_bands: Array,
                 movable: Array, sleeve_out: Array, scope_all: bool, params: Array, w: Array,
                 desired: Array, deltas: Array) -> None:
    """domain.sizing._solve: quote value to trade per asset (into `deltas`), weights of the
    post-cost value; `w` and `desired` are scratch rows."""
    rate = params[P_FEE] + params[P_SLIP]
    net = value
    for iteration in range(ITERATIONS):
        # rebalancing to target, desired weights do not depend on the weights: reuse them
        if iteration == 0 or params[P_FRACTION] != 0.0:
            for i in range(h.size):
                w[i] = h[i] / net
            desired_weights(w, bands, sleeve_of, sleeve_bands, movable, sleeve_out, scope_all,
                            params, desired)
        turnover = 0.0
        for i in range(h.size):
            deltas[i] = desired[i] * net - h[i] if movable[i] else 0.0
            turnover += abs(deltas[i])
        new_net = value - rate * turnover
        if abs(new_net - net) <= CONVERGED * value:
            break
        net = new_net


# what a rebalance's orders add up as they go: the quote on hand, then the tally's fees,
# slippage, turnover, orders and skipped orders (layout.T_*), kept in registers
Running = tuple[float, float, float, float, float, float]


@njit(cache=True, inline="always")
def _sell(i: int, value: float, units: Array, price: Array, params: Array,
          acc: Running) -> Running:
    """domain.venue_split._sell on one venue: sell `value` of asset i into the quote."""
    cash, fees, slips, turnover, orders, skipped = acc
    take = min(value / price[i], units[i])
    notional = take * price[i]
    if take <= 0.0 or notional < params[P_MIN_TRADE]:
        return cash, fees, slips, turnover, orders, skipped + 1
    fee = notional * params[P_FEE]
    slip = notional * params[P_SLIP]
    units[i] -= take
    return (cash + (notional - fee - slip), fees + fee, slips + slip, turnover + notional,
            orders + 1, skipped)


@njit(cache=True, inline="always")
def _buy(i: int, value: float, units: Array, price: Array, params: Array, floor: float,
         acc: Running) -> Running:
    """domain.venue_split._buy on one venue: spend at most the quote on hand.

    The buy is sized from `need` before the quote on hand is compared with it:
    as min(need, cash), every buy's two divisions waited for the cash the
    buy before had left, a chain of some 40 cycles a buy; as a branch that
    predicts the usual case, only the running cash is a chain. Both ways are
    the same operations on the same numbers.
    """
    cash, fees, slips, turnover, orders, skipped = acc
    rate = params[P_FEE] + params[P_SLIP]
    need = value * (1.0 + rate)
    amount = need / (1.0 + rate) / price[i]  # the usual buy: the quote on hand covers it
    if cash < need:  # spend = min(need, cash), as a branch (see above)
        if need - cash > floor:
            skipped += 1  # the rest is insufficient_quote
        if cash <= floor:
            return cash, fees, slips, turnover, orders, skipped
        amount = cash / (1.0 + rate) / price[i]
    elif need <= floor:
        return cash, fees, slips, turnover, orders, skipped
    notional = amount * price[i]
    if amount <= 0.0 or notional < params[P_MIN_TRADE]:
        return cash, fees, slips, turnover, orders, skipped + 1
    fee = notional * params[P_FEE]
    slip = notional * params[P_SLIP]
    units[i] += amount
    return (cash + -(notional + fee + slip), fees + fee, slips + slip, turnover + notional,
            orders + 1, skipped)


@njit(cache=True, inline="always")
def execute(deltas: Array, w: Array, units: Array, price: Array, value: float, bands: Array,
            params: Array, tally: Array, key: Array, order: Array) -> None:
    """domain.venue_split.spot_orders on one venue: sells by drift, then buys (`key` and
    `order` are scratch rows).

    The quote on hand and the tally run in registers (`Running`) and are
    stored once at the end, the same sums in the same order: kept in their
    arrays, every order waited for the last one's stores to read them back.
    """
    floor = DUST * max(value, 1.0)
    for i in range(w.size):
        key[i] = -(w[i] - bands[TARGET, i])
    stable_order(key, order)  # stable, like sorted()
    quote = int(params[P_QUOTE])
    acc = (units[quote], tally[T_FEES], tally[T_SLIP], tally[T_TURNOVER], tally[T_ORDERS],
           tally[T_SKIPPED])
    for k in range(order.size):
        i = int(order[k])
        if deltas[i] < -floor:
            acc = _sell(i, -deltas[i], units, price, params, acc)
    for k in range(order.size - 1, -1, -1):
        i = int(order[k])
        if deltas[i] > floor:
            acc = _buy(i, deltas[i], units, price, params, floor, acc)
    (units[quote], tally[T_FEES], tally[T_SLIP], tally[T_TURNOVER], tally[T_ORDERS],
     tally[T_SKIPPED]) = acc
