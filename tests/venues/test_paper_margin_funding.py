"""Paper perpetuals: funding at every settlement, isolated margin, liquidation; by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from trimtab.domain.analysis.margin import margin_health, margin_triggers
from trimtab.journal.models import EventRow, PaperFundingRow
from trimtab.journal.opening import open_journal
from trimtab.venues.paper.funding import settlements
from trimtab.venues.paper.venue import PaperCosts, PaperRules, PaperVenue
from trimtab.venues.prices import FixedPrices

START = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)


def paper(tmp_path: Path, **rules: object) -> tuple[PaperVenue, FixedPrices]:
    source = FixedPrices({"BTC": 100_000.0, "ETH": 2_000.0, "LTC": 100.0}, START)
    journal = open_journal(f"sqlite:///{tmp_path / 'paper.sqlite'}")
    venue = PaperVenue(journal, source, PaperCosts(0.001, 0.0005), assets=("BTC", "LTC"),
                       rules=PaperRules(**rules))  # type: ignore[arg-type]
    venue.fund({"USDT": 10_000.0})
    return venue, source


def test_settlements_fall_every_eight_hours_from_midnight() -> None:
    got = settlements(START, datetime(2024, 1, 2, 0, 0, tzinfo=UTC))
    assert [t.hour for t in got] == [8, 16, 0]
    assert settlements(got[0], got[0]) == []


def test_a_long_pays_the_bundled_history_at_each_settlement(tmp_path: Path) -> None:
    venue, source = paper(tmp_path)
    venue.fund({"BTC/USDT:USDT": 0.1})  # entry 100,000
    venue.fetch_balances()  # the venue sees the position at 01:00: its funding clock starts
    source.as_of = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
    source.prices["BTC"] = 101_000.0
    total = venue.fetch_balances().total["USDT"]
    # 0.1 BTC x 101,000 x (0.00027213 + 0.00033601 + 0.00065846), funding_8h.csv lines 3654-6
    paid = 0.1 * 101_000 * (0.00027213 + 0.00033601 + 0.00065846)
    assert total == pytest.approx(10_000.0 - paid, abs=1e-9)
    with venue.journal.session() as session:
        rows = list(session.scalars(select(PaperFundingRow).where(
            PaperFundingRow.rate.is_not(None))))
    assert [r.rate for r in rows] == ["0.00027213", "0.00033601", "0.00065846"]
    assert venue.fetch_balances().total["USDT"] == total  # a settlement is paid once


def test_a_short_receives_a_configured_rate_where_history_has_none(tmp_path: Path) -> None:
    venue, source = paper(tmp_path, funding_rate=0.0001)
    venue.fund({"LTC/USDT:USDT": -10})
    venue.fetch_balances()
    source.as_of = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    assert venue.fetch_balances().total["USDT"] == pytest.approx(10_000 + 10 * 100 * 0.0001)
    assert venue.fetch_funding_rates(["LTC/USDT:USDT"])["LTC/USDT:USDT"].rate == 0.0001


def test_no_funding_is_owed_for_settlements_while_flat(tmp_path: Path) -> None:
    venue, source = paper(tmp_path, funding_rate=0.001)
    venue.create_order("LTC/USDT:USDT", "buy", "10", "tt1")
    venue.create_order("LTC/USDT:USDT", "sell", "10", "tt2", reduce_only=True)
    before = venue.fetch_balances().total["USDT"]
    source.as_of = datetime(2024, 1, 3, tzinfo=UTC)
    venue.fetch_balances()
    venue.create_order("LTC/USDT:USDT", "buy", "10", "tt3")
    after = venue.fetch_balances().total["USDT"]
    assert after == pytest.approx(before - 10 * 100 * 1.0005 * 0.001)  # only tt3's fee


def test_the_liquidation_price_of_a_10x_long_with_half_a_percent_maintenance(
        tmp_path: Path) -> None:
    venue, _ = paper(tmp_path)
    venue.fund({"BTC/USDT:USDT": 0.1})
    [long] = venue.fetch_positions().positions
    # margin 10,000 / 10 = 1,000; 1,000 + 0.1 (p - 100,000) = 0.005 x 0.1 p
    assert long.liquidation_price == pytest.approx(9_000 / (0.1 * 0.995), abs=1e-9)
    assert long.initial_margin == 1_000.0
    assert venue.fetch_balances().free["USDT"] == 9_000.0


def test_a_margin_trigger_fires_before_the_liquidation(tmp_path: Path) -> None:
    venue, source = paper(tmp_path)
    venue.fund({"BTC/USDT:USDT": 0.1})
    source.prices["BTC"] = 95_000.0  # liquidation at 90,452.26: 4.8 % away
    [long] = venue.fetch_positions().positions
    fired = margin_triggers((margin_health(long),), max_ratio=0.8, min_distance=0.10)
    assert [t.kind for t in fired] == ["margin"]
    source.prices["BTC"] = 90_400.0
    assert venue.fetch_positions().positions == ()
    assert venue.fetch_balances().total["USDT"] == pytest.approx(9_000.0)  # margin lost
    with venue.journal.session() as session:
        [event] = session.scalars(select(EventRow).where(EventRow.kind == "liquidation"))
    assert "BTC/USDT:USDT long of 0.1 liquidated at mark 90,400.00" in event.message
