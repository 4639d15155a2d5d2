"""Opening what the use cases work on: venues (paper or ccxt) from options or from a plan.

This is the one place that turns names into adapters. `VenueActions` is
what the watch loop, the dashboard and approvals hold: snapshots from the
venues, their market rules, and an Executor over them, so an order placed
from any front end is exactly as safe as one placed by `trimtab rebalance`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from trimtab.app.inputs import InputError, read_amounts
from trimtab.domain.planning.orders import MarketRule, Order
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.execution.executor import Executor, Progress
from trimtab.execution.outcome import Execution
from trimtab.journal.store import Journal
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

    @property
    def paper_spec(self) -> str:
        """The paper price source as a plan records it (a replay's: the day it shows)."""
        return self.prices.spec() if self.prices is not None else self.paper_prices


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
    paper_prices: str | None = None

    def snapshot(self) -> Snapshot:
        return take_snapshot(list(self.venues.values()), self.policy.quote,
                             set(self.policy.asset_targets()), self.backoff, self.wallet)

    def markets(self) -> dict[tuple[str, str], MarketRule]:
        return market_rules(list(self.venues.values()), self.backoff)

    def execute(self, plan_id: str, orders: tuple[Order, ...]) -> Execution:
        """Send a journaled plan's orders (the plan must be planned or approved)."""
        executor = Executor(self.journal, self.venues, self.policy, self.backoff,
                            self.environ, self.progress)
        return executor.run(plan_id, orders)


def open_actions(options: Options, policy: Policy, journal: Journal,
                 progress: Progress = lambda _message: None) -> VenueActions:
    """The venues named in `options`, opened (a new paper account funded) and wrapped."""
    venues = open_venues(options, policy, journal, progress)
    return VenueActions(policy, journal, venues,
                        Backoff(attempts=policy.execution.read_attempts),
                        read_amounts(options.holdings, "--holdings"), options.environ, progress,
                        options.paper_spec if PAPER in venues else None)


def open_venues(options: Options, policy: Policy, journal: Journal, progress: Progress
                ) -> dict[str, Venue]:
    """The venues named in the options (the paper one funded if new), by name."""
    out: dict[str, Venue] = {}
    for name in options.venues:
        try:
            out[name] = (_paper(options, policy, journal, progress) if name == PAPER
                         else _ccxt(name, options.environ, options.trading))
        except (PriceSourceError, VenueError) as exc:
            raise InputError(str(exc)) from None
    return out


def _ccxt(name: str, environ: Mapping[str, str] | None, trading: bool) -> Venue:
    from trimtab.venues.ccxt_venue import open_ccxt_venue
    from trimtab.venues.credentials import env_prefix

    venue = open_ccxt_venue(name, environ=environ)
    if trading and not venue.credentials.values:
        raise InputError(f"{name}: no API key to trade with; set {env_prefix(name)}API_KEY and "
                         f"{env_prefix(name)}SECRET, or store them in the keyring (service "
                         f"trimtab, user {name}:api_key)")
    return venue


def _paper(options: Options, policy: Policy, journal: Journal, progress: Progress) -> Venue:
    start = read_amounts(options.paper_start, "--paper-start")
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
