"""ccxt unified trades (recorded Binance `fetchMyTrades` responses) → lot events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trimtab.app.ccxt_trades import unified_trade_events
from trimtab.app.inputs import InputError
from trimtab.domain.tax.lots import Acquire, Dispose

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "ccxt" / "response" / "binance.json"


def recorded_trades() -> list[dict[str, object]]:
    cases = json.loads(RECORDED.read_text())["methods"]["fetchMyTrades"]
    return [t for case in cases for t in case["parsedResponse"]]


def test_spot_trades_become_sales_and_swaps_are_left_out() -> None:
    # two LTC/USDT sells (0.2 at 69.63, fee 0.013926 USDT; 0.173 at 69.39, fee 0.01200447)
    # and one BTC/USDT:USDT swap trade, which holds no spot lot
    events = unified_trade_events(recorded_trades(), "binance")
    assert all(isinstance(e, Dispose) for e in events) and len(events) == 2
    first = events[0]
    assert (first.asset, first.units) == ("LTC", 0.2)
    assert first.proceeds == pytest.approx(13.926 - 0.013926)


def test_a_buy_with_the_fee_in_the_base_asset_receives_less() -> None:
    trade = {"id": "7", "timestamp": 1_700_000_000_000, "symbol": "BTC/USDT", "side": "buy",
             "amount": 0.01, "price": 36_000.0, "fee": {"cost": 0.00001, "currency": "BTC"}}
    (event,) = unified_trade_events([trade], "binance")
    assert isinstance(event, Acquire)
    assert (event.units, event.cost, event.lot_id) == (pytest.approx(0.00999), 360.0,
                                                       "binance:7")


def test_a_malformed_trade_is_named() -> None:
    with pytest.raises(InputError, match=r"binance trade 0 \(9\): 'price'"):
        unified_trade_events([{"id": "9", "timestamp": 1, "symbol": "BTC/USDT",
                               "side": "buy", "amount": 1}], "binance")
