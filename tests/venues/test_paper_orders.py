"""The paper book: market orders walk it, limit orders rest until the price reaches them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.venues.strays import stray_orders
from trimtab.journal.opening import open_journal
from trimtab.venues.errors import InsufficientFunds, Rejected
from trimtab.venues.paper.depth import Book, Depth
from trimtab.venues.paper.venue import PaperCosts, PaperRules, PaperVenue
from trimtab.venues.prices import FixedPrices

AS_OF = datetime(2025, 1, 31, tzinfo=UTC)
THIN = {"BTC": Depth(level_notional=10_000.0, step=0.001, levels=5)}


def paper(tmp_path: Path, **rules: object) -> tuple[PaperVenue, FixedPrices]:
    source = FixedPrices({"BTC": 100_000.0, "ETH": 3_000.0}, AS_OF)
    journal = open_journal(f"sqlite:///{tmp_path / 'paper.sqlite'}")
    venue = PaperVenue(journal, source, PaperCosts(0.001, 0.0005), assets=("BTC", "ETH"),
                       rules=PaperRules(**rules))  # type: ignore[arg-type]
    venue.fund({"USDT": 100_000.0, "BTC": 1.0})
    return venue, source


def test_walking_the_book_level_by_level_by_hand() -> None:
    book = Book(100.0, 0.001, Depth(level_notional=1_000.0, step=0.01, levels=3))
    # asks at 100.1, 101.1, 102.1 holding 1,000 quote each
    filled, cost = book.walk("buy", Decimal(15))
    first = Decimal(1000) / Decimal("100.1")
    second = Decimal(15) - first
    assert filled == 15
    assert float(cost) == pytest.approx(1000 + float(second) * 101.1, abs=1e-9)


def test_a_large_market_order_pays_more_slippage_than_a_small_one(tmp_path: Path) -> None:
    venue, _ = paper(tmp_path, depths=THIN)
    small = venue.create_order("BTC/USDT", "buy", "0.01", "tt1")
    large = venue.create_order("BTC/USDT", "buy", "0.3", "tt2")
    assert small.average == pytest.approx(100_050.0)  # the touch: mid + 5 bp
    assert large.average is not None and large.average > 100_050.0 * 1.0005
    assert large.status == "closed" and large.filled == pytest.approx(0.3)


def test_a_market_order_larger_than_the_book_gets_what_is_there(tmp_path: Path) -> None:
    venue, _ = paper(tmp_path, depths=THIN)
    order = venue.create_order("BTC/USDT", "buy", "0.6", "tt3")  # five levels hold ~0.49
    assert order.status == "canceled" and 0.45 < order.filled < 0.5


def test_a_post_only_order_that_would_cross_is_rejected(tmp_path: Path) -> None:
    venue, _ = paper(tmp_path)
    with pytest.raises(Rejected, match="post-only"):
        venue.create_order("BTC/USDT", "buy", "0.01", "tt4", limit="100060", post_only=True)
    assert venue.fetch_order("BTC/USDT", client_order_id="tt4") is None


def test_a_resting_buy_fills_at_its_price_with_the_maker_fee_once_the_price_falls(
        tmp_path: Path) -> None:
    venue, source = paper(tmp_path)
    order = venue.create_order("ETH/USDT", "buy", "1", "tt5", limit="2990", post_only=True)
    assert order.status == "open" and order.filled == 0 and order.price == 2990
    assert venue.fetch_balances().free["USDT"] == pytest.approx(100_000 - 2990)
    source.prices["ETH"] = 2989.0  # the ask (mid + 5 bp) is still above 2990
    assert venue.fetch_order("ETH/USDT", order_id=order.id).status == "open"  # type: ignore
    source.prices["ETH"] = 2988.0
    done = venue.fetch_order("ETH/USDT", order_id=order.id)
    assert done is not None and done.status == "closed" and done.average == 2990
    assert done.fee == pytest.approx(2990 * 0.001)  # Binance spot: maker = taker
    assert venue.fetch_balances().total["ETH"] == pytest.approx(1.0)


def test_a_crossing_limit_order_takes_what_it_can_and_rests_the_rest(tmp_path: Path) -> None:
    venue, source = paper(tmp_path, depths=THIN)
    order = venue.create_order("BTC/USDT", "buy", "0.2", "tt6", limit="100100")
    assert order.status == "open"
    assert order.filled == 0.09995  # the touch level's 10,000 quote, in whole lots (0.00001)
    assert order.average == pytest.approx(100_050.0)
    assert venue.fetch_open_orders()[0].remaining == pytest.approx(0.10005)  # rests ...
    assert venue.fetch_balances().total["BTC"] == pytest.approx(1.09995)
    source.prices["BTC"] = 99_990.0  # ... until the price comes its way again
    assert venue.fetch_order("BTC/USDT", order_id=order.id).status == "closed"  # type: ignore
    assert venue.fetch_balances().total["BTC"] == pytest.approx(1.2)


def test_a_fill_that_arrives_before_the_cancel_stays_filled(tmp_path: Path) -> None:
    venue, source = paper(tmp_path)
    order = venue.create_order("BTC/USDT", "sell", "0.1", "tt7", limit="100100")
    source.prices["BTC"] = 100_200.0  # the bid reaches it before the cancel lands
    cancelled = venue.cancel_order(order.id, "BTC/USDT")
    assert cancelled is not None and cancelled.status == "closed" and cancelled.filled == 0.1


def test_a_cancelled_order_frees_its_funds_and_never_fills(tmp_path: Path) -> None:
    venue, source = paper(tmp_path)
    order = venue.create_order("BTC/USDT", "sell", "1", "tt8", limit="101000")
    with pytest.raises(InsufficientFunds):
        venue.create_order("BTC/USDT", "sell", "0.5", "tt9", limit="101000")
    venue.cancel_order(order.id, "BTC/USDT")
    source.prices["BTC"] = 102_000.0
    assert venue.fetch_order("BTC/USDT", order_id=order.id).filled == 0  # type: ignore
    assert venue.fetch_balances().free["BTC"] == 1.0
    assert [o.client_order_id for o in venue.fetch_open_orders()] == []


def test_perpetual_makers_pay_the_markets_maker_share_of_the_fee(tmp_path: Path) -> None:
    venue, source = paper(tmp_path)
    venue.create_order("BTC/USDT:USDT", "buy", "0.01", "tt10", limit="99000")
    source.prices["BTC"] = 98_900.0
    done = venue.fetch_order("BTC/USDT:USDT", client_order_id="tt10")
    # Binance USDT-M: maker 0.02 %, taker 0.04 % -> half the policy's taker rate
    assert done is not None and done.fee == pytest.approx(0.01 * 99_000 * 0.0005)


def test_a_resting_paper_order_of_another_journal_is_reported_at_start_up(
        tmp_path: Path) -> None:
    """The paper venue tells trimtab's orders as the exchanges' adapters do: a resting
    order of a lost journal is reported, the journal's own and another tool's are not."""
    venue, _ = paper(tmp_path)
    for cid in ("trimtabp0x001", "trimtabp1x001", "tt10"):
        venue.create_order("BTC/USDT", "sell", "0.1", cid, limit="101000")
    [problem] = stray_orders(venue, tmp_path, {"trimtabp1x001": "BTC/USDT"})
    assert f"open order trimtabp0x001 (BTC/USDT) on {venue.name}" in problem
