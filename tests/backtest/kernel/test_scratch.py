"""A rebalance allocates nothing: its temporaries live in scratch rows the run allocates once.

That is what lets the same rule run as a CUDA device function (which cannot
allocate) and what spares the CPU loop ten small allocations per rebalance.
numba's runtime counts its allocations (`memsys_enable_stats`), so the test
compares a run with a look at every bar against the same run with no look
at all: the calls unbox the same arrays, so any difference is the rebalances'.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba.core.runtime import _nrt_python, rtsys

from tests.builders import make_policy, synthetic_prices
from trimtab.backtest.inputs import Convention, KernelInputs, build_inputs
from trimtab.backtest.kernel import layout, loop
from trimtab.backtest.kernel.sorting import insertion_order, stable_order

SLEEVED: dict[str, Any] = {
    "targets": {"BTC": 0.3, "ETH": 0.2, "USDT": 0.2},
    "sleeves": {"alts": {"weight": 0.3, "members": {"SOL": 0.5, "AVAX": 0.3, "LINK": 0.2}}},
    "rebalance_to": 0.5, "scope": "breached",
}


def _allocations(inputs: KernelInputs, looks: np.ndarray) -> tuple[int, float]:
    """numba runtime allocations of one `simulate_spot` call, and its rebalance count."""
    equity, path = np.zeros(1), np.zeros((1, len(inputs.assets)))
    args = (inputs.held, inputs.held_cols, looks, inputs.bands, inputs.sleeve_of,
            inputs.sleeve_bands, inputs.tradable, inputs.params, equity, path, np.zeros(0))
    loop.simulate_spot(*args)  # compiled (or loaded) before counting
    _nrt_python.memsys_enable_stats()
    try:
        before = rtsys.get_allocation_stats().alloc
        stats = loop.simulate_spot(*args)
        return rtsys.get_allocation_stats().alloc - before, stats[layout.S_REBALANCES]
    finally:
        _nrt_python.memsys_disable_stats()


@pytest.mark.parametrize("convention", ["trimtab", "vectorbt", "bt"])
def test_rebalancing_at_every_bar_allocates_no_more_than_never_looking(
        convention: Convention) -> None:
    prices = synthetic_prices(n_bars=300, seed=5)
    policy = make_policy(SLEEVED["targets"], {"kind": "relative", "width": 0.05}, fee=0.001,
                         slippage_bps=5.0, **{k: v for k, v in SLEEVED.items() if k != "targets"})
    inputs = build_inputs(prices, policy, capital=1e6, convention=convention)
    n_bars = inputs.held.shape[0]

    never, none_done = _allocations(inputs, np.full(n_bars, layout.NO_LOOK, dtype=np.uint8))
    always, done = _allocations(inputs, np.full(n_bars, layout.LOOK_REBALANCE, dtype=np.uint8))

    assert none_done == 0 and done > 100
    assert always == never


@settings(deadline=None)  # the first example compiles stable_order when numba's cache is cold
@given(st.lists(st.sampled_from([-1.5, 0.0, 0.25, 2.0, np.inf, -np.inf]), max_size=12)
       | st.lists(st.floats(-1e6, 1e6), max_size=12))
def test_stable_order_sorts_as_a_stable_argsort(keys: list[float]) -> None:
    order = np.full(len(keys), -1.0)
    stable_order(np.array(keys), order)
    assert order.astype(np.int64).tolist() == np.argsort(keys, kind="stable").tolist()


@settings(deadline=None)
@given(st.lists(st.sampled_from([-1.5, 0.0, 2.0, np.inf, np.nan]), min_size=1, max_size=12))
def test_keys_with_a_nan_still_give_a_permutation(keys: list[float]) -> None:
    """Counting places needs a total order: with a NaN, two keys could take one place and
    leave another unwritten (an index past the assets); those keys take the insertion
    sort, whose order holds every index once."""
    order, by_insertion = np.full(len(keys), -1.0), np.full(len(keys), -1.0)
    stable_order(np.array(keys), order)
    insertion_order(np.array(keys), by_insertion)
    assert sorted(order.astype(np.int64).tolist()) == list(range(len(keys)))
    assert order.tolist() == by_insertion.tolist()
