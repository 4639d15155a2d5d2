"""Wiring `trimtab watch` and `trimtab serve` to the venues and the journal.

`VenueActions` is the watch loop's hands on real or paper venues: it takes
snapshots, journals proposed plans for confirmation, and executes plans
through the same Executor as `trimtab rebalance` (client order ids,
intents before sends, reconciliation), so an order placed from the watch
loop or the dashboard is exactly as safe as one placed from the CLI.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import update

from trimtab.app.rebalance import Options, journal_plan, open_venues, read_wallet
from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.planning.orders import MarketRule, Order
from trimtab.domain.planning.planner import Plan
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.execution.executor import Executor, Progress
from trimtab.journal.models import PlanRow
from trimtab.journal.store import Journal
from trimtab.venues.port import Venue
from trimtab.venues.retry import Backoff
from trimtab.venues.snapshots import market_rules, take_snapshot


@dataclass
class VenueActions:
    """Snapshots from the venues, plans into the journal, orders through the Executor."""

    policy: Policy
    journal: Journal
    venues: Mapping[str, Venue]
    backoff: Backoff
    wallet: Mapping[str, float] = field(default_factory=dict)
    environ: Mapping[str, str] | None = None
    progress: Progress = lambda _message: None

    def snapshot(self) -> Snapshot:
        return take_snapshot(list(self.venues.values()), self.policy.quote,
                             set(self.policy.asset_targets()), self.backoff, self.wallet)

    def markets(self) -> dict[tuple[str, str], MarketRule]:
        return market_rules(list(self.venues.values()), self.backoff)

    def propose(self, snapshot: Snapshot, analysis: Analysis, plan: Plan) -> str:
        """Journal the plan as `proposed`: it waits for `trimtab approve` or the dashboard.

        A plan still waiting from an earlier check is marked `superseded`: it
        was sized on older prices, and only the newest plan may be approved.
        """
        plan_id = uuid.uuid4().hex[:12]
        with self.journal.session() as session:
            session.execute(update(PlanRow).where(PlanRow.status == "proposed").values(
                status="superseded", reason=f"superseded by plan {plan_id}"))
        journal_plan(self.journal, plan_id, snapshot, analysis, plan, False, [], "proposed")
        return plan_id

    def execute(self, snapshot: Snapshot, analysis: Analysis, plan: Plan) -> str:
        """Journal and execute at once (mode auto)."""
        plan_id = uuid.uuid4().hex[:12]
        journal_plan(self.journal, plan_id, snapshot, analysis, plan, False, [])
        return f"{plan_id} ({self.execute_plan(plan_id, plan.orders)})"

    def execute_plan(self, plan_id: str, orders: tuple[Order, ...]) -> str:
        """Send a journaled plan's orders; the outcome in a few words."""
        executor = Executor(self.journal, self.venues, self.policy, self.backoff,
                            self.environ, self.progress)
        execution = executor.run(plan_id, orders)
        filled = sum(1 for o in execution.orders if o.status == "filled")
        if execution.stop is not None:
            return (f"stopped after {filled} of {len(orders)} orders: "
                    f"{execution.stop.code}: {execution.stop.message}")
        return f"{filled} of {len(orders)} orders filled"


def open_actions(options: Options, policy: Policy, journal: Journal,
                 progress: Progress = lambda _message: None) -> VenueActions:
    """The venues named in `options`, opened (a new paper account funded) and wrapped."""
    venues = open_venues(options, policy, journal, progress)
    return VenueActions(policy, journal, venues,
                        Backoff(attempts=policy.execution.read_attempts),
                        read_wallet(options.holdings), options.environ, progress)
