"""Plan and order statuses, and the only transitions between them that may happen.

Every status a plan or an order can have is named here and nowhere else;
the journal applies a change only when this module allows it, so a plan
cannot go back from `done` to `executing`, and an approval can only claim
a plan that is waiting. The values are what the journal stores (and what
`--json` prints), kept as they were first written so that older journals
read back unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class PlanStatus(StrEnum):
    """What became of a plan."""

    PLANNED = "planned"  # journaled by `trimtab rebalance`, waiting for its confirmation
    PROPOSED = "proposed"  # journaled by `trimtab watch`, waiting for an approval
    APPROVED = "approved"  # claimed by one approval; its execution is starting
    EXECUTING = "executing"
    DONE = "done"
    STOPPED = "stopped"  # a guard or a venue's refusal ended the run; the journal says which
    INTERRUPTED = "interrupted"  # its process died while executing; found at the next start
    FAILED = "failed"  # execution could not start, nothing was sent; may be approved again
    REFUSED = "refused"  # a price was stale or missing, or orders were unresolved
    NOTHING_TO_DO = "nothing_to_do"
    DRY_RUN = "dry-run"
    ALERT_ONLY = "alert_only"  # mode alert: planned to be read, never to be sent
    DECLINED = "declined"  # the confirmation prompt was answered no
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a newer proposal replaced it before anyone decided
    EXPIRED = "expired"  # waited past the policy's max_plan_age: only a new plan may trade


class OrderState(StrEnum):
    """Where an order stands, as the journal knows it."""

    PENDING_SUBMIT = "pending-submit"  # intent committed; it may or may not have been sent
    UNKNOWN = "unknown"  # sent, but the answer was lost: resolved only by lookup
    OPEN = "open"
    PARTIALLY_FILLED = "partially-filled"
    # a resting child's cancel was sent: a fill may still land before it; resolved by lookup
    CANCELLING = "cancelling"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class ApprovalOutcome(StrEnum):
    """What an approval or a rejection did (`trimtab approve`, the dashboard)."""

    EXECUTED = "executed"
    STOPPED = "stopped"  # a guard (price moved, kill switch, cap) or the venue ended it
    REJECTED = "rejected"
    FAILED = "failed"  # execution could not start; the plan may be approved again
    ALREADY_DECIDED = "already-decided"
    BUSY = "busy"  # another process kept the account; nothing was decided, try again
    EXPIRED = "expired"  # older than max_plan_age: the next check (or a rebalance) re-plans
    UNKNOWN_PLAN = "unknown-plan"


class WatchDecision(StrEnum):
    """What one check of `trimtab watch` decided to do."""

    NONE = "none"
    REVIEW = "review"  # a scheduled review: reported and notified, nothing planned
    OUTAGE = "outage"  # no snapshot could be taken
    SNAPSHOT_PROBLEM = "snapshot problem"  # taken, but it cannot be analysed (unpriced assets)
    BUSY = "busy"  # another process held the account (mode auto): nothing planned this time
    ERROR = "error"  # the check failed on something else; journaled, notified, the loop goes on
    REFUSED = "refused"  # the plan refused (a stale or missing price)
    NOTHING = "nothing to trade"
    ALERT_ONLY = "alert only (mode alert)"
    PROPOSED = "proposed"  # journaled for approval
    EXECUTED = "executed"  # mode auto


class ContributionStatus(StrEnum):
    """Where one date of a recurring contribution stands (journal.models.ContributionRow)."""

    DUE = "due"  # found due, not yet planned
    WAITING_CASH = "waiting for cash"  # the deposit is not on a venue yet: retried every check
    # taken into a plan (its plan_id) in the very transaction that journaled that plan: never
    # planned again, unless that plan is released (it sent nothing and can no longer run)
    PLANNED = "planned"
    # open again, the reason in `detail`: its plan failed before it was journaled (planning or
    # proposing raised, or the plan refused), or its plan was released; the next check plans
    # it again (on the paper exchange its cash was credited once, never twice)
    FAILED = "failed"
    SKIPPED = "skipped"  # fell before the journal's first check: never planned, said once


class WatchState(StrEnum):
    """What a `trimtab watch` process is doing, as its heartbeat says."""

    STARTING = "starting"
    CHECKING = "checking"
    WAITING = "waiting"  # between checks, until the next one
    ERROR = "error"  # the last check failed; it retries
    STOPPED = "stopped"


PLANNED_ORDER = "planned"  # shown for an order a plan holds and has not sent


class IllegalTransition(RuntimeError):
    """A status change this module does not allow: a bug, never bad input."""


# Where a plan is first journaled, and from which statuses each status may be reached.
PLAN_START = frozenset({PlanStatus.PLANNED, PlanStatus.PROPOSED, PlanStatus.REFUSED,
                        PlanStatus.NOTHING_TO_DO, PlanStatus.DRY_RUN, PlanStatus.ALERT_ONLY})
PLAN_SOURCES: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.APPROVED: frozenset({PlanStatus.PROPOSED, PlanStatus.FAILED}),
    PlanStatus.REJECTED: frozenset({PlanStatus.PROPOSED, PlanStatus.FAILED}),
    # PLANNED: a contribution's plan whose execution never started, released (RELEASABLE)
    PlanStatus.SUPERSEDED: frozenset({PlanStatus.PROPOSED, PlanStatus.FAILED,
                                      PlanStatus.PLANNED}),
    PlanStatus.EXPIRED: frozenset({PlanStatus.PROPOSED, PlanStatus.FAILED}),
    PlanStatus.DECLINED: frozenset({PlanStatus.PLANNED}),
    PlanStatus.EXECUTING: frozenset({PlanStatus.PLANNED, PlanStatus.APPROVED}),
    # nothing was sent: the venue was down, a guard or the kill switch refused at once
    PlanStatus.FAILED: frozenset({PlanStatus.APPROVED, PlanStatus.PLANNED,
                                  PlanStatus.EXECUTING}),
    PlanStatus.DONE: frozenset({PlanStatus.EXECUTING}),
    PlanStatus.STOPPED: frozenset({PlanStatus.EXECUTING}),
    PlanStatus.INTERRUPTED: frozenset({PlanStatus.EXECUTING, PlanStatus.APPROVED}),
}
WAITING = frozenset({PlanStatus.PROPOSED, PlanStatus.FAILED})  # an approval may claim these
RUNNING = frozenset({PlanStatus.APPROVED, PlanStatus.EXECUTING})  # a live process owns these
# A run that did not finish: the next `trimtab rebalance` plans the rest of it.
UNFINISHED = frozenset({PlanStatus.STOPPED, PlanStatus.INTERRUPTED})
EXECUTED = frozenset({*UNFINISHED, PlanStatus.DONE, PlanStatus.EXECUTING,
                      PlanStatus.NOTHING_TO_DO})

LIVE_ORDERS = frozenset({OrderState.PENDING_SUBMIT, OrderState.UNKNOWN, OrderState.OPEN,
                         OrderState.PARTIALLY_FILLED, OrderState.CANCELLING})
UNRESOLVED_ORDERS = frozenset({OrderState.PENDING_SUBMIT, OrderState.UNKNOWN})
RESTING_ORDERS = frozenset({OrderState.OPEN, OrderState.PARTIALLY_FILLED})
FINAL_ORDERS = frozenset(OrderState) - LIVE_ORDERS
# An order leaves a live state for any state, except that only a resting order (or one
# whose cancel is already out) can be cancelling; a final state is final.
ORDER_SOURCES: dict[OrderState, frozenset[OrderState]] = {
    **{state: LIVE_ORDERS for state in OrderState},
    OrderState.CANCELLING: RESTING_ORDERS | {OrderState.CANCELLING}}


# A check plans the open dates; the conditional UPDATE that takes each for a plan runs in the
# transaction that journals the plan (journal.store), so a date is in exactly one plan or in
# none, whoever else plans it and wherever a process dies.
CONTRIBUTION_OPEN = frozenset({ContributionStatus.DUE, ContributionStatus.WAITING_CASH,
                               ContributionStatus.FAILED})
CONTRIBUTION_SOURCES: dict[ContributionStatus, frozenset[ContributionStatus]] = {
    ContributionStatus.WAITING_CASH: frozenset({ContributionStatus.DUE,
                                                ContributionStatus.FAILED}),
    ContributionStatus.PLANNED: CONTRIBUTION_OPEN,
    ContributionStatus.FAILED: CONTRIBUTION_OPEN,  # a plan that failed before it was journaled
}
# A contribution's plan that sent nothing and can no longer run by itself: journaled `planned`
# by watch in mode auto but its process died before executing it, or `failed` before any
# order. The next check supersedes it and hands its dates back (planned -> failed), in one
# transaction: its money is planned again, and that plan can never be approved after.
RELEASABLE = frozenset({PlanStatus.PLANNED, PlanStatus.FAILED})


def contribution_sources(target: ContributionStatus) -> frozenset[ContributionStatus]:
    """The statuses from which a contribution date may move to `target` (none for skipped,
    which a date only starts as)."""
    return CONTRIBUTION_SOURCES.get(target, frozenset())


def plan_sources(target: PlanStatus) -> frozenset[PlanStatus]:
    """The statuses from which a plan may move to `target` (none for a start status)."""
    return PLAN_SOURCES.get(target, frozenset())


def check_plan_move(current: PlanStatus, target: PlanStatus) -> None:
    """Raise IllegalTransition unless a plan may go from `current` to `target`."""
    if current not in plan_sources(target):
        raise IllegalTransition(f"a plan cannot go from {current} to {target}")


def check_order_move(current: OrderState, target: OrderState) -> None:
    """Raise IllegalTransition unless an order may go from `current` to `target`."""
    if current != target and current not in ORDER_SOURCES[target]:
        raise IllegalTransition(f"an order cannot go from {current} to {target}")


