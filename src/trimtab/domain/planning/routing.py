"""Turning desired trades into venue orders, and futures reductions.

Sells are taken from the venues holding the asset (largest holding first,
never the wallet) and credit their venue's quote balance; buys spend the
quote available on the venue that already holds the asset first, then on
the venue with the most quote. A buy is never sized beyond the quote a
venue has, so a plan cannot overdraw a venue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from trimtab.domain.analysis.drift import Analysis, AssetState
from trimtab.domain.contracts import SPOT, Contract
from trimtab.domain.planning.orders import (
    CostModel,
    MarketRule,
    Order,
    Side,
    Skipped,
    SkipReason,
)
from trimtab.domain.planning.sizing import SpotTargets
from trimtab.domain.planning.styles import fee_rate
from trimtab.domain.policy import Execution, Policy
from trimtab.domain.snapshot import WALLET

DUST = 1e-9  # relative size below which a trade is rounding noise, not an order
NO_RULE = MarketRule()  # a market the venue gave no rules for: no lot size, no minimums


@dataclass(frozen=True, slots=True)
class OrderFactory:
    """Builds an order or the reason it cannot be placed (minimums, lot size)."""

    quote: str
    costs: CostModel
    min_trade: float
    markets: Mapping[tuple[str, str], MarketRule]
    execution: Execution = field(default_factory=Execution)  # the style picks maker or taker
    # venues whose market list is known, gathered once: scanned per order, a plan over
    # many assets whose markets one venue lacks was quadratic
    listing: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "listing", frozenset(v for v, _ in self.markets))

    def lists(self, venue: str, symbol: str) -> bool:
        """Whether `venue` can trade `symbol`: true unless its market list is known and lacks
        it (a Binance COIN-M account has no spot market)."""
        return (venue, symbol) in self.markets or venue not in self.listing

    def make(self, venue: str, symbol: str, asset: str, side: Side, amount: float,
             price: float, contract: Contract = SPOT, *, round_up: bool = False,
             quote_rate: float = 1.0) -> Order | Skipped:
        """An order for `amount` units, rounded to the lot size, or a Skipped.

        `contract` values the amount (a position's own contract for a futures
        order); the market rule's lot size and minimums apply to it.
        """
        rule = self.markets.get((venue, symbol), NO_RULE)
        sized = rule.ceil(amount) if round_up else rule.floor(amount)
        notional = contract.notional(sized, price, quote_rate)
        why = self._below(rule, asset, sized, notional)
        if why is not None:
            return Skipped(asset, side, contract.notional(amount, price, quote_rate), why[0],
                           why[1], venue, symbol, amount)
        rate = fee_rate(self.execution, rule.maker, rule.taker, self.costs.fee_rate)
        return Order(venue, symbol, asset, side, sized, price, notional, notional * rate,
                     self.costs.slip(notional), reduce_only=":" in symbol, quote_rate=quote_rate)

    def _below(self, rule: MarketRule, asset: str, sized: float, notional: float
               ) -> tuple[SkipReason, str] | None:
        """The minimum a sized order falls under, with its sentence; None if it meets all."""
        if notional < self.min_trade:
            return "below_min_trade", (f"{notional:,.2f} {self.quote} is under the policy's "
                                       f"min_trade of {self.min_trade:,.2f}")
        if sized <= 0 or (rule.min_amount is not None and sized < rule.min_amount):
            return "below_min_amount", (f"{sized:.10g} {asset} is under the market's minimum "
                                        f"amount {rule.min_amount or 0:g}")
        if rule.min_cost is not None and notional < rule.min_cost:
            return "below_min_notional", (f"{notional:,.2f} {self.quote} is under the "
                                          f"market's minimum notional {rule.min_cost:g}")
        return None


def spot_orders(analysis: Analysis, targets: SpotTargets, factory: OrderFactory,
                flows: Mapping[str, float]) -> tuple[tuple[Order, ...], tuple[Skipped, ...]]:
    """Sells then buys, largest drift first, with per-venue quote accounting."""
    quote = _quote_by_venue(analysis, flows)
    orders: list[Order] = []
    skipped: list[Skipped] = list(targets.skipped)
    floor = DUST * max(analysis.spot_value, 1.0)
    moves = {a: d for a, d in targets.deltas.items() if abs(d) > floor}
    states = {a: analysis.asset(a) for a in moves}
    by_drift = sorted(moves, key=lambda a: states[a].drift, reverse=True)
    for asset in (a for a in by_drift if moves[a] < 0):
        _sell(states[asset], -moves[asset], factory, quote, orders, skipped)
    for asset in (a for a in reversed(by_drift) if moves[a] > 0):
        _buy(states[asset], moves[asset], factory, quote, orders, skipped, floor)
    return tuple(orders), tuple(skipped)


def _quote_by_venue(analysis: Analysis, flows: Mapping[str, float]) -> dict[str, float]:
    try:
        units = analysis.asset(analysis.quote)
    except KeyError:  # a quote neither targeted nor held
        return dict(flows)
    # quote held back (in open orders, a funding or earn wallet, collateral) buys nothing
    quote = {v: u - sum(units.venue_held_back.get(v, {}).values())
             for v, u in units.venue_units.items() if v != WALLET}
    for venue, amount in flows.items():
        quote[venue] = quote.get(venue, 0.0) + amount
    return quote


# why units held on a venue cannot be sold there now, as a plan's residual says it
HELD_BACK: Mapping[str, str] = {
    "locked": "are locked (open orders) and cannot be sold now",
    "collateral": "are margin collateral in a contract wallet, not spot; transfer them to "
                  "the spot wallet to sell them",
    "staked": "are staked or in earn; redeem them to sell them",
    "funding": "are in the funding wallet; transfer them to the spot wallet to sell them",
}


def _sell(asset: AssetState, value: float, factory: OrderFactory, quote: dict[str, float],
          orders: list[Order], skipped: list[Skipped]) -> None:
    """Sell from the venues' free spot units, largest first; what is left is skipped with
    its reason: no spot market, held back (locked, collateral, staked), or the wallet."""
    price = asset.price or 0.0
    remaining = value / price
    noise = DUST * (value / price)
    symbol = f"{asset.asset}/{factory.quote}"
    venues = {v: u for v, u in asset.venue_units.items() if v != WALLET and u > 0}
    held = {v: asset.venue_held_back.get(v, {}) for v in venues}
    free = {v: max(0.0, u - sum(held[v].values())) for v, u in venues.items()}
    tradable = {v: u for v, u in free.items() if factory.lists(v, symbol)}
    for venue in sorted(tradable, key=lambda v: -tradable[v]):
        take = min(remaining, tradable[venue])
        if take <= 0:
            break
        _record(factory.make(venue, symbol, asset.asset, "sell", take, price), quote, orders,
                skipped)
        remaining -= take
    if remaining <= noise:  # all sold: nothing held back or in the wallet to explain
        return
    unlisted = {v: {"no_spot_market": u} for v, u in free.items() if v not in tradable}
    for venue, reasons in [*unlisted.items(), *sorted(held.items())]:
        for reason, units in sorted(reasons.items()):
            take = min(remaining, units)
            if take > noise:
                skipped.append(Skipped(asset.asset, "sell", take * price, reason,  # type: ignore[arg-type]
                                       _held_back(reason, take, asset.asset, venue, symbol),
                                       venue, symbol, take))
                remaining -= take
    if remaining > noise:
        skipped.append(Skipped(asset.asset, "sell", remaining * price, "wallet_only",
                               f"{remaining:.10g} {asset.asset} to sell are held in the "
                               "wallet, which trimtab never trades", WALLET, None, remaining))


def _held_back(reason: str, units: float, asset: str, venue: str, symbol: str) -> str:
    if reason == "no_spot_market":
        return f"{venue} lists no {symbol} market; {units:.10g} {asset} held there cannot be sold"
    return f"{units:.10g} {asset} on {venue} {HELD_BACK[reason]}"


def _buy(asset: AssetState, value: float, factory: OrderFactory, quote: dict[str, float],
         orders: list[Order], skipped: list[Skipped], floor: float) -> None:
    price = asset.price or 0.0
    gross = 1.0 + factory.costs.rate
    need = value * gross
    held = asset.venue_units
    symbol = f"{asset.asset}/{factory.quote}"
    for venue in sorted(quote, key=lambda v: (not held.get(v, 0.0) > 0, -quote[v])):
        spend = min(need, quote[venue])
        if spend <= floor or not factory.lists(venue, symbol):
            continue
        notional = spend / gross
        result = factory.make(venue, symbol, asset.asset, "buy", notional / price, price)
        _record(result, quote, orders, skipped)
        need -= spend
        if need <= floor:
            return
    if need > floor:
        skipped.append(Skipped(asset.asset, "buy", need / gross, "insufficient_quote",
                               f"not enough {factory.quote} on the venues to buy "
                               f"{need / gross:,.2f} of {asset.asset}"))


def _record(result: Order | Skipped, quote: dict[str, float], orders: list[Order],
            skipped: list[Skipped]) -> None:
    if isinstance(result, Skipped):
        skipped.append(result)
        return
    orders.append(result)
    quote[result.venue] = quote.get(result.venue, 0.0) + result.quote_delta


def futures_reductions(analysis: Analysis, policy: Policy,
                       factory: OrderFactory, spot_after: float
                       ) -> tuple[tuple[Order, ...], tuple[Skipped, ...]]:
    """Reduce-only orders cutting every position in proportion to its notional.

    The cut r solves gross·(1 − r) = m·(spot − cost·gross·r), where spot is
    the spot value the plan's spot orders leave: the cap still holds after
    the reductions' own costs, even when they are paid from spot quote.
    Contracts round up to the lot size (never past the position), so
    rounding cannot leave the cap breached. When cap × cost rate ≥ 1 every
    unit cut costs more spot than it frees, so no partial cut reaches the
    cap: every position is closed.
    """
    gross, cap = analysis.futures.gross_notional, policy.futures.max_multiple
    if gross <= cap * spot_after:
        return (), ()
    freed = gross * (1.0 - cap * factory.costs.rate)
    cut = 1.0 if freed <= 0.0 else min(1.0, max(0.0, (gross - cap * spot_after) / freed))
    orders: list[Order] = []
    skipped: list[Skipped] = []
    for exposure in analysis.futures.positions:
        p = exposure.position
        side: Side = "sell" if p.side == "long" else "buy"
        result = factory.make(p.venue, p.symbol, p.base, side, p.contracts * cut, p.mark_price,
                              p.contract, round_up=True, quote_rate=exposure.quote_rate)
        if isinstance(result, Order) and result.amount > p.contracts:
            result = factory.make(p.venue, p.symbol, p.base, side, p.contracts, p.mark_price,
                                  p.contract, quote_rate=exposure.quote_rate)
        if isinstance(result, Order):  # the venue needs the reduced position's own modes
            result = replace(result, hedged=p.hedged, margin_mode=p.margin_mode)
        (orders if isinstance(result, Order) else skipped).append(result)  # type: ignore[arg-type]
    return tuple(orders), tuple(skipped)
