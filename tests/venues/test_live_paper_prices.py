"""Paper trading against a live venue's tickers (the recorded Binance server here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.venues.recorded_binance import binance_venue
from trimtab.journal.opening import open_journal
from trimtab.venues.paper.venue import PaperCosts, PaperVenue
from trimtab.venues.prices import LivePrices


def test_a_paper_fill_uses_the_live_venue_price(tmp_path: Path) -> None:
    live, fake = binance_venue()
    fake.live_prices["BTCUSDT"] = 95_000.0
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    paper = PaperVenue(journal, LivePrices(live, "USDT"), PaperCosts(0.001, 0.0))
    paper.fund({"USDT": 1_000.0})
    order = paper.create_order("BTC/USDT", "buy", "0.001", "trimtabx1")
    assert order.average == pytest.approx(95_000.0)
    assert fake.posts() == 0  # the live venue is only read
