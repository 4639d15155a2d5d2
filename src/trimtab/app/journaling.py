"""Journaling a plan: its snapshot, its analysis, its stored record and its first status.

One path for `trimtab rebalance`, `trimtab watch` (proposed or executed at
once) and anything later: the status a plan starts in is decided here, and
the record holds what an approval will need (venues, policy, holdings).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from trimtab.app.wiring import VenueActions
from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.planning.planner import Plan
from trimtab.domain.policy import Mode, Policy
from trimtab.domain.refusal import Refusal
from trimtab.domain.snapshot import Snapshot
from trimtab.execution.states import PlanStatus
from trimtab.journal.models import PlanRow
from trimtab.journal.plan_record import PlanRecord
from trimtab.journal.store import ContributionDate, Journal
from trimtab.reports.documents import check_document

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def record_of(plan: Plan, policy: Policy, actions: VenueActions) -> PlanRecord:
    """The stored record of a plan made on these venues (their testnets with `--sandbox`)."""
    return PlanRecord.of(plan, policy, tuple(actions.venues), actions.paper_prices,
                         dict(actions.wallet), actions.sandbox)


def new_plan_id() -> str:
    """Twelve hex digits: short enough to type in `trimtab approve`, unique enough."""
    return uuid.uuid4().hex[:12]


def start_status(plan: Plan, problems: list[str], dry_run: bool, mode: Mode) -> PlanStatus:
    """The status a plan is journaled in by `trimtab rebalance` (or watch in mode auto)."""
    if plan.refused or problems:
        return PlanStatus.REFUSED
    if dry_run:  # before nothing_to_do: a plan that ran pays its paper withdrawal out
        return PlanStatus.DRY_RUN
    if not plan.orders:
        return PlanStatus.NOTHING_TO_DO
    return PlanStatus.ALERT_ONLY if mode == "alert" else PlanStatus.PLANNED


def journal_plan(journal: Journal, plan_id: str, snapshot: Snapshot, analysis: Analysis,
                 record: PlanRecord, status: PlanStatus, problems: list[str],
                 refused: tuple[Refusal, ...] = (), made_at: datetime | None = None,
                 dates: tuple[ContributionDate, ...] = (),
                 also: Callable[[Session], None] | None = None) -> None:
    """Journal a plan with its snapshot and analysis, and every refusal as an event.

    `made_at` is the time on the clock that made it (a replay's clock: the day of its
    prices), else now: an approval measures the plan's age from it (max_plan_age).
    `dates`: the contribution dates it invests, taken with it in one transaction
    (DateTaken when another process planned one first). `also`: what is written in that
    transaction too (a paper deposit's credit: `app.rebalance`).
    """
    snapshot_id, analysis_id = journal.record_document(
        snapshot.as_of, ",".join(sorted({b.venue for b in snapshot.balances})),
        snapshot.model_dump(mode="json", by_alias=True),
        check_document(analysis, Plan()), analysis.triggered)
    reason = "; ".join([*record.refused, *problems]) or None
    row = PlanRow(id=plan_id, snapshot_id=snapshot_id, analysis_id=analysis_id,
                  status=status.value, reason=reason, document=record.dumps())
    if made_at is not None:
        row.created_at = made_at
    journal.add_plan(row, dates, also)
    for refusal in refused:
        journal.event(refusal.code, str(refusal), plan_id)
    for message in problems:
        journal.event("unresolved_orders", message, plan_id)
