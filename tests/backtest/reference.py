"""A deliberately simple backtest in plain Python, to check the kernel against.

No numpy, no numba, no shared code with trimtab.backtest: lists, one loop
over bars and the textbook formulas. It covers the trimtab convention for
targets on every asset: a band breach (or every look when the band is
off) sells and buys every asset back to its target weight of the post-cost
value V', where V' = V − (fee + slippage) · Σ |t_i·V' − h_i| over the
non-quote assets, solved by fixed-point iteration. The quote is the last
column, priced at 1. Looks are every N bars, or given per bar: a review trades
on a breach, a rebalance whatever the band. `flows` add quote cash at a bar's
close before its look; the time-weighted growth chains each bar's value less
its flow over the value before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RefPolicy:
    targets: Sequence[float]  # one per column, quote last
    kind: str = "relative"  # "relative" | "absolute" | "off"
    width: float = 0.1
    fee: float = 0.0
    slippage: float = 0.0
    every: int = 1  # look every N bars
    quote_has_target: bool = True
    looks: Sequence[int] | None = None  # per bar: 0 no look, 1 review, 2 rebalance (over every)
    flows: Sequence[float] | None = None  # per bar: quote cash added (negative: withdrawn)


def outside(weight: float, target: float, kind: str, width: float) -> bool:
    if kind == "absolute":
        return weight < target - width or weight > target + width
    return weight < target * (1 - width) or weight > target * (1 + width)


def post_cost_value(value: float, holdings: list[float], targets: Sequence[float],
                    rate: float) -> float:
    x = value
    for _ in range(200):
        traded = sum(abs(t * x - h) for t, h in zip(targets[:-1], holdings[:-1], strict=True))
        new_x = value - rate * traded
        if abs(new_x - x) <= 1e-15 * value:
            return new_x
        x = new_x
    return x


def run_reference(closes: Sequence[Sequence[float]], policy: RefPolicy,
                  capital: float) -> dict[str, Any]:
    n = len(policy.targets)
    units = [0.0] * (n - 1) + [capital]
    fees = slippage = 0.0
    rebalances = 0
    value = capital
    values: list[float] = []  # spot value after each bar's trades (the futures reference's input)
    growth = capital
    for bar, prices in enumerate(closes):
        flow = policy.flows[bar] if policy.flows is not None else 0.0
        units[-1] += flow
        holdings = [u * p for u, p in zip(units, prices, strict=True)]
        value = sum(holdings)
        before = values[-1] if values else capital
        checked = range(n if policy.quote_has_target else n - 1)
        breached = any(outside(holdings[i] / value, policy.targets[i], policy.kind, policy.width)
                       for i in checked)
        look = policy.looks[bar] if policy.looks is not None else int(bar % policy.every == 0)
        if not look or not (breached or policy.kind == "off" or look == 2):
            values.append(value)
            growth *= (value - flow) / before
            continue
        new_value = post_cost_value(value, holdings, policy.targets, policy.fee + policy.slippage)
        traded = value - new_value
        rate = policy.fee + policy.slippage
        fees += traded * policy.fee / rate if rate else 0.0
        slippage += traded * policy.slippage / rate if rate else 0.0
        units = [t * new_value / p for t, p in zip(policy.targets, prices, strict=True)]
        value = new_value
        rebalances += 1
        values.append(value)
        growth *= (value - flow) / before
    return {"final_value": value, "rebalances": rebalances, "fees": fees, "slippage": slippage,
            "values": values, "growth": growth}
