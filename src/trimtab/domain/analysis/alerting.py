"""Hysteresis and cooldown: which fired triggers deserve a notification now.

A trigger that stays fired is notified once, then again only after the
policy's cooldown or when its severity has grown by `worse_by` (0.5: half
as bad again); when its condition clears it is forgotten, so the next
breach notifies at once. "Clears" means with hysteresis: a weight must come
back inside its band by `rearm` of the band's half-width (a multiple under
its cap by as much) before the trigger is forgotten, so that a price that
hovers at a band edge notifies once, not at every crossing. Events
(`EVENTS`: a schedule due, a position closed outside trimtab)
always notify.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the journal's readers load this without the domain
    from trimtab.domain.analysis.drift import Analysis
    from trimtab.domain.analysis.triggers import Trigger
    from trimtab.domain.policy import Alerts


Key = tuple[str, str]
# Events happen once (a schedule fell due, a position was closed by the venue) and are
# notified every time they fire; the other kinds are states, remembered while they last.
EVENTS = frozenset({"calendar", "position"})


@dataclass(frozen=True, slots=True)
class Notified:
    """What was last notified for one trigger (kind, subject)."""

    kind: str
    subject: str
    at: datetime
    severity: float


def severity(trigger: Trigger) -> float:
    """How far past its limit a trigger is, in the trigger's own unit."""
    f = trigger.figures
    if trigger.kind == "threshold":
        return max(f["low"] - f["weight"], f["weight"] - f["high"], 0.0)
    if trigger.kind == "leverage":
        return f["multiple"] - f["max_multiple"]
    if trigger.kind == "margin":
        if "margin_ratio" in f:
            return f["margin_ratio"] - f["max_margin_ratio"]
        return f["min_liquidation_distance"] - f["liquidation_distance"]
    if trigger.kind == "funding":
        return f["cost_apr"] - f["max_funding_apr"]
    return 0.0


def near_edges(analysis: Analysis, rearm: float) -> set[Key]:
    """Triggers not fired now but not yet re-armed: still within `rearm` of their edge."""
    near = {("threshold", a.asset) for a in analysis.assets
            if not a.breached and a.band.breached_within(a.weight, rearm)}
    near |= {("threshold", s.name) for s in analysis.sleeves
             if not s.breached and s.band.breached_within(s.weight, rearm)}
    f = analysis.futures
    if not f.breached and f.multiple > f.max_multiple * (1.0 - rearm):
        near.add(("leverage", "futures"))
    return near


def due(triggers: Iterable[Trigger], memory: Mapping[Key, Notified], now: datetime,
        alerts: Alerts, near: Collection[Key] = ()
        ) -> tuple[tuple[Trigger, ...], dict[Key, Notified]]:
    """The triggers to notify now, and the memory to keep for the next check.

    `near` names cleared triggers still too close to their edge to be
    forgotten (see `near_edges`); their memory is kept as it is.
    """
    notify: list[Trigger] = []
    kept: dict[Key, Notified] = {k: v for k, v in memory.items() if k in near}
    for trigger in triggers:
        if trigger.kind in EVENTS:
            notify.append(trigger)
            continue
        key = (trigger.kind, trigger.subject)
        level = severity(trigger)
        last = memory.get(key)
        if last is None or _cooled(last, now, alerts) or _worse(last, level, alerts):
            notify.append(trigger)
            kept[key] = Notified(trigger.kind, trigger.subject, now, level)
        else:
            kept[key] = last
    return tuple(notify), kept


def _cooled(last: Notified, now: datetime, alerts: Alerts) -> bool:
    return (now - last.at).total_seconds() >= alerts.cooldown


def _worse(last: Notified, level: float, alerts: Alerts) -> bool:
    return level > 0 and level >= last.severity * (1.0 + alerts.worse_by) and level > last.severity
