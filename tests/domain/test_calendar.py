from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trimtab.domain.calendar import (
    calendar_triggers,
    cron_trigger,
    fire_times,
    next_fire,
)
from trimtab.domain.policy import Schedule


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_monthly_and_quarterly_words():
    assert fire_times(Schedule(every="monthly"), at(2024, 1, 1), at(2024, 4, 1)) == [
        at(2024, 2, 1), at(2024, 3, 1), at(2024, 4, 1)]
    assert fire_times(Schedule(every="quarterly"), at(2023, 12, 31), at(2024, 12, 31)) == [
        at(2024, 1, 1), at(2024, 4, 1), at(2024, 7, 1), at(2024, 10, 1)]


def test_weekday_numbers_follow_standard_cron_monday_is_1():
    mondays = fire_times(Schedule(cron="0 8 * * 1"), at(2024, 1, 1), at(2024, 1, 20))
    assert mondays == [at(2024, 1, 1, 8), at(2024, 1, 8, 8), at(2024, 1, 15, 8)]  # Mondays
    sundays = fire_times(Schedule(cron="0 0 * * 0,7"), at(2024, 1, 1), at(2024, 1, 15))
    assert [d.weekday() for d in sundays] == [6, 6]
    weekdays = fire_times(Schedule(cron="0 0 * * 1-5"), at(2024, 1, 5), at(2024, 1, 13))
    assert [d.day for d in weekdays] == [8, 9, 10, 11, 12]


def test_a_schedule_that_fired_several_times_in_a_window_fires_once():
    fired = calendar_triggers((Schedule(every="daily"),), at(2024, 1, 1), at(2024, 1, 5))
    assert len(fired) == 1 and fired[0].kind == "calendar"


def test_next_fire_is_the_earliest_schedule():
    schedules = (Schedule(every="monthly"), Schedule(every="weekly", action="rebalance"))
    assert next_fire(schedules, at(2024, 1, 1)) == at(2024, 1, 8)


def test_an_invalid_cron_is_a_clear_error():
    with pytest.raises(ValueError, match="cron"):
        cron_trigger(Schedule(cron="61 * * * *"))
