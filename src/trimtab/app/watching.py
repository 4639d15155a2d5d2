"""The watch loop's hands: snapshots from the venues, plans into the journal, orders out.

`trimtab watch` proposes through the same approvals path as every front
end and executes (mode auto) through the same Executor as `trimtab
rebalance`. `recover` runs first in every process that may execute, and in
mode auto every check that may trade holds the venues' lease from its
snapshot to its last order, recovering first: a plan left `executing` by a
killed process is marked interrupted and its half-sent orders are looked
up before anything new is planned or sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from trimtab.app.approvals import propose
from trimtab.app.journaling import journal_plan, new_plan_id, record_of
from trimtab.app.lots import planning_lots
from trimtab.app.wiring import VenueActions
from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.planning.orders import MarketRule
from trimtab.domain.planning.planner import Plan
from trimtab.domain.snapshot import Snapshot
from trimtab.domain.tax.lots import Ledger
from trimtab.execution.lease import LeaseBusy
from trimtab.execution.states import PlanStatus
from trimtab.journal.store import ContributionDate

START_WAIT = 10.0  # seconds a starting process waits for the account before it goes on


@dataclass
class WatchActions:
    """Implements `trimtab.watch.loop.Actions` over open venues and the journal.

    `clock` is the watch's (a replay's jumps): a plan is journaled as made at its time.
    """

    actions: VenueActions
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def snapshot(self) -> Snapshot:
        return self.actions.snapshot()

    def markets(self) -> Mapping[tuple[str, str], MarketRule]:
        return self.actions.markets()

    def lots(self) -> Ledger | None:
        """The policy's `[tax] trades` and this journal's fills, as `check` and `rebalance`
        read them (`app.lots`)."""
        return planning_lots(self.actions.policy, (), self.actions.journal)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """One check's hold on the account: the lease and recovery in mode auto.

        The snapshot a plan is sized from must be taken under the lease, or
        two processes would both trade the same drift. LeaseBusy when another
        process keeps the account past the wait.
        """
        if self.actions.policy.mode != "auto":
            yield
            return
        with self.actions.exclusive("trimtab watch (mode auto)"):
            yield

    def propose(self, snapshot: Snapshot, analysis: Analysis, plan: Plan,
                dates: tuple[ContributionDate, ...] = ()) -> str:
        return propose(self.actions, snapshot, analysis, plan, self.clock(), dates)

    @property
    def simulated_deposits(self) -> bool:
        return self.actions.paper() is not None

    def transfer(self, quote: str, amount: float, reference: str) -> None:
        """A contribution on the paper exchange: credited (or paid out) once per `reference`
        (its date)."""
        paper = self.actions.paper()
        if paper is None:
            raise ValueError("only a paper account can be credited a contribution")
        paper.transfer(quote, amount, reference)

    def execute(self, snapshot: Snapshot, analysis: Analysis, plan: Plan,
                dates: tuple[ContributionDate, ...] = ()) -> tuple[str, str]:
        plan_id = new_plan_id()
        journal_plan(self.actions.journal, plan_id, snapshot, analysis,
                     record_of(plan, self.actions.policy, self.actions), PlanStatus.PLANNED, [],
                     plan.refused, self.clock(), dates)
        execution = self.actions.execute(plan_id, plan.orders)
        return plan_id, execution.summary(len(plan.orders))


def recover(actions: VenueActions, wait: float = START_WAIT) -> list[str]:
    """At start-up: take the account, recover, give it back; what still forbids trading.

    When another live process holds the account it is that process's to
    recover (it did when it took the lease): this one says so and goes on.
    """
    try:
        with actions.exclusive("start-up recovery", wait) as problems:
            return problems
    except LeaseBusy as exc:
        return [f"not reconciled at start: {exc}"]  # its holder reconciled when it took it
