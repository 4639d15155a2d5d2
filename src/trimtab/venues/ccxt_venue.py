"""The ccxt adapter: every ccxt call trimtab makes, and the one place ccxt errors are translated.

Any ccxt exchange id works. Exchange quirks are data (`CLIENT_ID_LOOKUP`),
not branches. ccxt's own `maxRetriesOnFailure` stays 0: ccxt would retry
regardless of the HTTP method and could post an order twice; trimtab retries
reads itself (see `retry.py`) and never re-sends a placement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import ccxt

from trimtab.domain.planning.orders import Side
from trimtab.domain.snapshot import FundingRate, Position
from trimtab.venues.credentials import Credentials, load_credentials
from trimtab.venues.errors import (
    Fatal,
    InsufficientFunds,
    OutcomeUnknown,
    Rejected,
    Retryable,
    VenueError,
)
from trimtab.venues.markets import markets_of
from trimtab.venues.port import Balances, Market, OrderStatus, Ticker, VenueOrder

T = TypeVar("T")

# Exchanges whose fetchOrder accepts ccxt's `clientOrderId` param; others are
# resolved by scanning open and recent closed orders for the client order id.
CLIENT_ID_LOOKUP = frozenset({"binance", "binanceusdm", "binancecoinm", "bybit", "okx",
                              "bitget", "kucoin", "gate"})
FATAL_ERRORS = (ccxt.AuthenticationError, ccxt.NotSupported, ccxt.ExchangeClosedByUser)
STATUSES: dict[str, OrderStatus] = {"open": "open", "closed": "closed", "canceled": "canceled",
                                    "cancelled": "canceled", "expired": "expired",
                                    "rejected": "rejected"}
MAX_MESSAGE = 300


class CcxtVenue:
    """A real exchange behind ccxt, implementing `Venue`."""

    def __init__(self, exchange: Any, name: str | None = None,
                 credentials: Credentials | None = None) -> None:
        self.exchange = exchange
        self.name = name or exchange.id
        self.credentials = credentials or Credentials({})
        exchange.options["maxRetriesOnFailure"] = 0
        # the start-up scan for unknown trimtab orders lists open orders of every symbol
        # once per run: Binance's stricter rate limit for that is accepted, not an error
        exchange.options["warnOnFetchOpenOrdersWithoutSymbol"] = False

    def now(self) -> datetime:
        return datetime.now(UTC)

    def load_markets(self) -> Mapping[str, Market]:
        if not self.exchange.markets:
            self._read("load_markets", self.exchange.load_markets)
        return markets_of(self.exchange)

    def amount_to_precision(self, symbol: str, amount: float) -> str:
        return str(self.exchange.amount_to_precision(symbol, amount))

    def price_to_precision(self, symbol: str, price: float) -> str:
        return str(self.exchange.price_to_precision(symbol, price))

    def fetch_balances(self) -> Balances:
        raw = self._read("fetch_balance", self.exchange.fetch_balance)
        return Balances(total=_amounts(raw.get("total")), free=_amounts(raw.get("free")))

    def fetch_tickers(self, symbols: list[str]) -> Mapping[str, Ticker]:
        if len(symbols) > 1 and self.exchange.has.get("fetchTickers"):
            raw = self._read("fetch_tickers", self.exchange.fetch_tickers, symbols)
        else:
            raw = {s: self._read("fetch_ticker", self.exchange.fetch_ticker, s) for s in symbols}
        return {s: _ticker(t) for s, t in raw.items() if t.get("last")}

    def fetch_positions(self) -> list[Position]:
        raw = self._read("fetch_positions", self.exchange.fetch_positions)
        return [_position(self.name, p) for p in raw if float(p.get("contracts") or 0) > 0]

    def fetch_funding_rates(self, symbols: list[str]) -> Mapping[str, FundingRate]:
        raw = self._read("fetch_funding_rates", self.exchange.fetch_funding_rates, symbols)
        return {s: _funding(r) for s, r in raw.items() if r.get("fundingRate") is not None}

    def create_order(self, symbol: str, side: Side, amount: str, client_order_id: str, *,
                     reduce_only: bool = False, price: str | None = None,
                     post_only: bool = False) -> VenueOrder:
        params: dict[str, Any] = {"clientOrderId": client_order_id}
        if reduce_only:
            params["reduceOnly"] = True
        if post_only:
            params["postOnly"] = True  # ccxt's unified flag (Binance: LIMIT_MAKER / GTX)
        kind = "market" if price is None else "limit"
        try:
            raw = self.exchange.create_order(symbol, kind, side, amount, price, params)
        except Exception as exc:  # any failure of a placement is classified, never retried
            raise self._placement_error(exc) from None
        return self._order(raw, symbol, side, client_order_id)

    def fetch_order(self, symbol: str, *, order_id: str | None = None,
                    client_order_id: str | None = None) -> VenueOrder | None:
        if order_id is None and client_order_id is None:
            raise ValueError("fetch_order needs an order id or a client order id")
        if order_id is None and self.exchange.id not in CLIENT_ID_LOOKUP:
            return self._scan(symbol, client_order_id)
        params = {"clientOrderId": client_order_id} if order_id is None else {}
        try:
            raw = self._read("fetch_order", self.exchange.fetch_order, order_id or "", symbol,
                             params)
        except Rejected as exc:
            if isinstance(exc.__cause__, ccxt.OrderNotFound):
                return None
            raise
        return self._order(raw, symbol, None, client_order_id)

    def fetch_open_orders(self, symbol: str | None = None) -> list[VenueOrder]:
        raw = self._read("fetch_open_orders", self.exchange.fetch_open_orders, symbol)
        return [self._order(o, symbol, None, None) for o in raw]

    def fetch_closed_orders(self, symbol: str | None = None) -> list[VenueOrder]:
        raw = self._read("fetch_closed_orders", self.exchange.fetch_closed_orders, symbol)
        return [self._order(o, symbol, None, None) for o in raw]

    def cancel_order(self, order_id: str, symbol: str) -> VenueOrder | None:
        raw = self._read("cancel_order", self.exchange.cancel_order, order_id, symbol)
        return self._order(raw, symbol, None, None) if raw else None

    def _scan(self, symbol: str, client_order_id: str | None) -> VenueOrder | None:
        for order in [*self.fetch_open_orders(symbol), *self.fetch_closed_orders(symbol)]:
            if order.client_order_id == client_order_id:
                return order
        return None

    def _read(self, operation: str, call: Callable[..., T], *args: Any) -> T:
        """A read or cancel: OperationFailed is retryable, OrderNotFound is kept as the cause."""
        try:
            return call(*args)
        except ccxt.OrderNotFound as exc:
            raise Rejected(self.name, operation, "order not found") from exc
        except ccxt.OperationFailed as exc:
            raise Retryable(self.name, operation, self._message(exc)) from None
        except FATAL_ERRORS as exc:
            raise Fatal(self.name, operation, self._message(exc)) from None
        except ccxt.BaseError as exc:
            raise Rejected(self.name, operation, self._message(exc)) from None

    def _placement_error(self, exc: Exception) -> VenueError:
        """A placement's failure: ambiguous ones are OutcomeUnknown, venue refusals stop."""
        message = self._message(exc)
        if isinstance(exc, ccxt.InsufficientFunds):
            return InsufficientFunds(self.name, "create_order", message)
        if isinstance(exc, FATAL_ERRORS):
            return Fatal(self.name, "create_order", message)
        if isinstance(exc, ccxt.ExchangeError):
            return Rejected(self.name, "create_order", message)
        return OutcomeUnknown(self.name, "create_order", message)

    def _message(self, exc: BaseException) -> str:
        text = self.credentials.scrub(f"{type(exc).__name__}: {exc}")
        return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"

    def _order(self, raw: Mapping[str, Any], symbol: str | None, side: Side | None,
               client_order_id: str | None) -> VenueOrder:
        fee = raw.get("fee") or {}
        return VenueOrder(
            id=str(raw.get("id")), client_order_id=raw.get("clientOrderId") or client_order_id,
            symbol=raw.get("symbol") or symbol or "", side=raw.get("side") or side or "buy",
            amount=float(raw.get("amount") or 0.0), filled=float(raw.get("filled") or 0.0),
            average=_float(raw.get("average")),
            status=STATUSES.get(str(raw.get("status")), "open"),
            fee=_float(fee.get("cost")), fee_currency=fee.get("currency"),
            price=_float(raw.get("price")) if raw.get("type") == "limit" else None)


def open_ccxt_venue(exchange_id: str, name: str | None = None,
                    environ: Mapping[str, str] | None = None) -> CcxtVenue:
    """A ccxt venue with credentials from the environment or keyring."""
    if exchange_id not in ccxt.exchanges:
        raise Fatal(exchange_id, "open", f"'{exchange_id}' is not a ccxt exchange id")
    credentials = load_credentials(name or exchange_id, environ)
    config: dict[str, Any] = {**credentials.values, "enableRateLimit": True,
                              "options": {"maxRetriesOnFailure": 0}}
    return CcxtVenue(getattr(ccxt, exchange_id)(config), name, credentials)


def _amounts(raw: Mapping[str, Any] | None) -> dict[str, float]:
    return {asset: float(v) for asset, v in (raw or {}).items() if v}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _ticker(raw: Mapping[str, Any]) -> Ticker:
    ts = raw.get("timestamp")
    when = datetime.fromtimestamp(ts / 1000, UTC) if ts else None
    return Ticker(symbol=raw["symbol"], last=float(raw["last"]), timestamp=when,
                  bid=_float(raw.get("bid")), ask=_float(raw.get("ask")))


def _position(venue: str, raw: Mapping[str, Any]) -> Position:
    return Position.model_validate({
        "venue": venue, "symbol": raw["symbol"], "side": raw["side"],
        "contracts": float(raw["contracts"]), "contractSize": float(raw.get("contractSize") or 1),
        "markPrice": float(raw["markPrice"]),
        "entryPrice": _float(raw.get("entryPrice")) or None,
        "leverage": _float(raw.get("leverage")) or None,
        # the margin fields the margin trigger reads; a missing liquidation price is
        # estimated by the domain (and labelled an estimate)
        "marginMode": raw.get("marginMode") if raw.get("marginMode") in MARGIN_MODES else None,
        **{key: value for key in MARGIN_FIELDS
           if (value := _float(raw.get(key))) is not None and value >= 0}})


MARGIN_MODES = ("cross", "isolated")
MARGIN_FIELDS = ("collateral", "initialMargin", "maintenanceMargin",
                 "maintenanceMarginPercentage", "liquidationPrice", "marginRatio")


def _funding(raw: Mapping[str, Any]) -> FundingRate:
    interval = str(raw.get("interval") or "8h")
    hours = float(interval[:-1]) if interval.endswith("h") and interval[:-1].isdigit() else 8.0
    return FundingRate(rate=float(raw["fundingRate"]), interval_hours=hours)
