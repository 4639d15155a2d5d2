"""The rebalance use case: snapshot → analysis → plan → (confirmation) → execution → after.

Front ends call `prepare`, show the plan, ask if they must, then `execute`
and `after`. Everything is journaled: the snapshot, the analysis, the plan
(its record and status), every order, and every reason execution stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from trimtab.app.inputs import InputError, load_policy
from trimtab.app.journaling import journal_plan, new_plan_id, record_of, start_status
from trimtab.app.lots import planning_lots
from trimtab.app.resume import remaining_legs
from trimtab.app.wiring import DEPOSIT, Options, VenueActions, open_actions
from trimtab.domain.analysis.drift import Analysis, SnapshotError, analyse
from trimtab.domain.contributions import CashMissing, before_deposit
from trimtab.domain.planning.planner import Plan, make_plan, with_tax
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.domain.tax.lots import Ledger
from trimtab.execution.executor import Progress
from trimtab.execution.outcome import Execution
from trimtab.execution.states import PlanStatus
from trimtab.journal.opening import open_journal
from trimtab.journal.store import Journal, JournalBusy, JournalError
from trimtab.reports.documents import check_document
from trimtab.venues.paper.venue import PaperVenue

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass
class Prepared:
    """A plan ready to confirm, with everything needed to execute it."""

    policy: Policy
    actions: VenueActions
    snapshot: Snapshot
    analysis: Analysis
    plan: Plan
    plan_id: str
    status: PlanStatus
    problems: list[str] = field(default_factory=list)

    @property
    def journal(self) -> Journal:
        return self.actions.journal


def prepare(options: Options, progress: Progress = lambda _m: None,
            cash_flow: float = 0.0, trades: Sequence[Path] = ()) -> Prepared:
    """Take the account, reconcile, snapshot, analyse and plan; journal all of it.

    The venues' lease is held from here until `release`: a second process
    on the same account waits (then refuses with LeaseBusy) instead of
    planning the same trades from the same snapshot.

    `cash_flow` > 0 is a deposit already on a venue (a paper account is credited
    with its plan, `_deposit`): it is planned as new money that buys underweight assets.
    `cash_flow` < 0 raises that much quote by selling overweight assets; the
    money stays on the venue for the user to withdraw (trimtab never does).

    The plan is made with the lots `check` plans with (`app.lots`): the
    policy's `[tax] trades`, `trades` and the journal's fills, read once the
    account is reconciled.
    """
    if options.policy is None:
        raise InputError("--policy: give the policy file (TOML)")
    policy = load_policy(options.policy)
    journal = open_or_fail(options.journal)
    actions = open_actions(options, policy, journal, progress)
    problems = actions.hold("trimtab rebalance")
    try:
        lots = planning_lots(policy, trades, journal)
        return _plan(options, policy, actions, problems, progress, cash_flow, lots)
    except BaseException:
        actions.let_go()
        raise


def _plan(options: Options, policy: Policy, actions: VenueActions, problems: list[str],
          progress: Progress, cash_flow: float, lots: Ledger | None) -> Prepared:
    journal = actions.journal
    paper = actions.paper()
    snapshot = actions.snapshot()
    if cash_flow > 0 and paper is None:  # on a paper account it is credited with the plan
        try:
            snapshot = before_deposit(snapshot, policy.quote, cash_flow)
        except CashMissing as exc:
            raise InputError(f"--deposit: {exc}; deposit it first, then rebalance") from None
    try:
        analysis = analyse(snapshot, policy)
    except SnapshotError as exc:
        raise InputError(f"snapshot from {', '.join(actions.venues)}: {exc}") from None
    if -cash_flow > analysis.spot_value:
        raise InputError(f"--withdraw: {-cash_flow:,.2f} is more than the spot value "
                         f"{analysis.spot_value:,.2f} {policy.quote}")
    plan = _resume_or_plan(journal, snapshot, analysis, policy, actions, progress, cash_flow,
                           lots)
    plan_id = new_plan_id()
    status = start_status(plan, problems, options.dry_run, policy.mode)
    deposit = _deposit(paper, policy.quote, plan, plan_id, status)
    journal_plan(journal, plan_id, snapshot, analysis, record_of(plan, policy, actions),
                 status, problems, plan.refused, also=deposit)
    if deposit is not None and paper is not None:
        progress(f"{paper.name}: deposited {_deposited(plan):,.2f} {policy.quote}")
    if status is PlanStatus.NOTHING_TO_DO:  # the quote held the withdrawal: it leaves now
        actions.pay_owed()
    return Prepared(policy, actions, snapshot, analysis, plan, plan_id, status, problems)


def _deposit(paper: PaperVenue | None, quote: str, plan: Plan, plan_id: str,
             status: PlanStatus) -> Callable[[Session], None] | None:
    """A paper deposit's credit, made in the transaction that journals its plan; None when
    nothing is credited (the plan records no deposit, as one that resumes an unfinished
    plan's legs; a real venue; a dry run; a refused plan).

    It used to be credited before the plan was made: a process that died, or a plan
    that failed, between the two left the money credited and no record of it, and the
    rerun credited it again. Journaled together (reference DEPOSIT + the plan's id),
    the account holds a deposit exactly when a plan records it. The plan is made, as a
    dry run's, from the account before the deposit. A refused plan invests nothing and
    takes nothing: the run that plans it once the refusal is fixed credits it, once.
    """
    amount = _deposited(plan)
    if amount <= 0 or paper is None or status in (PlanStatus.DRY_RUN, PlanStatus.REFUSED):
        return None
    return lambda session: paper.credit_with(session, quote, amount, DEPOSIT + plan_id)


def _deposited(plan: Plan) -> float:
    """The new money the plan records (its positive cash flows)."""
    return sum(amount for _venue, amount in plan.cash_flows if amount > 0)


def _resume_or_plan(journal: Journal, snapshot: Snapshot, analysis: Analysis, policy: Policy,
                    actions: VenueActions, progress: Progress, cash_flow: float = 0.0,
                    lots: Ledger | None = None) -> Plan:
    """The legs an unfinished plan still owes (app.resume), else a new plan.

    A cash flow is planned only in a new plan: resumed legs finish the old one first.
    """
    resumes = journal.unfinished_plan()
    legs = remaining_legs(journal, resumes, snapshot, policy) if resumes else None
    if resumes and legs is not None and not analysis.stale_prices:
        progress(f"plan {resumes} did not finish: resuming its {len(legs)} remaining legs")
        if cash_flow:  # nothing of it is moved (a paper account credits what a plan records)
            progress(f"--deposit/--withdraw of {abs(cash_flow):,.2f} {policy.quote} not "
                     "planned: the unfinished plan comes first; run it again once it is done")
        return with_tax(Plan(orders=legs), snapshot, policy, lots)
    if resumes:
        progress(f"plan {resumes} did not finish: planning the rest of it from a new snapshot")
    return make_plan(snapshot, policy, analysis, rebalance=True if resumes else None,
                     markets=actions.markets(), cash_flow=cash_flow, lots=lots)


def release(prepared: Prepared) -> None:
    """The run is over: the account's lease goes back."""
    prepared.actions.let_go()


def decline(prepared: Prepared) -> None:
    """The confirmation was answered no: the plan is journaled as declined."""
    prepared.journal.set_plan(prepared.plan_id, PlanStatus.DECLINED)


def execute(prepared: Prepared) -> Execution:
    """Send the plan's orders through the executor (a paper withdrawal then leaves)."""
    return prepared.actions.execute(prepared.plan_id, prepared.plan.orders)


def after(prepared: Prepared) -> Analysis:
    """The analysis of a fresh snapshot, for the before/after table."""
    snapshot = prepared.actions.snapshot()
    analysis = analyse(snapshot, prepared.policy)
    prepared.journal.record_document(snapshot.as_of, ",".join(prepared.actions.venues),
                                     snapshot.model_dump(mode="json", by_alias=True),
                                     check_document(analysis, Plan()), analysis.triggered)
    return analysis


def open_or_fail(url: str | None, *, create: bool = True) -> Journal:
    """The journal at `url` (or the default); a journal that cannot be opened is bad input.

    `create=False` is for what only reads: a missing journal is NoJournal's one line (a
    read never writes a new empty journal), and the journal comes back read-only, so its
    reads never wait behind a writer's lock (`open_journal`). A journal another process
    keeps locked is not bad input: JournalBusy goes through, for the command line's edge
    to say in one line (exit 1: refused, try again).
    """
    try:
        return open_journal(url, create=create)
    except JournalBusy:
        raise
    except JournalError as exc:
        raise InputError(str(exc)) from None
