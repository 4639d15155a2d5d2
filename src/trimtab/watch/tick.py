"""What one check of the watch loop saw and decided: typed, for the journal and the screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.analysis.triggers import Trigger


class DecisionKind(StrEnum):
    """What a check decided to do."""

    NONE = "none"
    REVIEW = "review"  # a scheduled review: reported and notified, nothing planned
    OUTAGE = "outage"  # no snapshot could be taken
    REFUSED = "refused"  # the plan refused (a stale or missing price)
    NOTHING = "nothing to trade"
    ALERT_ONLY = "alert only (mode alert)"
    PROPOSED = "proposed"  # journaled for approval
    EXECUTED = "executed"  # mode auto


@dataclass(frozen=True, slots=True)
class Decision:
    """A check's decision, with the plan it made and a few words of detail."""

    kind: DecisionKind
    plan_id: str | None = None
    detail: str = ""

    @property
    def acted(self) -> bool:
        """Worth a line of its own on screen: anything but a quiet check or an outage."""
        return self.kind not in (DecisionKind.NONE, DecisionKind.OUTAGE)

    def next_step(self) -> str | None:
        """What a notification tells the user to do next: a command that works as printed."""
        if self.kind is DecisionKind.PROPOSED:
            return (f"Plan {self.plan_id} waits for confirmation: trimtab approve {self.plan_id}"
                    ", or approve it on the dashboard (trimtab serve).")
        if self.kind is DecisionKind.EXECUTED:
            return f"Plan {self.plan_id} was executed (mode auto): {self.detail}."
        return None

    def __str__(self) -> str:
        if self.kind is DecisionKind.PROPOSED:
            return f"proposed {self.plan_id}"
        if self.kind is DecisionKind.EXECUTED:
            return f"executed {self.plan_id} ({self.detail})"
        if self.kind in (DecisionKind.REFUSED, DecisionKind.OUTAGE):
            return f"{self.kind}: {self.detail}"
        return str(self.kind)


@dataclass
class TickReport:
    """What one tick saw and did (for the status line, the journal and tests)."""

    at: datetime
    analysis: Analysis | None
    fired: tuple[Trigger, ...] = ()
    notified: tuple[Trigger, ...] = ()
    decision: Decision = Decision(DecisionKind.NONE)
    error: str | None = None
