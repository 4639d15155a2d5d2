"""Recurring contributions in `trimtab watch`: each due date becomes one deposit plan.

A date is journaled when it falls due; a check plans every open date at once
through the planner's cash flow (the path of `rebalance --deposit`). The
dates are taken in the transaction that journals their plan (journal.store),
so that a restart, a crash at any point or a second watcher never plans a date
twice nor leaves it in no plan. A plan that took dates but sent nothing and
can no longer run (its process died before executing it, or its execution
failed before any order) is released at the next check and its dates planned
again. A deposit that is not on a venue yet waits, said once, and is planned at
the first check that finds it; the paper exchange has no real deposits, so
there each date's amount is credited when it is planned, once per date.
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
from trimtab.journal.store import ContributionDate

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pending:
    """A journaled contribution date not planned yet."""

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
    def date(self) -> ContributionDate:
        """The date as the journal keys it (taken with its plan)."""
        return self.key, self.at

    @property
    def reference(self) -> str:
        """What the paper exchange credits its amount under (once)."""
        return f"contribution {self.key} due {self.at.isoformat()}"


class ContributionBook(Protocol):
    """Where the dates are journaled (watch.history.WatchLog)."""

    def pending(self, dues: Sequence[Due], keys: Collection[str]) -> tuple[Pending, ...]:
        """Journal `dues` (each once) and return every open date of the contributions `keys`."""
        ...

    def release(self, keys: Collection[str]) -> list[str]:
        """Release the plans of `keys`' dates that sent nothing and can no longer run; their
        ids (journal.store.release_stranded)."""
        ...

    def wait(self, pending: Sequence[Pending], detail: str) -> None:
        """Mark the dates as waiting for their cash."""
        ...

    def fail(self, pending: Sequence[Pending], reason: str) -> None:
        """No plan took the dates: those still open are failed (retried), with the reason."""
        ...

    def close(self, pending: Sequence[Pending], decision: str) -> None:
        """Their plan has nothing to send (mode alert, or nothing to trade): planned, with no
        plan to hold them, so they are not planned again."""
        ...

    def skip(self, dues: Sequence[Due], detail: str) -> tuple[Due, ...]:
        """Journal `dues` as skipped; those not journaled before (said once)."""
        ...

    def note(self, pending: Sequence[Pending], decision: str, plan_id: str) -> None:
        """What became of the plan that took the dates."""
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

    def transfer(self, quote: str, amount: float, reference: str) -> None:
        """Credit (or, negative, pay out of) the paper account once per `reference` (only
        where deposits are simulated)."""
        ...


@dataclass(frozen=True, slots=True)
class Step:
    """What the contributions made of one check: a plan to act on, or only a notice."""

    triggers: tuple[Trigger, ...]
    pending: tuple[Pending, ...] = ()
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
        """Plan the open dates; None when none is open.

        On the journal's first check (`first`), the dates already past are
        journaled as skipped and said once: watch plans only what falls due
        while it runs, never a past it did not see.
        """
        skipped = self._skip(now) if first else ()
        keys = {c.key for c in self.policy.contributions}
        for plan_id in self.book.release(keys):
            log.warning("contribution plan %s sent nothing and cannot run: its dates are "
                        "planned again", plan_id)
        dues = due_contributions(self.policy.contributions, since, now)
        pending = self.book.pending(dues, keys)
        if not pending:
            return Step(skipped) if skipped else None
        amount = sum(p.amount for p in pending)
        try:
            if amount > 0 and not self.funds.simulated_deposits:  # is it there?
                before_deposit(snapshot, self.policy.quote, amount)
        except CashMissing as exc:
            return self._waiting(pending, amount, str(exc), skipped)
        step = self._plan(pending, snapshot, rebalance)
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

    def _plan(self, pending: tuple[Pending, ...], snapshot: Snapshot, rebalance: bool
              ) -> Step:
        """The deposit plan; a failure on the way fails the dates (retried) and raises."""
        amount = sum(p.amount for p in pending)
        quote = self.policy.quote
        try:
            if self.funds.simulated_deposits:
                snapshot = self._credit(pending)
            before = before_deposit(snapshot, quote, amount) if amount > 0 else snapshot
            analysis = analyse(before, self.policy)
            plan = make_plan(before, self.policy, analysis,
                             rebalance=True if rebalance else None,
                             markets=self.funds.markets(), cash_flow=amount,
                             lots=self.funds.lots())
        except Exception as exc:
            self.book.fail(pending, failure(exc))
            log.warning("contribution not planned, retried at the next check: %s", failure(exc))
            raise
        trigger = contribution_trigger([p.at for p in pending], amount, quote, "planned")
        return Step((trigger,), pending, before, analysis, plan)

    def pay_out(self, pending: Sequence[Pending]) -> None:
        """Withdrawal dates whose plan had nothing to sell (the quote held them): on the
        paper exchange the money leaves now, once per date (a plan that sold pays out
        after its orders ran: app.wiring.VenueActions.pay_owed)."""
        if self.funds.simulated_deposits:
            for p in pending:
                if p.amount < 0:
                    self.funds.transfer(self.policy.quote, p.amount, p.reference)

    def _credit(self, pending: tuple[Pending, ...]) -> Snapshot:
        """The paper account, credited with each deposit date once (a retry credits none)."""
        for p in pending:
            if p.amount > 0:
                self.funds.transfer(self.policy.quote, p.amount, p.reference)
        return self.funds.snapshot()


SKIPPED = ("it fell before this journal's first check, and watch plans only the dates after "
           "that; if that cash is not invested yet, `trimtab rebalance --deposit` plans it")


def failure(exc: Exception) -> str:
    """How a failed plan is said, in the journal and the log."""
    return f"{type(exc).__name__}: {exc}"
