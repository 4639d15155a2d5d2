"""Funding of paper perpetuals: paid at every 8-hourly settlement, as on Binance.

Rates come from the bundled Binance history (`data/funding_8h.csv`, BTC and
ETH, 2020-09 → 2025-03) where it has the settlement, else from a configured
rate, else nothing is paid (and the position's clock still moves on). A
positive rate makes longs pay shorts: the account pays contracts × contract
size × mark × rate. The mark is the paper price when the venue notices the
settlement: the price source gives one price per instant, not a path.

The venue settles before every call that reads or changes the account, so a
position's size is the same at every settlement since the previous call;
each settlement is one `paper_funding` row (the journal's funding entries).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trimtab.journal.models import PaperFundingRow, PaperPositionRow
from trimtab.venues.paper.book import adjust

FUNDING_HISTORY = Path(__file__).resolve().parent.parent.parent / "data" / "funding_8h.csv"
INTERVAL = timedelta(hours=8)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@cache
def bundled_rates(path: Path = FUNDING_HISTORY) -> Mapping[str, Mapping[datetime, float]]:
    """{asset: {settlement time (UTC): rate}} from the bundled history."""
    out: dict[str, dict[datetime, float]] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            at = datetime.fromisoformat(row["timestamp"]).replace(tzinfo=UTC)
            for asset, value in row.items():
                if asset != "timestamp" and value:
                    out.setdefault(asset, {})[at] = float(value)
    return out


class FundingRates:
    """The rate of a base asset's perpetual at a settlement: history, else the configured one."""

    def __init__(self, configured: float | None = None,
                 history: Mapping[str, Mapping[datetime, float]] | None = None) -> None:
        self.configured = configured
        self.history = bundled_rates() if history is None else history

    def at(self, base: str, when: datetime) -> float | None:
        return self.history.get(base, {}).get(when, self.configured)

    def latest(self, base: str, now: datetime) -> float | None:
        """The rate of the last settlement at or before `now` (what a venue quotes)."""
        last = settlements(now - INTERVAL, now)
        return self.at(base, last[-1]) if last else None


def settlements(after: datetime, until: datetime) -> list[datetime]:
    """Settlement times t with after < t <= until (every 8 h from 00:00 UTC)."""
    steps = (after - EPOCH) // INTERVAL + 1
    out, at = [], EPOCH + steps * INTERVAL
    while at <= until:
        out.append(at)
        at += INTERVAL
    return out


def settle_funding(session: Session, account: str, now: datetime, market_of: Callable[[str],
                   Any], mark_of: Callable[[str], float | None], rates: FundingRates) -> None:
    """Pay every settlement since the last one for each open position of `account`."""
    rows = session.scalars(select(PaperPositionRow).where(PaperPositionRow.account == account))
    for row in list(rows):
        market = market_of(row.symbol)
        mark = mark_of(market["base"]) if market is not None else None
        if market is None or mark is None:
            continue
        last = session.scalars(select(PaperFundingRow).where(
            PaperFundingRow.account == account, PaperFundingRow.symbol == row.symbol)
            .order_by(PaperFundingRow.settled_at.desc(), PaperFundingRow.id.desc())).first()
        contracts = Decimal(row.contracts)
        if last is None or contracts == 0 or Decimal(last.contracts) == 0:
            _restart_clock(session, account, row.symbol, last, contracts, now, mark)
            continue
        since = last.settled_at.replace(tzinfo=UTC)
        size = Decimal(repr(float(market.get("contractSize") or 1)))
        for at in settlements(since, now):
            rate = rates.at(market["base"], at)
            if rate is None:
                continue
            amount = contracts * size * Decimal(repr(mark)) * Decimal(repr(rate))
            adjust(session, account, market["settle"], -amount)
            session.add(PaperFundingRow(account=account, symbol=row.symbol, settled_at=_naive(at),
                                        rate=repr(rate), contracts=str(contracts),
                                        mark=repr(mark), amount=str(amount)))


def _restart_clock(session: Session, account: str, symbol: str, last: PaperFundingRow | None,
                   contracts: Decimal, now: datetime, mark: float) -> None:
    """Funding starts counting now: a position first seen, or one that was flat till now."""
    if last is not None and last.rate is None and Decimal(last.contracts) == 0:
        last.settled_at = _naive(now)
        last.contracts = str(contracts)
        return
    if last is None or contracts == 0:
        session.add(PaperFundingRow(account=account, symbol=symbol, settled_at=_naive(now),
                                    rate=None,
                                    contracts=str(contracts), mark=repr(mark), amount="0"))


def _naive(at: datetime) -> datetime:
    """UTC without tzinfo: how every journal backend hands a timestamp back."""
    return at.astimezone(UTC).replace(tzinfo=None)
