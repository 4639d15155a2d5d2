"""A hand-written fake of Gate's v4 REST server, answering with ccxt's recorded Gate cases.

ccxt builds, signs and parses; only its HTTP call is replaced. The answers are
`tests/fixtures/ccxt/response/gate.json` (and, for the USDT contracts' funding,
the contract objects that `markets/gate.json` recorded as each market's `info`),
re-addressed where a scenario needs another contract, size or price. ccxt's
static data records no Gate balance: the one answered is written in the shape
of Gate's `GET /spot/accounts` (currency, available, locked).
"""

from __future__ import annotations

import copy
import time
from typing import Any

import ccxt

from tests.venues.recorded import (
    FIXTURES,
    KEY,
    SECRET,
    parsed_request,
    recorded,
    recorded_options,
)
from trimtab.venues.ccxt_venue import CcxtVenue
from trimtab.venues.credentials import Credentials
from trimtab.venues.markets import offline_exchange, read_market_file

MARKETS = read_market_file(FIXTURES / "markets" / "gate.json")
BALANCE = [{"currency": "BTC", "available": "0.02", "locked": "0"},
           {"currency": "ETH", "available": "0.5", "locked": "0"},
           {"currency": "USDT", "available": "1000", "locked": "10"}]
PRICES = {"BTC_USDT": "73373.9", "ETH_USDT": "1986.83"}  # recorded: ticker, ETH contract


def gate(method: str, index: int = 0) -> Any:
    return recorded("gate", method, index)


def inverse_short(contracts: int = 300) -> dict[str, Any]:
    """The recorded position re-addressed to a BTC_USD short (1 USD a contract), priced
    at the BTC_USD contract's recorded mark price."""
    [position] = gate("fetchPositions")
    mark = 73034.04
    return {**position, "contract": "BTC_USD", "size": str(-contracts), "mark_price": str(mark),
            "entry_price": "72939", "value": f"{contracts / mark:.8f}", "leverage": "10"}


class FakeGate:
    """Routes Gate's paths to recorded answers; keeps every order by its text."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self.dual_mode = False  # positions answered as a dual-mode (hedge) account does
        self.lost: list[Exception] = []  # raised after an order is kept, once each
        self.resting: list[str] = []  # the texts of the BTC_USDT limit orders answered open
        self.resting_swap: list[str] = []  # the texts of the LTC_USDT swap orders answered open
        self.refused: dict[str, Exception] = {}  # path -> what Gate answers instead

    def __call__(self, url: str, method: str = "GET", headers: Any = None,
                 body: Any = None) -> Any:
        full, query = parsed_request(url, body)
        path = full.removeprefix("/api/v4")
        self.requests.append((method, path, query))
        return copy.deepcopy(self._answer(method, path, query))

    def sent(self) -> list[tuple[str, dict[str, Any]]]:
        return [(p, q) for m, p, q in self.requests if m == "POST" and p.endswith("/orders")]

    def _answer(self, method: str, path: str, query: dict[str, Any]) -> Any:
        if path in self.refused:
            raise self.refused[path]
        if path == "/spot/accounts":
            return BALANCE
        if path == "/spot/tickers":
            [ticker] = gate("fetchTicker")
            asked = [query["currency_pair"]] if "currency_pair" in query else list(PRICES)
            return [{**ticker, "currency_pair": p, "last": PRICES[p]} for p in asked]
        if path.endswith("/tickers"):  # a contract's: the spot shape, at its recorded last price
            [ticker] = gate("fetchTicker")
            del ticker["currency_pair"]
            info = next(m["info"] for m in MARKETS.values() if m["id"] == query["contract"])
            return [{**ticker, "contract": query["contract"], "last": info["last_price"]}]
        if path.endswith("/positions"):
            return self._positions(path)
        if path.endswith("/contracts"):  # funding: the contract objects
            if path.startswith("/futures/btc"):
                return gate("fetchFundingRates")
            return [MARKETS["LTC/USDT:USDT"]["info"]]
        if method == "POST" and path.endswith("/orders"):
            return self._place(path, query)
        if path == "/spot/open_orders":
            return [{"currency_pair": "BTC_USDT", "total": len(self.resting),
                     "orders": [self._resting(text) for text in self.resting]}]
        if method == "GET" and path.startswith("/futures/") and path.endswith("/orders"):
            assert query["status"] == "open"
            resting = self.resting_swap if path == "/futures/usdt/orders" else []
            return [self._resting_swap(text) for text in resting]
        if method == "GET" and "/orders/" in path:
            return self._lookup(path.rsplit("/", 1)[1])
        raise AssertionError(f"the fake Gate has no route {method} {path}")

    def _positions(self, path: str) -> Any:
        positions = gate("fetchPositions") if "/usdt/" in path else [inverse_short()]
        for p in positions if self.dual_mode else ():
            p["mode"] = "dual_long" if int(p["size"]) > 0 else "dual_short"
        return positions

    def _place(self, path: str, order: dict[str, Any]) -> Any:
        """The recorded order answer of the market's kind, re-addressed to this order."""
        if path == "/spot/orders":
            [answer] = gate("fetchClosedOrders", 0)
            answer.update(currency_pair=order["currency_pair"], side=order["side"],
                          amount=order["amount"], left="0", text=order["text"])
            if order["side"] == "buy":  # the cost spent at the pair's price: ccxt reads the
                # base units bought as filled_total / avg_deal_price
                price = PRICES[order["currency_pair"]]
                answer.update(filled_total=order["amount"], fill_price=order["amount"],
                              avg_deal_price=price)
        else:
            answer = gate("createOrder")
            answer.update(contract=order["contract"], size=str(order["size"]),
                          is_reduce_only=order.get("reduce_only", False), text=order["text"])
        answer["id"] = str(1_000 + len(self.orders))
        answer["update_time"] = str(time.time())
        self.orders[order["text"]] = answer
        if self.lost:
            raise self.lost.pop(0)
        return answer

    def _resting(self, text: str) -> dict[str, Any]:
        """The recorded spot order, answered as a limit order still open, with `text`."""
        [order] = gate("fetchClosedOrders", 0)
        order.update(currency_pair="BTC_USDT", status="open", type="limit", left=order["amount"],
                     text=text, id=str(2_000 + self.resting.index(text)))
        return order

    def _resting_swap(self, text: str) -> dict[str, Any]:
        """The recorded contract order, answered as a limit order on LTC_USDT still open."""
        order = gate("createOrder")
        order.update(contract="LTC_USDT", status="open", finish_as="_new", tif="gtc",
                     price="55.1", left=order["size"], fill_price="0", text=text,
                     id=str(3_000 + self.resting_swap.index(text)))
        return order

    def _lookup(self, key: str) -> Any:
        """An order by its text (a client id lookup) or by Gate's own order id."""
        found = self.orders.get(key) or next(
            (o for o in self.orders.values() if o["id"] == key), None)
        if found is None:  # what ccxt raises for Gate's ORDER_NOT_FOUND
            raise ccxt.OrderNotFound('gate {"label":"ORDER_NOT_FOUND","message":"Order not found"}')
        return found


def gate_venue(fake: FakeGate | None = None) -> tuple[CcxtVenue, FakeGate]:
    """A CcxtVenue on ccxt's gate with the recorded markets and a fake server; the
    fixture's options tell ccxt the account is not unified (it would ask Gate)."""
    exchange = offline_exchange("gate", MARKETS, {"apiKey": KEY, "secret": SECRET})
    exchange.options.update(recorded_options("gate"))
    fake = fake or FakeGate()
    exchange.fetch = fake
    return CcxtVenue(exchange, "gate", Credentials({"apiKey": KEY, "secret": SECRET})), fake
