"""`check`: a snapshot (a file, or taken from the venues) analysed and planned under a policy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from trimtab.app.inputs import InputError, load_policy, load_snapshot
from trimtab.domain.analysis.drift import Analysis, SnapshotError, analyse
from trimtab.domain.planning.planner import Plan, make_plan
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot

if TYPE_CHECKING:
    from trimtab.app.wiring import Options


@dataclass(frozen=True, slots=True)
class CheckResult:
    policy: Policy
    snapshot: Snapshot
    analysis: Analysis
    plan: Plan


def check(policy_path: Path, snapshot_path: Path, cash_flow: float = 0.0) -> CheckResult:
    """Analyse a snapshot under a policy and plan the correction."""
    policy = load_policy(policy_path)
    snapshot = load_snapshot(snapshot_path)
    try:
        analysis = analyse(snapshot, policy)
    except SnapshotError as exc:
        raise InputError(f"{snapshot_path}: {exc}") from None
    return _planned(policy, snapshot, analysis, cash_flow)


def check_venues(options: Options, cash_flow: float = 0.0) -> CheckResult:
    """Analyse a snapshot taken from the venues (the paper exchange by default)."""
    from trimtab.app.wiring import open_actions
    from trimtab.journal.opening import open_journal
    from trimtab.journal.store import JournalError
    from trimtab.venues.errors import VenueError

    if options.policy is None:
        raise InputError("--policy: a policy file is needed")
    policy = load_policy(options.policy)
    try:
        actions = open_actions(options, policy, open_journal(options.journal))
        snapshot = actions.snapshot()
        analysis = analyse(snapshot, policy)
    except (JournalError, VenueError, SnapshotError) as exc:
        raise InputError(str(exc)) from None
    return _planned(policy, snapshot, analysis, cash_flow)


def _planned(policy: Policy, snapshot: Snapshot, analysis: Analysis, cash_flow: float
             ) -> CheckResult:
    if cash_flow < 0 and -cash_flow > analysis.spot_value:
        raise InputError(f"--withdraw: {-cash_flow:,.2f} is more than the spot value "
                         f"{analysis.spot_value:,.2f} {policy.quote}")
    return CheckResult(policy, snapshot, analysis, make_plan(snapshot, policy, analysis,
                                                             cash_flow=cash_flow))
