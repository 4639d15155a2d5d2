"""A hand-written fake of Binance's REST server, answering with recorded payloads.

It replaces ccxt's `fetch` (the HTTP call), so ccxt itself signs the request,
parses the recorded response and raises its own exceptions: what the adapter
sees is what ccxt really produces. Faults are queued per route.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from trimtab.venues.ccxt_venue import CcxtVenue
from trimtab.venues.credentials import Credentials
from trimtab.venues.markets import offline_exchange, read_market_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ccxt"
RECORDED = json.loads((FIXTURES / "response" / "binance.json").read_text())
RESPONSES = RECORDED["methods"]
KEY, SECRET = "fake-key-7f3a", "fake-secret-91c2"
# spot, USDⓈ-M and COIN-M: the same order and ticker payloads answer on each
ORDER_PATHS = frozenset({"/api/v3/order", "/fapi/v1/order", "/dapi/v1/order"})
TICKER_PATHS = frozenset({"/api/v3/ticker/24hr", "/fapi/v1/ticker/24hr", "/dapi/v1/ticker/24hr"})


# ccxt's static data records no COIN-M account and no funding wallet: these two are written
# by hand in the shape of Binance's documented answers (GET /dapi/v1/account "Account
# Information", POST /sapi/v1/asset/get-funding-asset "Funding Wallet"), the COIN-M one
# holding the BTC that margins the recorded BTCUSD_PERP short.
COIN_M_ACCOUNT = {"canDeposit": True, "canTrade": True, "canWithdraw": True, "feeTier": 0,
                  "updateTime": 0, "positions": [], "assets": [
                      {"asset": "BTC", "walletBalance": "0.05000000",
                       "unrealizedProfit": "0.00004318", "marginBalance": "0.05004318",
                       "maintMargin": "0.00002198", "initialMargin": "0.00021983",
                       "positionInitialMargin": "0.00021983", "openOrderInitialMargin": "0",
                       "maxWithdrawAmount": "0.04978017", "crossWalletBalance": "0.05000000",
                       "crossUnPnl": "0.00004318", "availableBalance": "0.04978017",
                       "updateTime": 1722105622903}]}
# an open USDⓈ-M / COIN-M order in the shape of Binance's documented answer (GET
# /fapi/v1/openOrders, /dapi/v1/openOrders "Current All Open Orders"): ccxt's static data
# records none; `positionSide` is what makes ccxt read it as a contract's order.
CONTRACT_ORDER = {"orderId": "8886774", "symbol": "LTCUSDT", "pair": "LTCUSDT",
                  "status": "NEW", "clientOrderId": "", "price": "50", "avgPrice": "0",
                  "origQty": "1", "executedQty": "0", "cumQuote": "0", "timeInForce": "GTC",
                  "type": "LIMIT", "reduceOnly": False, "closePosition": False,
                  "side": "BUY", "positionSide": "BOTH", "stopPrice": "0",
                  "workingType": "CONTRACT_PRICE", "priceProtect": False, "origType": "LIMIT",
                  "time": 1699380855570, "updateTime": 1699380855570}
FUNDING_WALLET = [{"asset": "USDT", "free": "250.5", "locked": "0", "freeze": "0",
                   "withdrawing": "0", "btcValuation": "0.0036"}]


def recorded(method: str, index: int = 0) -> Any:
    return copy.deepcopy(RESPONSES[method][index]["httpResponse"])


class FakeBinance:
    """Routes (method, path) to recorded payloads; keeps the orders it accepted."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self.faults: dict[str, list[Exception]] = {}
        self.after_accept: list[Exception] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self.live_prices: dict[str, float] = {}  # symbol id -> last price, stamped now
        self.open_client_id: str | None = None  # rewrites the recorded open order's id
        self.without_mark = False  # positions answered without their mark price
        self.hedge_mode = False  # COIN-M positions answered with their side (hedge mode)
        self.locked: dict[str, tuple[str, str]] = {}  # asset -> (free, locked) answered
        self.earn: dict[str, str] = {}  # LD asset -> free units, as Simple Earn shows them
        # contract orders resting per listing path: /fapi/v1/openOrders -> [(symbol id,
        # client order id)], answered in the shape of CONTRACT_ORDER
        self.resting: dict[str, list[tuple[str, str]]] = {}

    def __call__(self, url: str, method: str = "GET", headers: Any = None,
                 body: Any = None) -> Any:
        parsed = urlparse(url)
        query = parse_qs(parsed.query or (body or ""))
        self.requests.append((method, parsed.path, query))
        route = f"{method} {parsed.path}"
        if self.faults.get(route):
            raise self.faults[route].pop(0)
        return self._answer(route, query)

    def posts(self) -> int:
        return sum(1 for m, p, _ in self.requests if m == "POST" and p in ORDER_PATHS)

    def _answer(self, route: str, query: dict[str, list[str]]) -> Any:
        method, path = route.split(" ", 1)
        if method == "POST" and path in ORDER_PATHS:
            return self._accept(query)
        if method == "GET" and path in ORDER_PATHS:
            return self._lookup(query)
        if route == "GET /api/v3/account":
            account = recorded("fetchBalance")
            for b in account["balances"]:  # as an account with open orders answers
                if b["asset"] in self.locked:
                    b["free"], b["locked"] = self.locked[b["asset"]]
            account["balances"] += [{"asset": a, "free": u, "locked": "0.00000000"}
                                    for a, u in self.earn.items()]
            return account
        if route == "GET /dapi/v1/account":
            return copy.deepcopy(COIN_M_ACCOUNT)
        if route == "POST /sapi/v1/asset/get-funding-asset":
            return copy.deepcopy(FUNDING_WALLET)
        if method == "GET" and path in TICKER_PATHS:
            return self._ticker(query)
        if route == "GET /fapi/v3/positionRisk":
            positions = recorded("fetchPositions", 0)
            for p in positions if self.without_mark else ():
                del p["markPrice"]  # as a venue that sends no mark price
            return positions
        if route == "GET /dapi/v1/positionRisk":  # COIN-M: the recorded inverse positions
            positions = recorded("fetchPositions", 3)
            for p in positions if self.hedge_mode else ():  # as a hedge-mode account answers
                p["positionSide"] = "SHORT" if p["positionAmt"].startswith("-") else "LONG"
            return positions
        if route == "GET /api/v3/openOrders":
            orders = recorded("fetchOpenOrders")
            if self.open_client_id:
                orders[0]["clientOrderId"] = self.open_client_id
            return orders
        if route in ("GET /fapi/v1/openOrders", "GET /dapi/v1/openOrders"):
            return [{**CONTRACT_ORDER, "symbol": s, "clientOrderId": c, "orderId": str(i)}
                    for i, (s, c) in enumerate(self.resting.get(path, ()), start=1)]
        raise AssertionError(f"the fake Binance has no route {route}")

    def _accept(self, query: dict[str, list[str]]) -> Any:
        order = recorded("fetchOrder")  # a filled spot market order, as Binance returns it
        order.update(symbol=query["symbol"][0], side=query["side"][0],
                     clientOrderId=query["newClientOrderId"][0],
                     origQty=query["quantity"][0], executedQty=query["quantity"][0],
                     orderId=str(1000 + len(self.orders)))
        self.orders[order["clientOrderId"]] = order
        if self.after_accept:
            raise self.after_accept.pop(0)
        return order

    def _ticker(self, query: dict[str, list[str]]) -> Any:
        if "symbols" in query:  # fetchTickers: one recorded ticker per symbol asked for
            return [self._ticker({"symbol": [s]}) for s in json.loads(query["symbols"][0])]
        ticker = recorded("fetchTicker")
        symbol = query.get("symbol", ["BTCUSDT"])[0]
        if symbol in self.live_prices:  # the recorded payload, re-stamped as a live answer
            ticker.update(symbol=symbol, lastPrice=str(self.live_prices[symbol]),
                          closeTime=str(int(time.time() * 1000)))
        return ticker

    def _lookup(self, query: dict[str, list[str]]) -> Any:
        client_id = query.get("origClientOrderId", [""])[0]
        if client_id in self.orders:
            return self.orders[client_id]
        if "orderId" in query:
            return recorded("fetchOrder")
        import ccxt
        raise ccxt.OrderNotFound('binance {"code":-2013,"msg":"Order does not exist."}')


def binance_venue(fake: FakeBinance | None = None, exchange_id: str = "binance",
                  wallets: tuple[str, ...] = ()) -> tuple[CcxtVenue, FakeBinance]:
    """A CcxtVenue on ccxt's binance (or binancecoinm, a COIN-M account) with the recorded
    markets and a fake server; `wallets` as TRIMTAB_BINANCE_WALLETS names them."""
    markets = read_market_file(FIXTURES / "markets" / "binance.json")
    if exchange_id == "binancecoinm":  # ccxt's binancecoinm loads the COIN-M markets only
        markets = {s: m for s, m in markets.items() if m.get("inverse")}
    exchange = offline_exchange(exchange_id, markets, {"apiKey": KEY, "secret": SECRET})
    exchange.options.update(copy.deepcopy(RECORDED["options"]))  # as ccxt's own static tests
    fake = fake or FakeBinance()
    exchange.fetch = fake
    credentials = Credentials({"apiKey": KEY, "secret": SECRET})
    return CcxtVenue(exchange, exchange_id, credentials, wallets), fake
