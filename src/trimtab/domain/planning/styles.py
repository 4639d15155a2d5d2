"""Execution styles as pure rules: a child's limit price, a leg's slices, the fee side.

The executor asks these questions of the policy's `[execution]` table; the
planner asks the fee one. Kept in the domain (no I/O, no clock) so that a
backtest or a benchmark prices a style exactly as a live run does.
"""

from __future__ import annotations

import math

from trimtab.domain.planning.orders import Side
from trimtab.domain.policy import Execution


def limit_price(execution: Execution, side: Side, bid: float, ask: float) -> float | None:
    """The limit price of a child order, or None for a market order.

    touch: the bid for a buy, the ask for a sell (the best passive price);
    mid: halfway; offset: `offset_bps` from the mid, positive away from the
    book. A crossed or empty quote (bid > ask, a non-positive price) gives no
    price at all: the executor then refuses rather than guess.
    """
    if execution.style == "market":
        return None
    if bid <= 0 or ask <= 0 or bid > ask:
        raise ValueError(f"no usable quote: bid {bid}, ask {ask}")
    mid = (bid + ask) / 2.0
    if execution.limit_price == "touch":
        return bid if side == "buy" else ask
    if execution.limit_price == "mid":
        return mid
    offset = execution.offset_bps / 10_000
    return mid * (1.0 - offset) if side == "buy" else mid * (1.0 + offset)


def child_count(execution: Execution, notional: float) -> int:
    """How many children a leg of `notional` quote units is split into (at least one)."""
    if execution.max_slice is None or notional <= execution.max_slice:
        return 1
    return math.ceil(notional / execution.max_slice)


def pause(execution: Execution, children: int) -> float:
    """Seconds to wait between two children so that they span the TWAP window."""
    return execution.twap_window / (children - 1) if children > 1 else 0.0


def fee_rate(execution: Execution, maker: float | None, taker: float | None,
             default: float) -> float:
    """The fee a style expects to pay: maker for post-only, taker otherwise.

    A limit order at the touch usually rests, but may cross and may fall
    back to market; estimating it at the taker rate never understates the
    cost. Without market data the policy's `fee_rate` stands.
    """
    if execution.style == "post-only" and maker is not None:
        return maker
    return taker if taker is not None else default
