"""Where calendar fire times fall among a price history's bars: the backtest's side of the
calendar and of the contributions.

The fire times are the domain's (domain.calendar, APScheduler's cron) and the
dates are the domain's (domain.contributions); this module only places them
among sorted bars with numpy, so that the pure domain, which `check` and
`watch` import, never needs numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
from apscheduler.triggers.cron import CronTrigger

from trimtab.domain.calendar import cron_trigger, trigger_fires
from trimtab.domain.contributions import due_contributions
from trimtab.domain.timing import CalendarRule, Contribution

Times = npt.NDArray[np.datetime64]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MONDAY = datetime(1970, 1, 5, tzinfo=UTC)  # weeks are counted from this Monday, 00:00 UTC
WEEK = timedelta(days=7)


def look_mask(schedule: CalendarRule, bars: Times) -> npt.NDArray[np.bool_]:
    """True at bar i when a fire time falls in (bar i−1, bar i]; bar 0 is always a look.

    `bars` are sorted UTC times without a zone. A bar that several fire times
    fall before looks once, as `calendar_triggers` fires once per window.
    APScheduler says every fire time; it is never asked once per bar: a
    trigger that only weekdays and times of day restrict repeats every week,
    so one week of fire times is placed among all the bars with numpy; any
    other trigger (a day of the month, a month) is asked once per look.
    """
    times = bars.astype("datetime64[ns]")
    mask = np.zeros(times.size, dtype=np.bool_)
    if times.size == 0:
        return mask
    trigger = cron_trigger(schedule)
    if _repeats_weekly(trigger):
        mask[1:] = _next_weekly(trigger, times[:-1]) <= times[1:]
    else:
        _mark_each_look(trigger, times, mask)
    mask[0] = True
    return mask


def _repeats_weekly(trigger: CronTrigger) -> bool:
    """Only the weekday and the time of day restrict it (as APScheduler parsed it), so its
    fire times repeat every seven days exactly: the trigger runs in UTC, which has no
    daylight saving."""
    return all(str(field) == "*" for field in trigger.fields
               if field.name in ("year", "month", "day", "week"))


def _next_weekly(trigger: CronTrigger, after: Times) -> Times:
    """The first fire time after each of `after`, from one week of APScheduler's fire times."""
    week = np.int64(WEEK // timedelta(microseconds=1)) * 1000
    fires = trigger_fires(trigger, MONDAY - timedelta(microseconds=1),
                   MONDAY + WEEK - timedelta(microseconds=1))
    if not fires:
        return np.full(after.size, np.datetime64("NaT", "ns"))
    offsets = np.array([(f - MONDAY) // timedelta(microseconds=1) * 1000 for f in fires],
                       dtype=np.int64)
    offsets = np.append(offsets, offsets[0] + week)  # the first fire of the next week
    since = (after - numpy_time(MONDAY)).astype(np.int64)
    start = since - since % week  # the Monday that begins each one's week
    nxt = numpy_time(MONDAY) + (start + offsets[np.searchsorted(offsets, since - start,
                                                           side="right")]).astype("m8[ns]")
    first = trigger.get_next_fire_time(None, EPOCH)  # APScheduler fires nothing before 1970
    return np.maximum(nxt, numpy_time(first)) if first is not None else nxt


def _mark_each_look(trigger: CronTrigger, times: Times, mask: npt.NDArray[np.bool_]) -> None:
    """Ask for the first fire after each look bar in turn and mark the bar it falls before."""
    last, bar = times[-1], 0
    while True:
        after = aware_time(times[bar])
        fire = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
        if fire is None or numpy_time(fire) > last:
            return
        bar = int(np.searchsorted(times, numpy_time(fire), side="left"))
        mask[bar] = True


def numpy_time(time: datetime) -> np.datetime64:
    return np.datetime64(time.astimezone(UTC).replace(tzinfo=None), "ns")


def aware_time(time: np.datetime64) -> datetime:
    """A zone-less numpy time (UTC), floored to the microsecond, as an aware datetime."""
    micros = int(time.astype("datetime64[us]").astype(np.int64))
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def contribution_flows(contributions: Sequence[Contribution], bars: Times
                       ) -> npt.NDArray[np.float64]:
    """Quote cash per bar: each date in (first bar, last bar] lands on the first bar at or
    after it; nothing at the first bar, which is the start (the capital)."""
    flows = np.zeros(bars.size)
    if bars.size < 2:
        return flows
    times = bars.astype("datetime64[ns]")
    first, last = aware_time(times[0]), aware_time(times[-1])
    for due in due_contributions(contributions, first, last):
        flows[int(np.searchsorted(times, numpy_time(due.at), side="left"))] += due.amount
    return flows
