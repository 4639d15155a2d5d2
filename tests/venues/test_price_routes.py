"""Price routes to the quote on recorded market lists: direct, reverse, through a bridge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.venues.test_markets import LOADED
from trimtab.domain.planning.orders import MarketRule
from trimtab.venues.markets import markets_of
from trimtab.venues.port import Market, Ticker
from trimtab.venues.snapshots import priced, route

KRAKEN = markets_of(LOADED["kraken"])
COINBASE = markets_of(LOADED["coinbase"])


def named(*symbols: str) -> dict[str, Market]:
    return {s: Market(s, *s.split("/"), rule=MarketRule()) for s in symbols}


def test_a_direct_pair_is_taken_first() -> None:
    assert route("BTC", "USDT", KRAKEN) == (("BTC/USDT", False),)


def test_a_reverse_pair_prices_the_quote_side() -> None:
    """Finding 8: USD held where only USDT/USD is listed was unpriced."""
    assert route("USD", "USDT", named("USDT/USD")) == (("USDT/USD", True),)


def test_another_stablecoin_bridges_an_asset_without_a_quote_pair() -> None:
    assert route("XRP", "USDT", named("XRP/USDC", "USDC/USDT")) == (
        ("XRP/USDC", False), ("USDC/USDT", False))


def test_on_kraken_usd_is_priced_in_usdt_through_btc() -> None:
    assert route("USD", "USDT", KRAKEN) == (("BTC/USD", True), ("BTC/USDT", False))


def test_on_coinbase_usdc_quoted_xrp_is_direct_when_both_exist() -> None:
    assert route("XRP", "USDC", COINBASE) == (("XRP/USDC", False),)


def test_an_asset_no_market_reaches_has_no_route() -> None:
    assert route("JFI", "USDT", KRAKEN) == ()


def test_a_crossed_price_multiplies_the_legs_and_keeps_the_oldest_time() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    tickers = {"BTC/USD": Ticker("BTC/USD", 100_000.0, now),
               "BTC/USDT": Ticker("BTC/USDT", 100_100.0, now - timedelta(seconds=30))}
    usd = priced((("BTC/USD", True), ("BTC/USDT", False)), tickers)
    assert usd["price"] == pytest.approx(1.001)
    assert usd["timestamp"] == now - timedelta(seconds=30)
