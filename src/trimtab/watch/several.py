"""Several policies watched by one process, each on its own schedule.

Each policy keeps its own `Watcher` (its triggers, alert memory, plans and
failures) over its own account; they share one clock, one stop signal and
the process's heartbeat. The process wakes for whichever watcher is due
first, so a policy checked every five minutes and one reviewed monthly
interleave without either waiting on the other's interval. Ticks run one at
a time: a watcher that trades holds its account's lease only for its check.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from trimtab.domain.calendar import next_fire
from trimtab.execution.states import WatchState
from trimtab.watch.loop import HEARTBEAT_EVERY, Beat, Clock, Watcher

log = logging.getLogger(__name__)


@dataclass
class Watchers:
    """Watchers that tick in due order on one clock until stopped or past `until`."""

    watchers: Sequence[Watcher]
    clock: Clock
    stop: threading.Event = field(default_factory=threading.Event)
    beat: Beat = lambda state, detail, nxt: None  # the process's heartbeat
    heartbeat_every: float = HEARTBEAT_EVERY

    def run(self, until: datetime | None = None) -> None:
        """Every watcher checks at once, then each at its own next wake; a replay ends
        for a watcher once its next wake is past `until`, and for all when none is left."""
        wakes = dict.fromkeys(range(len(self.watchers)), self.clock.now())
        while wakes and not self.stop.is_set():
            due = min(wakes, key=lambda i: (wakes[i], i))  # ties: in the order given
            left = (wakes[due] - self.clock.now()).total_seconds()
            if left > 0:  # a system clock wakes early on stop
                self._beat(WatchState.WAITING, "", wakes[due])
                self.clock.sleep(min(left, self.heartbeat_every))
                continue
            self._beat(WatchState.CHECKING, "", None)
            wake = self._step(self.watchers[due])
            if until is not None and wake > until:
                del wakes[due]
            else:
                wakes[due] = wake
        self._beat(WatchState.STOPPED, "", None)

    @staticmethod
    def _step(watcher: Watcher) -> datetime:
        """One check of one watcher, reported; its next wake."""
        report = watcher.tick()
        watcher.on_tick(report, next_fire(watcher.policy.schedules, report.at))
        return watcher.next_wake(report.at)

    def _beat(self, state: WatchState, detail: str, nxt: datetime | None) -> None:
        """A heartbeat that cannot be written is logged: it never stops the loop."""
        try:
            self.beat(state, detail, nxt)
        except Exception as exc:
            log.warning("heartbeat not written: %s: %s", type(exc).__name__, exc)
