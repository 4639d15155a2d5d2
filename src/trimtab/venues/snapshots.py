"""A Snapshot taken from live venues, plus wallet holdings from a file.

Balances come from every venue, prices from the first venue with an
`ASSET/quote` market, each with the venue's own timestamp so that the
planner's `max_price_age` guard sees how old it really is. The snapshot's
time is the venue's clock (the replay's, on a replayed paper venue).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from trimtab.domain.planning.orders import MarketRule
from trimtab.domain.snapshot import Balance, FundingRate, Position, Snapshot
from trimtab.venues.port import Venue
from trimtab.venues.retry import Backoff


def take_snapshot(venues: Sequence[Venue], quote: str, assets: set[str], backoff: Backoff,
                  wallet: Mapping[str, float] | None = None) -> Snapshot:
    """Balances, prices, positions and funding of `venues` now, wallet included."""
    balances = [Balance(venue=v.name, asset=a, amount=u)
                for v in venues for a, u in backoff.call(v.fetch_balances).total.items()
                if u > 0]
    balances += [Balance(venue="wallet", asset=a, amount=u) for a, u in (wallet or {}).items()]
    positions: list[Position] = []
    funding: dict[str, FundingRate] = {}
    for venue in venues:
        held = backoff.call(venue.fetch_positions)
        positions += held
        if held:
            symbols = sorted({p.symbol for p in held})
            funding.update(backoff.call(partial(venue.fetch_funding_rates, symbols)))
    wanted = (assets | {b.asset for b in balances}) - {quote}
    return Snapshot.model_validate({
        "as_of": venues[0].now(), "balances": balances, "positions": positions,
        "funding_rates": funding, "prices": {quote: 1.0, **_prices(venues, quote, wanted,
                                                                   backoff)}})


def _prices(venues: Sequence[Venue], quote: str, assets: set[str], backoff: Backoff
            ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for venue in venues:
        markets = backoff.call(venue.load_markets)
        symbols = [f"{a}/{quote}" for a in sorted(assets - set(out)) if f"{a}/{quote}" in markets]
        if not symbols:
            continue
        tickers = backoff.call(partial(venue.fetch_tickers, symbols))
        for symbol, ticker in tickers.items():
            out[symbol.split("/", 1)[0]] = {"price": ticker.last, "timestamp": ticker.timestamp}
    return out


def market_rules(venues: Sequence[Venue], backoff: Backoff) -> dict[tuple[str, str], MarketRule]:
    """(venue, symbol) → MarketRule, for the planner's lot sizes and minimums."""
    return {(v.name, symbol): market.rule for v in venues
            for symbol, market in backoff.call(v.load_markets).items()}
