"""OKX on its recorded markets and order answer: inverse swaps, hedge and isolated margin."""

from __future__ import annotations

from tests.venues.recorded import recorded_venue

# ccxt's static test data, okx.json, createOrder case "type2 & type3 together" (commit
# 02140ad0): the answer OKX gives to a placed order, copied as it stands
PLACED = {"code": "0", "data": [{"clOrdId": "6b9ad766b55dBCDE63969a1144bfb943",
                                 "ordId": "2896576259728695296", "sCode": "0",
                                 "sMsg": "Order placed", "tag": "6b9ad766b55dBCDE",
                                 "ts": "1758827099512"}],
          "inTime": "1758827099511856", "msg": "", "outTime": "1758827099513562"}


def okx():  # type: ignore[no-untyped-def]
    # ccxt sends one order through OKX's batch endpoint by default
    return recorded_venue("okx", {("POST", "/api/v5/trade/batch-orders"): PLACED},
                          {"password": "fake-passphrase"})


def test_reducing_an_isolated_hedge_mode_long_names_its_side_and_margin_mode() -> None:
    """Finding 9: OKX needs posSide in hedge mode and tdMode isolated for an isolated
    position; trimtab always sent cross and no side."""
    venue, server = okx()
    venue.create_order("ADA/USDT:USDT", "sell", "4.9", "trimtabp1x001", reduce_only=True,
                       hedged=True, margin_mode="isolated")
    [body] = server.bodies[-1]
    assert body["instId"] == "ADA-USDT-SWAP" and body["sz"] == "4.9"
    assert body["posSide"] == "long" and body["tdMode"] == "isolated"
    assert body["clOrdId"] == "trimtabp1x001"


def test_a_one_way_cross_position_is_reduced_with_reduce_only() -> None:
    venue, server = okx()
    venue.create_order("BTC/USD:BTC", "buy", "1", "trimtabp1x002", reduce_only=True,
                       margin_mode="cross")
    [body] = server.bodies[-1]
    assert body["instId"] == "BTC-USD-SWAP" and body["tdMode"] == "cross"
    assert body["reduceOnly"] is True and "posSide" not in body
