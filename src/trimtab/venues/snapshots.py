"""A Snapshot taken from live venues, plus wallet holdings from a file.

Balances come from every venue, prices from the first venue with a route to
the quote: the direct pair, the reverse pair (USDT/USD prices USD), or a
cross through another stablecoin, fiat or BTC. Each price keeps the venue's
own timestamp so that the planner's `max_price_age` guard sees how old it
really is. What a venue could not tell (funding, a mark price, a ticker's
time) becomes a note on the snapshot, never an error. The snapshot's time is
the venue's clock (the replay's, on a replayed paper venue).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from trimtab.domain.planning.orders import MarketRule
from trimtab.domain.snapshot import Balance, FundingRate, Position, Snapshot
from trimtab.venues.errors import VenueError
from trimtab.venues.port import Market, PositionsRead, Ticker, Venue
from trimtab.venues.retry import Backoff

# currencies a price may be crossed through when an asset has no pair with the quote
BRIDGES = ("USDT", "USDC", "USD", "FDUSD", "DAI", "EUR", "BTC")
Leg = tuple[str, bool]  # (symbol, inverted: the asset is that market's quote)


def take_snapshot(venues: Sequence[Venue], quote: str, assets: set[str], backoff: Backoff,
                  wallet: Mapping[str, float] | None = None) -> Snapshot:
    """Balances, prices, positions and funding of `venues` now, wallet included."""
    balances = [b for v in venues for b in _balances(v, backoff)]
    balances += [Balance(venue="wallet", asset=a, amount=u) for a, u in (wallet or {}).items()]
    positions: list[Position] = []
    funding: dict[str, FundingRate] = {}
    notes: list[str] = []
    seen: dict[tuple[str, str, str], str] = {}
    for venue in venues:
        read = backoff.call(venue.fetch_positions)
        fresh = _once(read, seen, notes)
        positions += fresh
        notes += read.notes
        if fresh:
            funding.update(_funding(venue, fresh, backoff, notes))
    # the quote currencies of contracts (USD of BTC/USD:BTC) convert their notional
    wanted = (assets | {b.asset for b in balances} | {p.quote for p in positions}) - {quote}
    prices = _prices(venues, quote, wanted, backoff, notes)
    return Snapshot.model_validate({
        "as_of": venues[0].now(), "balances": balances, "positions": positions,
        "funding_rates": funding, "prices": {quote: 1.0, **prices}, "notes": notes})


def _once(read: PositionsRead, seen: dict[tuple[str, str, str], str],
          notes: list[str]) -> list[Position]:
    """The positions of `read` not yet read from the same account by an earlier venue
    (`binance` and `binancecoinm` on one key both read its COIN-M positions): each counts
    once, and the repeat is a note."""
    accounts = read.accounts or tuple(p.venue for p in read.positions)
    fresh = []
    for position, account in zip(read.positions, accounts, strict=True):
        key = (account, position.symbol, position.side)
        if key in seen:
            notes.append(f"{position.venue}: {position.symbol} {position.side} is the "
                         f"position {seen[key]} read from the same account; counted once")
            continue
        seen[key] = position.venue
        fresh.append(position)
    return fresh


def _balances(venue: Venue, backoff: Backoff) -> list[Balance]:
    """Units held per asset, with the free part where some are locked in open orders, and
    the units held otherwise (collateral, staked, funding), which are never sold."""
    read = backoff.call(venue.fetch_balances)
    spot = [Balance(venue=venue.name, asset=a, amount=u,
                    free=free if (free := read.free.get(a)) is not None and free < u else None)
            for a, u in read.total.items() if u > 0]
    return spot + [Balance(venue=venue.name, asset=a, amount=u, held_as=how)
                   for (a, how), u in read.held.items() if u > 0]


def _funding(venue: Venue, positions: Sequence[Position], backoff: Backoff,
             notes: list[str]) -> Mapping[str, FundingRate]:
    """Funding rates of the venue's positions; unknown (a note) when they cannot be read."""
    symbols = sorted({p.symbol for p in positions})
    try:
        return backoff.call(partial(venue.fetch_funding_rates, symbols))
    except VenueError as exc:
        notes.append(f"funding rates unknown on {venue.name} (shown as n/a): {exc}")
        return {}


def _prices(venues: Sequence[Venue], quote: str, assets: set[str], backoff: Backoff,
            notes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for venue in venues:
        markets = backoff.call(venue.load_markets)
        routes = {a: r for a in sorted(assets - set(out)) if (r := route(a, quote, markets))}
        symbols = sorted({symbol for legs in routes.values() for symbol, _ in legs})
        if not symbols:
            continue
        tickers = backoff.call(partial(venue.fetch_tickers, symbols))
        for asset, legs in routes.items():
            if all(symbol in tickers for symbol, _ in legs):
                out[asset] = priced(legs, tickers)
        untimed = sorted(s for s, t in tickers.items() if t.time_estimated)
        if untimed:
            notes.append(f"{venue.name} sent tickers without a time ({', '.join(untimed)}); "
                         "the time they were fetched is used")
    return out


def route(asset: str, quote: str, markets: Mapping[str, Market]) -> tuple[Leg, ...]:
    """The markets that price `asset` in `quote`: direct, reverse, or a cross (two legs)."""
    direct = _leg(asset, quote, markets)
    if direct is not None:
        return (direct,)
    for bridge in BRIDGES:
        if bridge in (asset, quote):
            continue
        first, second = _leg(asset, bridge, markets), _leg(bridge, quote, markets)
        if first is not None and second is not None:
            return (first, second)
    return ()


def _leg(base: str, quote: str, markets: Mapping[str, Market]) -> Leg | None:
    if f"{base}/{quote}" in markets:
        return (f"{base}/{quote}", False)
    if f"{quote}/{base}" in markets:
        return (f"{quote}/{base}", True)
    return None


def priced(legs: tuple[Leg, ...], tickers: Mapping[str, Ticker]) -> dict[str, Any]:
    """The product of the legs' prices, timed by the oldest leg."""
    price = 1.0
    for symbol, inverted in legs:
        last = tickers[symbol].last
        price *= 1.0 / last if inverted else last
    stamps = [t for t in (tickers[s].timestamp for s, _ in legs) if t is not None]
    return {"price": price, "timestamp": min(stamps) if stamps else None}


def market_rules(venues: Sequence[Venue], backoff: Backoff) -> dict[tuple[str, str], MarketRule]:
    """(venue, symbol) → MarketRule, for the planner's lot sizes and minimums."""
    return {(v.name, symbol): market.rule for v in venues
            for symbol, market in backoff.call(v.load_markets).items()}
