"""The dashboard's data: live analysis from the venues, history and plans from the journal.

Approval is decided once, in the database: the plan's status moves from
`proposed` to `approved` in a single conditional UPDATE, so two clicks, two
tabs or two servers cannot both execute it; only the request whose UPDATE
changed the row goes on to execute.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from trimtab.app.read_model import Current, Decision, PlanView
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.orders import Order
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.journal.models import EventRow, NotificationRow, OrderRow, PlanRow, WatchCheckRow
from trimtab.journal.store import Journal

Execute = Callable[[str, tuple[Order, ...]], str]


@dataclass
class JournalSource:
    """Implements DashboardSource over a journal, a snapshot function and an executor."""

    policy: Policy
    journal: Journal
    snapshot: Callable[[], Snapshot]
    execute: Execute
    reports_dir: Path | None = None

    def current(self) -> Current:
        snap = self.snapshot()
        analysis = analyse(snap, self.policy)
        return Current(snap.as_of, analysis, make_plan(snap, self.policy, analysis))

    def weight_history(self, limit: int = 500) -> list[tuple[datetime, dict[str, float]]]:
        with self.journal.session() as session:
            rows = session.execute(select(WatchCheckRow.at, WatchCheckRow.weights)
                                   .where(WatchCheckRow.ok).order_by(WatchCheckRow.id.desc())
                                   .limit(limit)).all()
        return [(_aware(at), json.loads(weights)) for at, weights in reversed(rows) if weights]

    def events(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.journal.session() as session:
            notes = session.scalars(select(NotificationRow)
                                    .order_by(NotificationRow.id.desc()).limit(limit)).all()
            events = session.scalars(select(EventRow).order_by(EventRow.id.desc())
                                     .limit(limit)).all()
            rows = [(_aware(n.at), _delivery(n), n.message.split("\n", 1)[0]) for n in notes]
            rows += [(_aware(e.at), e.kind, e.message) for e in events]
        rows.sort(key=lambda r: r[0], reverse=True)
        return [{"at": f"{at:%Y-%m-%d %H:%M}", "kind": kind, "detail": detail}
                for at, kind, detail in rows[:limit]]

    def plans(self, limit: int = 20) -> list[PlanView]:
        with self.journal.session() as session:
            plans = session.scalars(select(PlanRow).order_by(PlanRow.created_at.desc())
                                    .limit(limit)).all()
            return [self._view(p, session.scalars(select(OrderRow).where(
                OrderRow.plan_id == p.id).order_by(OrderRow.leg)).all()) for p in plans]

    def approve(self, plan_id: str) -> Decision:
        claimed = self._claim(plan_id, "approved")
        if claimed is not None:
            return claimed
        document = self._document(plan_id)
        orders = tuple(Order(**o) for o in document.get("orders", []))
        try:
            message = self.execute(plan_id, orders)
        except Exception as exc:  # the page must say what happened; the journal has the rest
            self.journal.event("approval-failed", f"{type(exc).__name__}: {exc}", plan_id)
            return Decision(plan_id, "failed", f"{type(exc).__name__}: {exc}")
        # the executor says "stopped ..." when a guard (price moved, kill switch, cap) ended it
        return Decision(plan_id, "stopped" if message.startswith("stopped") else "executed",
                        message)

    def reject(self, plan_id: str) -> Decision:
        return self._claim(plan_id, "rejected") or Decision(plan_id, "rejected",
                                                            "the plan will not be executed")

    def reports(self) -> list[Path]:
        if self.reports_dir is None or not self.reports_dir.is_dir():
            return []
        return sorted(p for p in self.reports_dir.iterdir()
                      if p.suffix in {".html", ".png"} and p.is_file())

    def _claim(self, plan_id: str, status: str) -> Decision | None:
        """Move proposed → status in one UPDATE; a Decision if that did not happen."""
        with self.journal.session() as session:
            result = cast(CursorResult[Any], session.execute(update(PlanRow).where(
                PlanRow.id == plan_id, PlanRow.status == "proposed").values(
                status=status, reason=f"{status} on the dashboard at "
                f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")))
            changed = result.rowcount
            current = session.get(PlanRow, plan_id)
        if changed == 1:
            return None
        if current is None:
            return Decision(plan_id, "unknown-plan", f"no plan {plan_id} in the journal")
        return Decision(plan_id, "already-decided", f"plan {plan_id} is {current.status}; "
                        "it was decided before this request")

    def _document(self, plan_id: str) -> dict[str, Any]:
        with self.journal.session() as session:
            document: dict[str, Any] = json.loads(session.get_one(PlanRow, plan_id).document)
        return document

    @staticmethod
    def _view(plan: PlanRow, orders: Any) -> PlanView:
        document = json.loads(plan.document)
        rows = [{"venue": o.venue, "symbol": o.symbol, "side": o.side, "amount": o.amount,
                 "notional": float(o.filled) * float(o.average) if o.average else None,
                 "fee": float(o.fee) if o.fee else None, "slippage": None,
                 "status": o.state, "filled": o.filled} for o in orders]
        return PlanView(plan.id, _aware(plan.created_at), plan.status, document,
                        rows or document.get("orders", []), plan.reason)


def _delivery(note: NotificationRow) -> str:
    if note.delivered:
        return f"notified ({note.channel})"
    return "journaled only (no target)" if not note.channel else "notification failed"


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
