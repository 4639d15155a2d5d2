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
    """A rule that fired, with the figures that made it fire.

    `message` is the sentence a person reads. A band breach's is written
    from its figures when read: a check fires one per breached asset, most
    are never shown (a watch check that does not notify, a plan that only
    asks whether one fired), and writing them all was a twentieth of a check.
    """

    kind: TriggerKind
    subject: str
    text: str | None  # the sentence; None: a band breach's, written from the figures
    figures: dict[str, float] = field(default_factory=dict)
    level: str = ""  # what breached its band ("asset", "sleeve") when `text` is None

    @property
    def message(self) -> str:
        if self.text is not None:
            return self.text
        f = self.figures
        side = "above" if f["weight"] > f["high"] else "below"
        return (f"{self.level} {self.subject} at {f['weight']:.2%} is {side} its band "
                f"{f['low']:.2%}–{f['high']:.2%} (target {f['target']:.2%})")


class Banded(Protocol):
    """Anything with a weight inside a band: an asset or a sleeve."""

    @property
    def weight(self) -> float: ...
    @property
    def breached(self) -> bool: ...
    @property
    def band(self) -> Band: ...


def threshold_trigger(subject: str, level: str, item: Banded) -> Trigger:
    """A band breach, with weight, target and bounds; its sentence is written when read."""
    band = item.band
    return Trigger("threshold", subject, None,
                   {"weight": item.weight, "target": band.target,
                    "low": band.low, "high": band.high}, level)


def spot_triggers(assets: Iterable[tuple[str, Banded]],
                  sleeves: Iterable[tuple[str, Banded]]) -> tuple[Trigger, ...]:
    """One threshold trigger per breached asset, then per breached sleeve."""
    fired = [threshold_trigger(name, "asset", a) for name, a in assets if a.breached]
    fired += [threshold_trigger(name, "sleeve", s) for name, s in sleeves if s.breached]
    return tuple(fired)
