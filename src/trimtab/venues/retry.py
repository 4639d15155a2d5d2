"""Retrying reads with exponential backoff and jitter, within a cap.

Only reads and cancels come here: a placement is never retried (a second
POST could be a second order). The sleep and the random source are
parameters so that tests can count waits instead of timing them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from trimtab.venues.errors import Retryable

T = TypeVar("T")


@dataclass
class Backoff:
    """Retries of transient failures: `attempts` tries, delays base·2ⁿ plus jitter, capped."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    waits: list[float] = field(default_factory=list)

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (0-based)."""
        exponential = min(self.max_delay, self.base_delay * 2.0 ** attempt)
        return exponential + self.rng.uniform(0.0, self.base_delay)

    def pause(self, wait: float) -> None:
        """Wait `wait` seconds, and keep it in `waits` (what tests and logs read)."""
        self.waits.append(wait)
        self.sleep(wait)

    def call(self, operation: Callable[[], T]) -> T:
        """`operation()`, retried on Retryable until it succeeds or the attempts run out."""
        for attempt in range(self.attempts):
            try:
                return operation()
            except Retryable:
                if attempt == self.attempts - 1:
                    raise
                self.pause(self.delay(attempt))
        raise AssertionError("unreachable: attempts must be at least 1")
