"""The futures overlay's side of a bar: perpetual positions on top of the spot portfolio.

The loop (loop.py) calls `futures_step` after the spot side has traded, at
every bar of a backtest with an overlay. Per bar:

1. mark to market: the futures account gains Σ c_i · (p_t − p_{t−1});
2. funding: it pays Σ c_i · p_t · r_{t,i}, where r_{t,i} is the sum of the
   8-hourly rates settled in (bar t−1, bar t] (positive: longs pay shorts);
   daily data have no intraday price, so a settlement is valued at the close
   of the bar it falls in;
3. at bar 0, and at a look with a resize band when a position's multiple of
   spot value has left target × (1 ± band): every position is set to target;
4. the leverage trigger (domain.analysis.futures: gross notional / spot
   value > max_multiple, strictly): every position is cut in the same
   proportion to gross = max_multiple × spot value. Its costs are paid from
   the futures account, not from spot, so the cut is the domain's
   futures_reductions cut with no cost term; it never increases gross
   notional. tests/backtest/kernel/test_futures.py holds this to the domain.

Contracts are linear (base units), priced at the asset's close. The futures
account starts at 0 and is kept apart from spot (a futures wallet): spot
weights and bands ignore it; equity = spot value + futures account. Margin
and liquidation are not simulated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

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
    FS_TURNOVER,
)
from trimtab.backtest.kernel.options import rule

Array = npt.NDArray[Any]


@rule()
def gross_notional(contracts: Array, price: Array, cols: Array) -> float:
    total = 0.0
    for j in range(cols.size):
        total += abs(contracts[j] * price[cols[j]])
    return total


@rule()
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


@rule()
def outside_resize_band(contracts: Array, price: Array, cols: Array, target: Array,
                        spot: float, band: float) -> bool:
    for j in range(cols.size):
        multiple = contracts[j] * price[cols[j]] / spot
        if abs(multiple - target[j]) > band * abs(target[j]):
            return True
    return False


@rule()
def multiple(gross: float, spot: float) -> float:
    """domain.futures.exposure_multiple: gross / spot, infinite with futures but no spot."""
    if spot > 0.0:
        return gross / spot
    return np.inf if gross > 0.0 else 0.0


@rule()
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


@rule()
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
