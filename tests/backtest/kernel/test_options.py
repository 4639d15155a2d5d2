"""The rules compiled without numba's reference counts (kernel/options.py) return no array.

Compiled without the runtime, a rule takes no reference to what it returns,
while a caller compiled with it releases one: a returned array would be
freed under the loop (a sweep crashed with "malloc(): unaligned tcache chunk
detected" when close_stats returned its stats row).
"""

from __future__ import annotations

from collections.abc import Iterator

from numba import types
from numba.core.registry import CPUDispatcher

from tests.builders import make_policy, synthetic_prices
from trimtab.backtest import sweep as sw
from trimtab.backtest.engine import run_backtest
from trimtab.backtest.kernel import block, conventions, futures, loop, rebalance, spot
from trimtab.backtest.overlay import Overlay
from trimtab.backtest.schedule import Schedule


def rules() -> Iterator[tuple[str, CPUDispatcher]]:
    """Every kernel function compiled without the runtime."""
    for module in (block, conventions, futures, loop, rebalance, spot):
        for name, value in vars(module).items():
            if (isinstance(value, CPUDispatcher) and value.py_func.__module__ == module.__name__
                    and value.targetoptions.get("_nrt") is False):
                yield f"{module.__name__}.{name}", value


def test_no_rule_compiled_without_reference_counts_says_it_returns_an_array() -> None:
    """Read from the annotations before anything runs: a rule returning an array crashes
    the process that runs it, so this test fails cleanly first."""
    found = dict(rules())

    assert {"trimtab.backtest.kernel.spot.trade", "trimtab.backtest.kernel.loop.close_stats",
            "trimtab.backtest.kernel.block.run_block"} <= set(found)
    for name, rule in found.items():
        assert rule.py_func.__annotations__.get("return") != "Array", name


def test_no_rule_compiled_without_reference_counts_returns_an_array() -> None:
    """The types numba inferred, once a backtest (with an overlay, in each convention) and a
    sweep have compiled them."""
    prices = synthetic_prices(n_bars=120, seed=3)
    policy = make_policy({"BTC": 0.5, "ETH": 0.3, "USDT": 0.2}, fee=0.001)
    run_backtest(prices, policy, 10_000.0, Schedule("none"), record=False,
                 overlay=Overlay({"BTC": 1.0}, None))
    for convention in ("bt", "vectorbt"):
        run_backtest(prices, policy, 10_000.0, Schedule("none"), record=False,
                     convention=convention)  # type: ignore[arg-type]
    grid = sw.build_grid(prices, policy, 10_000.0, sw.parse_bands("relative:0.05"),
                         [Schedule("none")])
    sw.run_local(grid, chunk=1)

    for name, rule in rules():
        for signature in rule.nopython_signatures:
            assert not isinstance(signature.return_type, types.Array), name
