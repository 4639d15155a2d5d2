"""The ccxt adapter: every ccxt call trimtab makes, and the one place ccxt errors are translated.

Any ccxt exchange id works. Exchange quirks are data (`CLIENT_ID_LOOKUP`),
not branches. ccxt's own `maxRetriesOnFailure` stays 0: ccxt would retry
regardless of the HTTP method and could post an order twice; trimtab retries
reads itself (see `retry.py`) and never re-sends a placement.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TypeVar

import ccxt

from trimtab.domain.planning.orders import Side
from trimtab.domain.snapshot import FundingRate, Holding
from trimtab.venues.capabilities import (
    CLIENT_ID_LOOKUP,
    WALLETS,
    buys_by_cost,
    client_id_param,
    collateral_account,
    listing_page,
    open_order_queries,
    order_filters,
    position_account,
    position_queries,
    position_size,
    sent_forms,
    staked_asset,
    takes_margin_mode,
    trimtab_client_id,
    venue_client_id,
)
from trimtab.venues.ccxt_parse import funding_of, number, position_of, ticker_of
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
from trimtab.venues.port import (
    Balances,
    Market,
    OpenOrdersRead,
    OrderStatus,
    PositionsRead,
    Ticker,
    VenueOrder,
)
from trimtab.venues.settings import apply_settings, venue_settings

T = TypeVar("T")

FATAL_ERRORS = (ccxt.AuthenticationError, ccxt.NotSupported, ccxt.ExchangeClosedByUser)
# what ccxt's parsers raise on an answer of an unexpected shape (Kraken's positions as an
# object instead of a list): a venue's answer, not a bug of trimtab's
PARSE_ERRORS = (TypeError, KeyError, IndexError, ValueError, AttributeError)
STATUSES: dict[str, OrderStatus] = {"open": "open", "closed": "closed", "canceled": "canceled",
                                    "cancelled": "canceled", "expired": "expired",
                                    "rejected": "rejected"}
MAX_MESSAGE = 300
NOTHING_SENT: Mapping[str, str] = MappingProxyType({})


class CcxtVenue:
    """A real exchange behind ccxt, implementing `Venue`."""

    def __init__(self, exchange: Any, name: str | None = None,
                 credentials: Credentials | None = None, wallets: tuple[str, ...] = ()
                 ) -> None:
        self.exchange = exchange
        self.name = name or exchange.id
        self.credentials = credentials or Credentials({})
        self.wallets = wallets  # further fetchBalance types read, held and never sold
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
        """Spot units (total and free), and units held otherwise: a contract account's
        collateral, staking/earn codes ccxt reports as free, the further wallets named."""
        raw = self._read("fetch_balance", self.exchange.fetch_balance)
        held: dict[tuple[str, Holding], float] = {}
        if collateral_account(self.exchange.id):
            _add(held, _amounts(raw.get("total")), "collateral")
            return Balances(total={}, free={}, held=held)
        total, free = _amounts(raw.get("total")), _free(raw)
        currencies = {str(m.get(side)) for m in (self.exchange.markets or {}).values()
                      for side in ("base", "quote")}
        for code in list(total):
            asset = staked_asset(self.exchange.id, code, currencies)
            if asset is not None:
                _add(held, {asset: total.pop(code)}, "staked")
                free.pop(code, None)
        for wallet in self.wallets:
            params, how = WALLETS[wallet]
            other = self._read("fetch_balance", self.exchange.fetch_balance, dict(params))
            _add(held, _amounts(other.get("total")), how)
        return Balances(total=total, free=free, held=held)

    def fetch_tickers(self, symbols: list[str]) -> Mapping[str, Ticker]:
        if len(symbols) > 1 and self.exchange.has.get("fetchTickers"):
            raw = self._read("fetch_tickers", self.exchange.fetch_tickers, symbols)
        else:
            raw = {s: self._read("fetch_ticker", self.exchange.fetch_ticker, s) for s in symbols}
        fetched = self.now()
        return {s: ticker_of(t, fetched) for s, t in raw.items() if t.get("last")}

    def fetch_positions(self) -> PositionsRead:
        """Positions of every contract family, each read with ccxt's own params for it.

        The first family is the account's main one and its failure is raised;
        a further family that cannot be read (no permission, not offered) is
        a note, so that a spot-and-USDⓈ-M account still gets its snapshot. A
        venue that ccxt says has no positions (a spot exchange) holds none.
        """
        raw: dict[tuple[str, str], Mapping[str, Any]] = {}
        accounts: dict[tuple[str, str], str] = {}
        if not self.exchange.has.get("fetchPositions"):  # a spot exchange (bitstamp, gemini)
            return PositionsRead((), ())
        found, notes = self._per_family(
            "positions", "fetch_positions",
            lambda p: [(p, x) for x in self.exchange.fetch_positions(None, p)],
            position_queries(self.exchange.id))
        for params, p in found:
            p = {**p, "contracts": position_size(self.exchange.id, p)}
            if float(p.get("contracts") or 0) > 0:
                key = (str(p.get("symbol")), str(p.get("side")))
                raw[key] = p
                accounts[key] = position_account(self.exchange.id, self.name, params,
                                                 self.exchange.apiKey)
        unmarked = sorted({s for s, _ in raw if ":" in s and not raw_mark(raw, s)})
        marks = self._marks(unmarked)
        read = {k: position_of(self.name, p, marks) for k, p in raw.items()}
        notes += [r for r in read.values() if isinstance(r, str)]
        notes += [f"{self.name}: {s} has no mark price; its last price is used (an estimate)"
                  for s in unmarked if s in marks]
        kept = {k: r for k, r in read.items() if not isinstance(r, str)}
        return PositionsRead(tuple(kept.values()), tuple(notes),
                             tuple(accounts[k] for k in kept))

    def _marks(self, symbols: list[str]) -> Mapping[str, Ticker]:
        """Last prices standing in for missing mark prices; none when they cannot be read."""
        try:
            return self.fetch_tickers(symbols) if symbols else {}
        except VenueError:
            return {}

    def fetch_funding_rates(self, symbols: list[str]) -> Mapping[str, FundingRate]:
        """Funding of the perpetuals among `symbols`; dated futures have none.

        A venue without a funding API answers an empty mapping: funding is
        unknown (n/a), never an error.
        """
        markets = self.exchange.markets or {}
        perpetual = [s for s in symbols if (markets.get(s) or {}).get("swap", True)]
        has = self.exchange.has
        if not perpetual or not (has.get("fetchFundingRates") or has.get("fetchFundingRate")):
            return {}
        if has.get("fetchFundingRates"):  # one call per family: venues refuse a mix
            raw = {}
            for family in _families(perpetual, markets):
                raw.update(self._read("fetch_funding_rates", self.exchange.fetch_funding_rates,
                                      family))
        else:
            raw = {s: self._read("fetch_funding_rate", self.exchange.fetch_funding_rate, s)
                   for s in perpetual}
        return {s: funding_of(r) for s, r in raw.items() if r.get("fundingRate") is not None}

    def create_order(self, symbol: str, side: Side, amount: str, client_order_id: str, *,
                     reduce_only: bool = False, price: float | None = None,
                     limit: str | None = None, post_only: bool = False,
                     hedged: bool = False, margin_mode: str | None = None) -> VenueOrder:
        """A market order of `amount`, or a limit order at `limit` (post-only: maker only).

        Where ccxt's own option `createMarketBuyOrderRequiresPrice` is set
        (Coinbase, Gate, ...), a market buy is sent the sizing `price` and ccxt
        computes the cost to spend as amount × price and cuts it with its cost
        precision; elsewhere a market order is sent no price, as it needs none.
        A hedge-mode position is reduced through ccxt's unified `hedged` param
        (ccxt then names the side: Binance positionSide, OKX posSide, Bybit
        positionIdx); its margin mode is sent where the venue reads one per
        order (OKX tdMode).
        """
        params: dict[str, Any] = {
            client_id_param(self.exchange.id): venue_client_id(self.exchange.id, client_order_id)}
        if reduce_only:
            params["reduceOnly"] = True
        if post_only:
            params["postOnly"] = True  # ccxt's unified flag (Binance: LIMIT_MAKER / GTX)
        if hedged:
            params["hedged"] = True
        if margin_mode and takes_margin_mode(self.exchange.id):
            params["marginMode"] = margin_mode
        market = (self.exchange.markets or {}).get(symbol) or {}
        by_cost = side == "buy" and market.get("spot") and buys_by_cost(self.exchange)
        kind = "market" if limit is None else "limit"
        sent_price = limit if limit is not None else (price if by_cost else None)
        try:
            raw = self.exchange.create_order(symbol, kind, side, amount, sent_price, params)
        except Exception as exc:  # any failure of a placement is classified, never retried
            raise self._placement_error(exc) from None
        placed = replace(self._order(raw, symbol, side, self._sent((client_order_id,))),
                         client_order_id=client_order_id)
        return placed if raw.get("status") else self._read_back(placed)

    def _read_back(self, placed: VenueOrder) -> VenueOrder:
        """The order as the venue now reports it, where the placement's answer was only an
        acknowledgement (Bybit, OKX: ids, no status): read as "open", a filled market
        order would be cancelled. The acknowledgement stands when the read fails."""
        try:
            found = self.fetch_order(placed.symbol, order_id=placed.id)
        except VenueError:
            return placed
        return replace(found, client_order_id=placed.client_order_id) if found else placed

    def fetch_order(self, symbol: str, *, order_id: str | None = None,
                    client_order_id: str | None = None) -> VenueOrder | None:
        if order_id is None and client_order_id is None:
            raise ValueError("fetch_order needs an order id or a client order id")
        filters = order_filters(self.exchange.id)
        if filters is not None:
            return self._listed(symbol, filters, order_id, client_order_id)
        if order_id is None and self.exchange.id not in CLIENT_ID_LOOKUP:
            return self._scan(symbol, client_order_id)
        params = {} if order_id is not None else {
            "clientOrderId": venue_client_id(self.exchange.id, client_order_id or "")}
        try:
            raw = self._read("fetch_order", self.exchange.fetch_order, order_id or "", symbol,
                             params)
        except Rejected as exc:
            if isinstance(exc.__cause__, ccxt.OrderNotFound):
                return None
            raise
        order = self._order(raw, symbol, None, self._sent(_ids(client_order_id)))
        return order if client_order_id is None else replace(order, client_order_id=client_order_id)

    def fetch_open_orders(self, symbol: str | None = None, known: Collection[str] = ()
                          ) -> list[VenueOrder]:
        raw = self._read("fetch_open_orders", self.exchange.fetch_open_orders, symbol)
        return self._orders(raw, symbol, known)

    def fetch_closed_orders(self, symbol: str | None = None, known: Collection[str] = ()
                            ) -> list[VenueOrder]:
        raw = self._read("fetch_closed_orders", self.exchange.fetch_closed_orders, symbol)
        return self._orders(raw, symbol, known)

    def scan_open_orders(self, known: Collection[str] = ()) -> OpenOrdersRead:
        """Open orders of every family, each listed with ccxt's own params for it.

        Where one unsymboled call lists a single family (Gate: spot), a stray
        order on a swap would never be seen. The main family's failure is
        raised; a further family that cannot be listed is a note, as a venue
        that cannot be listed is for the scan.
        """
        paging, full = listing_page(self.exchange.id)
        crowded: list[str] = []

        def listing(params: dict[str, Any]) -> list[Any]:
            found = list(self.exchange.fetch_open_orders(None, None, None,
                                                         {**params, **paging}))
            if full is not None and len(found) >= full:
                crowded.append(f"open orders {params}: {len(found)} listed, as many as one "
                               "listing returns, so more may rest unseen")
            return found

        raw, notes = self._per_family("open orders", "fetch_open_orders", listing,
                                      open_order_queries(self.exchange.id,
                                                         self.exchange.markets))
        unique = {(o.get("symbol"), o.get("id")): o for o in raw}
        return OpenOrdersRead(tuple(self._orders(list(unique.values()), None, known)),
                              tuple(notes + crowded))

    def _per_family(self, what: str, operation: str,
                    call: Callable[[dict[str, Any]], list[Any]],
                    queries: tuple[Mapping[str, Any], ...]) -> tuple[list[Any], list[str]]:
        """What `call` lists for each family's params, merged; the first (main) family's
        refusal is raised, a further one's is noted (no permission, not offered)."""
        found: list[Any] = []
        notes: list[str] = []
        for index, params in enumerate(queries):
            try:
                found += self._read(operation, call, dict(params))
            except (Rejected, Fatal) as exc:
                if index == 0:
                    raise
                notes.append(f"{what} {dict(params)} not read: {exc}")
        return found, notes

    def cancel_order(self, order_id: str, symbol: str) -> VenueOrder | None:
        raw = self._read("cancel_order", self.exchange.cancel_order, order_id, symbol)
        return self._order(raw, symbol, None) if raw else None

    def _listed(self, symbol: str, filters: tuple[str, str], order_id: str | None,
                client_order_id: str | None) -> VenueOrder | None:
        """An order found among the open, then the closed and cancelled orders, which the
        venue filters by its id or by trimtab's client order id."""
        params = {filters[0]: order_id} if order_id else {filters[1]: client_order_id}
        has = self.exchange.has
        closed = (self.exchange.fetch_canceled_and_closed_orders
                  if has.get("fetchCanceledAndClosedOrders") else self.exchange.fetch_closed_orders)
        for operation, call in (("fetch_open_orders", self.exchange.fetch_open_orders),
                                ("fetch_closed_orders", closed)):
            listed = self._orders(self._read(operation, call, symbol, None, None, params),
                                  symbol, _ids(client_order_id))
            for order in listed:
                if order.id == order_id or (order_id is None
                                            and order.client_order_id == client_order_id):
                    return order
        return None

    def _scan(self, symbol: str, client_order_id: str | None) -> VenueOrder | None:
        """An order found among the open and recent closed ones by trimtab's client id."""
        asked = _ids(client_order_id)
        listed = [*self.fetch_open_orders(symbol, asked), *self.fetch_closed_orders(symbol, asked)]
        return next((o for o in listed if o.client_order_id == client_order_id), None)

    def _read(self, operation: str, call: Callable[..., T], *args: Any) -> T:
        """A read or cancel: OperationFailed is retryable, OrderNotFound is kept as the cause;
        an answer ccxt cannot parse is refused like any venue error, never a traceback."""
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
        except PARSE_ERRORS as exc:  # ccxt could not parse what the venue sent
            raise Rejected(self.name, operation, "an answer ccxt cannot read: "
                           + self._message(exc)) from None

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

    def _sent(self, known: Collection[str]) -> Mapping[str, str]:
        """trimtab's `known` ids by the form this venue reports them in."""
        return sent_forms(self.exchange.id, known)

    def _orders(self, raw: list[Mapping[str, Any]], symbol: str | None,
                known: Collection[str]) -> list[VenueOrder]:
        sent_as = self._sent(known)
        return [self._order(o, symbol, None, sent_as) for o in raw]

    def _order(self, raw: Mapping[str, Any], symbol: str | None, side: Side | None,
               sent_as: Mapping[str, str] = NOTHING_SENT) -> VenueOrder:
        """ccxt's order, under trimtab's client id where it is trimtab's (read back from the
        venue's form, or found in `sent_as`: trimtab's ids by the form they were sent in)."""
        fee = raw.get("fee") or {}
        client_id, by_trimtab = trimtab_client_id(self.exchange.id, raw.get("clientOrderId"),
                                                  sent_as)
        return VenueOrder(
            id=str(raw.get("id")), client_order_id=client_id, by_trimtab=by_trimtab,
            symbol=raw.get("symbol") or symbol or "", side=raw.get("side") or side or "buy",
            amount=float(raw.get("amount") or 0.0), filled=float(raw.get("filled") or 0.0),
            average=number(raw.get("average")),
            status=STATUSES.get(str(raw.get("status")), "open"),
            fee=number(fee.get("cost")), fee_currency=fee.get("currency"),
            price=number(raw.get("price")) if raw.get("type") == "limit" else None)


def open_ccxt_venue(exchange_id: str, name: str | None = None,
                    environ: Mapping[str, str] | None = None,
                    sandbox: bool = False) -> CcxtVenue:
    """A ccxt venue with credentials from the environment or keyring, and its settings
    (sandbox, ccxt options: see `settings.py`) from the environment; `sandbox` (a
    command's `--sandbox`) opens it on its testnet whatever the environment says."""
    if exchange_id not in ccxt.exchanges:
        raise Fatal(exchange_id, "open", f"'{exchange_id}' is not a ccxt exchange id")
    credentials = load_credentials(name or exchange_id, environ)
    settings = venue_settings(name or exchange_id, os.environ if environ is None else environ,
                              sandbox)
    config: dict[str, Any] = {**credentials.values, "enableRateLimit": True,
                              "options": {"maxRetriesOnFailure": 0}}
    exchange = getattr(ccxt, exchange_id)(config)
    apply_settings(exchange, name or exchange_id, settings)
    return CcxtVenue(exchange, name, credentials, settings.wallets)


def _amounts(raw: Mapping[str, Any] | None) -> dict[str, float]:
    return {asset: float(v) for asset, v in (raw or {}).items() if v}


def _free(raw: Mapping[str, Any]) -> dict[str, float]:
    # a zero free amount is kept (all locked); an asset ccxt gives no free amount for is
    # left out of `free` (unknown)
    return {a: float(v) for a, v in (raw.get("free") or {}).items() if v is not None}


def _add(held: dict[tuple[str, Holding], float], amounts: Mapping[str, float],
         how: Holding) -> None:
    for asset, units in amounts.items():
        held[(asset, how)] = held.get((asset, how), 0.0) + units




def _ids(client_order_id: str | None) -> tuple[str, ...]:
    return () if client_order_id is None else (client_order_id,)


def raw_mark(raw: Mapping[tuple[str, str], Mapping[str, Any]], symbol: str) -> bool:
    """Whether every raw position on `symbol` carries a mark price."""
    return all(p.get("markPrice") for (s, _), p in raw.items() if s == symbol)


def _families(symbols: list[str], markets: Mapping[str, Any]) -> list[list[str]]:
    """`symbols` grouped by contract family (linear or inverse, and settle currency)."""
    groups: dict[tuple[bool, str], list[str]] = {}
    for symbol in symbols:
        market = markets.get(symbol) or {}
        key = (bool(market.get("inverse")), str(market.get("settle") or ""))
        groups.setdefault(key, []).append(symbol)
    return list(groups.values())
