"""ccxt market metadata: recorded market files and the MarketRule they imply.

A market file is a ccxt `markets` object (symbol → unified market), as ccxt's
own static test fixtures store them. `offline_exchange` loads one into a ccxt
instance without network, so that `amount_to_precision` and the limits are
ccxt's own, the same code that runs against the live exchange.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ccxt

from trimtab.domain.contracts import SPOT, Contract
from trimtab.domain.planning.orders import MarketRule
from trimtab.venues.port import Market

# Market files that state precision as a number of decimals instead of a step.
DECIMAL_PLACES_FILES = frozenset({"binance", "binanceusdm", "binancecoinm"})
BUNDLED_MARKETS = Path(__file__).resolve().parent.parent / "data" / "markets"


def read_market_file(path: Path) -> dict[str, dict[str, Any]]:
    """The markets of a recorded file, keyed by unified symbol."""
    markets: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return markets


def offline_exchange(exchange_id: str, markets: Mapping[str, Mapping[str, Any]],
                     config: Mapping[str, Any] | None = None) -> Any:
    """A ccxt exchange with `markets` loaded and no network call made.

    The recorded files omit keys that ccxt fills in when it parses markets
    itself (`linear`, `inverse`, `contractSize` on spot markets), so every
    market is laid over ccxt's own empty market structure first.
    """
    exchange = getattr(ccxt, exchange_id)(dict(config or {}))
    load_recorded_markets(exchange, markets)
    return exchange


def load_recorded_markets(exchange: Any, markets: Mapping[str, Mapping[str, Any]]) -> None:
    """Set a recorded market file on an open ccxt exchange, in the file's precision mode."""
    if exchange.id in DECIMAL_PLACES_FILES:
        exchange.precisionMode = ccxt.DECIMAL_PLACES
    blank = exchange.safe_market_structure()
    exchange.set_markets([{**blank, **m} for m in markets.values()])


def amount_step(exchange: Any, market: Mapping[str, Any]) -> float | None:
    """The lot size as a step, whatever ccxt precision mode the exchange uses."""
    precision = (market.get("precision") or {}).get("amount")
    if precision is None:
        return None
    if exchange.precisionMode == ccxt.SIGNIFICANT_DIGITS:
        return _probed(exchange, market)[0]
    if exchange.precisionMode == ccxt.DECIMAL_PLACES:
        return float(10.0 ** -int(precision))
    return float(precision)


def significant_digits(exchange: Any, market: Mapping[str, Any]) -> int | None:
    """The number of significant digits an amount keeps, in ccxt's SIGNIFICANT_DIGITS mode."""
    precision = (market.get("precision") or {}).get("amount")
    if precision is None or exchange.precisionMode != ccxt.SIGNIFICANT_DIGITS:
        return None
    return _probed(exchange, market)[1]


def _probed(exchange: Any, market: Mapping[str, Any]) -> tuple[float | None, int | None]:
    """(lot step, significant digits) as ccxt's own amount_to_precision cuts this market.

    In SIGNIFICANT_DIGITS mode an exchange may still cut amounts to a fixed
    number of decimals (ccxt's bitfinex keeps 8 decimals for amounts): two
    amounts three orders of magnitude apart tell the two apart.
    """
    small = exchange.amount_to_precision(market["symbol"], 1 / 3)
    large = exchange.amount_to_precision(market["symbol"], 1000 / 3)
    decimals = len(small.partition(".")[2])
    if decimals == len(large.partition(".")[2]):
        return float(10.0 ** -decimals), None
    return None, len(small.partition(".")[2].lstrip("0"))

def market_of(exchange: Any, market: Mapping[str, Any]) -> Market:
    """trimtab's view of one ccxt market: currencies and the MarketRule."""
    limits = market.get("limits") or {}
    return Market(
        symbol=market["symbol"], base=market["base"], quote=market["quote"],
        rule=MarketRule(amount_step=amount_step(exchange, market),
                        min_amount=_number((limits.get("amount") or {}).get("min")),
                        min_cost=_number((limits.get("cost") or {}).get("min")),
                        contract=contract_of(market),
                        significant_digits=significant_digits(exchange, market),
                        maker=_rate(market.get("maker")), taker=_rate(market.get("taker"))),
        contract=bool(market.get("contract")))


def contract_of(market: Mapping[str, Any]) -> Contract:
    """A ccxt market's contract: spot is size 1, linear; a contract market says its size."""
    if not market.get("contract"):
        return SPOT
    return Contract(float(market.get("contractSize") or 1.0), bool(market.get("inverse")))


def markets_of(exchange: Any) -> dict[str, Market]:
    """Every market the exchange has loaded, as trimtab Markets."""
    return {symbol: market_of(exchange, m) for symbol, m in exchange.markets.items()}


def _rate(value: Any) -> float | None:
    """A fee rate; zero (a free maker side) is a rate, unlike a zero limit."""
    return None if value is None else float(value)


def _number(value: Any) -> float | None:
    # ccxt leaves a missing limit as None; 0 means "no minimum" too
    if value is None:
        return None
    number = float(value)
    return number if number > 0 else None
