"""The watch loop: check on a schedule, fire triggers, notify, plan, act.

Every tick takes a snapshot, analyses it, adds the calendar triggers due
since the last tick, lets the alerting rule decide what deserves a
notification, and acts according to the policy's mode. The loop owns no
I/O of its own: the clock, the snapshot, the journal, the notifier and the
executor are passed in, so that a replay runs months in seconds and a
restart resumes from the journal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from trimtab.domain.analysis.alerting import Key, Notified, due, near_edges
from trimtab.domain.analysis.drift import Analysis, SnapshotError, analyse
from trimtab.domain.analysis.outside import PositionKey, held, shrunk_outside
from trimtab.domain.analysis.triggers import Trigger
from trimtab.domain.calendar import calendar_triggers, next_fire
from trimtab.domain.planning.orders import MarketRule
from trimtab.domain.planning.planner import Plan, make_plan
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.domain.tax.lots import Ledger
from trimtab.execution.lease import LeaseBusy
from trimtab.execution.states import ContributionStatus, WatchDecision, WatchState
from trimtab.journal.store import ContributionDate, DateTaken
from trimtab.watch.contributing import Contributing, ContributionBook, Step, failure
from trimtab.watch.notify import Delivery, Message, compose
from trimtab.watch.tick import Decision, TickReport

ACTING_KINDS = ("threshold", "leverage")
RETRY_FIRST = 5.0
HEARTBEAT_EVERY = 60.0  # seconds between two heartbeats while the loop waits

log = logging.getLogger(__name__)


class SystemClock:
    """Wall time; sleeping wakes early when the watcher is asked to stop."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)


class ReplayClock:
    """A clock that jumps instead of sleeping: months of schedules replay in seconds."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class WatchJournal(Protocol):
    """What the loop records, and what it reads back to resume after a restart."""

    def last_check(self) -> datetime | None:
        """The time of the last check that had data (an outage does not count)."""
        ...

    def alert_memory(self) -> dict[Key, Notified]: ...

    def order_mark(self) -> int:
        """A mark in the journal's orders, taken with each snapshot."""
        ...

    def traded_since(self, mark: int) -> frozenset[tuple[str, str]]:
        """The (venue, symbol) markets trimtab sent orders to after `mark`, or still has
        orders on."""
        ...

    def record_check(self, at: datetime, analysis: Analysis | None, fired: tuple[Trigger, ...],
                     notified: tuple[Trigger, ...], decision: str,
                     memory: dict[Key, Notified]) -> None: ...

    def record_notification(self, at: datetime, message: Message,
                            delivery: Delivery) -> None: ...


class Actions(Protocol):
    """The loop's hands: where snapshots come from and where plans go."""

    def snapshot(self) -> Snapshot: ...

    def markets(self) -> Mapping[tuple[str, str], MarketRule]: ...

    def lots(self) -> Ledger | None:
        """The lots a plan is made with (None: the plan carries no tax), as `check` reads
        them: read at every plan, so the journal's latest fills count."""
        ...

    def turn(self) -> AbstractContextManager[None]:
        """Hold whatever a check that may trade needs (the account's lease in mode auto)."""
        ...

    def propose(self, snapshot: Snapshot, analysis: Analysis, plan: Plan,
                dates: tuple[ContributionDate, ...] = ()) -> str:
        """Journal the plan for approval, taking the contribution `dates` with it; its id."""
        ...

    def execute(self, snapshot: Snapshot, analysis: Analysis, plan: Plan,
                dates: tuple[ContributionDate, ...] = ()) -> tuple[str, str]:
        """Journal the plan with `dates`, then execute it (mode auto); its id and the outcome."""
        ...

    @property
    def simulated_deposits(self) -> bool:
        """True on the paper exchange, whose account `deposit` credits (contributions)."""
        ...

    def transfer(self, quote: str, amount: float, reference: str) -> None: ...


Beat = Callable[[WatchState, str, datetime | None], None]


@dataclass
class Watcher:
    """One policy watched over one set of venues."""

    policy: Policy
    actions: Actions
    journal: WatchJournal
    clock: Clock
    send: Callable[[Message], Delivery]
    on_tick: Callable[[TickReport, datetime | None], None] = lambda report, nxt: None
    stop: threading.Event = field(default_factory=threading.Event)
    contributions: ContributionBook | None = None  # where [[contributions]] dates are kept
    beat: Beat = lambda state, detail, nxt: None  # the heartbeat: what the loop is doing
    heartbeat_every: float = HEARTBEAT_EVERY
    _last_good: datetime | None = None
    _stale_notified: bool = False
    _error_notified: bool = False
    _failures: int = 0
    _problem: str | None = None  # the snapshot problem last notified
    _held: dict[PositionKey, float] | None = None  # positions at the last snapshot
    _mark: int = 0  # the journal's last order then

    def run(self, until: datetime | None = None) -> None:
        """Tick until stopped (SIGINT/SIGTERM set `stop`) or `until` has passed."""
        while not self.stop.is_set():
            self._beat(WatchState.CHECKING, "", None)
            report = self.tick()
            wake = self.next_wake(report.at)
            self.on_tick(report, next_fire(self.policy.schedules, report.at))
            if until is not None and wake > until:
                break
            self._wait(wake, report)
        self._beat(WatchState.STOPPED, "", None)

    def _wait(self, wake: datetime, report: TickReport) -> None:
        """Sleep until `wake`, with a heartbeat at least every `heartbeat_every` seconds."""
        state = WatchState.ERROR if report.decision.failed else WatchState.WAITING
        while not self.stop.is_set():
            left = (wake - self.clock.now()).total_seconds()
            if left <= 0:
                return
            self._beat(state, str(report.decision), wake)
            self.clock.sleep(min(left, self.heartbeat_every))

    def _beat(self, state: WatchState, detail: str, nxt: datetime | None) -> None:
        """A heartbeat that cannot be written is logged: it never stops the loop."""
        try:
            self.beat(state, detail, nxt)
        except Exception as exc:
            log.warning("heartbeat not written: %s: %s", type(exc).__name__, exc)

    def next_wake(self, after: datetime) -> datetime:
        """The next check: the check interval, a schedule due sooner, or a retry.

        After a failed snapshot the loop retries sooner, backing off
        exponentially from RETRY_FIRST seconds up to the check interval.
        """
        interval = self.policy.check_interval
        if self._failures:
            interval = min(interval, RETRY_FIRST * 2 ** (self._failures - 1))
        wake = after + timedelta(seconds=interval)
        scheduled = next_fire(self.policy.schedules, after)
        return min(wake, scheduled) if scheduled is not None else wake

    def tick(self) -> TickReport:
        """One check; whatever goes wrong in it is journaled, and the loop goes on.

        A venue that cannot give a snapshot is an outage (retried sooner);
        another process holding the account (mode auto) makes the check
        `busy`; anything else (a bad answer, an asset without a price, a
        bug) is an `error`, notified once until a check succeeds again.
        """
        now = self.clock.now()
        calendar: tuple[Trigger, ...] = ()
        try:
            last = self.journal.last_check()
            since = last or now
            calendar = calendar_triggers(self.policy.schedules, since, now)
            with self.actions.turn():
                return self._check(now, since, calendar, first=last is None)
        except LeaseBusy as exc:
            return self._failed(now, calendar, WatchDecision.BUSY, exc)
        except Exception as exc:
            return self._failed(now, calendar, WatchDecision.ERROR, exc)

    def _check(self, now: datetime, since: datetime, calendar: tuple[Trigger, ...],
               first: bool = False) -> TickReport:
        """Snapshot, analysis, triggers, notifications, decision, journal."""
        mark = self.journal.order_mark()  # before the snapshot: an order sent while it is
        try:  # taken moves a position that the next check must not report
            snapshot = self.actions.snapshot()
        except Exception as exc:
            return self._outage(now, calendar, exc)
        self._recovered(now)
        try:
            analysis = analyse(snapshot, self.policy)
        except SnapshotError as exc:  # retrying sooner cannot price an asset: wait, say it once
            return self._snapshot_problem(now, calendar, exc)
        if self._problem is not None:
            self._notify(now, Message("trimtab watch: checks work again",
                                      "The snapshot can be analysed again."))
            self._problem = None
        outside = self._outside(snapshot, mark)
        step = self._contribution(snapshot, since, now, calendar, first)
        fired = outside + calendar + (step.triggers if step else ()) + analysis.triggers
        near = near_edges(analysis, self.policy.alerts.rearm)
        notified, memory = due(fired, self.journal.alert_memory(), now, self.policy.alerts, near)
        decision, plan = Decision(WatchDecision.NONE), None
        if step is not None and step.plan is not None:
            decision, plan, again = self._contributed(step)
            if again:  # the same refusal as last check: journaled, not notified again
                notified = tuple(t for t in notified if t not in step.triggers)
        if plan is None or decision.kind is WatchDecision.REFUSED:
            # no contribution plan to act on (or it was refused and waits for a later
            # check): the check's own triggers still act, a leverage cut first of all
            ordinary, other = self._decide(snapshot, analysis, calendar, notified)
            if plan is None or other is not None:
                decision, plan = ordinary, other
        if notified:
            self._notify(now, compose(notified, analysis, plan, decision.next_step()))
        self.journal.record_check(now, analysis, fired, notified, str(decision), memory)
        log.info("check at %s: %d fired, %d notified, %s", now.isoformat(), len(fired),
                 len(notified), decision)
        return TickReport(now, analysis, fired, notified, decision)

    def _outside(self, snapshot: Snapshot, mark: int) -> tuple[Trigger, ...]:
        """Positions the venue (or the user) closed since the last snapshot: a liquidation
        is heard at the next check. The first check of a run has nothing to compare with."""
        now_held = held(snapshot.positions)
        fired = () if not self._held else shrunk_outside(  # nothing held: nothing to lose
            self._held, now_held, self.journal.traded_since(self._mark))
        self._held, self._mark = now_held, mark
        return fired

    def _decide(self, snapshot: Snapshot, analysis: Analysis, calendar: tuple[Trigger, ...],
                notified: tuple[Trigger, ...]) -> tuple[Decision, Plan | None]:
        """Plan when a scheduled rebalance is due or an acting trigger is newly notified."""
        scheduled = any(t.figures.get("rebalance") for t in calendar)
        acting = any(t.kind in ACTING_KINDS for t in notified)
        if not (scheduled or acting):
            return Decision(WatchDecision.REVIEW if calendar else WatchDecision.NONE), None
        plan = make_plan(snapshot, self.policy, analysis, rebalance=True if scheduled else None,
                         markets=self.actions.markets(), lots=self.actions.lots())
        return self._act(snapshot, analysis, plan), plan

    def _contribution(self, snapshot: Snapshot, since: datetime, now: datetime,
                      calendar: tuple[Trigger, ...], first: bool) -> Step | None:
        """The contributions due (watch.contributing), when the policy has any."""
        if self.contributions is None or not self.policy.contributions:
            return None
        scheduled = any(t.figures.get("rebalance") for t in calendar)
        return Contributing(self.policy, self.contributions, self.actions).step(
            snapshot, since, now, scheduled, first)

    def _contributed(self, step: Step) -> tuple[Decision, Plan | None, bool]:
        """Act on a contribution's plan, and journal what became of its dates.

        A journaled plan took its dates in the transaction that journaled it;
        whatever fails before that (a refusal, a proposal that raised) fails the
        dates, and the next check plans them again. A plan with nothing to send
        (mode alert, nothing to trade) closes them. True when the refusal is the
        one those dates failed on last time.
        """
        assert step.snapshot is not None and step.analysis is not None and step.plan
        assert self.contributions is not None
        dates = tuple(p.date for p in step.pending)
        try:
            decision = self._act(step.snapshot, step.analysis, step.plan, dates)
        except DateTaken as exc:  # another watcher planned them first: nothing journaled
            return Decision(WatchDecision.NONE, detail=str(exc)), None, False
        except Exception as exc:
            self.contributions.fail(step.pending, failure(exc))  # a journaled plan keeps them
            raise
        if decision.kind is WatchDecision.REFUSED:
            self.contributions.fail(step.pending, str(decision))
            return decision, step.plan, all(
                p.status is ContributionStatus.FAILED and p.detail == str(decision)
                for p in step.pending)
        if decision.plan_id is None:
            if decision.kind is WatchDecision.NOTHING:
                Contributing(self.policy, self.contributions, self.actions).pay_out(step.pending)
            self.contributions.close(step.pending, str(decision))
        else:
            self.contributions.note(step.pending, str(decision), decision.plan_id)
        return decision, step.plan, False

    def _act(self, snapshot: Snapshot, analysis: Analysis, plan: Plan,
             dates: tuple[ContributionDate, ...] = ()) -> Decision:
        """What the mode does with a plan: nothing, propose it, or execute it; a journaled
        plan takes the contribution `dates` it invests."""
        if plan.refused:
            return Decision(WatchDecision.REFUSED, detail="; ".join(map(str, plan.refused)))
        if not plan.orders:
            return Decision(WatchDecision.NOTHING)
        if self.policy.mode == "alert":
            return Decision(WatchDecision.ALERT_ONLY)
        if self.policy.mode == "propose":
            return Decision(WatchDecision.PROPOSED,
                            self.actions.propose(snapshot, analysis, plan, dates))
        plan_id, outcome = self.actions.execute(snapshot, analysis, plan, dates)
        return Decision(WatchDecision.EXECUTED, plan_id, outcome)

    def _notify(self, now: datetime, message: Message) -> None:
        delivery = self.send(message)
        if not delivery.ok and delivery.attempts:  # none configured is said at start-up
            log.warning("notification not delivered: %s (%s)", message.title, delivery.error)
        self.journal.record_notification(now, message, delivery)

    def _outage(self, now: datetime, calendar: tuple[Trigger, ...], exc: Exception
                ) -> TickReport:
        self._failures += 1
        error = f"{type(exc).__name__}: {exc}"
        log.warning("check at %s: no snapshot (%s); retrying", now.isoformat(), error)
        stale_for = (now - self._last_good).total_seconds() if self._last_good else None
        if stale_for is not None and stale_for > self.policy.max_price_age \
                and not self._stale_notified:
            self._notify(now, Message("trimtab: market data stale",
                                      f"No fresh snapshot for {stale_for:.0f} s "
                                      f"(max_price_age {self.policy.max_price_age:g} s): {error}"))
            self._stale_notified = True
        memory = self.journal.alert_memory()
        outage = Decision(WatchDecision.OUTAGE, detail=error)
        self.journal.record_check(now, None, calendar, (), str(outage), memory)
        return TickReport(now, None, calendar, (), outage, error)

    def _snapshot_problem(self, now: datetime, calendar: tuple[Trigger, ...],
                          exc: SnapshotError) -> TickReport:
        """A snapshot that cannot be analysed: journaled every check, notified once."""
        error = str(exc)
        if error != self._problem:
            self._notify(now, Message("trimtab: snapshot cannot be analysed",
                                      f"{error}. Checks go on; add the prices, or list the "
                                      "assets under `exclude` in the policy."))
            self._problem = error
        problem = Decision(WatchDecision.SNAPSHOT_PROBLEM, detail=error)
        self.journal.record_check(now, None, calendar, (), str(problem),
                                  self.journal.alert_memory())
        return TickReport(now, None, calendar, (), problem, error)

    def _failed(self, now: datetime, calendar: tuple[Trigger, ...], kind: WatchDecision,
                exc: Exception) -> TickReport:
        """A check that failed: journaled, notified once per run of failures, retried sooner."""
        self._failures += 1
        error = f"{type(exc).__name__}: {exc}"
        decision = Decision(kind, detail=error)
        try:
            if kind is WatchDecision.ERROR and not self._error_notified:
                self._error_notified = True
                self._notify(now, Message("trimtab watch: a check failed",
                                          f"{error}\nThe watch goes on and retries; you will "
                                          "hear again when a check succeeds."))
            self.journal.record_check(now, None, calendar, (), str(decision), {})
        except Exception as journal_error:
            error = f"{error}; and it could not be journaled ({journal_error})"
        return TickReport(now, None, calendar, (), decision, error)

    def _recovered(self, now: datetime) -> None:
        if self._stale_notified:
            self._notify(now, Message("trimtab: market data back", "Snapshots are fresh again."))
        if self._error_notified:
            self._notify(now, Message("trimtab watch: checks work again",
                                      "The last check succeeded."))
        self._stale_notified = self._error_notified = False
        self._last_good = now
        self._failures = 0
