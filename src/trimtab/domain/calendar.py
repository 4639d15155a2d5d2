"""Calendar triggers: when each of the policy's schedules fires.

Cron parsing and the calendar arithmetic are APScheduler's (CronTrigger);
trimtab only asks it which fire times fall in a window, so that a replayed
month and a live month take the same path; the backtest places the same fire
times among its bars (backtest.bars). Pure Python: `check` and `watch` import
it without numpy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

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
    return trigger_fires(cron_trigger(schedule), after, until)


def trigger_fires(trigger: CronTrigger, after: datetime, until: datetime) -> list[datetime]:
    """Every fire time of an APScheduler trigger in (after, until]."""
    out: list[datetime] = []
    previous: datetime | None = None
    now = after + timedelta(microseconds=1)
    while True:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None or nxt > until:
            return out
        out.append(nxt)
        previous, now = nxt, nxt + timedelta(microseconds=1)


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
