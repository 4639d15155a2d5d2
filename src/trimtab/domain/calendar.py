"""Calendar triggers: when each of the policy's schedules fires.

Cron parsing and the calendar arithmetic are APScheduler's (CronTrigger);
trimtab only asks it which fire times fall in a window, so that a replayed
month and a live month take the same path, and which bars of a price
history a schedule looks at, so that a backtest takes it too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
from apscheduler.triggers.cron import CronTrigger

from trimtab.domain.analysis.triggers import Trigger
from trimtab.domain.timing import CalendarRule, Schedule

WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def standard_cron(expression: str) -> str:
    """Weekday numbers read as standard cron (0 and 7 Sunday, 1 Monday).

    APScheduler 3 numbers weekdays from Monday = 0, so '0 8 * * 1' would
    fire on Tuesdays; names mean the same thing to both.
    """
    fields = expression.split()
    fields[4] = re.sub(r"\d+", lambda m: WEEKDAYS[int(m.group()) % 8], fields[4])
    return " ".join(fields)


def cron_trigger(schedule: CalendarRule) -> CronTrigger:
    """APScheduler's trigger for a schedule, in UTC."""
    try:
        return CronTrigger.from_crontab(standard_cron(schedule.cron_expression), timezone=UTC)
    except ValueError as exc:
        raise ValueError(f"schedules: cron '{schedule.cron_expression}' is invalid ({exc})"
                         ) from None


def fire_times(schedule: CalendarRule, after: datetime, until: datetime) -> list[datetime]:
    """Every fire time in (after, until]."""
    return _fires(cron_trigger(schedule), after, until)


def _fires(trigger: CronTrigger, after: datetime, until: datetime) -> list[datetime]:
    out: list[datetime] = []
    previous: datetime | None = None
    now = after + timedelta(microseconds=1)
    while True:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None or nxt > until:
            return out
        out.append(nxt)
        previous, now = nxt, nxt + timedelta(microseconds=1)


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
    fires = _fires(trigger, MONDAY - timedelta(microseconds=1),
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


def next_fire(schedules: Sequence[CalendarRule], after: datetime) -> datetime | None:
    """The earliest fire time of any schedule after `after`."""
    times = [cron_trigger(s).get_next_fire_time(None, after + timedelta(microseconds=1))
             for s in schedules]
    found = [t for t in times if t is not None]
    return min(found) if found else None


def calendar_triggers(schedules: tuple[Schedule, ...], after: datetime, until: datetime
                      ) -> tuple[Trigger, ...]:
    """One calendar trigger per schedule that fired in (after, until] (once, however often)."""
    fired = []
    for index, schedule in enumerate(schedules):
        times = fire_times(schedule, after, until)
        if times:
            label = schedule.every or schedule.cron
            fired.append(Trigger("calendar", f"{label}:{schedule.action}",
                                 f"scheduled {schedule.action} ({label}) due at "
                                 f"{times[-1]:%Y-%m-%d %H:%M} UTC",
                                 {"schedule": float(index),
                                  "rebalance": float(schedule.action == "rebalance")}))
    return tuple(fired)
