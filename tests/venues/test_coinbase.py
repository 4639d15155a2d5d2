"""Coinbase on its recorded markets: a market buy states the cost to spend."""

from __future__ import annotations

from tests.venues.recorded import recorded_venue

# ccxt's static data records no Coinbase createOrder: this answer is the example in
# ccxt's own coinbase.create_order source (success_response), ids kept as written there
ACCEPTED = {"success": True, "failure_reason": "UNKNOWN_FAILURE_REASON",
            "order_id": "52cfe5e2-0b29-4c19-a245-a6a773de5030",
            "success_response": {"order_id": "52cfe5e2-0b29-4c19-a245-a6a773de5030",
                                 "product_id": "BTC-USDT", "side": "BUY",
                                 "client_order_id": "trimtabp1x001"},
            "order_configuration": None}
ORDER_ID = ACCEPTED["order_id"]
# the answer is an acknowledgement (no status): trimtab reads the order back. This answer
# is the example in ccxt's coinbase.fetch_order source, re-addressed to the order above
# and filled (status, sizes): ccxt's static data records no Coinbase fetchOrder either
READ_BACK = {"order": {
    "order_id": ORDER_ID, "product_id": "BTC-USDT",
    "user_id": "1111111-1111-1111-1111-111111111111",
    "order_configuration": {"market_market_ioc": {"quote_size": "663.63"}}, "side": "BUY",
    "client_order_id": "trimtabp1x001", "status": "FILLED", "time_in_force": "IMMEDIATE_OR_CANCEL",
    "created_time": "2023-01-16T23:37:23.947030Z", "completion_percentage": "100",
    "filled_size": "0.01", "average_filled_price": "66363.03", "fee": "", "number_of_fills": "1",
    "filled_value": "663.6303", "pending_cancel": False, "size_in_quote": True, "total_fees": "0",
    "size_inclusive_of_fees": False, "total_value_after_fees": "663.6303",
    "trigger_status": "INVALID_ORDER_TYPE", "order_type": "MARKET",
    "reject_reason": "REJECT_REASON_UNSPECIFIED", "settled": True, "product_type": "SPOT",
    "reject_message": "", "cancel_message": ""}}


def coinbase():  # type: ignore[no-untyped-def]
    return recorded_venue("coinbase", {
        ("POST", "/api/v3/brokerage/orders"): ACCEPTED,
        ("GET", f"/api/v3/brokerage/orders/historical/{ORDER_ID}"): READ_BACK,
    }, {"secret": "fake-secret-91c2"})  # a legacy key: HMAC-signed


def test_a_coinbase_market_buy_is_sent_as_the_cost_ccxt_computes_from_the_price() -> None:
    """Finding 4: without a price ccxt refused every Coinbase market buy."""
    venue, server = coinbase()
    order = venue.create_order("BTC/USDT", "buy", "0.01", "trimtabp1x001", price=66363.03)
    body = server.bodies[0]
    assert body["order_configuration"] == {"market_market_ioc": {"quote_size": "663.63"}}
    assert body["client_order_id"] == "trimtabp1x001" and body["side"] == "BUY"
    assert order.id == ORDER_ID and order.status == "closed"  # read back: filled


def test_a_coinbase_market_sell_is_sent_in_coins() -> None:
    venue, server = coinbase()
    venue.create_order("BTC/USDT", "sell", "0.01", "trimtabp1x002", price=66363.03)
    assert server.bodies[0]["order_configuration"] == {
        "market_market_ioc": {"base_size": "0.01"}}


def test_trimtabs_client_order_id_reaches_coinbase_not_a_uuid_of_ccxts() -> None:
    """ccxt's coinbase drops `clientOrderId`: the order would be unfindable after a restart."""
    venue, server = coinbase()
    venue.create_order("BTC/USDT", "sell", "0.01", "trimtabp1x003")
    assert server.bodies[0]["client_order_id"] == "trimtabp1x003"
