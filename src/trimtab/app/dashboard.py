"""The dashboard's read model: live analysis from the venues, history and plans from the journal.

The page reads through this and acts through `app.approvals`, the same
path as `trimtab approve`: a plan is decided once, in the database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from trimtab.app.approvals import Approvals, Decision, Origin, propose, venues_from_record
from trimtab.app.heartbeat import WatchSeen, watch_seen
from trimtab.app.journal_history import History, journal_history
from trimtab.app.lots import planning_lots
from trimtab.app.read_model import Current, PageDecision, PlanView, Proposal
from trimtab.app.watching import recover
from trimtab.app.wiring import Options, VenueActions, open_actions
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.domain.tax.lots import Ledger
from trimtab.execution.executor import Progress
from trimtab.execution.states import WAITING, ApprovalOutcome, PlanStatus
from trimtab.journal.models import EventRow, NotificationRow, OrderRow, PlanRow
from trimtab.journal.opening import open_reader
from trimtab.journal.plan_record import RecordError, load_record
from trimtab.journal.store import Journal, JournalBusy, UnknownPlan

SNAPSHOT_TTL = 5.0  # seconds one venue read serves every tab and refresh


@dataclass
class SharedSnapshot:
    """One venue read per `ttl` seconds, whatever the number of tabs and refreshes.

    Every page view and 10-second refresh used to take its own snapshot:
    against a real exchange, rate limits and nonce clashes. Requests that
    arrive while a read is under way wait for it instead of reading again;
    a failed read is not kept.
    """

    take: Callable[[], Snapshot]
    ttl: float = SNAPSHOT_TTL
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _kept: tuple[float, Snapshot] | None = None

    def __call__(self) -> Snapshot:
        with self._lock:
            now = self.clock()
            if self._kept is None or now - self._kept[0] >= self.ttl:
                self._kept = (now, self.take())
            return self._kept[1]


@dataclass
class JournalSource:
    """Implements DashboardSource over a journal, a snapshot function and the approvals."""

    policy: Policy
    journal: Journal  # what the pages read: read-only in `trimtab serve` (open_dashboard)
    snapshot: Callable[[], Snapshot]
    approvals: Approvals  # every write (approve, reject; propose through `actions`)
    reports_dir: Path | None = None
    actions: VenueActions | None = None  # where a proposed plan's orders would go

    def current(self) -> Current:
        snap = self.snapshot()
        analysis = analyse(snap, self.policy)
        plan = make_plan(snap, self.policy, analysis, lots=self._lots())
        return Current(snap.as_of, analysis, plan)

    def _lots(self) -> Ledger | None:
        """The lots `check` and `rebalance` plan with: the page shows the same tax."""
        return planning_lots(self.policy, (), self.journal)

    def history(self, points: int = 400) -> History:
        return journal_history(self.journal, points)

    def watch_seen(self) -> WatchSeen | None:
        return watch_seen(self.journal)

    def can_propose(self) -> bool:
        return self.actions is not None

    def propose(self) -> Proposal:
        """Journal the plan the present calls for, as `trimtab watch` would propose it; a
        journal another process keeps locked is a refusal like the others (nothing is
        proposed: the plan is journaled by its last write)."""
        try:
            return self._propose()
        except JournalBusy as exc:
            return Proposal(None, str(exc))

    def _propose(self) -> Proposal:
        if self.actions is None:
            return Proposal(None, "this dashboard has no venues to plan on")
        snap = self.actions.snapshot()
        analysis = analyse(snap, self.policy)
        plan = make_plan(snap, self.policy, analysis, markets=self.actions.markets(),
                         lots=self._lots())
        if plan.refused:
            return Proposal(None, "; ".join(str(r) for r in plan.refused))
        if not plan.orders:
            return Proposal(None, "nothing to trade: every order would be skipped")
        plan_id = propose(self.actions, snap, analysis, plan)
        return Proposal(plan_id, f"plan {plan_id} proposed with {len(plan.orders)} order(s): "
                                 "approve or reject it below")

    def events(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.journal.session() as session:
            notes = session.scalars(select(NotificationRow)
                                    .order_by(NotificationRow.id.desc()).limit(limit)).all()
            events = session.scalars(select(EventRow).order_by(EventRow.id.desc())
                                     .limit(limit)).all()
            rows = [(n.at, _delivery(n), n.message.split("\n", 1)[0]) for n in notes]
            rows += [(e.at, e.kind, e.message) for e in events]
        rows.sort(key=lambda r: r[0], reverse=True)
        return [{"at": f"{at:%Y-%m-%d %H:%M}", "kind": kind, "detail": detail}
                for at, kind, detail in rows[:limit]]

    def plans(self, limit: int = 20) -> list[PlanView]:
        with self.journal.session() as session:
            plans = session.scalars(select(PlanRow).order_by(PlanRow.created_at.desc())
                                    .limit(limit)).all()
            return [self._view(p, session.scalars(select(OrderRow).where(
                OrderRow.plan_id == p.id).order_by(OrderRow.leg)).all()) for p in plans]

    def approve(self, plan_id: str) -> PageDecision:
        return self._as_left(self.approvals.approve(plan_id, Origin.DASHBOARD))

    def reject(self, plan_id: str) -> PageDecision:
        return self._as_left(self.approvals.reject(plan_id, Origin.DASHBOARD))

    def _as_left(self, decision: Decision) -> PageDecision:
        """The decision, and whether the status it left the plan in is one an approval
        may claim (WAITING), read back from the journal: the one rule, not the outcome."""
        try:
            approvable = PlanStatus(self.journal.plan(decision.plan_id).status) in WAITING
        except (UnknownPlan, JournalBusy):
            # unread: only `busy` is known to leave the plan as the page showed it, waiting
            approvable = decision.outcome is ApprovalOutcome.BUSY
        return PageDecision(decision.plan_id, decision.outcome, decision.message, approvable)

    def reports(self) -> list[Path]:
        if self.reports_dir is None or not self.reports_dir.is_dir():
            return []
        # plotly.min.js: the one copy of plotly the folder's HTML reports load
        return sorted(p for p in self.reports_dir.iterdir()
                      if (p.suffix in {".html", ".png"} or p.name == "plotly.min.js")
                      and p.is_file())

    @staticmethod
    def _view(plan: PlanRow, orders: Any) -> PlanView:
        try:
            record = load_record(plan.id, plan.document)
            planned = [o.model_dump() for o in record.orders]
            document: dict[str, Any] = {"hedges": list(record.hedges), "totals": record.totals}
        except RecordError as exc:
            planned, document = [], {"hedges": [], "error": str(exc)}
        rows = [{"venue": o.venue, "symbol": o.symbol, "side": o.side, "amount": o.amount,
                 "notional": float(o.filled) * float(o.average) if o.average else None,
                 "fee": float(o.fee) if o.fee else None, "slippage": None,
                 "status": o.state, "filled": o.filled} for o in orders]
        return PlanView(plan.id, plan.created_at, PlanStatus(plan.status), document,
                        rows or planned, plan.reason)


def _delivery(note: NotificationRow) -> str:
    if note.delivered:
        return f"notified ({note.channel})"
    return "journaled only (no target)" if not note.channel else "notification failed"


def open_dashboard(options: Options, policy: Policy, journal: Journal, progress: Progress,
                   reports_dir: Path | None = None) -> JournalSource:
    """The dashboard's source over the venues in `options`; approvals reuse those venues.

    `journal` is the writer: approvals, proposals and the paper exchange's book write
    through it and take the write lock. The pages read through a read-only engine
    beside it (open_reader): a page load used to wait behind a trading writer for the
    busy timeout and then fail "database is locked".
    """
    actions = open_actions(options, policy, journal, progress)
    for problem in recover(actions):
        progress(f"unresolved: {problem}")
    opener = venues_from_record(journal, options.environ, progress, options.paper_spec,
                                held=actions, sandbox=options.sandbox)
    return JournalSource(policy, open_reader(journal), SharedSnapshot(actions.snapshot),
                         Approvals(journal, opener, policy), reports_dir, actions)
