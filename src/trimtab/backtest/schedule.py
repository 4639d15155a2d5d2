"""When the backtest looks at the portfolio: every bar, every N bars, or on the calendar.

A schedule turns a DatetimeIndex into a boolean mask of "look" bars. What
happens at a look depends on the band: with a band the portfolio is traded
only if it is outside it (at every bar that is the threshold rule; on a
calendar it is the opportunistic hybrid), without a band (`off`) every look
trades (the calendar rule). Bar 0 is always a look: it is the initial buy.

Calendar words mean what they mean in a policy's `[[schedules]]` and to
`trimtab watch`: the look bars come from `domain.calendar.look_mask`
(APScheduler's cron), bar i looking when a fire time falls in
(bar i−1, bar i]. `weekly` fires on Monday at 00:00 UTC, so its look is the
first bar of each week (Monday to Sunday), as it was with pandas' weekly
periods. `none` (every bar) and `every:N` bars are the backtest's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trimtab.domain.calendar import look_mask
from trimtab.domain.policy import WORD_SCHEDULES
from trimtab.domain.policy import Schedule as Calendar


class ScheduleError(ValueError):
    """A schedule name that cannot be parsed."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """`none` (every bar), `daily`, `weekly`, `monthly`, `quarterly` or `every:N` bars."""

    name: str

    @classmethod
    def parse(cls, text: str) -> Schedule:
        name = text.strip().lower()
        if name in {"none", *WORD_SCHEDULES}:
            return cls(name)
        if name.startswith("every:"):
            count = name.removeprefix("every:")
            if count.isdigit() and int(count) >= 1:
                return cls(name)
        raise ScheduleError(f"schedule '{text}': use none, daily, weekly, monthly, quarterly "
                            "or every:N (N ≥ 1 bars)")

    def looks(self, index: pd.DatetimeIndex) -> np.ndarray:
        """True at the bars where the rule is evaluated; bar 0 always."""
        n = len(index)
        if self.name == "none":
            return np.ones(n, dtype=np.bool_)
        if self.name.startswith("every:"):
            mask = np.zeros(n, dtype=np.bool_)
            mask[:: int(self.name.removeprefix("every:"))] = True
            return mask
        return look_mask(Calendar(every=self.name), utc_bars(index))


def utc_bars(index: pd.DatetimeIndex) -> np.ndarray:
    """The bars as zone-less UTC times (a zone-less index is read as UTC)."""
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    bars: np.ndarray = index.to_numpy(dtype="datetime64[ns]")
    return bars
