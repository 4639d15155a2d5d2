"""Approving while another process keeps the journal locked for writing.

`Approvals.approve` and `reject` used to let SQLite's "database is locked"
through raw once the busy timeout ran out: the dashboard answered 500 and
the bot ended. The busy timeout is 0 here: a writer that meets the lock is
refused at once.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.app.approval_world import paper
from tests.app.test_approvals import approvals, proposed, sent
from tests.journal.test_readers_beside_a_writer import write_lock_held
from trimtab.app.approvals import Approvals, Origin
from trimtab.app.inputs import InputError
from trimtab.app.wiring import VenueActions
from trimtab.domain.policy import Policy
from trimtab.execution.recovery import recover
from trimtab.execution.states import ApprovalOutcome, OrderState, PlanStatus
from trimtab.journal import opening
from trimtab.journal.plan_record import PlanRecord
from trimtab.journal.store import Journal
from trimtab.venues.paper.venue import PaperVenue


@pytest.fixture
def waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Journal, str, str]:
    """A journal with one proposed plan, opened with no busy timeout; its URL."""
    journal, plan_id = proposed(tmp_path)
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    journal.engine.dispose()  # its connections were opened with the 10 s timeout
    return journal, plan_id, journal.engine.url.render_as_string(hide_password=False)


def test_an_approval_or_a_rejection_that_meets_the_lock_is_busy_and_decides_nothing(
        waiting: tuple[Journal, str, str]) -> None:
    journal, plan_id, url = waiting
    decide = approvals(journal)
    with write_lock_held(url):
        answers = [decide.approve(plan_id, Origin.DASHBOARD),
                   decide.reject(plan_id, Origin.TELEGRAM)]
    for answer in answers:
        assert answer.outcome is ApprovalOutcome.BUSY, answer
        assert "another trimtab process" in answer.message and "\n" not in answer.message
        assert "try again in a moment" in answer.message
    assert journal.plan(plan_id).status == PlanStatus.PROPOSED and sent(journal) == []
    assert decide.approve(plan_id, Origin.DASHBOARD).outcome is ApprovalOutcome.EXECUTED
    assert sent(journal) == [f"trimtab{plan_id}x001"]


class LockedAfterSending:
    """The paper exchange; once an order is placed, another process takes the journal's
    write lock, before this one can record what the venue answered."""

    def __init__(self, inner: PaperVenue, url: str, lock: ExitStack) -> None:
        self.inner, self.name, self.url, self.lock = inner, inner.name, url, lock

    def create_order(self, *args: Any, **kwargs: Any) -> Any:
        placed = self.inner.create_order(*args, **kwargs)
        self.lock.enter_context(write_lock_held(self.url))
        return placed

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.inner, attr)


def test_a_lock_met_after_an_order_went_out_loses_no_record_of_it(
        waiting: tuple[Journal, str, str]) -> None:
    """The intent is committed before the order is sent, so the order is in the journal
    (pending-submit, by its client order id) however the run ends; the approval answers
    one line, never `busy` (the plan was decided), and reconciliation records the fill."""
    journal, plan_id, url = waiting
    venues: dict[str, Any] = {}
    with ExitStack() as lock:
        def opened(record: PlanRecord, pol: Policy) -> VenueActions:
            actions = paper(journal)
            venues["paper"] = actions.venues["paper"]
            actions.venues = {"paper": LockedAfterSending(venues["paper"], url, lock)}
            return actions
        decision = Approvals(journal, opened).approve(plan_id, Origin.DASHBOARD)
    assert decision.outcome is ApprovalOutcome.STOPPED, decision
    assert "another trimtab process" in decision.message and "\n" not in decision.message
    assert "journaled first" in decision.message
    [order] = [journal.order(cid) for cid in sent(journal)]
    assert (order.client_order_id, order.state) == (f"trimtab{plan_id}x001",
                                                    OrderState.PENDING_SUBMIT)
    assert journal.plan(plan_id).status == PlanStatus.EXECUTING  # its end met the lock too
    backoff = paper(journal).backoff
    assert recover(journal, venues, backoff) == []  # the next holder of the account
    order = journal.order(order.client_order_id)
    assert order.state == OrderState.FILLED and order.filled not in (None, "0")
    assert journal.plan(plan_id).status == PlanStatus.INTERRUPTED


def test_a_lock_met_as_the_execution_starts_leaves_the_plan_to_approve_again(
        waiting: tuple[Journal, str, str]) -> None:
    """The approval is claimed; the executor's own claim (approved -> executing) meets
    another process's lock, which is let go just after. Nothing was sent: the plan used to
    stay `approved` (then `interrupted` by recovery, never approvable); it is `failed`,
    and the next approval executes it."""
    journal, plan_id, url = waiting

    def opened(record: PlanRecord, pol: Policy) -> VenueActions:
        actions = paper(journal)
        execute = actions.execute

        def started_under_a_lock(*args: Any) -> Any:
            with write_lock_held(url):
                return execute(*args)
        actions.execute = started_under_a_lock  # type: ignore[method-assign]
        return actions
    decision = Approvals(journal, opened).approve(plan_id, Origin.TELEGRAM)
    assert decision.outcome is ApprovalOutcome.FAILED, decision
    assert "another trimtab process" in decision.message and "approve the plan again" in (
        decision.message)
    assert journal.plan(plan_id).status == PlanStatus.FAILED and sent(journal) == []
    assert approvals(journal).approve(plan_id, Origin.CLI).outcome is ApprovalOutcome.EXECUTED
    assert sent(journal) == [f"trimtab{plan_id}x001"]


def test_a_lock_met_as_a_plan_that_cannot_start_is_marked_failed_leaves_it_to_approve_again(
        waiting: tuple[Journal, str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Its venues cannot be opened; the approval is claimed, then writing `failed` meets
    another process's lock, which is let go just after. The plan used to stay `approved`
    (the approval answered `busy`; recovery then made it `interrupted`, never approvable):
    it is `failed` with the venues' reason, and approved again once they open."""
    journal, plan_id, url = waiting
    claim, locked = journal.claim_plan, []

    def failed_under_a_lock_once(pid: str, target: PlanStatus, reason: str | None = None
                                 ) -> PlanStatus | None:
        if target is not PlanStatus.FAILED or locked:
            return claim(pid, target, reason)
        locked.append(target)
        with write_lock_held(url):
            return claim(pid, target, reason)
    monkeypatch.setattr(journal, "claim_plan", failed_under_a_lock_once)

    def cannot_open(record: PlanRecord, pol: Policy) -> VenueActions:
        raise InputError("no API key for kraken: set TRIMTAB_KRAKEN_KEY")
    decision = Approvals(journal, cannot_open).approve(plan_id, Origin.DASHBOARD)
    assert decision.outcome is ApprovalOutcome.FAILED, decision
    assert "no API key for kraken" in decision.message and "\n" not in decision.message
    assert locked and journal.plan(plan_id).status == PlanStatus.FAILED
    assert "no API key for kraken" in journal.plan(plan_id).reason and sent(journal) == []
    assert approvals(journal).approve(plan_id, Origin.CLI).outcome is ApprovalOutcome.EXECUTED
    assert sent(journal) == [f"trimtab{plan_id}x001"]
