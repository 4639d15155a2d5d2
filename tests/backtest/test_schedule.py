"""Calendar schedules: which bars the rule looks at."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trimtab.backtest.data.files import bundled_prices
from trimtab.backtest.schedule import Schedule, ScheduleError

DAYS = pd.date_range("2024-01-30", "2024-04-02", freq="D")
PERIODS = {"daily": "D", "weekly": "W", "monthly": "M", "quarterly": "Q"}


def _looked_at(name: str) -> list[str]:
    mask = Schedule.parse(name).looks(DAYS)
    return [d.strftime("%Y-%m-%d") for d in DAYS[mask]]


def test_monthly_looks_at_the_first_bar_and_each_new_month() -> None:
    assert _looked_at("monthly") == ["2024-01-30", "2024-02-01", "2024-03-01", "2024-04-01"]


def test_quarterly_looks_at_the_first_bar_and_each_new_quarter() -> None:
    assert _looked_at("quarterly") == ["2024-01-30", "2024-04-01"]


def test_weekly_looks_on_mondays_after_the_first_bar() -> None:
    looked = _looked_at("weekly")
    assert looked[0] == "2024-01-30"
    assert all(pd.Timestamp(d).day_name() == "Monday" for d in looked[1:])
    assert len(looked) == 10


def test_every_n_bars_and_none() -> None:
    assert len(_looked_at("every:7")) == 10
    assert len(_looked_at("none")) == len(DAYS)
    assert _looked_at("daily") == _looked_at("none")


def _pandas_periods(name: str, index: pd.DatetimeIndex) -> np.ndarray:
    """What the backtest did before it asked domain.calendar: a look at each new period."""
    periods = index.to_period(PERIODS[name])
    mask = np.ones(len(index), dtype=np.bool_)
    mask[1:] = periods[1:] != periods[:-1]
    return mask


def _hourly_with_gaps() -> pd.DatetimeIndex:
    """Two years of hourly bars with holes of up to ten days, some across a boundary."""
    hours = pd.date_range("2023-12-25", "2025-12-31", freq="h")
    rng = np.random.default_rng(5)
    keep = np.ones(len(hours), dtype=np.bool_)
    for start in rng.integers(0, len(hours) - 240, 40):
        keep[start:start + rng.integers(1, 240)] = False
    return hours[keep]


@pytest.mark.parametrize("name", sorted(PERIODS))
def test_calendar_words_look_where_pandas_periods_did(name: str) -> None:
    """Identical on the bundled daily history and on hourly bars with gaps."""
    for index in (pd.DatetimeIndex(bundled_prices().index), _hourly_with_gaps()):
        assert (Schedule.parse(name).looks(index) == _pandas_periods(name, index)).all()


@pytest.mark.parametrize("bad", ["yearly", "every:0", "every:x", ""])
def test_unknown_schedules_are_refused(bad: str) -> None:
    with pytest.raises(ScheduleError, match="use none, daily, weekly"):
        Schedule.parse(bad)
