"""When the backtest looks at the portfolio: every bar or on a calendar.

A schedule turns a DatetimeIndex into a boolean mask of "look" bars. What
happens at a look depends on the band: with a band the portfolio is traded
only if it is outside it (at every bar that is the threshold rule; on a
calendar it is the opportunistic hybrid), without a band (`off`) every look
trades (the calendar rule). Bar 0 is always a look: it is the initial buy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PERIODS = {"weekly": "W", "monthly": "M", "quarterly": "Q"}


class ScheduleError(ValueError):
    """A schedule name that cannot be parsed."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """`none` (every bar), `weekly`, `monthly`, `quarterly` or `every:N` bars."""

    name: str

    @classmethod
    def parse(cls, text: str) -> Schedule:
        name = text.strip().lower()
        if name in {"none", *PERIODS}:
            return cls(name)
        if name.startswith("every:"):
            count = name.removeprefix("every:")
            if count.isdigit() and int(count) >= 1:
                return cls(name)
        raise ScheduleError(f"schedule '{text}': use none, weekly, monthly, quarterly "
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
        periods = index.to_period(PERIODS[self.name])
        mask = np.ones(n, dtype=np.bool_)
        mask[1:] = periods[1:] != periods[:-1]
        return mask
