"""Calendar schedules: which bars the rule looks at."""

from __future__ import annotations

import pandas as pd
import pytest

from trimtab.backtest.schedule import Schedule, ScheduleError

DAYS = pd.date_range("2024-01-30", "2024-04-02", freq="D")


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


@pytest.mark.parametrize("bad", ["yearly", "every:0", "every:x", ""])
def test_unknown_schedules_are_refused(bad: str) -> None:
    with pytest.raises(ScheduleError, match="use none, weekly"):
        Schedule.parse(bad)
