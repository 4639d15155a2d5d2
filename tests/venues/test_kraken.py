"""Kraken on its recorded payloads: a spot-margin position and tickers without a time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.venues.recorded import recorded, recorded_venue
from trimtab.venues.ccxt_venue import CcxtVenue
from trimtab.venues.errors import Rejected
from trimtab.venues.retry import Backoff
from trimtab.venues.snapshots import take_snapshot


def kraken() -> CcxtVenue:
    venue, _ = recorded_venue("kraken", {
        ("POST", "/0/private/OpenPositions"): recorded("kraken", "fetchPositions"),
        ("GET", "/0/public/Ticker"): recorded("kraken", "fetchTicker"),
        # ccxt's static data records no Kraken balance: this one is written by hand in
        # the shape of Kraken's documented BalanceEx answer
        ("POST", "/0/private/BalanceEx"): {"error": [], "result": {
            "XXBT": {"balance": "0.01", "hold_trade": "0"},
            "USDT": {"balance": "500.0", "hold_trade": "0"}}},
    })
    return venue


def test_a_kraken_spot_margin_position_is_left_out_with_its_reason_not_a_crash() -> None:
    """Finding 2: the recorded ADA/USDT margin short raised a ValidationError."""
    read = kraken().fetch_positions()
    assert read.positions == ()
    [note] = read.notes
    assert "ADA/USDT" in note and "not a contract" in note


def test_a_kraken_ticker_without_a_time_is_stamped_when_fetched_and_says_so() -> None:
    """Finding 10: with no time the stale-price guard was silently off."""
    before = datetime.now(UTC)
    ticker = kraken().fetch_tickers(["BTC/USDT"])["BTC/USDT"]
    assert ticker.last == pytest.approx(73380.6)
    assert ticker.time_estimated and ticker.timestamp is not None
    assert ticker.timestamp >= before


def test_a_kraken_snapshot_carries_both_notes_and_no_funding_request() -> None:
    """Finding 3: Kraken has no funding API; it is n/a, never a fatal error."""
    venue = kraken()
    snap = take_snapshot([venue], "USDT", {"BTC"}, Backoff(sleep=lambda _: None))
    assert snap.prices["BTC"].price == pytest.approx(73380.6)
    assert snap.positions == () and snap.funding_rates == {}
    assert any("not a contract" in n for n in snap.notes)
    assert any("without a time" in n and "BTC/USDT" in n for n in snap.notes)


def test_an_answer_ccxt_cannot_parse_is_a_venue_error_naming_the_read_not_a_type_error() -> None:
    """Kraken's positions sent as an object where ccxt expects a list made ccxt's parser
    raise TypeError, which passed the adapter untranslated (exit 3, a crash)."""
    venue, _ = recorded_venue("kraken", {
        ("POST", "/0/private/OpenPositions"): {"error": [], "result": {}}})
    with pytest.raises(Rejected, match="kraken fetch_positions: an answer ccxt cannot read: "
                       "TypeError"):
        venue.fetch_positions()
