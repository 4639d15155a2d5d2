"""The rebalance service: snapshot → analysis → plan → (confirmation) → execution → after.

Front ends call `prepare`, show the plan, ask if they must, then `execute`
and `after`. Everything is journaled: the snapshot, the analysis, the plan
(with its status), every order, and every reason execution stopped.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trimtab.app.inputs import InputError, load_policy
from trimtab.domain.analysis.drift import Analysis, SnapshotError, analyse
from trimtab.domain.planning.planner import Plan, make_plan
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.execution.executor import Execution, Executor, Progress
from trimtab.execution.reconcile import Reconciler
from trimtab.journal.models import PlanRow
from trimtab.journal.store import Journal, JournalError, open_journal
from trimtab.reports.documents import check_document
from trimtab.venues.errors import VenueError
from trimtab.venues.paper.venue import PaperCosts, PaperVenue
from trimtab.venues.port import Venue
from trimtab.venues.prices import PriceSource, PriceSourceError, parse_source
from trimtab.venues.retry import Backoff
from trimtab.venues.snapshots import market_rules, take_snapshot

PAPER = "paper"
DEFAULT_PAPER_PRICES = "history:2025-02-10"


@dataclass(frozen=True)
class Options:
    """What `trimtab rebalance` was asked to do."""

    policy: Path
    venues: tuple[str, ...] = (PAPER,)
    journal: str | None = None
    paper_prices: str = DEFAULT_PAPER_PRICES
    paper_start: Path | None = None
    holdings: Path | None = None
    dry_run: bool = False
    environ: Mapping[str, str] | None = None
    prices: PriceSource | None = None  # overrides paper_prices (a replay's moving prices)


@dataclass
class Prepared:
    """A plan ready to confirm, with everything needed to execute it."""

    policy: Policy
    journal: Journal
    venues: dict[str, Venue]
    backoff: Backoff
    snapshot: Snapshot
    analysis: Analysis
    plan: Plan
    plan_id: str
    problems: list[str] = field(default_factory=list)
    wallet: dict[str, float] = field(default_factory=dict)


def prepare(options: Options, progress: Progress = lambda _m: None) -> Prepared:
    """Reconcile, snapshot, analyse and plan; journal all of it."""
    policy = load_policy(options.policy)
    try:
        journal = open_journal(options.journal)
    except JournalError as exc:
        raise InputError(str(exc)) from None
    backoff = Backoff(attempts=policy.execution.read_attempts)
    wallet = _read_amounts(options.holdings, "--holdings") if options.holdings else {}
    venues = open_venues(options, policy, journal, progress)
    problems = Reconciler(journal, venues, backoff).unresolved(at_start=True)
    snapshot = take_snapshot(list(venues.values()), policy.quote,
                             set(policy.asset_targets()), backoff, wallet)
    try:
        analysis = analyse(snapshot, policy)
    except SnapshotError as exc:
        raise InputError(f"snapshot from {', '.join(venues)}: {exc}") from None
    resumes = journal.unfinished_plan()
    if resumes:
        progress(f"plan {resumes} did not finish: planning the rest of it from a new snapshot")
    plan = make_plan(snapshot, policy, analysis, rebalance=True if resumes else None,
                     markets=market_rules(list(venues.values()), backoff))
    plan_id = uuid.uuid4().hex[:12]
    journal_plan(journal, plan_id, snapshot, analysis, plan, options.dry_run, problems)
    return Prepared(policy, journal, venues, backoff, snapshot, analysis, plan, plan_id,
                    problems, wallet)


def execute(prepared: Prepared, options: Options, progress: Progress = lambda _m: None
            ) -> Execution:
    """Send the plan's orders (nothing if reconciliation left problems)."""
    executor = Executor(prepared.journal, prepared.venues, prepared.policy, prepared.backoff,
                        options.environ, progress)
    return executor.run(prepared.plan_id, prepared.plan.orders)


def after(prepared: Prepared) -> Analysis:
    """The analysis of a fresh snapshot, for the before/after table."""
    snapshot = take_snapshot(list(prepared.venues.values()), prepared.policy.quote,
                             set(prepared.policy.asset_targets()), prepared.backoff,
                             prepared.wallet)
    analysis = analyse(snapshot, prepared.policy)
    prepared.journal.record_document(snapshot.as_of, ",".join(prepared.venues),
                                     snapshot.model_dump(mode="json", by_alias=True),
                                     check_document(analysis, Plan()), analysis.triggered)
    return analysis


def open_venues(options: Options, policy: Policy, journal: Journal, progress: Progress
                ) -> dict[str, Venue]:
    """The venues named in the options (the paper one funded if new), by name."""
    out: dict[str, Venue] = {}
    for name in options.venues:
        try:
            out[name] = (_paper(options, policy, journal, progress) if name == PAPER
                         else _ccxt(name, options.environ))
        except (PriceSourceError, VenueError) as exc:
            raise InputError(str(exc)) from None
    return out


def _ccxt(name: str, environ: Mapping[str, str] | None) -> Venue:
    from trimtab.venues.ccxt_venue import open_ccxt_venue
    return open_ccxt_venue(name, environ=environ)


def _paper(options: Options, policy: Policy, journal: Journal, progress: Progress) -> Venue:
    start = _read_amounts(options.paper_start, "--paper-start") if options.paper_start else {}
    costs = PaperCosts(policy.costs.fee_rate, policy.costs.slippage_bps / 10_000)
    assets = tuple(sorted(set(policy.asset_targets()) | {a for a in start if ":" not in a}))
    prices = options.prices or parse_source(options.paper_prices, policy.quote)
    venue = PaperVenue(journal, prices, costs, quote=policy.quote, assets=assets)
    if venue.is_empty():
        if not start:
            raise InputError("--paper-start: the paper account is empty; give a JSON file of "
                             'starting balances such as {"USDT": 10000, "BTC": 0.1}')
        venue.fund(start)
        progress(f"paper account funded from {options.paper_start}")
    elif start:
        progress("paper account already funded; --paper-start ignored")
    return venue


def read_wallet(path: Path | None) -> dict[str, float]:
    """Off-exchange holdings from `--holdings` (empty without the option)."""
    return _read_amounts(path, "--holdings") if path else {}


def _read_amounts(path: Path, option: str) -> dict[str, float]:
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{option}: {path}: cannot read a JSON object ({exc})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{option}: {path}: expected an object of asset → amount")
    for asset, amount in raw.items():
        short_allowed = ":" in str(asset)  # a perpetual: negative contracts are a short
        if not isinstance(amount, int | float) or isinstance(amount, bool) or (
                amount < 0 and not short_allowed):
            raise InputError(f"{option}: {path}: {asset}: amount must be a number ≥ 0")
    return {str(a): float(u) for a, u in raw.items()}


def journal_plan(journal: Journal, plan_id: str, snapshot: Snapshot, analysis: Analysis,
                 plan: Plan, dry_run: bool, problems: list[str], status: str | None = None
                 ) -> None:
    """Journal a plan with its snapshot and analysis (status derived unless given)."""
    document = check_document(analysis, plan)
    snapshot_id, analysis_id = journal.record_document(
        snapshot.as_of, ",".join(sorted({b.venue for b in snapshot.balances})),
        snapshot.model_dump(mode="json", by_alias=True), document, analysis.triggered)
    status = status or ("refused" if plan.refused or problems else "nothing_to_do"
                        if not plan.orders else "dry-run" if dry_run else "planned")
    reason = "; ".join([*plan.refused, *problems]) or None
    journal.add(PlanRow(id=plan_id, snapshot_id=snapshot_id, analysis_id=analysis_id,
                        status=status, reason=reason,
                        document=json.dumps(document, default=str, sort_keys=True)))
    for message in plan.refused:
        journal.event(message.split(":", 1)[0], message, plan_id)
    for message in problems:
        journal.event("unresolved_orders", message, plan_id)

