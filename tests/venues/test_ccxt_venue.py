"""The ccxt adapter on recorded Binance payloads, parsed by ccxt itself."""

from __future__ import annotations

import ccxt
import pytest

from tests.venues.recorded_binance import KEY, SECRET, binance_venue
from trimtab.venues.errors import (
    Fatal,
    InsufficientFunds,
    OutcomeUnknown,
    Rejected,
    Retryable,
)
from trimtab.venues.retry import Backoff


def test_balances_come_from_the_recorded_spot_account() -> None:
    venue, _ = binance_venue()
    balances = venue.fetch_balances()
    assert balances.total["LTC"] == pytest.approx(0.919741)
    assert balances.free["ETH"] == pytest.approx(0.02229833)


def test_ticker_keeps_the_venue_timestamp() -> None:
    venue, _ = binance_venue()
    ticker = venue.fetch_tickers(["BTC/USDT"])["BTC/USDT"]
    assert ticker.last == pytest.approx(73369.84)
    assert ticker.timestamp is not None and ticker.timestamp.year == 2024


def test_market_order_carries_the_client_order_id_and_exact_amount() -> None:
    venue, fake = binance_venue()
    order = venue.create_order("LTC/USDT", "sell", "0.123", "ttabc123x001")
    method, path, query = fake.requests[-1]
    assert (method, path) == ("POST", "/api/v3/order")
    assert query["newClientOrderId"] == ["ttabc123x001"]
    assert query["quantity"] == ["0.123"]
    assert query["type"] == ["MARKET"]
    assert order.status == "closed" and order.filled == pytest.approx(0.123)
    assert order.client_order_id == "ttabc123x001"


def test_order_found_by_client_order_id_with_the_venue_lookup() -> None:
    venue, fake = binance_venue()
    venue.create_order("LTC/USDT", "sell", "0.1", "ttabc123x002")
    found = venue.fetch_order("LTC/USDT", client_order_id="ttabc123x002")
    assert found is not None and found.client_order_id == "ttabc123x002"
    assert fake.requests[-1][2]["origClientOrderId"] == ["ttabc123x002"]


def test_unknown_client_order_id_is_none_not_an_error() -> None:
    venue, _ = binance_venue()
    assert venue.fetch_order("LTC/USDT", client_order_id="ttnever") is None


def test_open_orders_parse_the_recorded_payload() -> None:
    venue, _ = binance_venue()
    orders = venue.fetch_open_orders("LTC/USDT")
    assert orders and all(o.symbol == "LTC/USDT" for o in orders)


def test_timeout_after_accept_is_outcome_unknown_and_found_by_lookup() -> None:
    venue, fake = binance_venue()
    fake.after_accept.append(ccxt.RequestTimeout("binance POST https://api.binance.com timed out"))
    with pytest.raises(OutcomeUnknown):
        venue.create_order("LTC/USDT", "buy", "0.5", "ttabc123x003")
    found = venue.fetch_order("LTC/USDT", client_order_id="ttabc123x003")
    assert found is not None and found.filled == pytest.approx(0.5)
    assert fake.posts() == 1


@pytest.mark.parametrize(("error", "expected"), [
    (ccxt.InsufficientFunds("binance Account has insufficient balance"), InsufficientFunds),
    (ccxt.InvalidOrder("binance Filter failure: NOTIONAL"), Rejected),
    (ccxt.BadRequest("binance bad request"), Rejected),
    (ccxt.AuthenticationError("binance Invalid API-key"), Fatal),
    (ccxt.NetworkError("binance connection reset"), OutcomeUnknown),
    (ccxt.RateLimitExceeded("binance 429"), OutcomeUnknown),
    (ccxt.ExchangeNotAvailable("binance 503"), OutcomeUnknown),
])
def test_placement_errors_are_classified_by_operation_first(
        error: Exception, expected: type[Exception]) -> None:
    venue, fake = binance_venue()
    fake.faults["POST /api/v3/order"] = [error]
    with pytest.raises(expected):
        venue.create_order("LTC/USDT", "buy", "0.5", "ttabc123x004")
    assert fake.posts() == 1


def test_read_errors_are_retryable_only_when_transient() -> None:
    venue, fake = binance_venue()
    fake.faults["GET /api/v3/account"] = [ccxt.RequestTimeout("t"),
                                          ccxt.AuthenticationError("bad key")]
    with pytest.raises(Retryable):
        venue.fetch_balances()
    with pytest.raises(Fatal):
        venue.fetch_balances()


def test_rate_limit_storm_backs_off_then_succeeds_within_the_cap() -> None:
    venue, fake = binance_venue()
    fake.faults["GET /api/v3/account"] = [ccxt.RateLimitExceeded("binance 429")] * 3
    backoff = Backoff(attempts=5, base_delay=0.5, sleep=lambda _: None)
    balances = backoff.call(venue.fetch_balances)
    assert balances.total["LTC"] > 0
    assert len(backoff.waits) == 3
    assert backoff.waits[0] < backoff.waits[1] < backoff.waits[2]  # exponential


def test_rate_limit_storm_longer_than_the_cap_gives_up() -> None:
    venue, fake = binance_venue()
    fake.faults["GET /api/v3/account"] = [ccxt.RateLimitExceeded("binance 429")] * 10
    backoff = Backoff(attempts=4, sleep=lambda _: None)
    with pytest.raises(Retryable):
        backoff.call(venue.fetch_balances)
    assert len(backoff.waits) == 3 and len(fake.faults["GET /api/v3/account"]) == 6


def test_ccxt_own_retries_are_off_so_a_post_is_sent_once() -> None:
    venue, fake = binance_venue()
    assert venue.exchange.options["maxRetriesOnFailure"] == 0
    fake.faults["POST /api/v3/order"] = [ccxt.NetworkError("reset")]
    with pytest.raises(OutcomeUnknown):
        venue.create_order("LTC/USDT", "buy", "0.5", "ttabc123x005")
    assert fake.posts() == 1


def test_secrets_never_reach_an_error_message() -> None:
    venue, fake = binance_venue()
    fake.faults["GET /api/v3/account"] = [
        ccxt.AuthenticationError(f"binance rejected key {KEY} signed with {SECRET}")]
    with pytest.raises(Fatal) as info:
        venue.fetch_balances()
    assert KEY not in str(info.value) and SECRET not in str(info.value)
    assert "***" in str(info.value)


def test_positions_of_both_binance_families_are_read_usdm_and_coin_m() -> None:
    """Finding 7: COIN-M positions were never asked for, so exposure was understated."""
    venue, fake = binance_venue()
    position, inverse = venue.fetch_positions().positions
    assert position.venue == "binance" and position.symbol == "BTC/USDT:USDT"
    assert position.side == "long" and position.contracts == pytest.approx(0.009)
    assert position.mark_price == pytest.approx(67502.68519858)
    assert position.notional == pytest.approx(0.009 * 67502.68519858)
    assert inverse.symbol == "BTC/USD:BTC" and inverse.side == "short"
    assert inverse.contracts == 3 and inverse.notional == 300.0
    assert [p for _, p, _ in fake.requests] == ["/fapi/v3/positionRisk",
                                                "/dapi/v1/positionRisk"]


def test_the_recorded_position_carries_ccxt_margin_fields_into_the_margin_trigger() -> None:
    from trimtab.domain.analysis.margin import margin_health, margin_triggers

    venue, _ = binance_venue()
    position = venue.fetch_positions().positions[0]
    parsed = venue.exchange.fetch_positions()[0]  # ccxt's own parse of the same payload
    assert position.margin_mode == parsed["marginMode"] == "cross"
    assert position.liquidation_price == pytest.approx(float(parsed["liquidationPrice"]))
    assert position.maintenance_margin == pytest.approx(float(parsed["maintenanceMargin"]))
    assert position.margin_ratio == pytest.approx(float(parsed["marginRatio"]))
    health = margin_health(position)
    assert not health.liquidation_estimated
    expected = (position.mark_price - position.liquidation_price) / position.mark_price
    assert health.liquidation_distance == pytest.approx(expected)
    [fired] = margin_triggers((health,), max_ratio=0.8, min_distance=0.10)
    assert fired.kind == "margin" and "estimated" not in fired.message


def test_a_position_without_a_mark_price_is_valued_at_the_last_price_as_an_estimate() -> None:
    """Finding 2: a missing markPrice raised a TypeError that killed check and watch."""
    venue, fake = binance_venue()
    fake.without_mark = True
    fake.live_prices["BTCUSDT"] = 67_000.0
    read = venue.fetch_positions()
    position = read.positions[0]
    assert position.symbol == "BTC/USDT:USDT"
    assert position.mark_price == 67_000.0 and position.mark_estimated
    assert any("BTC/USDT:USDT has no mark price" in n for n in read.notes)
    assert ("GET", "/fapi/v1/ticker/24hr") in [(m, p) for m, p, _ in fake.requests]
