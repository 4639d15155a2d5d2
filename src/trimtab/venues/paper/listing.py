"""What the paper exchange lists and how it reports: synthetic markets, limits, orders.

An asset the recorded market file lacks (SOL, AVAX, LINK in the Binance
file) gets a market with eight decimals and the minimum notional and fees of
the file's BTC market, stated here so that nothing about it is hidden.
Limits are checked as a venue checks them (ccxt itself does not), and an
order row reads back as ccxt's order structure.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from trimtab.domain.planning.orders import MarketRule
from trimtab.journal.models import PaperOrderRow
from trimtab.venues.errors import Rejected
from trimtab.venues.port import VenueOrder, is_trimtab_id

SYNTHETIC_DECIMALS = 8


def synthetic_markets(spot: Mapping[str, Any], assets: tuple[str, ...], quote: str
               ) -> dict[str, dict[str, Any]]:
    """Markets for assets the recorded file lacks: 8 decimals, the BTC market's minimums."""
    model = spot.get(f"BTC/{quote}") or next(iter(spot.values()))
    out = {}
    for asset in assets:
        symbol = f"{asset}/{quote}"
        if symbol in spot or asset == quote:
            continue
        out[symbol] = {"id": f"{asset}{quote}", "symbol": symbol, "base": asset, "quote": quote,
                       "baseId": asset, "quoteId": quote, "active": True, "type": "spot",
                       "spot": True, "precision": {"amount": SYNTHETIC_DECIMALS,
                                                   "price": SYNTHETIC_DECIMALS},
                       "limits": {"amount": {"min": 10.0 ** -SYNTHETIC_DECIMALS},
                                  "cost": dict(model["limits"]["cost"])},
                       "taker": model.get("taker"), "maker": model.get("maker")}
    return out


def report(row: PaperOrderRow, limit: Decimal | None) -> VenueOrder:
    """A paper order row as ccxt's order structure (trimmed to `VenueOrder`)."""
    return VenueOrder(id=str(row.id), client_order_id=row.client_order_id, symbol=row.symbol,
                      side="buy" if row.side == "buy" else "sell", amount=float(row.amount),
                      filled=float(row.filled),
                      average=float(row.average) if row.average else None,
                      status="open" if row.status == "open" else
                      "canceled" if row.status == "canceled" else "closed",
                      fee=float(row.fee), fee_currency=row.fee_currency,
                      price=None if limit is None else float(limit),
                      by_trimtab=is_trimtab_id(row.client_order_id))


def check_limits(venue: str, rule: MarketRule, symbol: str, amount: str, units: Decimal,
                 cost: Decimal, on_lot: Decimal) -> None:
    """Reject an amount off the lot size (`on_lot`: it cut to the lot) or under a minimum."""
    if units <= 0 or on_lot != units:
        raise Rejected(venue, "create_order", f"{symbol}: amount {amount} is not a "
                       "multiple of the lot size")
    if rule.min_amount is not None and units < Decimal(repr(rule.min_amount)):
        raise Rejected(venue, "create_order", f"{symbol}: amount {amount} under the "
                       f"minimum {rule.min_amount:g}")
    if rule.min_cost is not None and cost < Decimal(repr(rule.min_cost)):
        raise Rejected(venue, "create_order", f"{symbol}: notional {cost:.2f} under "
                       f"the minimum {rule.min_cost:g}")
