"""A contribution date is invested exactly once wherever its watcher dies or fails.

Each scenario runs `trimtab watch`'s loop over the paper exchange on a real
SQLite journal, kills the process (an exception no handler catches, which
rolls back what was not committed, as a kill does) or makes a step raise at
one point of the date's life — credited, planned, proposed, journaled for
execution, an order sent — then starts a new process on the same file, as
`trimtab watch` does (recovery first), and checks that the date is held by
exactly one plan that can still be (or was) executed, and that the paper
account was credited once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.builders import policy
from trimtab.app.watching import WatchActions, recover
from trimtab.app.wiring import VenueActions
from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.planning.planner import Plan
from trimtab.journal.opening import open_journal
from trimtab.journal.store import ContributionDate
from trimtab.venues.paper.venue import PaperCosts, PaperVenue
from trimtab.venues.prices import FixedPrices
from trimtab.venues.retry import Backoff
from trimtab.watch.history import WatchLog
from trimtab.watch.loop import ReplayClock, Watcher
from trimtab.watch.notify import Delivery

START = datetime(2026, 1, 31, 22, 30, tzinfo=UTC)  # Feb 1 00:00 falls at the second check
FEB = "2026-02-01 00:00:00.000000"


class Killed(BaseException):
    """The process dies here: nothing catches it, the open transaction is rolled back."""


@dataclass
class Fault:
    """Where the first process dies (`kill`) or a step raises once (`raise_`)."""

    step: str
    kill: bool = True
    armed: bool = True

    def at(self, step: str) -> None:
        if self.armed and step == self.step:
            self.armed = False
            raise Killed(step) if self.kill else RuntimeError(f"{step} failed")


class Fragile(WatchActions):
    """The real watch hands over the paper exchange, with a fault at one step."""

    def __init__(self, actions: VenueActions, clock: Callable[[], datetime], fault: Fault
                 ) -> None:
        super().__init__(actions, clock)
        self.fault = fault
        real_execute, real_order = actions.execute, actions.venues["paper"].create_order

        def execute(plan_id: str, orders: Any, *args: Any) -> Any:
            fault.at("execute")  # journaled as planned, its execution not started
            return real_execute(plan_id, orders, *args)

        def create_order(*args: Any, **kwargs: Any) -> Any:
            order = real_order(*args, **kwargs)
            fault.at("sent")  # the order is on the venue; the journal has not heard back
            return order

        actions.execute = execute  # type: ignore[method-assign]
        actions.venues["paper"].create_order = create_order  # type: ignore[method-assign]

    def transfer(self, quote: str, amount: float, reference: str) -> None:
        self.fault.at("credit")
        super().transfer(quote, amount, reference)

    def markets(self) -> Any:
        self.fault.at("plan")  # credited, not planned yet
        return super().markets()

    def propose(self, snapshot: Any, analysis: Analysis, plan: Plan,
                dates: tuple[ContributionDate, ...] = ()) -> str:
        self.fault.at("propose")
        plan_id = super().propose(snapshot, analysis, plan, dates)
        self.fault.at("proposed")  # journaled; what became of it not noted yet
        return plan_id


def watcher(tmp: Path, mode: str, fault: Fault, clock: ReplayClock, amount: float = 2_000.0,
            usdt: float = 7_000.0) -> Watcher:
    """A new process on the journal file: its venues opened, recovered, then the loop."""
    journal = open_journal(f"sqlite:///{tmp / 'j.sqlite'}")
    pol = policy({"BTC": 0.5, "USDT": 0.5}, mode=mode, check_interval=3_600.0,
                 bands={"kind": "relative", "width": 0.8},
                 contributions=[{"every": "monthly", "amount": amount}])
    venue = PaperVenue(journal, FixedPrices({"BTC": 70_000.0}, START), PaperCosts(0.0, 0.0),
                       assets=("BTC",))
    venue.fund_if_empty({"BTC": 0.1, "USDT": usdt})
    actions = VenueActions(pol, journal, {"paper": venue}, Backoff(sleep=lambda _: None))
    assert recover(actions) == []
    log = WatchLog(journal)
    return Watcher(pol, Fragile(actions, clock.now, fault), log, clock,
                   send=lambda m: Delivery(True, 1, ("json://x",)), contributions=log)


def rows(tmp: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp / "j.sqlite") as db:
        return db.execute(query).fetchall()


def run_with(tmp: Path, mode: str, fault: Fault) -> None:
    """Watch until the fault (a kill ends the process), then a new process to Feb 1 04:00."""
    clock = ReplayClock(START)
    first = watcher(tmp, mode, fault, clock)
    if fault.kill:
        with pytest.raises(Killed):
            first.run(until=START + timedelta(hours=6))
        first = watcher(tmp, mode, Fault(""), clock)  # restarted, on the clock where it died
    first.run(until=START + timedelta(hours=6))


def the_dates_plan(tmp: Path) -> tuple[str, str]:
    """The one plan holding Feb 1 (its id and status); every other plan sent nothing."""
    ((status, plan_id),) = rows(tmp, f"select status, plan_id from contributions "
                                     f"where due_at = '{FEB}'")
    assert status == "planned" and plan_id is not None
    ((plan_status,),) = rows(tmp, f"select status from plans where id = '{plan_id}'")
    others = rows(tmp, f"select p.status from plans p where p.id != '{plan_id}' and exists "
                       "(select 1 from orders o where o.plan_id = p.id)")
    assert others == []  # no other plan sent an order
    return plan_id, plan_status


def credited(tmp: Path) -> list[tuple[Any, ...]]:
    return rows(tmp, "select amount from paper_transfers")


@pytest.mark.parametrize("step", ["credit", "plan", "propose", "proposed"])
def test_a_proposal_killed_at_any_step_leaves_the_date_in_exactly_one_waiting_plan(
        tmp_path: Path, step: str) -> None:
    run_with(tmp_path, "propose", Fault(step))
    plan_id, status = the_dates_plan(tmp_path)
    assert status == "proposed"  # waiting for its approval, the only plan that may be approved
    assert rows(tmp_path, "select id from plans where status = 'proposed'") == [(plan_id,)]
    assert credited(tmp_path) == [("2000.0",)]


@pytest.mark.parametrize("step", ["credit", "plan", "execute", "sent"])
def test_mode_auto_killed_at_any_step_invests_the_date_exactly_once(
        tmp_path: Path, step: str) -> None:
    run_with(tmp_path, "auto", Fault(step))
    plan_id, status = the_dates_plan(tmp_path)
    # killed after its order went out: stopped (the executor's last act; a real kill leaves it
    # executing, interrupted at the restart), its order reconciled at the restart, and never
    # planned again; otherwise executed in full
    assert status == ("stopped" if step == "sent" else "done")
    filled = rows(tmp_path, "select plan_id, side, state from orders")
    assert filled == [(plan_id, "buy", "filled")]
    assert credited(tmp_path) == [("2000.0",)]


@pytest.mark.parametrize("step", ["execute", "proposed"])
def test_a_step_that_raises_is_retried_by_the_same_process_and_invests_once(
        tmp_path: Path, step: str) -> None:
    mode = "auto" if step == "execute" else "propose"
    run_with(tmp_path, mode, Fault(step, kill=False))
    plan_id, status = the_dates_plan(tmp_path)
    assert status == ("done" if mode == "auto" else "proposed")
    if mode == "auto":  # the plan whose execution raised sent nothing: released, superseded
        released = rows(tmp_path, "select status, reason from plans where status != 'done'")
        assert [s for s, _ in released] == ["superseded"]
        assert "sent nothing" in released[0][1]
        assert rows(tmp_path, "select plan_id from orders") == [(plan_id,)]
    assert credited(tmp_path) == [("2000.0",)]


def paper_value(tmp: Path) -> float:
    held = dict(rows(tmp, "select asset, amount from paper_balances"))
    return float(held["USDT"]) + float(held["BTC"]) * 70_000.0


def test_a_withdrawal_in_mode_auto_leaves_the_paper_account_once_its_sales_ran(
        tmp_path: Path) -> None:
    clock = ReplayClock(START)
    watcher(tmp_path, "auto", Fault(""), clock, amount=-3_000.0).run(
        until=START + timedelta(hours=6))
    _, status = the_dates_plan(tmp_path)
    assert status == "done"
    assert rows(tmp_path, "select side from orders") == [("sell",)]
    assert credited(tmp_path) == [("-3000.0",)]  # paid out once, after the sale
    assert paper_value(tmp_path) == pytest.approx(14_000.0 - 3_000.0)


def test_a_proposed_withdrawal_is_paid_out_when_its_plan_is_approved_and_only_then(
        tmp_path: Path) -> None:
    from trimtab.app.approvals import Approvals, Origin
    from trimtab.execution.states import ApprovalOutcome

    clock = ReplayClock(START)
    watched = watcher(tmp_path, "propose", Fault(""), clock, amount=-3_000.0)
    watched.run(until=START + timedelta(hours=2))
    plan_id, status = the_dates_plan(tmp_path)
    assert status == "proposed" and credited(tmp_path) == []  # nothing sold, nothing paid
    actions = watched.actions.actions  # type: ignore[attr-defined]
    decide = Approvals(actions.journal, lambda record, pol: actions, clock=clock.now)
    assert decide.approve(plan_id, Origin.CLI).outcome is ApprovalOutcome.EXECUTED
    assert decide.approve(plan_id, Origin.CLI).outcome is ApprovalOutcome.ALREADY_DECIDED
    assert credited(tmp_path) == [("-3000.0",)]
    assert paper_value(tmp_path) == pytest.approx(14_000.0 - 3_000.0)


def test_a_withdrawal_the_quote_already_holds_sells_nothing_and_leaves_once(
        tmp_path: Path) -> None:
    clock = ReplayClock(START)
    watcher(tmp_path, "auto", Fault(""), clock, amount=-1_000.0, usdt=9_000.0).run(
        until=START + timedelta(hours=6))
    ((status, plan_id, detail),) = rows(tmp_path, "select status, plan_id, detail from "
                                                  f"contributions where due_at = '{FEB}'")
    assert (status, plan_id, detail) == ("planned", None, "nothing to trade")
    assert rows(tmp_path, "select id from orders") == []
    assert credited(tmp_path) == [("-1000.0",)]
    assert paper_value(tmp_path) == pytest.approx(16_000.0 - 1_000.0)
