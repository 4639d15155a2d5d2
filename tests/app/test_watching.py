"""A process that may execute first recovers what a killed one left behind."""

from __future__ import annotations

from pathlib import Path

from tests.app.approval_world import POLICY, paper
from trimtab.app.journaling import journal_plan, new_plan_id, record_of
from trimtab.app.watching import recover
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan
from trimtab.execution.reconcile import client_order_id
from trimtab.execution.states import OrderState, PlanStatus
from trimtab.journal.models import OrderRow
from trimtab.journal.opening import open_journal


def killed_mid_execution(tmp_path: Path, reached_the_venue: bool) -> tuple[object, str, str]:
    """A plan left `executing` with its first order journaled pending-submit, then a kill."""
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    actions = paper(journal)
    snap = actions.snapshot()
    analysis = analyse(snap, POLICY)
    plan = make_plan(snap, POLICY, analysis)
    plan_id = new_plan_id()
    journal_plan(journal, plan_id, snap, analysis, record_of(plan, POLICY, actions),
                 PlanStatus.PLANNED, [])
    journal.set_plan(plan_id, PlanStatus.EXECUTING)
    order, cid = plan.orders[0], client_order_id(plan_id, 1)
    journal.add_order(OrderRow(client_order_id=cid, plan_id=plan_id, leg=1, venue="paper",
                               symbol=order.symbol, side=order.side, amount="0.01",
                               plan_price=str(order.price), state=OrderState.PENDING_SUBMIT))
    if reached_the_venue:
        actions.venues["paper"].create_order(order.symbol, order.side, "0.01", cid)
    return paper(journal), plan_id, cid


def test_a_plan_left_executing_is_interrupted_and_an_unsent_order_closed(
        tmp_path: Path) -> None:
    actions, plan_id, cid = killed_mid_execution(tmp_path, reached_the_venue=False)
    assert recover(actions) == []  # type: ignore[arg-type]
    journal = actions.journal  # type: ignore[attr-defined]
    assert journal.plan(plan_id).status == PlanStatus.INTERRUPTED
    assert journal.order(cid).state == OrderState.CANCELLED
    assert "never placed" in (journal.order(cid).reason or "")


def test_an_order_that_reached_the_venue_before_the_kill_is_read_back_as_filled(
        tmp_path: Path) -> None:
    actions, plan_id, cid = killed_mid_execution(tmp_path, reached_the_venue=True)
    assert recover(actions) == []  # type: ignore[arg-type]
    journal = actions.journal  # type: ignore[attr-defined]
    assert journal.plan(plan_id).status == PlanStatus.INTERRUPTED
    row = journal.order(cid)
    assert row.state == OrderState.FILLED and float(row.filled) == 0.01
