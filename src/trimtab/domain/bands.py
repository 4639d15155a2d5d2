"""Band bounds around a target and the breach rule.

A weight is breached when it lies strictly outside [low, high]; the bounds
are clipped to [0, 1]. `either` keeps the narrower of the two bands (the
5/25 rule: breached when either band is breached).

"Strictly outside" is read up to BREACH_EPSILON, far below any real drift:
a rebalance to the band edge, or a zero-width band, lands on the bound up
to floating-point rounding, and that rounding must not re-fire the trigger.
"""

from __future__ import annotations

from dataclasses import dataclass

from trimtab.domain.policy import BandSpec

BREACH_EPSILON = 1e-12


@dataclass(frozen=True, slots=True)
class Band:
    """The tolerated range of one weight."""

    target: float
    low: float
    high: float

    def breached(self, weight: float) -> bool:
        return weight < self.low - BREACH_EPSILON or weight > self.high + BREACH_EPSILON

    def breached_within(self, weight: float, margin: float) -> bool:
        """Whether the weight lies outside the band shrunk by `margin` of each half-width."""
        return self.inner(1.0 - margin).breached(weight)

    def inner(self, fraction: float) -> Band:
        """The band shrunk toward the target: fraction 0 is the target, 1 the band itself."""
        return Band(self.target,
                    self.target - fraction * (self.target - self.low),
                    self.target + fraction * (self.high - self.target))

    def clip(self, weight: float) -> float:
        return min(max(weight, self.low), self.high)


def band_for(target: float, spec: BandSpec) -> Band:
    """Bounds for a target under a band rule."""
    if spec.kind == "absolute":
        low, high = _absolute(target, _width(spec.width))
    elif spec.kind == "relative":
        low, high = _relative(target, _width(spec.width))
    else:
        a_low, a_high = _absolute(target, _width(spec.absolute_width))
        r_low, r_high = _relative(target, _width(spec.relative_width))
        low, high = max(a_low, r_low), min(a_high, r_high)
    return Band(target, max(0.0, low), min(1.0, high))


def _width(width: float | None) -> float:
    if width is None:  # BandSpec validation guarantees the widths its kind needs
        raise ValueError("band width missing")
    return width


def _absolute(target: float, width: float) -> tuple[float, float]:
    return target - width, target + width


def _relative(target: float, width: float) -> tuple[float, float]:
    return target * (1.0 - width), target * (1.0 + width)
