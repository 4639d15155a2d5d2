"""What the dashboard shows and does, behind one interface.

The web layer only renders and routes; everything it shows comes from a
`DashboardSource` (the journal and the venues in `trimtab serve`), and the
one thing it does, approving or rejecting a plan, is the source's job too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.planning.planner import Plan
from trimtab.execution.states import WAITING, ApprovalOutcome, PlanStatus

# Re-exported for the web layer, which may not import the journal: what a source's read
# raises when another process keeps the journal locked for writing past the busy timeout
# (the paper exchange's snapshot reads through the writer); the page answers it 503.
from trimtab.journal.store import JournalBusy as JournalBusy

if TYPE_CHECKING:
    from trimtab.app.heartbeat import WatchSeen
    from trimtab.app.journal_history import History


@dataclass(frozen=True)
class Current:
    """The latest check: its time, analysis and plan."""

    as_of: datetime
    analysis: Analysis
    plan: Plan


@dataclass(frozen=True)
class PlanView:
    """A journaled plan as the page lists it."""

    id: str
    created_at: datetime
    status: PlanStatus
    document: dict[str, Any]
    orders: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None

    @property
    def waiting(self) -> bool:
        return self.status in WAITING


@dataclass(frozen=True)
class PageDecision:
    """An approval's or a rejection's answer to the page, with whether the plan may be
    approved again.

    `approvable`: the plan's status after the decision is one an approval may claim
    (execution.states.WAITING): nothing was decided (busy), or it failed before anything
    was sent. The page keeps Approve/Reject enabled by this answer rather than by a list
    of outcomes of its own, which used to disable them after a `failed` until a reload.
    """

    plan_id: str
    outcome: ApprovalOutcome
    message: str
    approvable: bool


@dataclass(frozen=True)
class Proposal:
    """What the page's Propose button did: a plan journaled as `proposed`, or why not."""

    plan_id: str | None
    message: str


class DashboardSource(Protocol):
    """What the page reads and does; a read may raise JournalBusy (one line: try again)."""

    def current(self) -> Current: ...

    def history(self, points: int = 400) -> History: ...

    def watch_seen(self) -> WatchSeen | None: ...

    def can_propose(self) -> bool: ...

    def propose(self) -> Proposal: ...

    def events(self, limit: int = 50) -> list[dict[str, Any]]: ...

    def plans(self, limit: int = 20) -> list[PlanView]: ...

    def approve(self, plan_id: str) -> PageDecision: ...

    def reject(self, plan_id: str) -> PageDecision: ...

    def reports(self) -> list[Path]: ...
