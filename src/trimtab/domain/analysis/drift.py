"""From a snapshot and a policy to weights, drift, bands, triggers and alert prices.

Everything here is a pure function of its inputs: the live path and the
backtester call the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from math import fsum, inf, isfinite
from types import MappingProxyType
from typing import Any, NamedTuple

from trimtab.domain.analysis.funding import HedgeFunding, funding_triggers, hedge_funding
from trimtab.domain.analysis.futures import FuturesExposure, futures_exposure
from trimtab.domain.analysis.margin import MarginHealth, margin_health, margin_triggers
from trimtab.domain.analysis.triggers import Trigger, spot_triggers
from trimtab.domain.bands import Band
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import WALLET, Snapshot

NOTHING: Mapping[str, Any] = MappingProxyType({})  # an empty mapping no one can fill


class SnapshotError(ValueError):
    """The snapshot cannot be analysed; the message names the field and the fix."""


class AssetState(NamedTuple):
    """One asset of the core allocation (tactical units already removed).

    Immutable as a frozen dataclass is, but a tuple: a check builds one per
    asset, and a frozen dataclass's __init__ (an object.__setattr__ per field)
    took four times as long, a tenth of a 50-asset check.
    """

    asset: str
    units: float
    price: float | None
    value: float
    weight: float
    band: Band
    sleeve: str | None = None
    frozen: bool = False
    venue_units: Mapping[str, float] = NOTHING
    # units held but not free to sell, per venue and reason (locked, collateral, staked, ...)
    venue_held_back: Mapping[str, Mapping[str, float]] = NOTHING
    rest: float | None = None  # value of everything else; None: no alert (the quote, no price)

    @property
    def alert_low(self) -> float | None:
        """The price at which the weight falls to the band's low, all else held."""
        return None if self.rest is None else _alert_price(self.units, self.rest, self.band.low)

    @property
    def alert_high(self) -> float | None:
        """The price at which the weight rises to the band's high, all else held."""
        return None if self.rest is None else _alert_price(self.units, self.rest, self.band.high)

    @property
    def target(self) -> float:
        return self.band.target

    @property
    def drift(self) -> float:
        return self.weight - self.band.target

    @property
    def breached(self) -> bool:
        return self.band.breached(self.weight)

    @property
    def wallet_units(self) -> float:
        return self.venue_units.get(WALLET, 0.0)

    @property
    def tradable_units(self) -> float:
        return sum(u for v, u in self.venue_units.items() if v != WALLET)


@dataclass(frozen=True, slots=True)
class SleeveState:
    """A sleeve's total weight against its own band."""

    name: str
    members: tuple[str, ...]
    value: float
    weight: float
    band: Band

    @property
    def drift(self) -> float:
        return self.weight - self.band.target

    @property
    def breached(self) -> bool:
        return self.band.breached(self.weight)


@dataclass(frozen=True, slots=True)
class TacticalHolding:
    """Units kept for active trading, reported apart from the allocation."""

    asset: str
    units: float
    value: float


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything a check reports; the planner's input."""

    quote: str
    spot_value: float
    assets: tuple[AssetState, ...]
    sleeves: tuple[SleeveState, ...]
    tactical: tuple[TacticalHolding, ...]
    futures: FuturesExposure
    triggers: tuple[Trigger, ...]
    stale_prices: tuple[str, ...] = ()
    untargeted: tuple[str, ...] = ()
    margin: tuple[MarginHealth, ...] = ()
    hedge_funding: tuple[HedgeFunding, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def triggered(self) -> bool:
        return bool(self.triggers)

    _by_name: dict[str, AssetState] = field(init=False, repr=False, compare=False,
                                            default_factory=dict)

    def __post_init__(self) -> None:
        # asset() is called per order and per asset: a scan made 10,000 assets quadratic
        object.__setattr__(self, "_by_name", {a.asset: a for a in self.assets})

    def asset(self, name: str) -> AssetState:
        return self._by_name[name]


@dataclass(frozen=True, slots=True)
class Weighing:
    """A snapshot weighed against a policy: each asset's and sleeve's weight in its band,
    and the futures layer. What a plan's residuals read; `analyse` adds what fired."""

    snapshot: Snapshot  # less the excluded assets' balances
    excluded: tuple[str, ...]  # the note naming those held
    prices: Mapping[str, float]
    values: Mapping[str, float]
    spot_value: float
    assets: tuple[AssetState, ...]
    sleeves: tuple[SleeveState, ...]
    futures: FuturesExposure
    tactical: Mapping[str, float]  # units taken out of the allocation


def weigh(snapshot: Snapshot, policy: Policy) -> Weighing:
    """Weights, bands and drift of every targeted or held asset and sleeve; futures exposure.

    Assets the policy excludes are taken out of the snapshot first: they are
    neither priced nor weighed, and a note names the ones held.
    """
    snapshot, excluded = without_excluded(snapshot, policy)
    prices = valid_prices(snapshot, policy)
    core_units, tactical_units = split_tactical(snapshot, policy)
    held = holdings(core_units, prices, policy)
    rows = held.rows()
    assets = _asset_states(rows, held, core_units, prices, snapshot.held_back(), policy)
    sleeves = _sleeve_states(rows, policy)
    futures = futures_exposure(snapshot, policy.futures.max_multiple, held.spot_value,
                               held.values)
    return Weighing(snapshot, excluded, prices, held.values, held.spot_value, assets, sleeves,
                    futures, tactical_units)


@dataclass(frozen=True, slots=True)
class Holdings:
    """Core units per asset valued at the snapshot's prices: what every weight comes from."""

    units: Mapping[str, float]
    values: Mapping[str, float]
    spot_value: float
    names: tuple[str, ...]  # the policy's targets in its order, then the others held, sorted

    def rows(self) -> list[tuple[str, float, float]]:
        """(asset, value, weight) of every name, in order; no spot value weighs 0."""
        total, values = self.spot_value, self.values
        if total <= 0:
            return [(a, values.get(a, 0.0), 0.0) for a in self.names]
        out = []
        for a in self.names:
            value = values.get(a, 0.0)
            out.append((a, value, value / total))
        return out


def holdings(core_units: Mapping[str, Mapping[str, float]], prices: Mapping[str, float],
             policy: Policy) -> Holdings:
    """Units summed per asset, valued, and the names weighed: every target, every asset held."""
    units = {a: sum(v.values()) for a, v in core_units.items()}
    values = {a: u * prices.get(a, 0.0) for a, u in units.items()}
    targets = policy.index.targets
    held = {a for a, u in units.items() if u > 0}
    names = (*targets, *sorted(held - targets.keys()))
    return Holdings(units, values, sum(values.values()), names)


@dataclass(frozen=True, slots=True)
class Weights:
    """Each asset's weight in its band, the sleeves and the futures layer, without the
    per-asset state an analysis reports: what a plan's residuals read."""

    assets: tuple[tuple[str, float, Band], ...]  # (asset, weight, band)
    sleeves: tuple[SleeveState, ...]
    futures: FuturesExposure


def weigh_units(rows: Iterable[tuple[str, str, float]], snapshot: Snapshot, policy: Policy
                ) -> Weights:
    """`weigh`'s weights for holdings given as (venue, asset, units) rows, priced and
    positioned as `snapshot` (whose balances are not read).

    The same rules on the same numbers, without building the balances as a
    snapshot nor a state per asset: that was half the cost of a plan's residuals.
    Prices are not checked again: a plan never buys an asset without a price.
    """
    exclude = policy.exclude
    core_units, _ = split_units([r for r in rows if r[1] not in exclude] if exclude else rows,
                                policy)
    held = holdings(core_units, prices_of(snapshot, policy), policy)
    weighed = held.rows()
    band = policy.index.asset_band
    return Weights(tuple((a, weight, band(a)) for a, _, weight in weighed),
                   _sleeve_states(weighed, policy),
                   futures_exposure(snapshot, policy.futures.max_multiple, held.spot_value,
                                    held.values))


def analyse(snapshot: Snapshot, policy: Policy) -> Analysis:
    """The weighing, with triggers, stale prices, margin health and hedges' funding."""
    w = weigh(snapshot, policy)
    names = [a.asset for a in w.assets]
    tactical = tuple(TacticalHolding(a, u, u * w.prices.get(a, 0.0))
                     for a, u in w.tactical.items() if u > 0)
    margin = tuple(margin_health(p.position) for p in w.futures.positions)
    hedges = hedge_funding(w.snapshot, {a for a, v in w.values.items() if v > 0})
    limits = policy.futures
    triggers = (spot_triggers([(a.asset, a) for a in w.assets], [(s.name, s) for s in w.sleeves])
                + w.futures.triggers()
                + margin_triggers(margin, limits.max_margin_ratio, limits.min_liquidation_distance)
                + funding_triggers(hedges, limits.max_funding_apr))
    return Analysis(
        quote=policy.quote, spot_value=w.spot_value, assets=w.assets, sleeves=w.sleeves,
        tactical=tactical, futures=w.futures, triggers=triggers,
        stale_prices=stale_prices(w.snapshot, policy, [a for a in names if a in w.prices]),
        untargeted=tuple(a for a in names if a not in policy.index.targets), margin=margin,
        hedge_funding=hedges, notes=w.snapshot.notes + w.excluded)


def without_excluded(snapshot: Snapshot, policy: Policy) -> tuple[Snapshot, tuple[str, ...]]:
    """The snapshot less the balances of excluded assets, and a note naming those held."""
    if not policy.exclude:
        return snapshot, ()
    held = sorted({b.asset for b in snapshot.balances if b.asset in policy.exclude})
    if not held:
        return snapshot, ()
    kept = tuple(b for b in snapshot.balances if b.asset not in policy.exclude)
    note = f"excluded by the policy (not weighed or traded): {', '.join(held)}"
    return snapshot.model_copy(update={"balances": kept}), (note,)


def valid_prices(snapshot: Snapshot, policy: Policy) -> dict[str, float]:
    """Prices by asset, the quote at 1; held assets without a price are one error naming all."""
    prices = prices_of(snapshot, policy)
    # units are never negative: an asset is held when one of its balances is positive
    missing = sorted({b.asset for b in snapshot.balances if b.amount > 0} - prices.keys())
    if missing:
        fields = ", ".join(f"prices.{a}" for a in missing)
        raise SnapshotError(
            f"{fields}: no price for held asset{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; add a positive price for each")
    return prices


def prices_of(snapshot: Snapshot, policy: Policy) -> dict[str, float]:
    """Prices by asset, the quote at 1."""
    prices = {a: q.price for a, q in snapshot.prices.items()}
    prices[policy.quote] = 1.0
    return prices


def stale_prices(snapshot: Snapshot, policy: Policy, assets: list[str]) -> tuple[str, ...]:
    """Assets whose price is older than `max_price_age` at the snapshot's time."""
    oldest = snapshot.as_of - timedelta(seconds=policy.max_price_age)
    return tuple(a for a in assets
                 if a != policy.quote and a in snapshot.prices and snapshot.price_time(a) < oldest)


def _exact_total(values: list[float]) -> tuple[float, float]:
    """The sum as a rounded value and its rounding error, so that total less one value is
    as exact as summing the others (which made 10,000 assets quadratic): O(n)."""
    high = fsum(values)
    return high, fsum([*values, -high])


def split_tactical(snapshot: Snapshot, policy: Policy
                   ) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Units per asset and venue left for the core, and the tactical units taken out."""
    return split_units([(b.venue, b.asset, b.amount) for b in snapshot.balances], policy)


def split_units(rows: Iterable[tuple[str, str, float]], policy: Policy
                ) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """`split_tactical` of (venue, asset, units) rows.

    Tactical units are taken from exchange venues first (largest holding
    first) since they exist to be traded; at most what is held is taken.
    """
    core: dict[str, dict[str, float]] = {}
    for venue, asset, amount in rows:  # one pass: by_venue per asset was quadratic
        venues = core.setdefault(asset, {})
        venues[venue] = venues.get(venue, 0.0) + amount
    taken: dict[str, float] = {}
    for asset, wanted in policy.tactical.items():
        venues = core.get(asset, {})
        remaining = wanted
        for venue in sorted(venues, key=lambda v: (v == WALLET, -venues[v])):
            cut = min(remaining, venues[venue])
            venues[venue] -= cut
            remaining -= cut
        taken[asset] = wanted - remaining
    return core, taken


def _asset_states(rows: list[tuple[str, float, float]], held: Holdings,
                  core_units: Mapping[str, Mapping[str, float]], prices: Mapping[str, float],
                  held_back: Mapping[str, Mapping[str, Mapping[str, float]]], policy: Policy
                  ) -> tuple[AssetState, ...]:
    """Each row's state. `rest`, the value of everything else, is summed (not subtracted
    from the total) so that alert prices keep their precision; the venue units and the
    units held back are this analysis' own: kept, not copied."""
    index, quote, frozen = policy.index, policy.quote, policy.frozen
    band, sleeve_of, units = index.asset_band, index.sleeve_of, held.units
    total = _exact_total(list(held.values.values()))
    states = []
    for a, value, weight in rows:  # one loop, no call per asset: a tenth of a check
        price = prices.get(a)
        rest = fsum((*total, -value)) if a != quote and price is not None else None
        states.append(AssetState(a, units.get(a, 0.0), price, value, weight, band(a),
                                 sleeve_of.get(a), a in frozen, core_units.get(a, NOTHING),
                                 held_back.get(a, NOTHING), rest))
    return tuple(states)


def alert_prices(units: float, rest: float, band: Band) -> tuple[float | None, float | None]:
    """Prices at which the weight reaches `low` and `high`, all other values held.

    Solves units·p / (units·p + rest) = bound for p. A bound of 0 or 1 is
    never crossed, and an asset that is not held or is the whole portfolio
    has no alert price. `AssetState` computes its own on demand (a check
    that never shows them, as a plan's residuals, does not pay for them).
    """
    return _alert_price(units, rest, band.low), _alert_price(units, rest, band.high)


def _alert_price(units: float, rest: float, bound: float) -> float | None:
    if units <= 0 or rest <= 0 or bound <= 0.0 or bound >= 1.0:
        return None
    price = bound * rest / (units * (1.0 - bound)) if units * (1.0 - bound) > 0 else inf
    return price if isfinite(price) else None


def _sleeve_states(rows: list[tuple[str, float, float]], policy: Policy
                   ) -> tuple[SleeveState, ...]:
    """Each sleeve's value and weight: its members' (asset, value, weight) rows summed in
    the rows' order, the members gathered in one pass (a pass per sleeve cost as much as
    building the states)."""
    if not policy.sleeves:
        return ()
    sleeve_of = policy.index.sleeve_of
    values: dict[str, list[float]] = {name: [] for name in policy.sleeves}
    weights: dict[str, list[float]] = {name: [] for name in policy.sleeves}
    for asset, value, weight in rows:
        name = sleeve_of.get(asset)
        if name is not None:
            values[name].append(value)
            weights[name].append(weight)
    bands = policy.index.sleeve_bands
    return tuple(SleeveState(name, tuple(sleeve.members), sum(values[name]), sum(weights[name]),
                             bands[name]) for name, sleeve in policy.sleeves.items())
