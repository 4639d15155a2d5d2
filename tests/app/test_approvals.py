"""Approving a plan decides once, in the database, whoever asks and however often."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.app.approval_world import POLICY, paper
from trimtab.app.approvals import Approvals, Origin, propose, venues_from_record
from trimtab.app.wiring import VenueActions
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.policy import Policy
from trimtab.execution.states import ApprovalOutcome, IllegalTransition, PlanStatus
from trimtab.journal.models import OrderRow
from trimtab.journal.opening import open_journal
from trimtab.journal.plan_record import PlanRecord
from trimtab.journal.store import Journal
from trimtab.venues.errors import Retryable
from trimtab.venues.paper.venue import PaperVenue

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "journals"


def proposed(tmp_path: Path) -> tuple[Journal, str]:
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    actions = paper(journal)
    snap = actions.snapshot()
    analysis = analyse(snap, POLICY)
    return journal, propose(actions, snap, analysis, make_plan(snap, POLICY, analysis))


def approvals(journal: Journal, btc: float = 70_000.0) -> Approvals:
    return Approvals(journal, lambda record, pol: paper(journal, btc))


def sent(journal: Journal) -> list[str]:
    with journal.session() as session:
        return [row.client_order_id for row in session.query(OrderRow)]


def test_approving_twice_executes_once(tmp_path: Path) -> None:
    journal, plan_id = proposed(tmp_path)
    decide = approvals(journal)
    first, second = decide.approve(plan_id, Origin.CLI), decide.approve(plan_id, Origin.CLI)
    assert first.outcome is ApprovalOutcome.EXECUTED
    assert second.outcome is ApprovalOutcome.ALREADY_DECIDED
    assert first.message == "1 of 1 orders filled"
    assert sent(journal) == [f"trimtab{plan_id}x001"]
    assert journal.plan(plan_id).status == PlanStatus.DONE


def test_four_tabs_approving_at_once_execute_once(tmp_path: Path) -> None:
    journal, plan_id = proposed(tmp_path)
    outcomes: list[ApprovalOutcome] = []
    barrier = threading.Barrier(4)

    def click() -> None:
        decide = approvals(journal)
        barrier.wait()
        outcomes.append(decide.approve(plan_id, Origin.DASHBOARD).outcome)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [ApprovalOutcome.ALREADY_DECIDED] * 3 + [ApprovalOutcome.EXECUTED]
    assert len(sent(journal)) == 1


def test_the_journal_says_where_an_approval_came_from(tmp_path: Path) -> None:
    journal, plan_id = proposed(tmp_path)
    approvals(journal).reject(plan_id, Origin.CLI)
    assert journal.plan(plan_id).reason.startswith("rejected from the command line at ")


def test_a_rejected_plan_cannot_be_approved_and_unknown_plans_are_named(tmp_path: Path) -> None:
    journal, plan_id = proposed(tmp_path)
    decide = approvals(journal)
    assert decide.reject(plan_id, Origin.DASHBOARD).outcome is ApprovalOutcome.REJECTED
    assert decide.approve(plan_id, Origin.DASHBOARD).outcome is ApprovalOutcome.ALREADY_DECIDED
    assert decide.approve("nope", Origin.DASHBOARD).outcome is ApprovalOutcome.UNKNOWN_PLAN
    assert sent(journal) == []


def test_an_approval_that_a_guard_stops_before_any_order_fails_and_can_be_retried(
        tmp_path: Path) -> None:
    journal, plan_id = proposed(tmp_path)
    decision = approvals(journal, btc=73_000.0).approve(plan_id, Origin.DASHBOARD)  # +4.3 %
    assert decision.outcome is ApprovalOutcome.FAILED
    assert "price_moved" in decision.message
    assert journal.plan(plan_id).status == PlanStatus.FAILED and sent(journal) == []
    retry = approvals(journal).approve(plan_id, Origin.DASHBOARD)  # the price came back
    assert retry.outcome is ApprovalOutcome.EXECUTED and len(sent(journal)) == 1


class DownVenue:
    """The paper exchange answering every read with a network error."""

    def __init__(self, inner: PaperVenue) -> None:
        self.inner, self.name = inner, inner.name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("fetch_"):
            def down(*_args: Any, **_kwargs: Any) -> Any:
                raise Retryable(self.name, attr, "ECONNREFUSED")
            return down
        return getattr(self.inner, attr)


def test_an_approval_while_the_venue_is_down_fails_and_executes_once_when_it_is_back(
        tmp_path: Path) -> None:
    journal, plan_id = proposed(tmp_path)

    def down(record: PlanRecord, pol: Policy) -> VenueActions:
        actions = paper(journal)
        actions.venues = {"paper": DownVenue(actions.venues["paper"])}  # type: ignore[dict-item]
        return actions
    failed = Approvals(journal, down).approve(plan_id, Origin.CLI)
    assert failed.outcome is ApprovalOutcome.FAILED and "ECONNREFUSED" in failed.message
    assert journal.plan(plan_id).status == PlanStatus.FAILED and sent(journal) == []
    again = approvals(journal)
    assert again.approve(plan_id, Origin.CLI).outcome is ApprovalOutcome.EXECUTED
    assert again.approve(plan_id, Origin.CLI).outcome is ApprovalOutcome.ALREADY_DECIDED
    assert len(sent(journal)) == 1


def test_venues_that_cannot_be_opened_leave_the_plan_failed_and_it_can_be_approved_again(
        tmp_path: Path) -> None:
    journal, plan_id = proposed(tmp_path)
    broken = Approvals(journal, lambda record, pol: venues_from_record(
        journal, {}, paper_prices=str(tmp_path / "missing.json"))(record, pol))
    failed = broken.approve(plan_id, Origin.CLI)
    assert failed.outcome is ApprovalOutcome.FAILED and "missing.json" in failed.message
    row = journal.plan(plan_id)
    assert row.status == PlanStatus.FAILED and "missing.json" in (row.reason or "")
    assert sent(journal) == []
    again = approvals(journal)
    assert again.approve(plan_id, Origin.CLI).outcome is ApprovalOutcome.EXECUTED
    assert again.approve(plan_id, Origin.CLI).outcome is ApprovalOutcome.ALREADY_DECIDED
    assert len(sent(journal)) == 1


def test_a_newer_proposal_supersedes_a_waiting_or_failed_one(tmp_path: Path) -> None:
    journal, first = proposed(tmp_path)
    actions = paper(journal)
    snap = actions.snapshot()
    second = propose(actions, snap, analyse(snap, POLICY), make_plan(snap, POLICY))
    assert journal.plan(first).status == PlanStatus.SUPERSEDED
    assert journal.plan(first).reason == f"superseded by plan {second}"
    decided = approvals(journal).approve(first, Origin.CLI)
    assert decided.outcome is ApprovalOutcome.ALREADY_DECIDED


def test_an_illegal_transition_is_an_error_not_a_silent_update(tmp_path: Path) -> None:
    journal, plan_id = proposed(tmp_path)
    approvals(journal).approve(plan_id, Origin.CLI)
    with pytest.raises(IllegalTransition, match="from done to executing"):
        journal.set_plan(plan_id, PlanStatus.EXECUTING)


def test_a_plan_journaled_before_records_had_versions_is_approved(tmp_path: Path) -> None:
    # written by trimtab 1c7211a: the plan's document is that day's check report
    shutil.copy(FIXTURES / "proposed-before-plan-records.sqlite", tmp_path / "old.sqlite")
    journal = open_journal(f"sqlite:///{tmp_path / 'old.sqlite'}")
    old = journal.plan("eae78f9349e6")
    assert "version" not in json.loads(old.document) and old.status == "proposed"
    no_policy = Approvals(journal, venues_from_record(journal, {}))
    refused = no_policy.approve("eae78f9349e6", Origin.CLI)
    assert refused.outcome is ApprovalOutcome.FAILED and "--policy" in refused.message
    from trimtab.app.inputs import load_policy

    moderate = load_policy(Path(__file__).resolve().parents[2] / "examples" / "moderate.toml")
    decide = Approvals(journal, venues_from_record(journal, {}, paper_prices="history:2025-01-31"),
                       moderate)
    decision = decide.approve("eae78f9349e6", Origin.CLI)
    assert decision.outcome is ApprovalOutcome.EXECUTED, decision.message
    assert decision.message == "5 of 5 orders filled"
    assert len(sent(journal)) == 5


def test_a_proposed_plan_older_than_max_plan_age_expires_and_is_never_executed(
        tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    journal, plan_id = proposed(tmp_path)
    two_days_on = datetime.now(UTC) + timedelta(days=2)  # max_plan_age: one day by default
    late = Approvals(journal, lambda record, pol: paper(journal), clock=lambda: two_days_on)
    decision = late.approve(plan_id, Origin.CLI)
    assert decision.outcome is ApprovalOutcome.EXPIRED and "max_plan_age" in decision.message
    assert journal.plan(plan_id).status == PlanStatus.EXPIRED and sent(journal) == []
    assert approvals(journal).approve(plan_id, Origin.CLI).outcome \
        is ApprovalOutcome.ALREADY_DECIDED


def test_every_tab_and_refresh_shares_one_venue_read_per_interval() -> None:
    from trimtab.app.dashboard import SharedSnapshot

    now = [0.0]
    reads: list[float] = []
    shared = SharedSnapshot(lambda: reads.append(now[0]) or object(), ttl=5.0,  # type: ignore
                            clock=lambda: now[0])
    for second in range(0, 20):  # 20 tabs a second for 20 seconds
        now[0] = float(second)
        for _tab in range(20):
            shared()
    assert reads == [0.0, 5.0, 10.0, 15.0]
