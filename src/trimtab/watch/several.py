"""Several policies watched by one process, each on its own schedule.

Each policy keeps its own `Watcher` (its triggers, alert memory, plans and
failures) over its own account; they share one clock and one stop signal.
The process wakes for whichever watcher is due first, so a policy checked
every five minutes and one reviewed monthly interleave without either
waiting on the other's interval. Ticks run one at a time: a watcher that
trades holds its account's lease only for its own check.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from trimtab.domain.calendar import next_fire
from trimtab.watch.loop import Clock, Watcher


@dataclass
class Watchers:
    """Watchers that tick in due order on one clock until stopped or past `until`."""

    watchers: Sequence[Watcher]
    clock: Clock
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, until: datetime | None = None) -> None:
        """Every watcher checks at once, then each at its own next wake; a replay ends
        for a watcher once its next wake is past `until`, and for all when none is left."""
        wakes = dict.fromkeys(range(len(self.watchers)), self.clock.now())
        while wakes and not self.stop.is_set():
            due = min(wakes, key=lambda i: (wakes[i], i))  # ties: in the order given
            left = (wakes[due] - self.clock.now()).total_seconds()
            if left > 0:
                self.clock.sleep(left)  # a system clock wakes early on stop
                continue
            wake = self._step(self.watchers[due])
            if until is not None and wake > until:
                del wakes[due]
            else:
                wakes[due] = wake

    @staticmethod
    def _step(watcher: Watcher) -> datetime:
        """One check of one watcher, reported; its next wake."""
        report = watcher.tick()
        watcher.on_tick(report, next_fire(watcher.policy.schedules, report.at))
        return watcher.next_wake(report.at)
