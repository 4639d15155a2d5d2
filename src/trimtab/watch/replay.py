"""Replaying history: a price source that follows a replay clock over daily closes.

The paper exchange's `HistoryPrices` shows one day; a replayed watch needs
the day to advance with its clock. A close is known from the end of its
day (24:00 UTC), so at any instant the price is the last close already
made, timestamped at that day's end; `max_price_age` then measures the
replay's time, not today's.
"""

from __future__ import annotations

import bisect
import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol

from trimtab.venues.prices import BUNDLED_PRICES


class _Clock(Protocol):
    def now(self) -> datetime: ...


class ReplayPrices:
    """Daily closes as of a moving clock (implements the paper exchange's PriceSource)."""

    def __init__(self, clock: _Clock, path: Path = BUNDLED_PRICES) -> None:
        with path.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        self.clock = clock
        self.ends = [datetime.combine(date.fromisoformat(r["date"]) + timedelta(days=1),
                                      time(0), UTC) for r in rows]
        self.rows = [{a: float(v) for a, v in r.items() if a != "date" and v} for r in rows]

    def now(self) -> datetime:
        return self.clock.now()

    def span(self) -> tuple[date, date]:
        """The first and the last day the closes cover."""
        return ((self.ends[0] - timedelta(days=1)).date(),
                (self.ends[-1] - timedelta(days=1)).date())

    def spec(self) -> str:
        """The history day this replay shows now: an approval reopens the paper venue there."""
        index = max(bisect.bisect_right(self.ends, self.clock.now()) - 1, 0)
        return f"history:{(self.ends[index] - timedelta(days=1)).date().isoformat()}"

    def price(self, asset: str) -> tuple[float, datetime] | None:
        index = bisect.bisect_right(self.ends, self.clock.now()) - 1
        if index < 0 or asset not in self.rows[index]:
            return None
        return self.rows[index][asset], self.ends[index]

    def closes(self, day: date) -> dict[str, float]:
        """The closes of one day (for tests and reports)."""
        index = self.ends.index(datetime.combine(day + timedelta(days=1), time(0), UTC))
        return dict(self.rows[index])
