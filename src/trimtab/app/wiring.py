"""Opening what the use cases work on: venues (paper or ccxt) from options or from a plan.

This is the one place that turns names into adapters. `VenueActions` is
what the watch loop, the dashboard and approvals hold: snapshots from the
venues, their market rules, and an Executor over them, so an order placed
from any front end is exactly as safe as one placed by `trimtab rebalance`.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from trimtab.app.inputs import InputError, read_amounts
from trimtab.domain.planning.orders import MarketRule, Order
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.execution.executor import Executor, Progress
from trimtab.execution.lease import LEASE_WAIT, AccountLease
from trimtab.execution.outcome import Execution
from trimtab.execution.recovery import recover
from trimtab.execution.states import PlanStatus
from trimtab.journal.plan_record import RecordError, load_record
from trimtab.journal.store import Journal
from trimtab.venues.errors import VenueError
from trimtab.venues.paper.venue import PaperCosts, PaperVenue
from trimtab.venues.port import Venue
from trimtab.venues.prices import PriceSource, PriceSourceError, parse_source
from trimtab.venues.retry import Backoff
from trimtab.venues.snapshots import market_rules, take_snapshot

log = logging.getLogger(__name__)

PAPER = "paper"
PAPER_ACCOUNT = PAPER + "-"  # paper-NAME: a paper account of its own (one per watched policy)
ENV_LEASE_WAIT = "TRIMTAB_LEASE_WAIT"
DEFAULT_PAPER_PRICES = "history:2025-02-10"
WITHDRAWAL = "withdrawal of plan "  # a paper transfer's reference, + the plan's id
DEPOSIT = "deposit of plan "  # a `rebalance --deposit` credited with its plan, + its id
# A plan in these statuses ran (or had nothing to sell): its withdrawal leaves the paper account.
PAID_OUT = frozenset({PlanStatus.DONE, PlanStatus.STOPPED, PlanStatus.NOTHING_TO_DO})


@dataclass(frozen=True)
class Options:
    """Which venues to open and how: what a command was asked for."""

    policy: Path | None = None
    venues: tuple[str, ...] = (PAPER,)
    journal: str | None = None
    paper_prices: str = DEFAULT_PAPER_PRICES
    paper_start: Path | None = None
    holdings: Path | None = None
    dry_run: bool = False
    environ: Mapping[str, str] | None = None
    prices: PriceSource | None = None  # overrides paper_prices (a replay's moving prices)
    trading: bool = False  # a ccxt venue must then have API keys (an approval sends orders)
    sandbox: bool = False  # every ccxt venue on its testnet (`--sandbox`)

    @property
    def paper_spec(self) -> str:
        """The paper price source as a plan records it (a replay's: the day it shows)."""
        return self.prices.spec() if self.prices is not None else self.paper_prices


@dataclass(frozen=True)
class VenueReads:
    """Snapshots and market rules from open venues: all that a command which only reads
    (`check`, `alerts`) takes from them, with no journal to write to."""

    policy: Policy
    venues: Mapping[str, Venue]
    backoff: Backoff
    wallet: Mapping[str, float] = field(default_factory=dict)

    def snapshot(self) -> Snapshot:
        return take_snapshot(list(self.venues.values()), self.policy.quote,
                             set(self.policy.asset_targets()), self.backoff, self.wallet)

    def markets(self) -> dict[tuple[str, str], MarketRule]:
        return market_rules(list(self.venues.values()), self.backoff)


@dataclass
class VenueActions:
    """Snapshots and market rules from open venues, and an Executor over them."""

    policy: Policy
    journal: Journal
    venues: Mapping[str, Venue]
    backoff: Backoff
    wallet: Mapping[str, float] = field(default_factory=dict)
    environ: Mapping[str, str] | None = None
    progress: Progress = lambda _message: None
    lease: AccountLease | None = None
    sandbox: bool = False  # the ccxt venues are on their testnets: a plan's record says so
    # one execution at a time among the threads sharing these venues (the dashboard's)
    _turn: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def snapshot(self) -> Snapshot:
        return self.reads().snapshot()

    def markets(self) -> dict[tuple[str, str], MarketRule]:
        return self.reads().markets()

    def reads(self) -> VenueReads:
        """The same venues, read as a command that only reads reads them (one snapshot)."""
        return VenueReads(self.policy, self.venues, self.backoff, self.wallet)

    def hold(self, purpose: str, wait: float | None = None) -> list[str]:
        """Take these venues' lease (LeaseBusy after `wait` s), then recover and pay the
        withdrawals owed (`pay_owed`); the problems.

        `wait` defaults to TRIMTAB_LEASE_WAIT, else LEASE_WAIT. Already held:
        nothing is taken again and recovery is not repeated.
        """
        if self.lease is not None and self.lease.held:
            return []
        lease = AccountLease(self.journal, tuple(self.venues), purpose)
        lease.acquire(lease_wait(self.environ) if wait is None else wait)
        self.lease = lease
        try:
            problems = recover(self.journal, self.venues, self.backoff, self.progress)
            self.pay_owed()
            return problems
        except BaseException:
            self.let_go()
            raise

    @property
    def paper_prices(self) -> str | None:
        """The paper exchange's price source as it shows now, for a plan's record: a replay's
        is the day its clock is on, so that a plan names the prices it was made on."""
        paper = self.paper()
        return None if paper is None else paper.prices.spec()

    def paper(self) -> PaperVenue | None:
        """The paper account among these venues (`paper` or `paper-NAME`), if any: the one
        a deposit can credit."""
        return next((v for v in self.venues.values() if isinstance(v, PaperVenue)), None)

    def let_go(self) -> None:
        """Give the lease back (nothing when it is not held)."""
        if self.lease is not None:
            self.lease.release()
            self.lease = None

    @contextmanager
    def exclusive(self, purpose: str, wait: float | None = None) -> Iterator[list[str]]:
        """The venues' lease for the block, recovery done; yields what forbids trading."""
        with self._turn:
            if self.lease is not None and self.lease.held:
                yield []
                return
            problems = self.hold(purpose, wait)
            try:
                yield problems
            finally:
                self.let_go()

    def execute(self, plan_id: str, orders: tuple[Order, ...]) -> Execution:
        """Send a journaled plan's orders (planned or approved) under the venues' lease;
        once they ran, its withdrawal leaves a paper account (`pay_owed`)."""
        with self.exclusive(f"execute plan {plan_id}"):
            executor = Executor(self.journal, self.venues, self.policy, self.backoff,
                                self.environ, self.progress, self.lease)
            execution = executor.run(plan_id, orders)
            self.pay_owed()
            return execution

    def pay_owed(self) -> None:
        """Each plan on these paper accounts that ran (PAID_OUT) pays its withdrawal out,
        once: on a real venue the user withdraws that quote by hand (trimtab never
        withdraws), so the paper account would otherwise keep it and invest it again.

        Called after an execution and whenever the venues are taken (`hold`): a pay-out
        that met a locked journal after its plan ran is made by the next run, and the
        transfer's reference (WITHDRAWAL + plan id) keeps any plan from paying twice.
        """
        accounts = [n for n, v in self.venues.items() if isinstance(v, PaperVenue)]
        if not accounts:
            return
        for plan_id, document in self.journal.untransferred(PAID_OUT, accounts, WITHDRAWAL):
            try:
                cash_flows = load_record(plan_id, document).cash_flows
            except RecordError as exc:  # written by a newer trimtab: it pays its own
                log.warning("plan %s: withdrawal not paid out: %s", plan_id, exc)
                continue
            self._pay_out(cash_flows, WITHDRAWAL + plan_id)

    def _pay_out(self, cash_flows: Sequence[tuple[str, float]], reference: str) -> None:
        """Pay the withdrawals among `cash_flows` out of these paper accounts, once per
        `reference` (PaperVenue.transfer): a deposit moves nothing here."""
        for venue, amount in cash_flows:
            paper = self.venues.get(venue)
            if amount < 0 and isinstance(paper, PaperVenue):
                moved = paper.transfer(self.policy.quote, amount, reference)
                if moved is not None:
                    self.progress(f"{venue}: {-moved:,.2f} {self.policy.quote} withdrawn")


def lease_wait(environ: Mapping[str, str] | None = None) -> float:
    """Seconds to wait for an account another process holds: TRIMTAB_LEASE_WAIT or 60."""
    text = (os.environ if environ is None else environ).get(ENV_LEASE_WAIT)
    if text is None:
        return LEASE_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not math.isfinite(seconds) or not 0 <= seconds <= 86_400:
        raise InputError(f"{ENV_LEASE_WAIT}: '{text}' is not a number of seconds from 0 to "
                         "86400 (how long to wait for an account another process holds)")
    return seconds


def open_actions(options: Options, policy: Policy, journal: Journal,
                 progress: Progress = lambda _message: None) -> VenueActions:
    """The venues named in `options`, opened (a new paper account funded) and wrapped."""
    reads = open_reads(options, policy, journal, progress)
    return VenueActions(policy, journal, reads.venues, reads.backoff, reads.wallet,
                        options.environ, progress, sandbox=options.sandbox)


def open_reads(options: Options, policy: Policy, journal: Journal | None,
               progress: Progress = lambda _message: None) -> VenueReads:
    """The venues named in `options`, opened to be read; `journal` may be None (or a
    read-only one) when none of them is a paper account, which lives in the journal."""
    return VenueReads(policy, open_venues(options, policy, journal, progress),
                      Backoff(attempts=policy.execution.read_attempts),
                      read_amounts(options.holdings, "--holdings"))


def open_venues(options: Options, policy: Policy, journal: Journal | None, progress: Progress
                ) -> dict[str, Venue]:
    """The venues named in the options (the paper one funded if new), by name."""
    out: dict[str, Venue] = {}
    for name in options.venues:
        if is_paper(name) and journal is None:
            raise ValueError(f"{name}: a paper account is kept in the journal: open one")
        try:
            out[name] = (_paper(options, policy, journal, progress, name)
                         if is_paper(name) and journal is not None else _ccxt(name, options))
        except (PriceSourceError, VenueError) as exc:
            raise InputError(str(exc)) from None
    return out


def _ccxt(name: str, options: Options) -> Venue:
    from trimtab.venues.ccxt_venue import open_ccxt_venue
    from trimtab.venues.credentials import env_prefix

    venue = open_ccxt_venue(name, environ=options.environ, sandbox=options.sandbox)
    if options.trading and not venue.credentials.values:
        raise InputError(f"{name}: no API key to trade with; set {env_prefix(name)}API_KEY and "
                         f"{env_prefix(name)}SECRET, or store them in the keyring (service "
                         f"trimtab, user {name}:api_key)")
    return venue


def is_paper(venue: str) -> bool:
    """`paper`, or `paper-NAME`: an account of the paper exchange kept in the journal."""
    return venue == PAPER or (venue.startswith(PAPER_ACCOUNT) and len(venue) > len(PAPER_ACCOUNT))


def _paper(options: Options, policy: Policy, journal: Journal, progress: Progress,
           name: str = PAPER) -> Venue:
    start = read_amounts(options.paper_start, "--paper-start")
    costs = PaperCosts(policy.costs.fee_rate, policy.costs.slippage_bps / 10_000)
    assets = tuple(sorted(set(policy.asset_targets()) | {a for a in start if ":" not in a}))
    prices = options.prices or parse_source(options.paper_prices, policy.quote)
    venue = PaperVenue(journal, prices, costs, name=name, quote=policy.quote, assets=assets)
    if start and venue.fund_if_empty(start):
        progress(f"{name} account funded from {options.paper_start}")
    elif start:
        progress(f"{name} account already funded; --paper-start ignored")
    elif venue.is_empty():
        raise InputError(f"--paper-start: the {name} account is empty; give a JSON file of "
                         'starting balances such as {"USDT": 10000, "BTC": 0.1}')
    return venue
