"""The watch loop's hands: snapshots from the venues, plans into the journal, orders out.

`trimtab watch` proposes through the same approvals path as every front
end and executes (mode auto) through the same Executor as `trimtab
rebalance`. `recover` runs first in every process that may execute, so a
plan left `executing` by a killed process is marked interrupted and its
half-sent orders are looked up before anything new is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trimtab.app.approvals import propose
from trimtab.app.journaling import journal_plan, new_plan_id
from trimtab.app.rebalance import record_of
from trimtab.app.wiring import VenueActions
from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.planning.orders import MarketRule
from trimtab.domain.planning.planner import Plan
from trimtab.domain.snapshot import Snapshot
from trimtab.execution.reconcile import Reconciler
from trimtab.execution.states import PlanStatus


@dataclass
class WatchActions:
    """Implements `trimtab.watch.loop.Actions` over open venues and the journal."""

    actions: VenueActions

    def snapshot(self) -> Snapshot:
        return self.actions.snapshot()

    def markets(self) -> Mapping[tuple[str, str], MarketRule]:
        return self.actions.markets()

    def propose(self, snapshot: Snapshot, analysis: Analysis, plan: Plan) -> str:
        return propose(self.actions, snapshot, analysis, plan)

    def execute(self, snapshot: Snapshot, analysis: Analysis, plan: Plan) -> tuple[str, str]:
        plan_id = new_plan_id()
        journal_plan(self.actions.journal, plan_id, snapshot, analysis,
                     record_of(plan, self.actions.policy, self.actions), PlanStatus.PLANNED, [],
                     plan.refused)
        execution = self.actions.execute(plan_id, plan.orders)
        return plan_id, execution.summary(len(plan.orders))


def recover(actions: VenueActions) -> list[str]:
    """Plans a dead process left running are interrupted; unfinished orders are looked up.

    Returns what still forbids trading (orders whose fate is unknown,
    trimtab orders this journal does not know); the executor re-checks
    before every order, so trading waits until those are resolved.
    """
    interrupted = actions.journal.interrupt_running()
    for plan_id in interrupted:
        actions.progress(f"plan {plan_id} was left executing by a process that ended: "
                         "marked interrupted; its orders are reconciled")
    return Reconciler(actions.journal, actions.venues, actions.backoff).unresolved(at_start=True)
