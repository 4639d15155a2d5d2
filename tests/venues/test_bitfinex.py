"""Bitfinex (ccxt's v2 `bitfinex`) on its recorded payloads: linear perpetuals, funding,
reduce-only as a flag, and a client order id that must be a number."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ccxt
import pytest

from tests.venues.recorded import RecordedServer, recorded, recorded_venue
from tests.venues.strays import stray_orders
from trimtab.venues.capabilities import venue_client_id
from trimtab.venues.ccxt_venue import CcxtVenue
from trimtab.venues.markets import markets_of

# ccxt's static data records no Bitfinex position or funding rate: the examples in ccxt
# 4.5.90's own bitfinex.py (fetch_positions, fetch_funding_rates), as written but for the
# position's market, moved from the margin pair tBTCUSD to the BTC perpetual
POSITIONS = [["tBTCF0:USTF0", "ACTIVE", 0.0195, 8565.0267019, 0, 0, -0.33455568705000516,
              -0.0003117550117425625, 7045.876419249083, 3.0673001895895604, None, 142355652,
              1574002216000, 1574002216000, None, 0, None, 0, 0,
              {"reason": "TRADE", "order_id": 34271018124, "liq_stage": None,
               "trade_price": "8565.0267019", "trade_amount": "0.0195",
               "order_id_oppo": 34277498022}]]
STATUS = [["tBTCF0:USTF0", 1691165059000, None, 29297.851276225, 29277.5, None,
           36950860.76010306, None, 1691193600000, 0.00000527, 82, None, 0.00014548, None, None,
           29278.8925, None, None, 9636.07644994, None, None, None, 0.0005, 0.0025]]
CID = 2  # an order's client id in Bitfinex's order array


class FakeBitfinex:
    """Keeps the orders placed and answers the lists with the recorded open order,
    re-addressed to each (its id counted from the recorded one, its client id)."""

    def __init__(self) -> None:
        self.placed: list[dict[str, Any]] = []
        self.others: list[int] = []  # client ids of orders placed by other tools (Bitfinex's UI)
        self.body: dict[str, Any] = {}  # the JSON body of the request being answered

    def submit(self, _: dict[str, list[str]]) -> Any:
        """The recorded acceptance of a perpetual's order, re-addressed to the order placed."""
        answer = recorded("bitfinex", "createOrder", 1)
        answer[4][0][0] = self._orders()[len(self.placed) - 1][0]
        answer[4][0][CID] = self.placed[-1]["cid"]
        return answer

    def open_orders(self, _: dict[str, list[str]]) -> Any:
        """The open orders, or those with the ids asked for (ccxt's fetchOrder asks so)."""
        asked = self.body.get("id")
        return [o for o in self._orders() if asked is None or o[0] in asked]

    def _orders(self) -> list[list[Any]]:
        [order] = recorded("bitfinex", "fetchOpenOrders")
        cids = [body["cid"] for body in self.placed] + self.others
        return [[order[0] + n, *order[1:CID], cid, *order[CID + 1:]]
                for n, cid in enumerate(cids)]


def bitfinex(fake: FakeBitfinex | None = None) -> tuple[CcxtVenue, RecordedServer]:
    fake = fake or FakeBitfinex()
    venue, server = recorded_venue("bitfinex", {
        ("POST", "/v2/auth/w/order/submit"): fake.submit,
        ("POST", "/v2/auth/r/orders/tLTCUST"): fake.open_orders,
        ("POST", "/v2/auth/r/orders"): fake.open_orders,  # every symbol's
        ("POST", "/v2/auth/r/orders/tLTCUST/hist"): recorded("bitfinex", "fetchClosedOrders"),
        ("POST", "/v2/auth/r/positions"): POSITIONS,
        ("GET", "/v2/status/deriv"): STATUS,
        ("GET", "/v2/ticker/tBTCF0:USTF0"): recorded("bitfinex", "fetchTicker"),
    })
    original = server.__call__

    def keep(url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        fake.body = json.loads(body) if body else {}
        if url.endswith("/order/submit"):
            fake.placed.append(fake.body)
        return original(url, method, headers, body)
    venue.exchange.fetch = keep
    return venue, server


def test_a_bitfinex_perpetual_is_counted_from_the_amount_ccxt_files_as_notional() -> None:
    """ccxt's bitfinex leaves `contracts` empty (the amount is in `notional`): the
    position was dropped as flat, and the exposure understated. It has no mark price:
    the ticker's last price stands in, marked as an estimate."""
    venue, _ = bitfinex()
    read = venue.fetch_positions()
    [position] = read.positions
    assert (position.symbol, position.side) == ("BTC/USDT:USDT", "long")
    assert position.contracts == pytest.approx(0.0195)
    assert position.margin_mode == "isolated" and position.mark_estimated
    assert position.mark_price == pytest.approx(73350)
    contract = markets_of(venue.exchange)["BTC/USDT:USDT"].rule.contract
    assert not contract.inverse and contract.size == 1


def test_bitfinex_funding_comes_from_the_derivatives_status() -> None:
    venue, server = bitfinex()
    rates = venue.fetch_funding_rates(["BTC/USDT:USDT"])
    assert rates["BTC/USDT:USDT"].rate == pytest.approx(0.00014548)
    assert server.requests[-1][2]["keys"] == ["tBTCF0:USTF0"]


def test_a_bitfinex_reduce_only_order_is_flag_1024_and_carries_a_numeric_client_id() -> None:
    """Bitfinex reads reduce-only as flag 1024 and takes an integer `cid` only: trimtab's
    alphanumeric id was sent as it stands and every order would be refused."""
    venue, server = bitfinex()
    order = venue.create_order("LTC/USDT:USDT", "sell", "0.1", "trimtabp1x001", reduce_only=True)
    body = server.bodies[-1]
    assert body["symbol"] == "tLTCF0:USTF0" and body["type"] == "MARKET"
    assert body["amount"] == "-0.1" and body["flags"] == 1024
    assert isinstance(body["cid"], int) and body["cid"] < 2**45
    assert len(str(body["cid"])) == 14 and str(body["cid"]).startswith("34")  # trimtab's range
    assert body["cid"] == venue_client_id("bitfinex", "trimtabp1x001")  # the same after a restart
    assert order.client_order_id == "trimtabp1x001"


def test_a_bitfinex_order_is_found_again_by_the_number_its_client_id_was_sent_as() -> None:
    venue, _ = bitfinex()
    venue.create_order("LTC/USDT", "buy", "0.1", "trimtabp1x002")
    found = venue.fetch_order("LTC/USDT", client_order_id="trimtabp1x002")
    assert found is not None and found.client_order_id == "trimtabp1x002"
    assert found.id == "139472205825" and found.status == "open"
    assert venue.fetch_order("LTC/USDT", client_order_id="trimtabp1x999") is None


def test_bitfinex_offers_no_hedge_mode_no_inverse_contract_and_no_sandbox_in_ccxt() -> None:
    """The "—" cells of the README's Bitfinex row, as ccxt states them."""
    venue, _ = bitfinex()
    assert venue.exchange.has["setPositionMode"] is False
    assert not any(m.get("inverse") for m in venue.exchange.markets.values())
    assert not ccxt.bitfinex().urls.get("test")


def test_a_stray_trimtab_order_on_bitfinex_is_reported_at_start_up_and_no_other(
        tmp_path: Path) -> None:
    """Bitfinex reports trimtab's id as the number it was sent as, which never starts with
    trimtab's prefix: a stray order (another process's, a lost journal's) went unnoticed.
    trimtab's numbers lie in a range of their own, so the stray one is told from the
    user's own orders (Bitfinex's UI numbers them by the clock), and the journal's own
    is known by its number."""
    fake = FakeBitfinex()
    fake.others = [1717587431027, 1003434]  # the client ids of ccxt's recorded orders
    venue, _ = bitfinex(fake)
    venue.create_order("LTC/USDT", "buy", "0.1", "trimtabp0x001")  # a lost journal's
    venue.create_order("LTC/USDT", "buy", "0.1", "trimtabp1x001")
    [problem] = stray_orders(venue, tmp_path, {"trimtabp1x001": "LTC/USDT"})
    stray = venue_client_id("bitfinex", "trimtabp0x001")
    assert f"open order {stray} (LTC/USDT) on bitfinex" in problem


def test_a_bitfinex_order_looked_up_by_its_order_id_is_reported_under_trimtabs_id() -> None:
    venue, _ = bitfinex()
    placed = venue.create_order("LTC/USDT", "buy", "0.1", "trimtabp1x001")
    found = venue.fetch_order("LTC/USDT", order_id=placed.id, client_order_id="trimtabp1x001")
    assert found is not None and found.client_order_id == "trimtabp1x001"
    alone = venue.fetch_order("LTC/USDT", order_id=placed.id)  # trimtab's, though unknown
    assert alone is not None and alone.by_trimtab
