"""Triggers: rules that fire on an analysis.

A trigger is a value, not an action: it names its kind and subject and
carries the figures a message or a plan needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from trimtab.domain.bands import Band

TriggerKind = Literal["calendar", "threshold", "leverage", "margin", "funding", "position"]


@dataclass(frozen=True, slots=True)
class Trigger:
    """A rule that fired, with the figures that made it fire."""

    kind: TriggerKind
    subject: str
    message: str
    figures: dict[str, float] = field(default_factory=dict)


class Banded(Protocol):
    """Anything with a weight inside a band: an asset or a sleeve."""

    @property
    def weight(self) -> float: ...
    @property
    def breached(self) -> bool: ...
    @property
    def band(self) -> Band: ...


def threshold_trigger(subject: str, level: str, item: Banded) -> Trigger:
    """A band breach, with weight, target and bounds."""
    band = item.band
    side = "above" if item.weight > band.high else "below"
    message = (f"{level} {subject} at {item.weight:.2%} is {side} its band "
               f"{band.low:.2%}–{band.high:.2%} (target {band.target:.2%})")
    return Trigger("threshold", subject, message,
                   {"weight": item.weight, "target": band.target,
                    "low": band.low, "high": band.high})


def spot_triggers(assets: Iterable[tuple[str, Banded]],
                  sleeves: Iterable[tuple[str, Banded]]) -> tuple[Trigger, ...]:
    """One threshold trigger per breached asset, then per breached sleeve."""
    fired = [threshold_trigger(name, "asset", a) for name, a in assets if a.breached]
    fired += [threshold_trigger(name, "sleeve", s) for name, s in sleeves if s.breached]
    return tuple(fired)
