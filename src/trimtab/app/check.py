"""`check`: a snapshot (a file, or taken from the venues) analysed and planned under a policy."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from trimtab.app.inputs import InputError, load_policy, load_snapshot
from trimtab.app.lots import load_ledger, planning_lots
from trimtab.domain.analysis.drift import Analysis, SnapshotError, analyse
from trimtab.domain.planning.planner import Markets, Plan, make_plan
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.domain.tax.estimate import PlanTax
from trimtab.domain.tax.lots import Ledger

if TYPE_CHECKING:
    from trimtab.app.wiring import Options
    from trimtab.journal.store import Journal


@dataclass(frozen=True, slots=True)
class CheckResult:
    policy: Policy
    snapshot: Snapshot
    analysis: Analysis
    plan: Plan

    @property
    def tax(self) -> PlanTax | None:
        return self.plan.tax


def check(policy_path: Path, snapshot_path: Path, cash_flow: float = 0.0,
          trades: Sequence[Path] = ()) -> CheckResult:
    """Analyse a snapshot under a policy and plan the correction (with its tax, given lots)."""
    if not math.isfinite(cash_flow):
        raise InputError("--deposit/--withdraw: give a finite amount of the quote currency")
    policy = load_policy(policy_path)
    ledger = planning_lots(policy, trades)
    snapshot = load_snapshot(snapshot_path)
    try:
        analysis = analyse(snapshot, policy)
    except SnapshotError as exc:
        raise InputError(f"{snapshot_path}: {exc}") from None
    return _planned(policy, snapshot, analysis, cash_flow, ledger)


def check_venues(options: Options, cash_flow: float = 0.0, trades: Sequence[Path] = ()
                 ) -> CheckResult:
    """Analyse a snapshot taken from the venues (the paper exchange by default).

    A venue that fails is a VenueError (exit 1, as in every command), not bad input.
    Only a paper account writes (it is funded, its book kept, in the journal): on real
    venues alone the journal is only read (`_journal`).
    """
    from trimtab.app.wiring import open_reads
    from trimtab.journal.store import JournalError

    if options.policy is None:
        raise InputError("--policy: a policy file is needed")
    if not math.isfinite(cash_flow):
        raise InputError("--deposit/--withdraw: give a finite amount of the quote currency")
    policy = load_policy(options.policy)
    try:
        journal = _journal(options)
        ledger = planning_lots(policy, trades, journal)  # the lots `rebalance` plans with
        actions = open_reads(options, policy, journal)
        snapshot = actions.snapshot()
        analysis = analyse(snapshot, policy)
        markets = actions.markets()  # lot sizes and minimums, as `rebalance` sizes its orders
    except (JournalError, SnapshotError) as exc:
        raise InputError(str(exc)) from None
    return _planned(policy, snapshot, analysis, cash_flow, ledger, markets)


def _journal(options: Options) -> Journal | None:
    """The journal to plan from: a writer where a paper account is among the venues (it is
    kept there); else read-only, so that a check never waits behind a trading writer's
    lock nor writes a new journal, and None when there is none yet (lots from the trade
    files alone: no fill of trimtab's was ever journaled)."""
    from trimtab.app.wiring import is_paper
    from trimtab.journal.opening import NoJournal, open_journal

    if any(is_paper(v) for v in options.venues):
        return open_journal(options.journal)
    try:
        return open_journal(options.journal, create=False)
    except NoJournal:
        return None


def _planned(policy: Policy, snapshot: Snapshot, analysis: Analysis, cash_flow: float,
             ledger: Ledger | None, markets: Markets | None = None) -> CheckResult:
    if cash_flow < 0 and -cash_flow > analysis.spot_value:
        raise InputError(f"--withdraw: {-cash_flow:,.2f} is more than the spot value "
                         f"{analysis.spot_value:,.2f} {policy.quote}")
    plan = make_plan(snapshot, policy, analysis, cash_flow=cash_flow, lots=ledger,
                     markets=markets)
    return CheckResult(policy, snapshot, analysis, plan)


@dataclass(frozen=True, slots=True)
class LotsResult:
    ledger: Ledger
    prices: dict[str, float]  # from the snapshot, when one was given
    quote: str


def lots(policy_path: Path, trades: Sequence[Path], snapshot_path: Path | None = None,
         journal_url: str | None = None) -> LotsResult:
    """The open lots of the trade files (and journal), and the snapshot's prices to value them.

    The journal is only read (read-only, beside a trading writer); one named but missing
    is bad input: lots without its fills would understate what is held and its basis.
    """
    from trimtab.app.rebalance import open_or_fail

    policy = load_policy(policy_path)
    journal = open_or_fail(journal_url, create=False) if journal_url else None
    ledger = load_ledger(policy, trades, journal)
    if snapshot_path is None:
        return LotsResult(ledger, {}, policy.quote)
    snapshot = load_snapshot(snapshot_path)
    return LotsResult(ledger, {a: q.price for a, q in snapshot.prices.items()}, policy.quote)

