"""Lots for planning: the one source every command that plans reads its ledger from.

`check`, `rebalance`, `watch`, the dashboard and `trimtab lots` all call
`planning_lots` (or `load_ledger`): the trade files the policy's `[tax]` names,
the command's `--trades` files, and the journal's own spot fills, replayed in
time order under the policy's `[tax]` settings (FIFO at the defaults when the
policy has none). A plan made from the same account and the same files is then
the same plan, with the same tax, whichever command made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from trimtab.app.inputs import InputError
from trimtab.app.trade_files import read_trades
from trimtab.domain.policy import Policy
from trimtab.domain.tax.lots import Event, Ledger, LotError, replay
from trimtab.domain.tax.settings import TaxSettings

if TYPE_CHECKING:  # the journal (SQLAlchemy) is opened by the command that has one
    from trimtab.journal.store import Journal


def planning_lots(policy: Policy, trades: Sequence[Path] = (), journal: Journal | None = None
                  ) -> Ledger | None:
    """The ledger a plan is made with; None when the policy has no `[tax]` and no
    `--trades` were given (its plans then carry no tax, as before lots existed)."""
    if policy.tax is None and not trades:
        return None
    return load_ledger(policy, trades, journal)


def load_ledger(policy: Policy, trades: Sequence[Path] = (), journal: Journal | None = None
                ) -> Ledger:
    """The lots left after the policy's trade files, `trades` and the journal's fills."""
    events = _journal_fills(journal) if journal is not None else []
    events += _policy_files(policy)
    for path in trades:
        events += read_trades(path, policy.quote)
    try:
        # past sales were matched by the policy's own method, whatever the planner
        return replay(events, policy.tax or TaxSettings())
    except LotError as exc:
        raise InputError(f"trade history: {exc}") from None


def _policy_files(policy: Policy) -> list[Event]:
    """The events of the files `[tax] trades` names; a bad one says it came from there."""
    events: list[Event] = []
    for name in policy.tax.trades if policy.tax else ():
        try:
            events += read_trades(Path(name), policy.quote)
        except InputError as exc:
            raise InputError(f"[tax] trades: {exc}; fix the file or its name in the policy "
                             "(relative to the policy file)") from None
    return events


def _journal_fills(journal: Journal) -> list[Event]:
    """The journal's own spot fills as lot events."""
    from trimtab.app.journal_lots import journal_events
    from trimtab.journal.store import JournalError

    try:
        return journal_events(journal)
    except JournalError as exc:
        raise InputError(str(exc)) from None
