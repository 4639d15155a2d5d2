"""Where a rebalance takes each asset: desired weights.

`rebalance_to` is a fraction f of the band: every asset that moves is
brought inside its band shrunk toward the target by f (f = 0: the target;
f = 1: the band edge; Daryanani's 0.5 cuts a 75 % weight in a 48–72 % band
around 60 % back to 66 %). Sleeves and the quote currency, whose weight is
what the other assets leave, are then pulled toward their targets by the
smallest step that puts them inside their own shrunk bands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trimtab.domain.bands import Band


@dataclass(frozen=True, slots=True)
class Allocation:
    """What the desired-weight rule needs to know about the portfolio.

    `bands` and `sleeves` hold the bands already shrunk by the rebalance's
    fraction (`Band.inner`): the rule runs at every step of the sizing's
    fixed point, and the shrunk bands do not change between steps.
    """

    weights: Mapping[str, float]
    bands: Mapping[str, Band]
    sleeves: Mapping[str, tuple[Band, tuple[str, ...]]]
    quote: str


def desired_weights(alloc: Allocation, movable: set[str], to_target: bool,
                    sleeves_in_scope: set[str], quote_in_scope: bool) -> dict[str, float]:
    """Desired weight of every movable asset (weights are of the post-trade value).

    `to_target`: the fraction is 0, every band has shrunk to its target and
    nothing is left to pull.
    """
    bands, weights = alloc.bands, alloc.weights
    desired = {}
    for a in movable:  # Band.clip inline: a call per asset and step was a fifth of the sizing
        band = bands[a]
        desired[a] = min(max(weights.get(a, 0.0), band.low), band.high)
    if to_target:
        return desired
    for name in sleeves_in_scope:
        band, members = alloc.sleeves[name]
        moving = [m for m in members if m in movable]
        fixed = sum(alloc.weights.get(m, 0.0) for m in members if m not in movable)
        _pull(desired, alloc, moving, fixed, band, sign=1.0)
    if quote_in_scope:
        fixed = sum(w for a, w in alloc.weights.items() if a not in movable and a != alloc.quote)
        _pull(desired, alloc, sorted(movable), 1.0 - fixed, alloc.bands[alloc.quote], sign=-1.0)
    return desired


def _pull(desired: dict[str, float], alloc: Allocation, moving: list[str], base: float,
          band: Band, sign: float) -> None:
    """Move `moving` toward their targets until base + sign·Σ desired lies in `band`."""
    start = base + sign * sum(desired[a] for a in moving)
    slope = sign * sum(alloc.bands[a].target - desired[a] for a in moving)
    step = smallest_step(start, slope, band)
    for a in moving:
        desired[a] += step * (alloc.bands[a].target - desired[a])


def smallest_step(start: float, slope: float, band: Band) -> float:
    """The least λ in [0, 1] with start + λ·slope inside [low, high] (1 if none)."""
    if band.low <= start <= band.high:
        return 0.0
    edge = band.high if start > band.high else band.low
    if slope == 0.0 or (edge - start) / slope < 0.0:
        return 1.0
    return min(1.0, (edge - start) / slope)


def deposit_weights(weights: Mapping[str, float], targets: Mapping[str, float],
                    movable: set[str], quote: str, inflow: float) -> dict[str, float]:
    """Spread new money (inflow, a weight of the new total) over underweight assets.

    Buys only: each underweight asset, the quote included, gets a share of
    the inflow proportional to its shortfall, so nothing is sold.
    """
    names = [a for a in targets if a in movable or a == quote]
    shortfall = {a: max(0.0, targets[a] - weights.get(a, 0.0)) for a in names}
    total = sum(shortfall.values())
    if total <= 0.0:
        return {a: weights.get(a, 0.0) for a in movable}
    return {a: weights.get(a, 0.0) + inflow * shortfall.get(a, 0.0) / total for a in movable}


def withdrawal_weights(weights: Mapping[str, float], targets: Mapping[str, float],
                       movable: set[str], quote: str, outflow: float) -> dict[str, float]:
    """Raise cash (outflow, a weight of the new total) from overweight assets only."""
    names = [a for a in weights if a in movable or a == quote]
    excess = {a: max(0.0, weights.get(a, 0.0) - targets.get(a, 0.0)) for a in names}
    total = sum(excess.values())
    if total <= 0.0:
        return {a: weights.get(a, 0.0) for a in movable}
    return {a: weights.get(a, 0.0) - outflow * excess.get(a, 0.0) / total for a in movable}
