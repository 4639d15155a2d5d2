"""Which contribution dates a first watch finds already past (they are skipped, not planned)."""

from __future__ import annotations

from datetime import UTC, datetime

from trimtab.domain.contributions import last_dates
from trimtab.domain.timing import Contribution


def test_the_latest_past_date_of_each_contribution_however_rare_or_frequent() -> None:
    now = datetime(2026, 3, 15, 12, 7, tzinfo=UTC)
    every = [Contribution(every="monthly", amount=100),
             Contribution(cron="*/5 * * * *", amount=1),
             Contribution(cron="0 0 1 6 *", amount=5_000),  # yearly, in June
             Contribution(cron="0 0 29 2 *", amount=29)]  # leap days only
    got = {d.amount: d.at for d in last_dates(every, now)}
    assert got == {100: datetime(2026, 3, 1, tzinfo=UTC),
                   1: datetime(2026, 3, 15, 12, 5, tzinfo=UTC),
                   5_000: datetime(2025, 6, 1, tzinfo=UTC),
                   29: datetime(2024, 2, 29, tzinfo=UTC)}
    assert [d.amount for d in last_dates(every, now)] == [29, 5_000, 100, 1]  # oldest first


def test_a_date_at_the_first_check_itself_is_past() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    (due,) = last_dates([Contribution(every="monthly", amount=100)], now)
    assert due.at == now
