"""OKX on its recorded markets and order answer: inverse swaps, hedge and isolated margin,
positions, funding and the order looked up by trimtab's client order id."""

from __future__ import annotations

from typing import Any

import ccxt
import pytest

from tests.venues.recorded import recorded_venue

# ccxt's static test data, okx.json, createOrder case "type2 & type3 together" (commit
# 02140ad0): the answer OKX gives to a placed order, copied as it stands
PLACED = {"code": "0", "data": [{"clOrdId": "6b9ad766b55dBCDE63969a1144bfb943",
                                 "ordId": "2896576259728695296", "sCode": "0",
                                 "sMsg": "Order placed", "tag": "6b9ad766b55dBCDE",
                                 "ts": "1758827099512"}],
          "inTime": "1758827099511856", "msg": "", "outTime": "1758827099513562"}
# The examples in ccxt 4.5.90's own okx.py (its static data records none of these three):
# parse_position's BTC-USDT-SWAP long of a hedge-mode (posSide long) cross account, as written
POSITIONS = {"code": "0", "msg": "", "data": [{
    "adl": "3", "availPos": "1", "avgPx": "34131.1", "cTime": "1627227626502", "ccy": "USDT",
    "deltaBS": "", "deltaPA": "", "gammaBS": "", "gammaPA": "", "imr": "170.66093041794787",
    "instId": "BTC-USDT-SWAP", "instType": "SWAP", "interest": "0", "last": "34134.4",
    "lever": "2", "liab": "", "liabCcy": "", "liqPx": "12608.959083877446",
    "markPx": "4786.459271773621", "margin": "", "mgnMode": "cross",
    "mgnRatio": "140.49930117599155", "mmr": "1.3652874433435829",
    "notionalUsd": "341.5130010779638", "optVal": "", "pos": "1", "posCcy": "",
    "posId": "339552508062380036", "posSide": "long", "thetaBS": "", "thetaPA": "",
    "tradeId": "98617799", "uTime": "1627227626502", "upl": "0.0108608358957281",
    "uplRatio": "0.0000636418743944", "vegaBS": "", "vegaPA": ""}]}
# fetch_funding_rate's BTC-USD-SWAP answer, as written
FUNDING = {"code": "0", "data": [{"fundingRate": "0.00027815", "fundingTime": "1634256000000",
                                  "instId": "BTC-USD-SWAP", "instType": "SWAP",
                                  "nextFundingRate": "0.00017",
                                  "nextFundingTime": "1634284800000"}], "msg": ""}
# parse_order's fetchClosedOrders example (a filled isolated reduce-only sell), its REST
# fields as written; `clOrdId`, `ordId`, `instId`, `side` and `sz` are re-addressed per order
FILLED = {
    "algoClOrdId": "", "algoId": "", "attachAlgoClOrdId": "", "attachAlgoOrds": [],
    "cancelSource": "", "cancelSourceReason": "", "category": "normal", "ccy": "",
    "clOrdId": "", "cTime": "1751705801423", "feeCcy": "USDT", "instId": "LINK-USDT-SWAP",
    "instType": "SWAP", "isTpLimit": "false", "lever": "3", "linkedAlgoOrd": {"algoId": ""},
    "ordId": "2657625147249614848", "ordType": "limit", "posSide": "net", "px": "13.142",
    "pxType": "", "pxUsd": "", "pxVol": "", "quickMgnType": "", "rebate": "0",
    "rebateCcy": "USDT", "reduceOnly": "true", "side": "sell", "slOrdPx": "",
    "slTriggerPx": "", "slTriggerPxType": "", "source": "", "stpId": "",
    "stpMode": "cancel_maker", "sz": "0.1", "tag": "", "tdMode": "isolated", "tgtCcy": "",
    "tpOrdPx": "", "tpTriggerPx": "", "tpTriggerPxType": "", "uTime": "1751705807467",
    "pnl": "-0.0001", "accFillSz": "0.1", "avgPx": "13.142", "state": "filled",
    "fee": "-0.00026284", "fillPx": "13.142", "tradeId": "293429690", "fillSz": "0.1",
    "fillTime": "1751705807467"}


def lookup(query: dict[str, list[str]]) -> Any:
    """The order OKX keeps under the placed ids (the recorded ones), else 51603."""
    placed = PLACED["data"][0]
    if query.get("clOrdId", query.get("ordId")) not in (
            [placed["clOrdId"]], [placed["ordId"]], ["trimtabp1x003"]):
        # what ccxt raises for OKX's error 51603 (the fake replaces ccxt's HTTP call, where
        # ccxt would read the code)
        raise ccxt.OrderNotFound('okx {"code":"51603","data":[],"msg":"Order does not exist"}')
    client = query.get("clOrdId", ["trimtabp1x003"])[0]
    order = {**FILLED, "clOrdId": client, "ordId": placed["ordId"], "instId": query["instId"][0],
             "side": "sell", "sz": "4.9", "accFillSz": "4.9", "fillSz": "4.9"}
    return {"code": "0", "msg": "", "data": [order]}


def okx():  # type: ignore[no-untyped-def]
    # ccxt sends one order through OKX's batch endpoint by default; an answer without a
    # status is read back by its id
    return recorded_venue("okx", {("POST", "/api/v5/trade/batch-orders"): PLACED,
                                  ("GET", "/api/v5/trade/order"): lookup,
                                  ("GET", "/api/v5/account/positions"): POSITIONS,
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
    # the acknowledgement had no status: the order was read back, filled, not left "open"
    assert server.requests[-1][2]["ordId"] == [PLACED["data"][0]["ordId"]]
    assert order.status == "closed" and order.filled == pytest.approx(4.9)


def test_a_one_way_cross_position_is_reduced_with_reduce_only() -> None:
    venue, server = okx()
    venue.create_order("BTC/USD:BTC", "buy", "1", "trimtabp1x002", reduce_only=True,
                       margin_mode="cross")
    [body] = server.bodies[0]
    assert body["instId"] == "BTC-USD-SWAP" and body["tdMode"] == "cross"
    assert body["reduceOnly"] is True and "posSide" not in body


def test_an_okx_hedge_mode_position_is_read_with_its_side_margin_mode_and_contract_size() -> None:
    """One unified read returns every family on OKX; posSide long marks hedge mode, and a
    BTC-USDT-SWAP contract is 0.01 BTC."""
    venue, server = okx()
    [position] = venue.fetch_positions().positions
    assert (position.symbol, position.side, position.hedged) == ("BTC/USDT:USDT", "long", True)
    assert position.margin_mode == "cross" and position.contracts == pytest.approx(1)
    assert position.contract.notional(1, 4786.459271773621) == pytest.approx(47.86459271773621)
    assert [p for _, p, _ in server.requests] == ["/api/v5/account/positions"]


def test_okx_funding_is_read_for_every_perpetual_at_once() -> None:
    """ccxt asks OKX for every swap's rate (instId ANY) and keeps the ones held."""
    venue, server = okx()
    rates = venue.fetch_funding_rates(["BTC/USD:BTC"])
    assert rates["BTC/USD:BTC"].rate == pytest.approx(0.00027815)
    assert server.requests[-1][2]["instId"] == ["ANY"]


def test_an_okx_order_is_found_by_its_client_order_id_and_an_unknown_one_is_none() -> None:
    venue, server = okx()
    found = venue.fetch_order("ADA/USDT:USDT", client_order_id="trimtabp1x003")
    assert found is not None and found.client_order_id == "trimtabp1x003"
    assert found.status == "closed" and found.filled == pytest.approx(4.9)
    assert server.requests[-1][2]["clOrdId"] == ["trimtabp1x003"]
    assert venue.fetch_order("ADA/USDT:USDT", client_order_id="trimtabnever") is None
