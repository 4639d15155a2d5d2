"""Recurring contributions: which are due, which comes next, and where they fall in history.

A contribution is due at each fire time of its calendar rule; each due date
is planned once (the journal remembers which were), and several dates that
fell while nothing ran are planned together. The backtest adds each date's
amount at the first bar at or after it: the same fire times as the live
path, so a replayed month and a live month contribute the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from trimtab.domain.calendar import Times, aware_time, fire_times, next_fire, numpy_time
from trimtab.domain.timing import Contribution


@dataclass(frozen=True, slots=True)
class Due:
    """One date of one contribution."""

    contribution: Contribution
    at: datetime

    @property
    def amount(self) -> float:
        return self.contribution.amount


def due_contributions(contributions: Sequence[Contribution], after: datetime,
                      until: datetime) -> tuple[Due, ...]:
    """Every date of every contribution in (after, until], oldest first."""
    found = [Due(c, at) for c in contributions for at in fire_times(c, after, until)]
    return tuple(sorted(found, key=lambda d: d.at))


def next_contribution(contributions: Sequence[Contribution], after: datetime) -> Due | None:
    """The first contribution date after `after` (the larger amount on a shared date)."""
    dates = [(next_fire((c,), after), c) for c in contributions]
    found = [(at, c) for at, c in dates if at is not None]
    if not found:
        return None
    at, contribution = min(found, key=lambda pair: (pair[0], -pair[1].amount))
    return Due(contribution, at)


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

