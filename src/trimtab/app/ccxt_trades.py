"""ccxt's unified trades (`fetch_my_trades`) → lot events.

The structure is ccxt's (`timestamp`, `symbol`, `side`, `amount`, `price`,
`cost`, `fee: {cost, currency}`); derivatives (`BTC/USDT:USDT`) are left out,
as they hold no spot lots. Fees follow the rule of the journal's fills
(`journal_lots.fill_event`). Fetching the trades is the venue adapter's job;
this only reads what it returns (or a saved JSON list of them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from trimtab.app.inputs import InputError
from trimtab.app.journal_lots import fill_event
from trimtab.domain.tax.lots import Event


def unified_trade_events(trades: Iterable[Mapping[str, Any]], venue: str) -> list[Event]:
    """A lot event per spot trade, oldest first; a malformed trade names its index and field."""
    events: list[Event] = []
    for index, trade in enumerate(sorted(trades, key=lambda t: t.get("timestamp") or 0)):
        symbol = str(trade.get("symbol") or "")
        if ":" in symbol:
            continue
        try:
            base, quote = symbol.split("/", 1)
            at = datetime.fromtimestamp(float(trade["timestamp"]) / 1000.0, tz=UTC)
            units, price = float(trade["amount"]), float(trade["price"])
            side = str(trade["side"])
            if side not in ("buy", "sell") or units <= 0 or price <= 0:
                raise ValueError(f"side {side!r}, amount {units:g}, price {price:g}")
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{venue} trade {index} ({trade.get('id')}): {exc}; a unified "
                             "trade needs symbol BASE/QUOTE, timestamp, side, amount and "
                             "price") from None
        fee = trade.get("fee") or {}
        events.append(fill_event(side, at, base, quote, venue, units, price,
                                 float(fee.get("cost") or 0.0), fee.get("currency"),
                                 f"{venue}:{trade.get('id') or index}"))
    return events
