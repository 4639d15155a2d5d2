"""Lots for a check: trade files and the journal's own fills replayed into a ledger.

The use case behind `trimtab check --trades` and `trimtab lots`: read every
file, replay the events in time order under the policy's `[tax]` settings
(FIFO at the default settings when the policy has none), and price the plan's
sells against the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from trimtab.app.inputs import InputError
from trimtab.app.trade_files import read_trades
from trimtab.domain.planning.planner import Plan
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.domain.tax.estimate import PlanTax, plan_tax
from trimtab.domain.tax.lots import Event, Ledger, LotError, replay
from trimtab.domain.tax.settings import TaxSettings


def tax_settings(policy: Policy) -> TaxSettings:
    """The policy's `[tax]`, or the defaults (FIFO, 365 days, rates 0).

    The optimal planner sells the lots that cost the least tax, so its plans
    are estimated with `min_tax`, whatever the method says.
    """
    settings = policy.tax or TaxSettings()
    if policy.planner == "optimal":
        return settings.model_copy(update={"method": "min_tax"})
    return settings


def load_ledger(paths: Sequence[Path], policy: Policy, journal_url: str | None = None
                ) -> Ledger:
    """The lots left after every trade in the files (and the journal's fills, given a URL)."""
    events: list[Event] = journal_fills(journal_url) if journal_url else []
    for path in paths:
        events.extend(read_trades(path, policy.quote))
    try:
        # past sales were matched by the policy's own method, whatever the planner
        return replay(events, policy.tax or TaxSettings())
    except LotError as exc:
        raise InputError(f"--trades: {exc}") from None


def journal_fills(url: str) -> list[Event]:
    """The journal's own spot fills as lot events."""
    from trimtab.app.journal_lots import journal_events
    from trimtab.journal.opening import open_journal
    from trimtab.journal.store import JournalError

    try:
        return journal_events(open_journal(url))
    except JournalError as exc:
        raise InputError(str(exc)) from None


def estimate(plan: Plan, snapshot: Snapshot, policy: Policy, ledger: Ledger) -> PlanTax | None:
    """The plan's tax when the policy has `[tax]` or lots exist; None otherwise."""
    if policy.tax is None and not ledger.lots:
        return None
    return plan_tax(plan.orders, [h.asset for h in plan.hedges], ledger, tax_settings(policy),
                    snapshot.as_of)
