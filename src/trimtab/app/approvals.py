"""Proposing, approving and rejecting plans: one path for watch, the CLI and the dashboard.

An approval needs nothing but the plan id and the journal: the plan's own
record names its venues, its paper prices, its wallet and its policy. The
decision is taken once, in the database (one conditional UPDATE moves the
plan to `approved`, under the venues' lease), so two clicks, two tabs or two
processes cannot both execute it. When its venues cannot be opened the plan ends `failed` with
the reason, and it can be approved again once that is fixed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from trimtab.app.inputs import InputError
from trimtab.app.journaling import journal_plan, new_plan_id, record_of
from trimtab.app.wiring import (
    DEFAULT_PAPER_PRICES,
    PAID_OUT,
    Options,
    VenueActions,
    open_actions,
)
from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.planning.planner import Plan
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.execution.executor import Progress
from trimtab.execution.lease import LeaseBusy
from trimtab.execution.states import ApprovalOutcome, PlanStatus
from trimtab.journal.plan_record import PlanRecord, RecordError, load_record
from trimtab.journal.store import (
    ContributionDate,
    Journal,
    JournalBusy,
    JournalError,
    UnknownPlan,
)
from trimtab.venues.errors import VenueError

log = logging.getLogger(__name__)


class Origin(StrEnum):
    """Where a decision came from, as the journal records it."""

    CLI = "the command line"
    DASHBOARD = "the dashboard"
    TELEGRAM = "Telegram"
    WATCH = "trimtab watch (mode auto)"


@dataclass(frozen=True)
class Decision:
    """What an approval or rejection did, in a few words."""

    plan_id: str
    outcome: ApprovalOutcome
    message: str


# How an approval ended, by the status its execution left the plan in.
ENDINGS = {PlanStatus.DONE: ApprovalOutcome.EXECUTED, PlanStatus.STOPPED: ApprovalOutcome.STOPPED,
           PlanStatus.FAILED: ApprovalOutcome.FAILED}

# Opens the venues a record names (a front end may hand back venues it already holds).
OpenVenues = Callable[[PlanRecord, Policy], VenueActions]


@dataclass
class Approvals:
    """Decisions on journaled plans."""

    journal: Journal
    open_venues: OpenVenues
    policy: Policy | None = None  # for records written before they held their policy
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    wait: float | None = None  # seconds to wait for the account (None: TRIMTAB_LEASE_WAIT)

    def approve(self, plan_id: str, origin: Origin) -> Decision:
        """Execute a waiting plan exactly once, however often and wherever it is asked.

        The plan is claimed under its venues' lease, after recovery: a
        second approver (another tab, the CLI) waits for the first and then
        finds the plan decided; another process trading on the account
        makes this one wait, then answer `busy`. So does a journal another
        process keeps locked for writing (JournalBusy) before the plan is
        claimed: nothing was written, the plan waits as it was.
        """
        try:
            return self._approve(plan_id, origin)
        except JournalBusy as exc:
            return Decision(plan_id, ApprovalOutcome.BUSY, str(exc))

    def _approve(self, plan_id: str, origin: Origin) -> Decision:
        """`approve`, letting JournalBusy met before the claim through (`_execute` keeps
        the one met after it)."""
        try:
            row = self.journal.plan(plan_id)
        except UnknownPlan:
            return Decision(plan_id, ApprovalOutcome.UNKNOWN_PLAN,
                            f"no plan {plan_id} in the journal")
        try:
            record = load_record(plan_id, row.document)
            policy = self._policy_of(record)
            expired = self._expired(plan_id, row.created_at, policy)
            if expired is not None:
                return expired
            actions = self.open_venues(record, policy)
        except JournalBusy:
            raise  # not the venues' fault: the plan must not end `failed` for it
        except (InputError, VenueError, JournalError, RecordError) as exc:
            return self._cannot_start(plan_id, origin, exc)
        try:
            with actions.exclusive(f"approval of plan {plan_id} from {origin}", self.wait):
                refused = self._claim(plan_id, PlanStatus.APPROVED, origin)
                if refused is not None:
                    return refused
                return self._execute(plan_id, record, actions)
        except LeaseBusy as exc:
            return Decision(plan_id, ApprovalOutcome.BUSY, str(exc))

    def _execute(self, plan_id: str, record: PlanRecord, actions: VenueActions) -> Decision:
        """Execute the plan this approval claimed, and say how it ended.

        Never `busy`: the plan is decided. A journal found locked from here on
        ends the execution (`_end_failed`).
        """
        try:
            execution = actions.execute(plan_id, record.to_orders())
            ended = PlanStatus(self.journal.plan(plan_id).status)
        except JournalBusy as exc:
            return self._end_failed(plan_id, f"could not start: {exc}; approve the plan again",
                                    exc)
        return Decision(plan_id, ENDINGS.get(ended, ApprovalOutcome.STOPPED),
                        execution.summary(len(record.orders)))

    def _end_failed(self, plan_id: str, reason: str, busy: JournalBusy | None = None
                    ) -> Decision:
        """End a claimed plan that did not start `failed` with `reason`, to be approved
        again, when no order of it was journaled (each is journaled before it is sent, so
        none went out), else `stopped`. `busy`: the lock its executor already met.

        Its venues could not be opened (`_cannot_start`), or a lock stopped the executor
        as it started: either used to leave the plan `approved` for good (recovery then
        marks it interrupted, never approvable). A lock met writing `failed` is met once
        more, as the executor's is; a journal still locked leaves the plan as it is, to
        that recovery. Whatever went out is in the journal and is reconciled when its
        venues are next taken.
        """
        try:
            failed = not self.journal.has_orders(plan_id) and self.journal.claim_plan(
                plan_id, PlanStatus.FAILED, reason) is None
        except JournalBusy as exc:
            if busy is None:
                return self._end_failed(plan_id, reason, exc)
            failed = False
        if not failed:
            return self._ran_to(plan_id, busy) or Decision(plan_id, ApprovalOutcome.STOPPED,
                            f"approved, then {busy or 'not started'}; the execution stopped "
                            "there: any order sent was journaled first and is reconciled "
                            f"when its venues are next taken (trimtab plan show {plan_id})")
        with suppress(JournalBusy):  # the plan's own reason says it already
            self.journal.event("approval_failed", reason, plan_id)
        return Decision(plan_id, ApprovalOutcome.FAILED, reason)

    def _ran_to(self, plan_id: str, busy: JournalBusy | None) -> Decision | None:
        """How the plan ended when its executor did end it (done, stopped, failed) before
        the lock was met: after the orders, a paper withdrawal's pay-out met it, and the next
        run that takes the venues pays it (VenueActions.pay_owed). None while it still runs
        (approved, executing) or when its status cannot be read."""
        try:
            ended = PlanStatus(self.journal.plan(plan_id).status)
        except JournalBusy:
            return None
        if ended not in ENDINGS:
            return None
        owed = (": a paper withdrawal still owed is paid out by the next run that takes its "
                "venues") if ended in PAID_OUT else ""
        return Decision(plan_id, ENDINGS[ended],
                        f"plan {plan_id} is {ended}; then {busy or 'the journal was busy'}{owed}")

    def _expired(self, plan_id: str, created_at: datetime, policy: Policy) -> Decision | None:
        """A plan older than max_plan_age was sized on old prices: expired, never executed.

        Its age runs from the time on the clock that made it: a plan a replay proposed is
        as old as the replayed day whose prices it carries.
        """
        age = (self.clock() - created_at).total_seconds()
        if age <= policy.max_plan_age:
            return None
        reason = (f"made at {created_at:%Y-%m-%d %H:%M} UTC, {_how_long(age)} ago, over "
                  f"max_plan_age ({policy.max_plan_age / 3600:g} h): its prices are as old; it "
                  "can only be planned again (the next check of trimtab watch, or trimtab "
                  "rebalance)")
        current = self.journal.claim_plan(plan_id, PlanStatus.EXPIRED, reason)
        if current is not None:
            return Decision(plan_id, ApprovalOutcome.ALREADY_DECIDED,
                            f"plan {plan_id} is {current}; it was decided before this request")
        return Decision(plan_id, ApprovalOutcome.EXPIRED, reason)

    def _cannot_start(self, plan_id: str, origin: Origin, exc: Exception) -> Decision:
        """Its venues cannot be opened: the plan ends `failed`, to be approved again later."""
        refused = self._claim(plan_id, PlanStatus.APPROVED, origin)
        if refused is not None:
            return refused
        return self._end_failed(plan_id,
                                f"could not start: {exc}; fix it and approve the plan again")

    def reject(self, plan_id: str, origin: Origin) -> Decision:
        """Mark a waiting plan rejected: it will never be executed (`busy`, and the plan
        waits as it was, while another process keeps the journal locked)."""
        try:
            refused = self._claim(plan_id, PlanStatus.REJECTED, origin)
        except JournalBusy as exc:
            return Decision(plan_id, ApprovalOutcome.BUSY, str(exc))
        return refused or Decision(plan_id, ApprovalOutcome.REJECTED,
                                   "the plan will not be executed")

    def _claim(self, plan_id: str, target: PlanStatus, origin: Origin) -> Decision | None:
        """Move the plan to `target` in one UPDATE; a Decision if that did not happen."""
        reason = f"{target} from {origin} at {self.clock():%Y-%m-%d %H:%M:%S} UTC"
        log.info("plan %s: %s requested from %s", plan_id, target, origin)
        try:
            current = self.journal.claim_plan(plan_id, target, reason)
        except UnknownPlan:
            return Decision(plan_id, ApprovalOutcome.UNKNOWN_PLAN,
                            f"no plan {plan_id} in the journal")
        if current is None:
            return None
        return Decision(plan_id, ApprovalOutcome.ALREADY_DECIDED,
                        f"plan {plan_id} is {current}; it was decided before this request")

    def _policy_of(self, record: PlanRecord) -> Policy:
        policy = record.to_policy() or self.policy
        if policy is None:
            raise InputError("the plan was journaled by an older trimtab without its policy: "
                             "approve it with --policy FILE")
        return policy


def _how_long(seconds: float) -> str:
    """An age in hours, or in days past two."""
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:,.0f} days"


def propose(actions: VenueActions, snapshot: Snapshot, analysis: Analysis, plan: Plan,
            made_at: datetime | None = None, dates: tuple[ContributionDate, ...] = ()) -> str:
    """Journal a plan as `proposed`; any plan still waiting is superseded by it.

    Only the newest plan may be approved: an older one was sized on older prices.
    `made_at`: the proposer's clock (a replay's), else now; `dates`: the contribution
    dates it invests (journal_plan).
    """
    plan_id = new_plan_id()
    journal_plan(actions.journal, plan_id, snapshot, analysis,
                 record_of(plan, actions.policy, actions),
                 PlanStatus.PROPOSED, [], plan.refused, made_at, dates)
    return plan_id


def venues_from_record(journal: Journal, environ: Mapping[str, str] | None = None,
                       progress: Progress = lambda _m: None,
                       paper_prices: str | None = None,
                       held: VenueActions | None = None, sandbox: bool = False) -> OpenVenues:
    """Open a record's venues: the ones `held` already has, else new ones by name.

    `paper_prices` overrides the record's paper price source (for records
    that do not name one). A plan made on the testnets (`--sandbox`) is
    executed there, never on the live account; `sandbox` sends any plan there.
    """
    def open_them(record: PlanRecord, policy: Policy) -> VenueActions:
        testnet = record.sandbox or sandbox
        if held is not None and set(record.venues) <= set(held.venues) and (
                held.sandbox == testnet):
            return held
        prices = paper_prices or record.paper_prices or DEFAULT_PAPER_PRICES
        options = Options(venues=record.venues, paper_prices=prices, environ=environ,
                          trading=True, sandbox=testnet)
        actions = open_actions(options, policy, journal, progress)
        actions.wallet = dict(record.holdings)
        return actions
    return open_them
