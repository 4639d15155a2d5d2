"""A paper account whose BTC is over its band, for the approval and recovery tests."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.builders import policy
from trimtab.app.wiring import VenueActions
from trimtab.journal.store import Journal
from trimtab.venues.paper.venue import PaperCosts, PaperVenue
from trimtab.venues.prices import FixedPrices
from trimtab.venues.retry import Backoff

POLICY = policy({"BTC": 0.5, "USDT": 0.5})
AS_OF = datetime(2025, 1, 31, tzinfo=UTC)


def paper(journal: Journal, btc: float = 70_000.0) -> VenueActions:
    venue = PaperVenue(journal, FixedPrices({"BTC": btc}, AS_OF), PaperCosts(0.0, 0.0),
                       assets=("BTC",))
    if venue.is_empty():
        venue.fund({"BTC": 0.1, "USDT": 5_000.0})  # BTC 58 %: over its 45–55 % band
    return VenueActions(POLICY, journal, {"paper": venue}, Backoff(sleep=lambda _: None))


