"""A paper withdrawal whose pay-out meets another process's write lock.

The plan's sales ran and it is `done`; paying its withdrawal out of the paper
account meets the lock. It used to be skipped for good: nothing paid it later,
so the account kept the cash and invested it again. The busy timeout is 0 here.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.app.approval_world import POLICY, paper
from tests.journal.test_readers_beside_a_writer import write_lock_held
from trimtab.app.approvals import Approvals, Origin
from trimtab.app.journaling import journal_plan, new_plan_id, record_of
from trimtab.app.wiring import VenueActions
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan
from trimtab.execution.states import ApprovalOutcome, PlanStatus
from trimtab.journal import opening
from trimtab.journal.opening import open_journal
from trimtab.journal.store import Journal, JournalBusy


def paid(tmp: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp / "j.sqlite") as db:
        return db.execute("select reference, amount from paper_transfers").fetchall()


def usdt(tmp: Path) -> float:
    with sqlite3.connect(tmp / "j.sqlite") as db:
        ((amount,),) = db.execute("select amount from paper_balances where asset = 'USDT'"
                                  ).fetchall()
    return float(amount)


def planned_withdrawal(journal: Journal, status: PlanStatus = PlanStatus.PLANNED
                       ) -> tuple[str, Any]:
    """A plan journaled in `status` that sells BTC to raise a 3,000 USDT withdrawal."""
    actions = paper(journal)
    snap = actions.snapshot()
    analysis = analyse(snap, POLICY)
    plan = make_plan(snap, POLICY, analysis, rebalance=True, cash_flow=-3_000.0)
    assert plan.cash_flows == (("paper", -3_000.0),) and plan.orders
    plan_id = new_plan_id()
    journal_plan(journal, plan_id, snap, analysis, record_of(plan, POLICY, actions),
                 status, [])
    return plan_id, plan


def transfer_under_a_lock(actions: VenueActions, url: str) -> None:
    """Make the paper venue's transfers (the pay-out) meet another connection's write lock."""
    venue = actions.venues["paper"]
    transfer = venue.transfer  # type: ignore[attr-defined]

    def under_a_lock(*args: Any) -> Any:
        with write_lock_held(url):
            return transfer(*args)
    venue.transfer = under_a_lock  # type: ignore[attr-defined]


def test_a_withdrawal_whose_pay_out_met_the_lock_is_paid_by_the_next_run_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    url = f"sqlite:///{tmp_path / 'j.sqlite'}"
    journal = open_journal(url)
    plan_id, plan = planned_withdrawal(journal)
    actions = paper(journal)
    transfer_under_a_lock(actions, url)
    with pytest.raises(JournalBusy):
        actions.execute(plan_id, plan.orders)
    assert journal.plan(plan_id).status == PlanStatus.DONE and paid(tmp_path) == []
    raised = usdt(tmp_path)  # the sales' proceeds, still on the account

    for _run in range(2):  # the next run takes the account, then a further one
        later = paper(journal)
        assert later.hold("trimtab rebalance") == []
        later.let_go()
        assert paid(tmp_path) == [(f"withdrawal of plan {plan_id}", "-3000.0")]
        assert usdt(tmp_path) == pytest.approx(raised - 3_000.0)


def test_an_approval_whose_pay_out_met_the_lock_says_executed_and_the_next_run_pays(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The orders ran and the plan is done; only its withdrawal met the lock. The approval
    used to answer `stopped` ('the execution stopped there'), though nothing stopped."""
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    url = f"sqlite:///{tmp_path / 'j.sqlite'}"
    journal = open_journal(url)
    plan_id, _plan = planned_withdrawal(journal, PlanStatus.PROPOSED)
    actions = paper(journal)
    transfer_under_a_lock(actions, url)
    decision = Approvals(journal, lambda record, pol: actions).approve(plan_id, Origin.CLI)
    assert decision.outcome is ApprovalOutcome.EXECUTED, decision
    assert "next run" in decision.message and "\n" not in decision.message
    assert journal.plan(plan_id).status == PlanStatus.DONE and paid(tmp_path) == []
    later = paper(journal)
    later.hold("trimtab rebalance")
    later.let_go()
    assert paid(tmp_path) == [(f"withdrawal of plan {plan_id}", "-3000.0")]
