"""The hedge alternative: short a perpetual instead of selling an overweight.

For each asset the plan sells, the alternative shorts `hedge_ratio` × the
overweight notional on a perpetual, less the shorts already open on that
asset (so that with the hedge in place a second check proposes none), and
shows its funding cost over the horizon next to the cost of selling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.analysis.futures import exposure_multiple
from trimtab.domain.contracts import Contract
from trimtab.domain.planning.orders import CostModel
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import WALLET, Position, Snapshot


@dataclass(frozen=True, slots=True)
class Hedge:
    """A short perpetual proposed instead of selling an overweight."""

    asset: str
    venue: str
    symbol: str
    contracts: float
    notional: float
    overweight: float
    existing_short: float
    open_cost: float
    funding_rate: float | None
    funding_cost: float | None
    horizon_days: float
    sell_cost: float
    multiple_after: float
    exceeds_cap: bool


def hedges_for(overweights: Mapping[str, float], snapshot: Snapshot, policy: Policy,
               analysis: Analysis, costs: CostModel) -> tuple[Hedge, ...]:
    """The hedge of each overweight (asset: quote notional) that needs one, largest first.

    The positions are grouped by base asset once: scanned for every
    overweight, they were a third of each hedge's cost.
    """
    by_base: dict[str, list[Position]] = {}
    for p in snapshot.positions:
        by_base.setdefault(p.base, []).append(p)
    found = (hedge_for(a, over, by_base.get(a, []), snapshot, policy, analysis, costs)
             for a, over in overweights.items())
    return tuple(sorted((h for h in found if h is not None), key=lambda h: -h.notional))


def hedge_for(asset: str, overweight: float, positions: list[Position], snapshot: Snapshot,
              policy: Policy, analysis: Analysis, costs: CostModel) -> Hedge | None:
    """The hedge for an overweight (quote notional), or None when shorts cover it;
    `positions` are the snapshot's positions on the asset, in its order."""
    shorts = [p for p in positions if p.side == "short" and p.contracts > 0]
    existing = sum(snapshot.position_notional(p) for p in shorts)
    notional = policy.futures.hedge_ratio * overweight - existing
    if notional <= max(policy.costs.min_trade, 1e-9 * max(analysis.spot_value, 1.0)):
        return None
    venue, symbol, mark, size = _perpetual(asset, positions, snapshot, policy, analysis)
    funding = snapshot.funding_rates.get(symbol)
    days = policy.futures.funding_horizon_days
    gross = analysis.futures.gross_notional + notional
    multiple = exposure_multiple(gross, analysis.spot_value)
    return Hedge(
        asset=asset, venue=venue, symbol=symbol,
        contracts=Contract(size).amount_for(notional, mark),
        notional=notional, overweight=overweight, existing_short=existing,
        open_cost=costs.fee(notional) + costs.slip(notional),
        funding_rate=None if funding is None else funding.rate,
        funding_cost=None if funding is None else -notional * funding.per_day * days,
        horizon_days=days, sell_cost=overweight * costs.rate,
        multiple_after=multiple, exceeds_cap=multiple > policy.futures.max_multiple)


def _perpetual(asset: str, positions: list[Position], snapshot: Snapshot, policy: Policy,
               analysis: Analysis) -> tuple[str, str, float, float]:
    """Venue, symbol, mark price and contract size of the perpetual to short.

    An open linear position on the asset names them; otherwise the
    `ASSET/QUOTE:QUOTE` perpetual on the venue holding most of the asset.
    """
    for p in positions:
        if not p.inverse:
            return p.venue, p.symbol, p.mark_price, p.contract_size
    state = analysis.asset(asset)
    venues = {v: u for v, u in state.venue_units.items() if v != WALLET}
    venue = max(venues, key=lambda v: venues[v]) if venues else _busiest_venue(snapshot)
    price = state.price or 0.0
    return venue, f"{asset}/{policy.quote}:{policy.quote}", price, 1.0


def _busiest_venue(snapshot: Snapshot) -> str:
    """The venue holding the most balances; of equals, the first by name (a set's order
    changes from one process to the next, and a plan must not)."""
    venues = [b.venue for b in snapshot.balances if b.venue != WALLET]
    return max(sorted(set(venues)), key=venues.count) if venues else WALLET
