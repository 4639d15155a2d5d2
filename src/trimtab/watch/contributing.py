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
from dataclasses import dataclass
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
)
from trimtab.domain.planning.orders import MarketRule
from trimtab.domain.planning.planner import Plan, make_plan
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pending:
    """A journaled contribution date not planned yet."""

    key: str
    at: datetime
    amount: float
    waiting: bool  # already said to be waiting for its cash


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

    def note(self, claimed: Sequence[Pending], decision: str, plan_id: str | None) -> None:
        """What the plan made of the claimed dates became."""
        ...


class Funds(Protocol):
    """The loop's hands, as a contribution needs them."""

    def snapshot(self) -> Snapshot: ...

    def markets(self) -> Mapping[tuple[str, str], MarketRule]: ...

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
             rebalance: bool) -> Step | None:
        """Plan the open dates; None when none is open (or another process took them)."""
        keys = {c.key for c in self.policy.contributions}
        dues = due_contributions(self.policy.contributions, since, now)
        pending = self.book.pending(dues, keys)
        if not pending:
            return None
        amount = sum(p.amount for p in pending)
        quote = self.policy.quote
        try:
            if amount > 0 and not self.funds.simulated_deposits:  # real money: is it there?
                before_deposit(snapshot, quote, amount)
        except CashMissing as exc:
            return self._waiting(pending, amount, str(exc))
        claimed = self.book.claim(pending)
        if not claimed:
            return None
        return self._plan(claimed, snapshot, rebalance)

    def _waiting(self, pending: tuple[Pending, ...], amount: float, problem: str) -> Step:
        fresh = [p for p in pending if not p.waiting]
        self.book.wait(fresh, problem)
        if not fresh:
            return Step(())
        what = f"{problem}; deposit it and the next check plans it"
        log.warning("contribution waits for its cash: %s", what)
        return Step((contribution_trigger([p.at for p in pending], amount, self.policy.quote,
                                          what),))

    def _plan(self, claimed: tuple[Pending, ...], snapshot: Snapshot, rebalance: bool) -> Step:
        amount = sum(p.amount for p in claimed)
        quote = self.policy.quote
        if amount > 0 and self.funds.simulated_deposits:
            self.funds.deposit(quote, amount)
            snapshot = self.funds.snapshot()  # the paper account, credited
        before = before_deposit(snapshot, quote, amount) if amount > 0 else snapshot
        analysis = analyse(before, self.policy)
        plan = make_plan(before, self.policy, analysis, rebalance=True if rebalance else None,
                         markets=self.funds.markets(), cash_flow=amount)
        trigger = contribution_trigger([p.at for p in claimed], amount, quote, "planned")
        return Step((trigger,), claimed, before, analysis, plan)
