"""Recovery: what the holder of an account's lease does first, in every entry point.

`trimtab rebalance`, `trimtab watch` (at start and before every plan it may
execute), `trimtab approve` and the dashboard all take the venues' lease
(`execution.lease`) and then run this, the same code: plans a dead process
left approved or executing on those venues are marked interrupted, and
every unfinished order is looked up on its venue by client order id. An
order on a venue this process does not hold is reported, never touched.
"""

from __future__ import annotations

from collections.abc import Mapping

from trimtab.execution.executor import Progress
from trimtab.execution.reconcile import Reconciler
from trimtab.journal.store import Journal
from trimtab.venues.port import Venue
from trimtab.venues.retry import Backoff


def recover(journal: Journal, venues: Mapping[str, Venue], backoff: Backoff,
            progress: Progress = lambda _m: None) -> list[str]:
    """Interrupt dead plans on `venues`, reconcile orders; returns what forbids trading.

    The caller must hold the lease of `venues`: at start-up an order the
    venue does not know is closed as never placed, which is only true
    when no live process may still be sending it.
    """
    for plan_id in journal.interrupt_running(tuple(venues)):
        progress(f"plan {plan_id} was left executing by a process that ended: "
                 "marked interrupted; its orders are reconciled")
    return Reconciler(journal, venues, backoff).unresolved(at_start=True)
