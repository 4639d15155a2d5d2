"""Where a schedule's fire times fall among a history's bars: the bars `trimtab watch` would
have fired at, on daily and gappy hourly bars and across 1970."""

from __future__ import annotations

from datetime import UTC
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from trimtab.backtest.bars import look_mask
from trimtab.domain.calendar import calendar_triggers
from trimtab.domain.policy import Schedule


def _hourly_with_gaps_and_odd_times() -> pd.DatetimeIndex:
    """Hourly bars over a week, month, quarter and leap-day boundary, some stamped at :59,
    with holes of up to four days."""
    hours = pd.date_range("2024-01-25", "2024-04-05", freq="h")
    rng = np.random.default_rng(9)
    shifted = hours + pd.to_timedelta(np.where(rng.random(len(hours)) < 0.1, 59, 0), unit="min")
    keep = rng.random(len(hours)) > 0.05
    for start in rng.integers(0, len(hours) - 96, 6):
        keep[start:start + rng.integers(1, 96)] = False
    return pd.DatetimeIndex(shifted[keep])


BARS = {
    "daily, as the bundled history": pd.date_range("2020-09-22", "2025-02-10", freq="D"),
    "hourly, gaps and odd times": _hourly_with_gaps_and_odd_times(),
    "daily across 1970": pd.date_range("1969-12-20", "1970-02-10", freq="D"),
}
SCHEDULES = [Schedule(every="daily"), Schedule(every="weekly"), Schedule(every="monthly"),
             Schedule(every="quarterly"), Schedule(cron="0 8 * * 1"),
             Schedule(cron="30 */4 * * 1-5"), Schedule(cron="0 0 * * 0,7"),
             Schedule(cron="0 12 15 * *")]


def _watch_says(schedule: Schedule, bars: pd.DatetimeIndex) -> list[bool]:
    """The watch loop's question at every bar: did the schedule fire since the last check?"""
    times = [t.to_pydatetime().replace(tzinfo=UTC) for t in bars]
    return [True] + [bool(calendar_triggers((schedule,), a, b))
                     for a, b in pairwise(times)]


@pytest.mark.parametrize("bars", sorted(BARS))
@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s.cron_expression)
def test_look_bars_are_the_bars_where_watch_would_fire(schedule, bars):
    index = BARS[bars]
    mask = look_mask(schedule, index.to_numpy())
    assert mask.tolist() == _watch_says(schedule, index)
    assert 1 < mask.sum() < len(index) or schedule.every == "daily"


def test_no_bars_no_looks_and_one_bar_is_a_look():
    assert look_mask(Schedule(every="weekly"), np.array([], dtype="datetime64[ns]")).size == 0
    assert look_mask(Schedule(every="weekly"), np.array(["2024-01-03"], dtype="datetime64[ns]"
                                                        )).tolist() == [True]
