"""Running a plan's orders through the real executor on a fresh SQLite journal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from trimtab.domain.planning.orders import Order
from trimtab.domain.policy import Policy
from trimtab.execution.executor import Executor
from trimtab.journal.models import PlanRow
from trimtab.journal.opening import open_journal
from trimtab.venues.port import Venue
from trimtab.venues.retry import Backoff

NO_WAIT = Backoff(sleep=lambda _: None)


def execute(venue: Venue, policy: Policy, orders: tuple[Order, ...], tmp_path: Path,
            plan_id: str = "p1") -> None:
    """Journal plan `plan_id` and execute `orders` on `venue`; the run must not stop."""
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    snapshot_id, _ = journal.record_document(datetime.now(UTC), venue.name, {}, {}, True)
    journal.add(PlanRow(id=plan_id, snapshot_id=snapshot_id, analysis_id=None,
                        status="planned", reason=None, document="{}"))
    result = Executor(journal, {venue.name: venue}, policy, NO_WAIT).run(plan_id, orders)
    assert result.stop is None, result.stop
