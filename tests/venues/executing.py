"""Running a plan's orders through the real executor on a fresh SQLite journal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from trimtab.domain.planning.orders import Order
from trimtab.domain.policy import Policy
from trimtab.execution.executor import Executor
from trimtab.journal.models import PlanRow
from trimtab.journal.opening import open_journal
from trimtab.journal.store import Journal
from trimtab.venues.port import Venue
from trimtab.venues.retry import Backoff

NO_WAIT = Backoff(sleep=lambda _: None)


def plan_journal(tmp_path: Path, venue_name: str, plan_id: str = "p1",
                 status: str = "planned") -> Journal:
    """A fresh SQLite journal under `tmp_path` holding plan `plan_id` in `status`."""
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    snapshot_id, _ = journal.record_document(datetime.now(UTC), venue_name, {}, {}, True)
    journal.add(PlanRow(id=plan_id, snapshot_id=snapshot_id, analysis_id=None,
                        status=status, reason=None, document="{}"))
    return journal


def execute(venue: Venue, policy: Policy, orders: tuple[Order, ...], tmp_path: Path,
            plan_id: str = "p1") -> None:
    """Journal plan `plan_id` and execute `orders` on `venue`; the run must not stop."""
    journal = plan_journal(tmp_path, venue.name, plan_id)
    result = Executor(journal, {venue.name: venue}, policy, NO_WAIT).run(plan_id, orders)
    assert result.stop is None, result.stop
