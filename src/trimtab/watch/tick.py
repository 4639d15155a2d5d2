"""What one check of the watch loop saw and decided: typed, for the journal and the screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.analysis.triggers import Trigger
from trimtab.execution.states import WatchDecision


@dataclass(frozen=True, slots=True)
class Decision:
    """A check's decision, with the plan it made and a few words of detail."""

    kind: WatchDecision
    plan_id: str | None = None
    detail: str = ""

    @property
    def failed(self) -> bool:
        """The check could not do its work: `watch --once` exits non-zero."""
        return self.kind in (WatchDecision.OUTAGE, WatchDecision.BUSY, WatchDecision.ERROR)

    @property
    def acted(self) -> bool:
        """Worth a line of its own on screen: anything but a quiet check or an outage."""
        return self.kind not in (WatchDecision.NONE, WatchDecision.OUTAGE)

    def next_step(self) -> str | None:
        """What a notification tells the user to do next: a command that works as printed."""
        if self.kind is WatchDecision.PROPOSED:
            return (f"Plan {self.plan_id} waits for confirmation: trimtab approve {self.plan_id}"
                    ", or approve it on the dashboard (trimtab serve).")
        if self.kind is WatchDecision.EXECUTED:
            return f"Plan {self.plan_id} was executed (mode auto): {self.detail}."
        return None

    def __str__(self) -> str:
        if self.kind is WatchDecision.PROPOSED:
            return f"proposed {self.plan_id}"
        if self.kind is WatchDecision.EXECUTED:
            return f"executed {self.plan_id} ({self.detail})"
        if self.kind in (WatchDecision.REFUSED, WatchDecision.OUTAGE, WatchDecision.BUSY,
                         WatchDecision.ERROR, WatchDecision.SNAPSHOT_PROBLEM):
            return f"{self.kind}: {self.detail}"
        return str(self.kind)


@dataclass
class TickReport:
    """What one tick saw and did (for the status line, the journal and tests)."""

    at: datetime
    analysis: Analysis | None
    fired: tuple[Trigger, ...] = ()
    notified: tuple[Trigger, ...] = ()
    decision: Decision = Decision(WatchDecision.NONE)
    error: str | None = None
