"""The account lease: one holder at a time, all or nothing, expiring with its holder."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.execution.paper_world import executor, plan_and_journal, policy, world
from trimtab.execution.lease import AccountLease, LeaseBusy, LeaseLost, holder_is_dead
from trimtab.execution.states import PlanStatus
from trimtab.journal.models import PaperOrderRow, PlanRow
from trimtab.journal.opening import open_journal
from trimtab.journal.store import Journal

T0 = datetime(2025, 1, 31, 12, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def journal_at(tmp_path: Path) -> Journal:
    return open_journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")


def test_a_second_holder_is_refused_with_who_holds_the_account(tmp_path: Path) -> None:
    journal = journal_at(tmp_path)
    first = AccountLease(journal, ("paper",), "trimtab rebalance")
    first.acquire(wait=0)
    with pytest.raises(LeaseBusy, match=r"the paper account is in use .*trimtab rebalance"):
        AccountLease(journal, ("paper",), "trimtab watch").acquire(wait=0)
    first.release()
    AccountLease(journal, ("paper",), "trimtab watch").acquire(wait=0)


def test_a_waiting_holder_gets_the_account_once_it_is_released(tmp_path: Path) -> None:
    journal = journal_at(tmp_path)
    first = AccountLease(journal, ("paper",), "first")
    first.acquire(wait=0)
    second = AccountLease(journal, ("paper",), "second")
    second.acquire(wait=60, sleep=lambda _s: first.release())
    assert second.held


def test_a_lease_not_renewed_expires_and_its_old_holder_can_no_longer_send(
        tmp_path: Path) -> None:
    journal, clock = journal_at(tmp_path), Clock()
    stalled = AccountLease(journal, ("paper",), "stalled", ttl=30, clock=clock)
    stalled.acquire(wait=0)
    clock.now = T0 + timedelta(seconds=29)
    with pytest.raises(LeaseBusy):
        AccountLease(journal, ("paper",), "next", ttl=30, clock=clock).acquire(wait=0)
    clock.now = T0 + timedelta(seconds=31)
    AccountLease(journal, ("paper",), "next", ttl=30, clock=clock).acquire(wait=0)
    with pytest.raises(LeaseLost):
        stalled.renew()


def test_a_holder_whose_process_is_gone_is_replaced_at_once(tmp_path: Path) -> None:
    journal = journal_at(tmp_path)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = AccountLease(journal, ("paper",), "killed")
    dead.holder = dead.holder.replace(dead.holder.split("/")[1], gone.stdout.strip())
    dead.acquire(wait=0)
    assert holder_is_dead(dead.holder)
    AccountLease(journal, ("paper",), "restarted").acquire(wait=0)


def test_accounts_are_taken_all_or_none(tmp_path: Path) -> None:
    journal = journal_at(tmp_path)
    AccountLease(journal, ("binance",), "a").acquire(wait=0)
    with pytest.raises(LeaseBusy, match="binance"):
        AccountLease(journal, ("paper", "binance"), "b").acquire(wait=0)
    AccountLease(journal, ("paper",), "c").acquire(wait=0)  # b gave paper back


def test_an_executor_that_lost_its_lease_sends_nothing_more(tmp_path: Path) -> None:
    journal, venue, _ = world(tmp_path)
    pol = policy()
    plan, _ = plan_and_journal(journal, venue, pol, "p1")
    clock = Clock()
    lease = AccountLease(journal, ("paper",), "stalled", ttl=30, clock=clock)
    lease.acquire(wait=0)
    clock.now = T0 + timedelta(seconds=60)
    AccountLease(journal, ("paper",), "other", ttl=30, clock=clock).acquire(wait=0)
    run = executor(journal, venue, pol)
    run.lease = lease
    result = run.run("p1", plan.orders)
    assert result.stop is not None and result.stop.code == "lease_lost"
    with journal.session() as session:
        assert session.query(PaperOrderRow).count() == 0


def test_recovery_interrupts_only_plans_on_the_venues_it_holds(tmp_path: Path) -> None:
    journal, _, _ = world(tmp_path)
    snap, ana = journal.record_document(T0, "paper", {}, {}, True)
    for plan_id, venue in (("on-paper", "paper"), ("on-binance", "binance")):
        journal.add(PlanRow(id=plan_id, snapshot_id=snap, analysis_id=ana, status="planned",
                            reason=None, document=json.dumps({"venues": [venue]})))
        journal.set_plan(plan_id, PlanStatus.EXECUTING)
    assert journal.interrupt_running(("paper",)) == ["on-paper"]
    assert journal.plan("on-binance").status == PlanStatus.EXECUTING
