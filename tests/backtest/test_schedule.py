"""Calendar schedules: which bars the rule looks at."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trimtab.backtest.bars import look_mask
from trimtab.backtest.data.files import bundled_prices
from trimtab.backtest.kernel.layout import LOOK_REBALANCE, LOOK_REVIEW, NO_LOOK
from trimtab.backtest.schedule import Schedule, ScheduleError
from trimtab.domain.policy import Schedule as Calendar

DAYS = pd.date_range("2024-01-30", "2024-04-02", freq="D")
PERIODS = {"daily": "D", "weekly": "W", "monthly": "M", "quarterly": "Q"}


def _looked_at(name: str) -> list[str]:
    mask = Schedule.parse(name).looks(DAYS) != NO_LOOK
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
        looks = Schedule.parse(name).looks(index) != NO_LOOK
        assert (looks == _pandas_periods(name, index)).all()


HOURS = pd.date_range("2024-01-01", "2024-06-30 23:00", freq="h")
REPLAYED = (Calendar(every="monthly", action="rebalance"), Calendar(every="weekly"))


def test_policy_replays_monthly_rebalances_and_weekly_reviews_where_the_calendar_fires() -> None:
    looks = Schedule.parse("policy").looks(HOURS, REPLAYED)
    months, weeks = (look_mask(s, HOURS.to_numpy()) for s in REPLAYED)
    assert (HOURS[looks == LOOK_REBALANCE] == HOURS[1:][months[1:]]).all()
    assert (HOURS[looks == LOOK_REVIEW] == HOURS[(weeks & ~months) | (HOURS[0] == HOURS)]).all()
    assert (looks[~(months | weeks)] == NO_LOOK).all()
    assert list(HOURS[looks == LOOK_REBALANCE].strftime("%m-%d %H")) == [
        "02-01 00", "03-01 00", "04-01 00", "05-01 00", "06-01 00"]


def test_joined_parts_all_apply_and_the_strongest_look_wins_a_bar() -> None:
    looks = Schedule.parse("none+policy").looks(HOURS, REPLAYED)
    assert (looks >= LOOK_REVIEW).all()
    assert (looks == Schedule.parse("policy").looks(HOURS, REPLAYED).clip(LOOK_REVIEW)).all()


def test_a_cron_looks_where_the_same_cron_in_a_policy_would() -> None:
    schedule = Schedule.parse("cron:0 8  * * 1")
    assert schedule.name == "cron:0 8 * * 1"
    looks = schedule.looks(HOURS) != NO_LOOK
    mondays = look_mask(Calendar(cron="0 8 * * 1"), HOURS.to_numpy())
    assert (looks == mondays).all()
    assert set(HOURS[looks][1:].strftime("%a %H")) == {"Mon 08"}


def test_policy_without_schedules_is_refused() -> None:
    with pytest.raises(ScheduleError, match="has no schedules"):
        Schedule.parse("policy").looks(HOURS, ())


@pytest.mark.parametrize("bad", ["yearly", "every:0", "every:x", "", "none+", "cron:0 8 * *",
                                 "cron:61 * * * *"])
def test_unknown_schedules_are_refused(bad: str) -> None:
    with pytest.raises(ScheduleError, match=r"use none|five-field cron"):
        Schedule.parse(bad)
