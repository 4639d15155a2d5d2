"""Approving a plan from the dashboard decides once, in the database."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from tests.builders import policy, snapshot
from trimtab.app.dashboard import JournalSource
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.orders import Order
from trimtab.domain.planning.planner import make_plan
from trimtab.journal.models import PlanRow, SnapshotRow
from trimtab.journal.store import open_journal
from trimtab.reports.documents import plan_document

POLICY = policy({"BTC": 0.5, "USDT": 0.5})
SNAP = snapshot({"BTC": 70_000.0}, {"BTC": 0.1, "USDT": 5_000.0})


def proposed(tmp_path: Path, calls: list[tuple[str, tuple[Order, ...]]]) -> JournalSource:
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    snap = journal.add(SnapshotRow(as_of=datetime(2026, 1, 1, tzinfo=UTC), venues="paper",
                                   document="{}"))
    plan = make_plan(SNAP, POLICY, analyse(SNAP, POLICY))
    journal.add(PlanRow(id="p1", snapshot_id=snap.id, status="proposed",
                        document=json.dumps(plan_document(plan))))

    def execute(plan_id: str, orders: tuple[Order, ...]) -> str:
        calls.append((plan_id, orders))
        return f"{len(orders)} orders sent"

    return JournalSource(POLICY, journal, lambda: SNAP, execute)


def test_approving_twice_executes_once(tmp_path: Path) -> None:
    calls: list[tuple[str, tuple[Order, ...]]] = []
    source = proposed(tmp_path, calls)
    first, second = source.approve("p1"), source.approve("p1")
    assert (first.outcome, second.outcome) == ("executed", "already-decided")
    assert len(calls) == 1
    assert [o.symbol for o in calls[0][1]] == ["BTC/USDT"]
    assert calls[0][1][0].notional == make_plan(SNAP, POLICY).orders[0].notional


def test_two_tabs_approving_at_once_execute_once(tmp_path: Path) -> None:
    calls: list[tuple[str, tuple[Order, ...]]] = []
    source = proposed(tmp_path, calls)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def click() -> None:
        barrier.wait()
        outcomes.append(source.approve("p1").outcome)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already-decided"] * 3 + ["executed"]
    assert len(calls) == 1


def test_a_rejected_plan_cannot_be_approved_and_unknown_plans_are_named(tmp_path: Path) -> None:
    calls: list[tuple[str, tuple[Order, ...]]] = []
    source = proposed(tmp_path, calls)
    assert source.reject("p1").outcome == "rejected"
    assert source.approve("p1").outcome == "already-decided"
    assert source.approve("nope").outcome == "unknown-plan"
    assert calls == []
    [view] = source.plans()
    assert view.status == "rejected" and not view.waiting


def test_an_approval_that_a_guard_stops_says_so(tmp_path: Path) -> None:
    calls: list[tuple[str, tuple[Order, ...]]] = []
    source = proposed(tmp_path, calls)
    source.execute = lambda plan_id, orders: ("stopped after 0 of 1 orders: price_moved: "
                                              "BTC moved 3 % since the plan")
    decision = source.approve("p1")
    assert decision.outcome == "stopped" and "price_moved" in decision.message
