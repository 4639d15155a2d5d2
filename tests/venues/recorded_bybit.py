"""A hand-written fake of Bybit's v5 REST server (a unified account), on recorded payloads.

Like `recorded.py` it replaces ccxt's `fetch` only: ccxt builds and signs
each request and parses each answer. The answers are ccxt's own recorded
Bybit cases (`tests/fixtures/ccxt/response/bybit.json`), re-addressed where a
scenario needs another symbol or price; the inverse position is Bybit's own
documented example (ccxt records none). Orders are kept by their
`orderLinkId` (trimtab's client order id), as Bybit keeps them.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

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

# Bybit's V5 API documentation, "Get Position Info" (https://bybit-exchange.github.io/docs/v5/
# position, the page ccxt's fetch_positions names), response example for category=inverse:
# a short of 300 BTCUSD contracts (1 USD each), copied as it stands
INVERSE = {"retCode": 0, "retMsg": "OK", "result": {"list": [{
    "positionIdx": 0, "riskId": 1, "riskLimitValue": "150", "symbol": "BTCUSD", "side": "Sell",
    "size": "300", "avgPrice": "27464.50441675", "positionValue": "0.01092319", "tradeMode": 0,
    "positionStatus": "Normal", "autoAddMargin": 1, "adlRankIndicator": 2, "leverage": "10",
    "positionBalance": "0.00139186", "markPrice": "28224.50", "liqPrice": "",
    "bustPrice": "999999.00",
    "positionMM": "0.0000015", "positionMMByMp": "0.0000015", "positionIM": "0.00010923",
    "positionIMByMp": "0.00010923", "tpslMode": "Full", "takeProfit": "0.00", "stopLoss": "0.00",
    "trailingStop": "0.00", "unrealisedPnl": "-0.00029413", "curRealisedPnl": "0.00013123",
    "cumRealisedPnl": "-0.00096902", "seq": 5723621632, "isReduceOnly": False,
    "mmrSysUpdateTime": "", "leverageSysUpdatedTime": "", "sessionAvgPrice": "",
    "createdTime": "1676538056258", "updatedTime": "1697673600012"}],
    "nextPageCursor": "", "category": "inverse"}, "retExtInfo": {}, "time": 1697684980172}
CONTRACT = frozenset({"indexPrice", "markPrice", "openInterest", "openInterestValue", "fundingRate",
                      "nextFundingTime", "predictedDeliveryPrice", "basisRate", "deliveryFeeRate",
                      "deliveryTime", "basis"})
EMPTY = {"retCode": 0, "retMsg": "OK", "result": {"list": [], "nextPageCursor": "",
                                                    "category": "linear"}, "retExtInfo": {}}


def bybit(method: str, index: int = 0) -> Any:
    return recorded("bybit", method, index)


class FakeBybit:
    """Routes Bybit's v5 paths to recorded answers; keeps every request and order."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.prices: dict[str, float] = {}  # Bybit symbol id -> last price of its ticker
        self.hedge_mode = False  # positions answered with positionIdx 1 (long) / 2 (short)
        self.orders: dict[str, dict[str, Any]] = {}  # orderLinkId -> the order's request
        self.after_accept: list[Exception] = []  # raised once the order is kept
        self.refusals: list[dict[str, Any]] = []  # answered to placements, read by ccxt
        self.exchange: Any = None  # the ccxt exchange, whose own error codes read refusals
        # orders answered open by /v5/order/realtime: the query fields each matches
        # (category, settleCoin or baseCoin) with its symbol and orderLinkId
        self.resting: list[dict[str, str]] = []

    def __call__(self, url: str, method: str = "GET", headers: Any = None,
                 body: Any = None) -> Any:
        path, query = parsed_request(url, body)
        self.requests.append((method, path, query))
        if self.refusals and path == "/v5/order/create":
            refusal = self.refusals.pop(0)  # Bybit refuses with HTTP 200 and its retCode
            self.exchange.handle_errors(200, "OK", url, method, headers, json.dumps(refusal),
                                        refusal, None, body)
        return self._answer(method, path, query)

    def sent(self, path: str = "/v5/order/create") -> list[dict[str, Any]]:
        return [q for m, p, q in self.requests if (m, p) == ("POST", path)]

    def _answer(self, method: str, path: str, query: dict[str, Any]) -> Any:
        if path == "/v5/account/wallet-balance":
            return bybit("fetchBalance")
        if path == "/v5/position/list":
            return self._positions(query)
        if path == "/v5/market/tickers":
            return self._tickers(query)
        if (method, path) == ("POST", "/v5/order/create"):
            return self._accept(query)
        if path in ("/v5/order/realtime", "/v5/order/history"):
            return self._orders(path, query)
        raise AssertionError(f"the fake Bybit has no route {method} {path}")

    def _positions(self, query: dict[str, Any]) -> Any:
        answer: Any
        if query.get("category") == "inverse":
            answer = copy.deepcopy(INVERSE)
        elif query.get("settleCoin") == "USDT":
            answer = bybit("fetchPositions")
        else:
            return copy.deepcopy(EMPTY)
        for p in answer["result"]["list"] if self.hedge_mode else ():
            p["positionIdx"] = 1 if p["side"] == "Buy" else 2  # Bybit's both-side mode
        return answer

    def _tickers(self, query: dict[str, Any]) -> Any:
        """The recorded swap ticker, once per priced symbol of the category asked for."""
        answer = bybit("fetchTicker")
        [recorded_ticker] = answer["result"]["list"]
        answer["result"]["category"] = query["category"]
        wanted = [query["symbol"]] if "symbol" in query else list(self.prices)
        if query["category"] == "spot":  # a spot ticker has no contract fields
            recorded_ticker = {k: v for k, v in recorded_ticker.items() if k not in CONTRACT}
        answer["result"]["list"] = [{**recorded_ticker, "symbol": s,
                                     "lastPrice": str(self.prices[s])}
                                    for s in wanted if s in self.prices]
        return answer

    def _accept(self, order: dict[str, Any]) -> Any:
        answer = bybit("createOrder")
        answer["result"]["orderLinkId"] = order["orderLinkId"]
        answer["result"]["orderId"] = str(1_000 + len(self.orders))
        self.orders[order["orderLinkId"]] = {**order, "orderId": answer["result"]["orderId"]}
        if self.after_accept:
            raise self.after_accept.pop(0)
        return answer

    def _orders(self, path: str, query: dict[str, Any]) -> Any:
        """Open orders (none: market orders fill) or the recorded filled order, re-addressed."""
        answer = bybit("fetchClosedOrder")
        [filled] = answer["result"]["list"]
        answer["result"]["category"] = query.get("category", "linear")
        kept = self.orders.get(query.get("orderLinkId", "")) or next(
            (o for o in self.orders.values() if o["orderId"] == query.get("orderId")), None)
        if path == "/v5/order/realtime" and "orderLinkId" not in query:
            if query["category"] == "spot":  # a spot order has no tpslMode (ccxt reads it so)
                del filled["tpslMode"]
            matching = [self._resting(filled, r) for r in self.resting
                        if all(query.get(k) == v for k, v in r.items()
                               if k not in ("symbol", "orderLinkId"))]
            return self._page(answer, matching, query)
        if path == "/v5/order/realtime" or kept is None:
            answer["result"]["list"] = []
            return answer
        filled.update(symbol=kept["symbol"], orderLinkId=kept["orderLinkId"],
                      orderId=kept["orderId"], side=kept["side"], qty=kept["qty"],
                      cumExecQty=kept["qty"], updatedTime=str(int(time.time() * 1000)))
        return answer

    @staticmethod
    def _page(answer: dict[str, Any], orders: list[dict[str, Any]], query: dict[str, Any]
              ) -> dict[str, Any]:
        """One page as Bybit's docs describe it: `limit` orders (20 unless asked, 50 at
        most) from `cursor` on, and the next page's cursor ("" on the last page)."""
        size = min(int(query.get("limit") or 20), 50)
        start = int(query.get("cursor") or 0)
        answer["result"]["list"] = orders[start:start + size]
        more = start + size < len(orders)
        answer["result"]["nextPageCursor"] = str(start + size) if more else ""
        return answer

    @staticmethod
    def _resting(recorded_order: dict[str, Any], resting: dict[str, str]) -> dict[str, Any]:
        """The recorded order, answered as a limit order still resting untouched."""
        return {**recorded_order, "symbol": resting["symbol"],
                "orderLinkId": resting["orderLinkId"], "orderId": resting["orderLinkId"] + "-id",
                "orderType": "Limit", "orderStatus": "New", "timeInForce": "GTC",
                "cumExecQty": "0", "cumExecValue": "0", "cumExecFee": "0", "avgPrice": "",
                "leavesQty": "1", "qty": "1"}


def bybit_venue(fake: FakeBybit | None = None) -> tuple[CcxtVenue, FakeBybit]:
    """A CcxtVenue on ccxt's bybit with the recorded markets and a fake unified account.

    ccxt learns that the account is unified from two account endpoints and
    keeps the answer in its options; the fixture's options say so in their place.
    """
    markets = read_market_file(FIXTURES / "markets" / "bybit.json")
    exchange = offline_exchange("bybit", markets, {"apiKey": KEY, "secret": SECRET})
    exchange.options.update(recorded_options("bybit"))
    fake = fake or FakeBybit()
    fake.exchange = exchange
    exchange.fetch = fake
    return CcxtVenue(exchange, "bybit", Credentials({"apiKey": KEY, "secret": SECRET})), fake
