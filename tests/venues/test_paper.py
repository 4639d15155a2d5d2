"""The paper exchange: fills at price ± slippage, fees, ccxt's limits, state in SQLite."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from trimtab.journal.opening import open_journal
from trimtab.venues.errors import InsufficientFunds, Rejected
from trimtab.venues.paper.venue import PaperCosts, PaperVenue
from trimtab.venues.prices import HistoryPrices, PriceSourceError

DAY = date(2025, 1, 31)
BTC_CLOSE = 102405.0234375


def paper(tmp_path: Path) -> PaperVenue:
    journal = open_journal(f"sqlite:///{tmp_path / 'paper.sqlite'}")
    venue = PaperVenue(journal, HistoryPrices(DAY), PaperCosts(0.001, 0.0005),
                       assets=("BTC", "ETH", "SOL"))
    venue.fund({"USDT": 10_000.0, "BTC": 0.1})
    return venue


def test_the_replay_clock_is_the_close_of_the_replayed_day(tmp_path: Path) -> None:
    venue = paper(tmp_path)
    assert venue.now().isoformat() == "2025-02-01T00:00:00+00:00"
    assert venue.fetch_tickers(["BTC/USDT"])["BTC/USDT"].last == BTC_CLOSE


def test_a_buy_fills_at_price_plus_slippage_and_pays_the_fee(tmp_path: Path) -> None:
    venue = paper(tmp_path)
    order = venue.create_order("BTC/USDT", "buy", "0.01", "ttx1")
    price = BTC_CLOSE * 1.0005
    assert order.status == "closed" and order.filled == 0.01
    assert order.average == pytest.approx(price)
    assert order.fee == pytest.approx(0.01 * price * 0.001)
    balances = venue.fetch_balances().total
    assert balances["BTC"] == pytest.approx(0.11)
    assert balances["USDT"] == pytest.approx(10_000 - 0.01 * price * 1.001)


def test_state_survives_a_new_venue_on_the_same_database(tmp_path: Path) -> None:
    venue = paper(tmp_path)
    venue.create_order("BTC/USDT", "sell", "0.05", "ttx2")
    again = PaperVenue(venue.journal, HistoryPrices(DAY), PaperCosts(0.001, 0.0005))
    assert again.fetch_order("BTC/USDT", client_order_id="ttx2") is not None
    assert again.fetch_balances().total["BTC"] == pytest.approx(0.05)


def test_an_amount_off_the_lot_size_is_rejected_not_rounded(tmp_path: Path) -> None:
    with pytest.raises(Rejected, match="lot size"):
        paper(tmp_path).create_order("BTC/USDT", "buy", "0.0100001", "ttx3")


def test_under_the_minimum_notional_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(Rejected, match="under the minimum"):
        paper(tmp_path).create_order("BTC/USDT", "buy", "0.00001", "ttx4")


def test_insufficient_funds_changes_nothing(tmp_path: Path) -> None:
    venue = paper(tmp_path)
    with pytest.raises(InsufficientFunds):
        venue.create_order("BTC/USDT", "buy", "1", "ttx5")
    assert venue.fetch_balances().total == {"USDT": 10_000.0, "BTC": 0.1}
    assert venue.fetch_order("BTC/USDT", client_order_id="ttx5") is None


def test_a_client_order_id_is_accepted_once(tmp_path: Path) -> None:
    venue = paper(tmp_path)
    venue.create_order("BTC/USDT", "buy", "0.01", "ttx6")
    with pytest.raises(Rejected, match="duplicate"):
        venue.create_order("BTC/USDT", "buy", "0.01", "ttx6")
    assert len(venue.fetch_closed_orders()) == 1


def test_assets_missing_from_the_market_file_get_a_stated_market(tmp_path: Path) -> None:
    venue = paper(tmp_path)
    sol = venue.load_markets()["SOL/USDT"].rule
    assert sol.amount_step == pytest.approx(1e-8) and sol.min_cost == 5
    assert Decimal(venue.amount_to_precision("SOL/USDT", 1.123456789)) == Decimal("1.12345678")


def test_a_date_outside_the_bundled_history_names_the_range() -> None:
    with pytest.raises(PriceSourceError, match="covers 2023-01-01 to 2025-02-10"):
        HistoryPrices(date(2019, 1, 1))


def test_a_perpetual_short_is_reduced_and_its_profit_realised(tmp_path: Path) -> None:
    venue = paper(tmp_path)
    venue.fund({"BTC/USDT:USDT": -0.5})
    [short] = venue.fetch_positions().positions
    assert short.side == "short" and short.contracts == 0.5
    before = venue.fetch_balances().total["USDT"]
    order = venue.create_order("BTC/USDT:USDT", "buy", "0.2", "ttx7", reduce_only=True)
    [left] = venue.fetch_positions().positions
    assert left.contracts == pytest.approx(0.3)
    fill = BTC_CLOSE * 1.0005  # bought back above the entry: a loss, plus the fee
    expected = before + 0.2 * (BTC_CLOSE - fill) - order.fee
    assert venue.fetch_balances().total["USDT"] == pytest.approx(expected)


def test_a_reduce_only_order_cannot_grow_or_flip_a_position(tmp_path: Path) -> None:
    venue = paper(tmp_path)
    venue.fund({"BTC/USDT:USDT": 0.1})
    with pytest.raises(Rejected, match="reduce-only"):
        venue.create_order("BTC/USDT:USDT", "buy", "0.1", "ttx8", reduce_only=True)
    with pytest.raises(Rejected, match="reduce-only"):
        venue.create_order("BTC/USDT:USDT", "sell", "0.2", "ttx9", reduce_only=True)
    assert venue.fetch_positions().positions[0].contracts == pytest.approx(0.1)
