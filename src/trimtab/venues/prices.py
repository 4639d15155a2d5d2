"""Where the paper exchange takes its prices: replayed history, a fixed file, or a live venue.

Each source also owns the clock the prices are true at: a replay's clock is
the close of the replayed day, so that `max_price_age` is measured against
the replay and not against today's wall time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol

from trimtab.venues.port import Venue

BUNDLED_PRICES = Path(__file__).resolve().parent.parent / "data" / "paper_prices.csv"


class PriceSourceError(ValueError):
    """A price source that cannot be used: bad date, bad file."""


class PriceSource(Protocol):
    """Prices of assets in the quote currency, and the time they are true at."""

    def now(self) -> datetime: ...

    def price(self, asset: str) -> tuple[float, datetime] | None: ...

    def spec(self) -> str:
        """The `--paper-prices` text that opens this source again (a plan records it)."""
        ...


class HistoryPrices:
    """Daily closes replayed at one date; the clock is that day's close (24:00 UTC)."""

    def __init__(self, day: date, path: Path = BUNDLED_PRICES) -> None:
        rows = {r["date"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
        row = rows.get(day.isoformat())
        if row is None:
            first, last = min(rows), max(rows)
            raise PriceSourceError(f"--paper-prices: no prices for {day} in {path.name} "
                                   f"(it covers {first} to {last})")
        self.day = day
        self.closes = {a: float(v) for a, v in row.items() if a != "date" and v}
        self.clock = datetime.combine(day + timedelta(days=1), time(0), UTC)

    def now(self) -> datetime:
        return self.clock

    def spec(self) -> str:
        return f"history:{self.day.isoformat()}"

    def price(self, asset: str) -> tuple[float, datetime] | None:
        value = self.closes.get(asset)
        return None if value is None else (value, self.clock)


class FixedPrices:
    """Prices from a JSON file `{"as_of": ISO time, "prices": {"BTC": 100000, ...}}`."""

    def __init__(self, prices: Mapping[str, float], as_of: datetime,
                 origin: str | None = None) -> None:
        self.prices = dict(prices)
        self.as_of = as_of
        self.stamps: dict[str, datetime] = {}
        self.origin = origin

    @classmethod
    def from_file(cls, path: Path) -> FixedPrices:
        try:
            raw: Any = json.loads(path.read_text(encoding="utf-8"))
            as_of = datetime.fromisoformat(raw["as_of"].replace("Z", "+00:00"))
            prices = {str(k): float(v) for k, v in raw["prices"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PriceSourceError(f"--paper-prices: {path}: needs as_of and prices "
                                   f"({type(exc).__name__}: {exc})") from None
        if as_of.tzinfo is None or any(p <= 0 for p in prices.values()):
            raise PriceSourceError(f"--paper-prices: {path}: as_of needs a time zone and "
                                   "every price must be positive")
        return cls(prices, as_of, str(path))

    def now(self) -> datetime:
        return self.as_of

    def spec(self) -> str:
        return self.origin or "(prices given in code: cannot be reopened)"

    def price(self, asset: str) -> tuple[float, datetime] | None:
        value = self.prices.get(asset)
        return None if value is None else (value, self.stamps.get(asset, self.as_of))


class LivePrices:
    """Last prices of a live (ccxt) venue's `ASSET/quote` markets: paper trading live."""

    def __init__(self, venue: Venue, quote: str) -> None:
        self.venue = venue
        self.quote = quote

    def now(self) -> datetime:
        return self.venue.now()

    def spec(self) -> str:
        return f"live:{self.venue.name}"

    def price(self, asset: str) -> tuple[float, datetime] | None:
        symbol = f"{asset}/{self.quote}"
        ticker = self.venue.fetch_tickers([symbol]).get(symbol)
        if ticker is None:
            return None
        return ticker.last, ticker.timestamp or self.now()


def parse_source(spec: str, quote: str) -> PriceSource:
    """`history:YYYY-MM-DD`, `live:EXCHANGE` or a path to a fixed price file."""
    if spec.startswith("history:"):
        try:
            day = date.fromisoformat(spec.removeprefix("history:"))
        except ValueError:
            raise PriceSourceError(f"--paper-prices: '{spec}' is not history:YYYY-MM-DD") \
                from None
        return HistoryPrices(day)
    if spec.startswith("live:"):
        from trimtab.venues.ccxt_venue import open_ccxt_venue
        return LivePrices(open_ccxt_venue(spec.removeprefix("live:")), quote)
    return FixedPrices.from_file(Path(spec))
