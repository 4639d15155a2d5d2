"""Gate on its recorded markets: the client order id Gate requires (`t-…`) and a market
buy sent as the cost to spend."""

from __future__ import annotations

import json
from typing import Any

import ccxt
import pytest

from tests.venues.recorded import recorded_venue
from trimtab.venues.errors import OutcomeUnknown

# ccxt's static data records no Gate spot order: the spot example in ccxt 4.5.90's own
# gate.parse_order source, filled and re-addressed to the order placed (text, side,
# amount, status, left, fill price, filled total)
ORDER = {"id": "62364648575", "text": "", "create_time": "1626354834",
         "update_time": "1626354834", "create_time_ms": "1626354833544",
         "update_time_ms": "1626354833544", "status": "closed", "currency_pair": "BTC_USDT",
         "type": "market", "account": "spot", "side": "buy", "amount": "3", "price": "0",
         "time_in_force": "ioc", "iceberg": "0", "left": "0", "fill_price": "3",
         "filled_total": "3", "fee": "0", "fee_currency": "BTC", "point_fee": "0",
         "gt_fee": "0", "gt_discount": True, "rebated_fee": "0", "rebated_fee_currency": "USDT"}


class FakeGate:
    """Loses the answer to a placement (a timeout) and keeps the order under its text."""

    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}

    def place(self, body: dict[str, Any]) -> None:
        self.orders[body["text"]] = {**ORDER, "text": body["text"], "amount": body["amount"]}
        raise ccxt.RequestTimeout("gate POST /api/v4/spot/orders timed out")

    def lookup(self, path: str) -> Any:
        text = path.rsplit("/", 1)[1]
        if text not in self.orders:  # what ccxt raises for Gate's ORDER_NOT_FOUND
            raise ccxt.OrderNotFound('gate {"label":"ORDER_NOT_FOUND","message":"Order not found"}')
        return self.orders[text]


def gate():  # type: ignore[no-untyped-def]
    venue, server = recorded_venue("gate", {}, {"options": {"unifiedAccount": False}})
    fake = FakeGate()

    def answer(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        server.requests.append((method, url, {}))
        if method == "POST" and url.endswith("/spot/orders"):
            return fake.place(json.loads(body))
        if method == "GET" and "/spot/orders/" in url:
            return fake.lookup(url.split("?")[0])
        raise AssertionError(f"the fake Gate has no route {method} {url}")
    venue.exchange.fetch = answer
    return venue, fake


def test_a_gate_client_order_id_carries_the_t_prefix_gate_requires_and_finds_the_order() -> None:
    """Gate refuses a `text` that does not start with "t-"; ccxt adds the prefix only to
    ids that do not start with "t", and every trimtab id starts with "trimtab". The
    buy whose answer was lost is found again by the same text, and reported under
    trimtab's own id."""
    venue, fake = gate()
    with pytest.raises(OutcomeUnknown):
        venue.create_order("BTC/USDT", "buy", "0.0001", "trimtabp1x001", price=30_000.0)
    [(text, order)] = fake.orders.items()
    assert text == "t-trimtabp1x001"
    assert order["amount"] == "3"  # a market buy states the cost to spend: 0.0001 × 30,000
    found = venue.fetch_order("BTC/USDT", client_order_id="trimtabp1x001")
    assert found is not None and found.client_order_id == "trimtabp1x001"
    assert found.status == "closed"
    assert venue.fetch_order("BTC/USDT", client_order_id="trimtabp1x002") is None
