"""OKX on its recorded payloads: inverse swaps, hedge and isolated margin, positions,
funding, and an order found again by trimtab's client order id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ccxt
import pytest

from tests.venues.recorded import RecordedServer, recorded, recorded_venue
from tests.venues.strays import stray_orders
from trimtab.venues.ccxt_venue import CcxtVenue

PLACED = recorded("okx", "createOrder")  # OKX's answer to a placement: ids, no status
FILLED = recorded("okx", "fetchOrder")["data"][0]  # a filled LTC-USDT market buy
# ccxt's static data records no OKX funding rate: the example in ccxt 4.5.90's own
# okx.fetch_funding_rate source, as written
FUNDING = {"code": "0", "data": [{"fundingRate": "0.00027815", "fundingTime": "1634256000000",
                                  "instId": "BTC-USD-SWAP", "instType": "SWAP",
                                  "nextFundingRate": "0.00017",
                                  "nextFundingTime": "1634284800000"}], "msg": ""}


def positions(_: dict[str, list[str]]) -> Any:
    """An account holding both recorded positions: a hedge-mode (posSide long) cross
    LTC-USDT-SWAP long and an isolated BTC-USD-SWAP long, in one answer."""
    answer = recorded("okx", "fetchPositions")
    answer["data"] += recorded("okx", "fetchPosition")["data"]
    return answer


def lookup(query: dict[str, list[str]]) -> Any:
    """The recorded filled order, under the ids it was placed or recorded with."""
    placed = PLACED["data"][0]
    if query.get("ordId") == [placed["ordId"]]:  # the read-back of a placement
        order = {**FILLED, "ordId": placed["ordId"], "clOrdId": placed["clOrdId"],
                 "instId": query["instId"][0], "side": "sell", "sz": "4.9", "accFillSz": "4.9"}
        return {"code": "0", "data": [order], "msg": ""}
    if query.get("clOrdId") == [FILLED["clOrdId"]]:
        return recorded("okx", "fetchOrder")
    # what ccxt raises for OKX's error 51603 (the fake replaces ccxt's HTTP call, where
    # ccxt reads the code)
    raise ccxt.OrderNotFound('okx {"code":"51603","data":[],"msg":"Order does not exist"}')


def okx() -> tuple[CcxtVenue, RecordedServer]:
    # ccxt sends one order through OKX's batch endpoint by default
    return recorded_venue("okx", {("POST", "/api/v5/trade/batch-orders"): PLACED,
                                  ("GET", "/api/v5/trade/order"): lookup,
                                  ("GET", "/api/v5/account/positions"): positions,
                                  ("GET", "/api/v5/public/funding-rate"): FUNDING},
                          {"password": "fake-passphrase"})


def test_reducing_an_isolated_hedge_mode_long_names_its_side_and_margin_mode() -> None:
    """Finding 9: OKX needs posSide in hedge mode and tdMode isolated for an isolated
    position; trimtab always sent cross and no side."""
    venue, server = okx()
    order = venue.create_order("ADA/USDT:USDT", "sell", "4.9", "trimtabp1x001",
                               reduce_only=True, hedged=True, margin_mode="isolated")
    [body] = server.bodies[0]
    assert body["instId"] == "ADA-USDT-SWAP" and body["sz"] == "4.9"
    assert body["posSide"] == "long" and body["tdMode"] == "isolated"
    assert body["clOrdId"] == "trimtabp1x001"
    # the answer had no status: the order was read back by its id, filled, not left "open"
    assert server.requests[-1][2]["ordId"] == [PLACED["data"][0]["ordId"]]
    assert order.status == "closed" and order.filled == pytest.approx(4.9)


def test_a_one_way_cross_position_is_reduced_with_reduce_only() -> None:
    venue, server = okx()
    venue.create_order("BTC/USD:BTC", "buy", "1", "trimtabp1x002", reduce_only=True,
                       margin_mode="cross")
    [body] = server.bodies[0]
    assert body["instId"] == "BTC-USD-SWAP" and body["tdMode"] == "cross"
    assert body["reduceOnly"] is True and "posSide" not in body


def test_okx_positions_of_both_families_come_from_one_read_with_side_and_margin_mode() -> None:
    """One unified read returns linear and inverse positions on OKX; posSide long marks
    hedge mode, mgnMode the margin mode that a reduction must name."""
    venue, server = okx()
    read = venue.fetch_positions()
    by_symbol = {p.symbol: p for p in read.positions}
    linear, inverse = by_symbol["LTC/USDT:USDT"], by_symbol["BTC/USD:BTC"]
    assert (linear.side, linear.hedged, linear.margin_mode) == ("long", True, "cross")
    assert (inverse.side, inverse.hedged, inverse.margin_mode) == ("long", True, "isolated")
    assert inverse.mark_price == pytest.approx(92376.7)
    assert inverse.contract.notional(inverse.contracts, inverse.mark_price) == pytest.approx(100)
    assert [p for _, p, _ in server.requests] == ["/api/v5/account/positions"]


def test_okx_funding_is_read_for_every_perpetual_at_once() -> None:
    """ccxt asks OKX for every swap's rate (instId ANY) and keeps the ones held."""
    venue, server = okx()
    rates = venue.fetch_funding_rates(["BTC/USD:BTC"])
    assert rates["BTC/USD:BTC"].rate == pytest.approx(0.00027815)
    assert server.requests[-1][2]["instId"] == ["ANY"]


def test_an_okx_order_is_found_by_its_client_order_id_and_an_unknown_one_is_none() -> None:
    venue, server = okx()
    found = venue.fetch_order("LTC/USDT", client_order_id=FILLED["clOrdId"])
    assert found is not None and found.client_order_id == FILLED["clOrdId"]
    assert found.status == "closed" and found.filled == pytest.approx(0.1)
    assert server.requests[-1][2]["clOrdId"] == [FILLED["clOrdId"]]
    assert venue.fetch_order("LTC/USDT", client_order_id="trimtabnever") is None


def resting(_: dict[str, list[str]]) -> Any:
    """Orders resting on a spot pair, a USDT swap and an inverse swap, in one answer: the
    recorded order, left live, under other instruments and client order ids."""
    live = {**FILLED, "state": "live", "accFillSz": "0", "fillSz": "0", "px": "50",
            "ordType": "limit"}
    return {"code": "0", "msg": "", "data": [
        {**live, "instId": i, "instType": t, "clOrdId": c, "ordId": str(n)}
        for n, (i, t, c) in enumerate([("LTC-USDT", "SPOT", "trimtabp0x001"),
                                       ("LTC-USDT-SWAP", "SWAP", "trimtabp1x001"),  # journal's
                                       ("BTC-USD-SWAP", "SWAP", "trimtabp0x002"),
                                       ("BTC-USD-SWAP", "SWAP", "mine")], start=1)]}


def test_stray_trimtab_orders_on_okx_swaps_are_reported_from_one_listing(
        tmp_path: Path) -> None:
    """Issue 10 follow-up, OKX: ccxt sends orders-pending without instType, which OKX
    answers for every instrument type (spot, swaps, futures), so one listing is the whole
    scan; this guards that OKX needs no entry in OPEN_ORDER_QUERIES."""
    venue, server = recorded_venue("okx", {("GET", "/api/v5/trade/orders-pending"): resting},
                                   {"password": "fake-passphrase"})
    problems = stray_orders(venue, tmp_path, {"trimtabp1x001": "LTC/USDT:USDT"})
    assert sorted(p.split(" on ")[0] for p in problems) == [
        "open order trimtabp0x001 (LTC/USDT)", "open order trimtabp0x002 (BTC/USD:BTC)"]
    listed = [q for _, p, q in server.requests if p == "/api/v5/trade/orders-pending"]
    assert listed == [{}]


def test_a_full_page_of_okx_open_orders_is_said_to_hide_more() -> None:
    """OKX lists 100 pending orders in one answer: the scan cannot call an account clean
    when the answer is that full, so it says so (journaled as `scan_failed`)."""
    def hundred(_: dict[str, list[str]]) -> Any:
        page = resting({})
        page["data"] = [{**page["data"][3], "ordId": str(n), "clOrdId": f"mine{n}"}
                        for n in range(100)]
        return page

    venue, _ = recorded_venue("okx", {("GET", "/api/v5/trade/orders-pending"): hundred},
                              {"password": "fake-passphrase"})
    listed = venue.scan_open_orders()
    assert len(listed.orders) == 100
    [note] = listed.notes
    assert "100 listed, as many as one listing returns, so more may rest unseen" in note
    venue, _ = recorded_venue("okx", {("GET", "/api/v5/trade/orders-pending"): resting},
                              {"password": "fake-passphrase"})
    assert venue.scan_open_orders().notes == ()
