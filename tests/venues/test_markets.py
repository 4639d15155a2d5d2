"""The domain's lot-size rounding agrees with ccxt's amount_to_precision on real markets."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trimtab.venues.markets import markets_of, offline_exchange, read_market_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ccxt" / "markets"
EXCHANGES = sorted(p.stem for p in FIXTURES.glob("*.json"))  # every recorded market file
LOADED = {e: offline_exchange(e, read_market_file(FIXTURES / f"{e}.json")) for e in EXCHANGES}
CASES = [(e, s) for e, ex in LOADED.items() for s, m in ex.markets.items()
         if (m.get("precision") or {}).get("amount") is not None]


def test_every_recorded_market_becomes_a_rule() -> None:
    for exchange in LOADED.values():
        markets = markets_of(exchange)
        assert markets and all(m.rule.amount_step or m.rule.significant_digits
                               for m in markets.values()
                               if exchange.markets[m.symbol]["precision"].get("amount"))


def test_binance_btc_usdt_rule_is_read_in_decimal_places() -> None:
    rule = markets_of(LOADED["binance"])["BTC/USDT"].rule
    assert rule.amount_step == pytest.approx(1e-5)
    assert rule.min_cost == 5
    assert LOADED["binance"].amount_to_precision("BTC/USDT", 0.0123456789) == "0.01234"


@pytest.mark.parametrize(("exchange_id", "symbol"), CASES)
@settings(max_examples=30, deadline=None)
@given(amount=st.floats(min_value=1e-4, max_value=1e5, allow_nan=False))
def test_domain_floor_equals_ccxt_amount_to_precision(
        exchange_id: str, symbol: str, amount: float) -> None:
    exchange = LOADED[exchange_id]
    rule = markets_of(exchange)[symbol].rule
    step = rule.amount_step or 0.0
    if amount < step or (rule.significant_digits and amount < 1e-8):
        return  # ccxt raises for an amount under one lot; the planner skips those
    ccxt_amount = float(exchange.amount_to_precision(symbol, amount))
    assert rule.floor(amount) == pytest.approx(ccxt_amount, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(("exchange_id", "symbol", "size", "inverse"), [
    ("okx", "BTC/USD:BTC", 100.0, True), ("okx", "ADA/USDT:USDT", 100.0, False),
    ("okx", "BTC/USDT:USDT", 0.01, False), ("binance", "BTC/USD:BTC", 100.0, True),
    ("binance", "ETH/USD:ETH", 10.0, True), ("bybit", "BTC/USD:BTC", 1.0, True),
    ("bybit", "BTC/USDT:USDT", 1.0, False), ("coinbase", "BTC/USD:USD-240426", 0.01, False),
    ("binance", "BTC/USDT", 1.0, False)])
def test_each_market_carries_ccxt_contract_size_and_family_into_its_rule(
        exchange_id: str, symbol: str, size: float, inverse: bool) -> None:
    contract = markets_of(LOADED[exchange_id])[symbol].rule.contract
    assert (contract.size, contract.inverse) == (size, inverse)


def test_one_okx_btc_usd_swap_contract_is_100_usd_not_the_btc_price() -> None:
    rule = markets_of(LOADED["okx"])["BTC/USD:BTC"].rule
    assert rule.notional(1, 92_200.0) == 100.0
    assert markets_of(LOADED["okx"])["ADA/USDT:USDT"].rule.notional(4.9, 0.747) == (
        pytest.approx(366.03))


def test_bitfinex_amounts_keep_eight_significant_digits_not_a_lot_of_eight_coins() -> None:
    """Finding 5: precision 8 in SIGNIFICANT_DIGITS mode was read as a lot of 8 BTC."""
    rule = markets_of(LOADED["bitfinex"])["BTC/USD"].rule
    assert rule.floor(0.5) == 0.5 and rule.floor(12.3) == 12.3
    assert rule.floor(0.123456789123) == 0.12345678
    assert LOADED["bitfinex"].amount_to_precision("BTC/USD", 0.123456789123) == "0.12345678"
    assert rule.ceil(0.123456781) == 0.12345679
