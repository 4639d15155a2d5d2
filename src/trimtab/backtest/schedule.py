"""When the backtest looks at the portfolio, and what a look may do.

A schedule gives every bar one of the kernel's look codes (kernel/layout.py):
no look; a review (trades only if a band is breached: at every bar that is
the threshold rule, on a calendar the opportunistic hybrid; without a band,
`--calendar`, every look trades); or a rebalance (trades whatever the band:
a calendar rebalance). Bar 0 is always a look, a review: it is the initial
buy, and all cash is outside every band.

Calendar words (`daily`, `weekly`, `monthly`, `quarterly`) and `cron:EXPR`
mean what they mean in a policy's `[[schedules]]` and to `trimtab watch`:
their looks come from `backtest.bars.look_mask` (APScheduler's cron), bar i
looking when a fire time falls in (bar i−1, bar i]. `weekly` fires on Monday
at 00:00 UTC, so its look is the first bar of each Monday-to-Sunday week.
`policy` replays the policy's own `[[schedules]]`: each `review` is a look,
each `rebalance` a calendar rebalance. `none` (every bar) and `every:N` bars
are the backtest's own words. Parts joined with `+` all apply, the strongest
code winning a bar: `none+policy` is what `trimtab watch` does with a policy
(the bands checked at every check, and the policy's calendar rebalances).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import ValidationError

from trimtab.backtest.bars import look_mask
from trimtab.backtest.kernel.layout import LOOK_REBALANCE, LOOK_REVIEW, NO_LOOK
from trimtab.domain.calendar import cron_trigger
from trimtab.domain.policy import WORD_SCHEDULES
from trimtab.domain.policy import Schedule as Calendar

ACTIONS = {"review": LOOK_REVIEW, "rebalance": LOOK_REBALANCE}
USAGE = ("use none (every bar), every:N (bars), daily, weekly, monthly, quarterly, "
         "cron:EXPR (five fields, UTC), policy (its own schedules), or several joined with +")


class ScheduleError(ValueError):
    """A schedule that cannot be parsed, or `policy` for a policy without schedules."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """One or more looks joined with `+` (see the module's docstring)."""

    name: str

    @classmethod
    def parse(cls, text: str) -> Schedule:
        parts = [_checked(part.strip(), text) for part in text.split("+")]
        return cls("+".join(parts))

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.name.split("+"))

    def looks(self, index: pd.DatetimeIndex, schedules: Sequence[Calendar] = ()) -> np.ndarray:
        """A look code per bar (kernel/layout.py); `schedules` are the policy's."""
        bars = utc_bars(index)
        codes = np.zeros(bars.size, dtype=np.uint8)
        for part in self.parts:
            np.maximum(codes, _part_looks(part, bars, schedules), out=codes)
        codes[:1] = LOOK_REVIEW
        return codes


def _checked(part: str, text: str) -> str:
    """The part in its canonical spelling, or a ScheduleError that says what is allowed."""
    if part.lower().startswith("cron:"):
        expression = " ".join(part[len("cron:"):].split())
        try:
            cron_trigger(Calendar(cron=expression))
        except (ValidationError, ValueError):
            raise ScheduleError(f"schedule '{text}': '{expression}' is not a five-field cron "
                                "expression (e.g. cron:0 8 * * 1 for Mondays 08:00 UTC)"
                                ) from None
        return f"cron:{expression}"
    name = part.lower()
    count = name.removeprefix("every:")
    if name in {"none", "policy", *WORD_SCHEDULES} or (
            name.startswith("every:") and count.isdigit() and int(count) >= 1):
        return name
    raise ScheduleError(f"schedule '{text}': {USAGE}")


def _part_looks(part: str, bars: np.ndarray, schedules: Sequence[Calendar]) -> np.ndarray:
    codes = np.full(bars.size, NO_LOOK, dtype=np.uint8)
    if part == "none":
        codes[:] = LOOK_REVIEW
    elif part.startswith("every:"):
        codes[:: int(part.removeprefix("every:"))] = LOOK_REVIEW
    elif part == "policy":
        if not schedules:
            raise ScheduleError("schedule 'policy': the policy has no schedules to replay")
        for schedule in schedules:
            marked = look_mask(schedule, bars)
            codes[marked] = np.maximum(codes[marked], ACTIONS[schedule.action])
    else:
        calendar = (Calendar(cron=part.removeprefix("cron:")) if part.startswith("cron:")
                    else Calendar(every=part))
        codes[look_mask(calendar, bars)] = LOOK_REVIEW
    return codes


def utc_bars(index: pd.DatetimeIndex) -> np.ndarray:
    """The bars as zone-less UTC times (a zone-less index is read as UTC)."""
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    bars: np.ndarray = index.to_numpy(dtype="datetime64[ns]")
    return bars
