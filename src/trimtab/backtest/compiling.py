"""Say so when numba compiles the backtest kernels, and compile them ahead on request.

numba compiles a kernel at its first call in a process unless its on-disk
cache (NUMBA_CACHE_DIR, else `__pycache__` beside the module) already holds
it: the first backtest after an install waits about 15 s. numba announces
each compilation as a `numba:compile` event, and a cache hit announces none,
so listening for the first one tells exactly when that wait begins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from numba.core import event

COMPILING = ("Compiling the backtest kernels (once, about 15 s): numba keeps them in its "
             "on-disk cache, so later runs start at once. `trimtab backtest --warm` "
             "compiles them ahead.")


class _FirstCompilation(event.Listener):
    """Calls `notify` when the first compilation starts, and never again."""

    def __init__(self, notify: Callable[[], None]) -> None:
        self._pending: Callable[[], None] | None = notify

    def on_start(self, event: Any) -> None:
        if self._pending is not None:
            notify, self._pending = self._pending, None
            notify()

    def on_end(self, event: Any) -> None:
        """Nothing: the run's own progress takes over once the kernel runs."""


@contextmanager
def announce_compilation(notify: Callable[[], None]) -> Iterator[None]:
    """Within the block, `notify()` is called once if numba starts compiling anything."""
    with event.install_listener("numba:compile", _FirstCompilation(notify)):
        yield


def warm() -> None:
    """Compile every backtest kernel into numba's cache: a small backtest of the bundled
    moderate profile with a futures overlay, and a two-band sweep, call each kernel with
    the argument types a real run passes."""
    from trimtab.backtest import service

    with resources.as_file(resources.files("trimtab") / "examples" / "moderate.toml") as path:
        policy = Path(path)
        service.backtest(policy, futures="BTC:1.0,ETH:-0.5", futures_band=0.1)
        service.sweep(policy, None, 10_000.0, "off,relative:0.2", "none,monthly")
