"""How the kernel's rules are compiled: cached, and without numba's reference counts.

numba's runtime (NRT) counts the references to every array a compiled
function receives: an atomic add on entry and an atomic subtract on return,
per array, per call. A rebalance passes some forty arrays down its calls, and
those counts cost a third of it (640 → 457 ns a trade, benchmarks/README.md,
issue 16). The rules take their arrays from the loop and allocate nothing (a
GPU thread cannot allocate either), so they need no runtime: compiled without
it, they count nothing, and numba refuses to compile one that would allocate.
A rule returns no array: its caller would release a reference the rule never
took, and free the array under the loop (tests/backtest/kernel/test_options.py).
The loops that allocate their scratch (loop.simulate, block.simulate_block)
keep the runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from numba import njit

if TYPE_CHECKING:
    from numba.core.dispatcher import Dispatcher

Function = TypeVar("Function", bound=Callable[..., Any])


def rule(inline: Literal["never", "always"] = "never"
         ) -> Callable[[Function], Dispatcher[Function]]:
    """numba's njit for a rule: cached, inlined where asked, compiled without the runtime
    (`_nrt`, which numba's type stubs do not list)."""
    return njit(cache=True, inline=inline, _nrt=False)  # type: ignore[call-overload,no-any-return]
