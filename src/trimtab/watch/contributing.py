"""Recurring contributions in `trimtab watch`: each due date becomes one deposit plan.

A date is journaled when it falls due; a check plans every open date at once
through the planner's cash flow (the path of `rebalance --deposit`), after
claiming them in the journal, so that a restart or a second watcher never
plans a date twice. A deposit that is not on a venue yet waits, said once,
and is planned at the first check that finds it; the paper exchange has no
real deposits, so there the contribution is credited when it is claimed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from trimtab.domain.analysis.drift import Analysis, analyse
from trimtab.domain.analysis.triggers import Trigger
from trimtab.domain.contributions import (
    CashMissing,
    Due,
    before_deposit,
    contribution_trigger,
    due_contributions,
    last_dates,
)
from trimtab.domain.planning.orders import MarketRule
from trimtab.domain.planning.planner import Plan, make_plan
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.domain.tax.lots import Ledger
from trimtab.execution.states import ContributionStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pending:
    """A journaled contribution date not planned yet (or claimed by this check)."""

    key: str
    at: datetime
    amount: float
    status: ContributionStatus  # as found: due, waiting for its cash, or failed before
    detail: str = ""  # why it waits or failed

    @property
    def waiting(self) -> bool:
        """Already said to be waiting for its cash."""
        return self.status is ContributionStatus.WAITING_CASH

    @property
    def credited(self) -> bool:
        """Its plan failed after its cash was found (the paper exchange: credited) before."""
        return self.status is ContributionStatus.FAILED


class ContributionBook(Protocol):
    """Where the dates are journaled (watch.history.WatchLog)."""

    def pending(self, dues: Sequence[Due], keys: Collection[str]) -> tuple[Pending, ...]:
        """Journal `dues` (each once) and return every open date of the contributions `keys`."""
        ...

    def wait(self, pending: Sequence[Pending], detail: str) -> None:
        """Mark the dates as waiting for their cash."""
        ...

    def claim(self, pending: Sequence[Pending]) -> tuple[Pending, ...]:
        """Mark the dates planned; only those this call changed (another may have taken some)."""
        ...

    def fail(self, claimed: Sequence[Pending], reason: str, credited: bool) -> None:
        """No plan came of the claimed dates: failed (retried), or, when the paper exchange
        had not credited them yet, back to what they were."""
        ...

    def skip(self, dues: Sequence[Due], detail: str) -> tuple[Due, ...]:
        """Journal `dues` as skipped; those not journaled before (said once)."""
        ...

    def note(self, claimed: Sequence[Pending], decision: str, plan_id: str | None) -> None:
        """What the plan made of the claimed dates became."""
        ...


class Funds(Protocol):
    """The loop's hands, as a contribution needs them."""

    def snapshot(self) -> Snapshot: ...

    def markets(self) -> Mapping[tuple[str, str], MarketRule]: ...

    def lots(self) -> Ledger | None: ...

    @property
    def simulated_deposits(self) -> bool:
        """True on the paper exchange, whose account `deposit` credits."""
        ...

    def deposit(self, quote: str, amount: float) -> None:
        """Credit the paper account (only called where deposits are simulated)."""
        ...


@dataclass(frozen=True, slots=True)
class Step:
    """What the contributions made of one check: a plan to act on, or only a notice."""

    triggers: tuple[Trigger, ...]
    claimed: tuple[Pending, ...] = ()
    snapshot: Snapshot | None = None
    analysis: Analysis | None = None
    plan: Plan | None = None


@dataclass
class Contributing:
    policy: Policy
    book: ContributionBook
    funds: Funds

    def step(self, snapshot: Snapshot, since: datetime, now: datetime,
             rebalance: bool, first: bool = False) -> Step | None:
        """Plan the open dates; None when none is open (or another process took them).

        On the journal's first check (`first`), the dates already past are
        journaled as skipped and said once: watch plans only what falls due
        while it runs, never a past it did not see.
        """
        skipped = self._skip(now) if first else ()
        keys = {c.key for c in self.policy.contributions}
        dues = due_contributions(self.policy.contributions, since, now)
        pending = self.book.pending(dues, keys)
        amount = sum(p.amount for p in pending)
        quote = self.policy.quote
        try:
            if pending and amount > 0 and not self.funds.simulated_deposits:  # is it there?
                before_deposit(snapshot, quote, amount)
        except CashMissing as exc:
            return self._waiting(pending, amount, str(exc), skipped)
        claimed = self.book.claim(pending) if pending else ()
        if not claimed:
            return Step(skipped) if skipped else None
        step = self._plan(claimed, snapshot, rebalance)
        return replace(step, triggers=skipped + step.triggers)

    def _skip(self, now: datetime) -> tuple[Trigger, ...]:
        """The latest date of each contribution before the first check: skipped, said once."""
        fresh = self.book.skip(last_dates(self.policy.contributions, now), SKIPPED)
        for due in fresh:
            log.warning("contribution due %s skipped: %s", due.at.isoformat(), SKIPPED)
        return tuple(contribution_trigger([d.at], d.amount, self.policy.quote,
                                          f"skipped: {SKIPPED}") for d in fresh)

    def _waiting(self, pending: tuple[Pending, ...], amount: float, problem: str,
                 skipped: tuple[Trigger, ...]) -> Step:
        fresh = [p for p in pending if not p.waiting]
        self.book.wait(fresh, problem)
        if not fresh:
            return Step(skipped)
        what = f"{problem}; deposit it and the next check plans it"
        log.warning("contribution waits for its cash: %s", what)
        waits = contribution_trigger([p.at for p in pending], amount, self.policy.quote, what)
        return Step((*skipped, waits))

    def _plan(self, claimed: tuple[Pending, ...], snapshot: Snapshot, rebalance: bool) -> Step:
        """The deposit plan; a failure on the way hands the dates back (book.fail) and raises."""
        amount = sum(p.amount for p in claimed)
        quote = self.policy.quote
        credited = not self.funds.simulated_deposits  # a real venue's cash was found there
        try:
            if not credited:
                snapshot = self._credit(claimed)
                credited = True
            before = before_deposit(snapshot, quote, amount) if amount > 0 else snapshot
            analysis = analyse(before, self.policy)
            plan = make_plan(before, self.policy, analysis,
                             rebalance=True if rebalance else None,
                             markets=self.funds.markets(), cash_flow=amount,
                             lots=self.funds.lots())
        except Exception as exc:
            self.book.fail(claimed, failure(exc), credited)
            log.warning("contribution not planned, retried at the next check: %s", failure(exc))
            raise
        trigger = contribution_trigger([p.at for p in claimed], amount, quote, "planned")
        return Step((trigger,), claimed, before, analysis, plan)

    def _credit(self, claimed: tuple[Pending, ...]) -> Snapshot:
        """The paper account, credited with the dates not credited before."""
        fresh = sum(p.amount for p in claimed if not p.credited)
        if fresh > 0:
            self.funds.deposit(self.policy.quote, fresh)
        return self.funds.snapshot()


SKIPPED = ("it fell before this journal's first check, and watch plans only the dates after "
           "that; if that cash is not invested yet, `trimtab rebalance --deposit` plans it")


def failure(exc: Exception) -> str:
    """How a failed plan is said, in the journal and the log."""
    return f"{type(exc).__name__}: {exc}"
