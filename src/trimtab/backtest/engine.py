"""One backtest: a policy replayed over a price table, with holding as the baseline.

The portfolio starts with `capital` in the quote currency and buys the
targets at the first bar's close; that buy is the first rebalance. Holding
is the same initial buy (same costs) and nothing after it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from trimtab.backtest.bars import contribution_flows
from trimtab.backtest.inputs import Convention, KernelInputs, build_inputs
from trimtab.backtest.kernel import layout, loop
from trimtab.backtest.overlay import Overlay, OverlayInputs, overlay_inputs
from trimtab.backtest.schedule import Schedule, utc_bars
from trimtab.domain.policy import Policy

Array = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class Run:
    """What one pass of the kernel produced."""

    stats: Array
    equity: pd.Series
    units: pd.DataFrame | None
    futures: Array | None = None  # the overlay's F_* statistics
    exposure: pd.DataFrame | None = None  # gross notional, spot value, events per bar
    flows: Array | None = None  # the cash flows made, one per bar (None: there were none)


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """The policy's run, the holding baseline and what they were run on."""

    policy: Run
    hold: Run
    inputs: KernelInputs
    index: pd.DatetimeIndex
    schedule: Schedule
    use_band: bool
    overlay: OverlayInputs | None = None


def cash_flows(flows: Array | None) -> Array:
    """The kernel's per-bar flows: a copy (the kernel zeroes a withdrawal it cannot make),
    or an empty array, which costs the loop nothing."""
    return np.zeros(0) if flows is None else np.array(flows, dtype=np.float64)


def run_inputs(inputs: KernelInputs, index: pd.DatetimeIndex, looks: Array,
               record: bool = True, flows: Array | None = None) -> Run:
    """Call the kernel once; with `record`, keep the equity curve and holdings path.

    `flows` is quote cash added at each bar (kernel.loop.add_cash)."""
    n_bars, n = inputs.held.shape[0], len(inputs.assets)
    equity = np.zeros(n_bars if record else 1)
    path = np.zeros((n_bars, n) if record else (1, n))
    made = cash_flows(flows)
    stats = loop.simulate_spot(inputs.held, inputs.held_cols, looks, inputs.bands,
                               inputs.sleeve_of, inputs.sleeve_bands, inputs.tradable,
                               inputs.params, equity, path, made)
    made_or_none = made if made.size else None
    if not record:
        return Run(stats, pd.Series(dtype=float), None, flows=made_or_none)
    return Run(stats, pd.Series(equity, index=index, name="equity"),
               pd.DataFrame(path, index=index, columns=list(inputs.assets)),
               flows=made_or_none)


def run_overlay(inputs: KernelInputs, overlay: OverlayInputs, index: pd.DatetimeIndex,
                looks: Array, record: bool = True, flows: Array | None = None) -> Run:
    """Call the kernel once with the overlay's positions (kernel.loop.simulate)."""
    n_bars, n = inputs.held.shape[0], len(inputs.assets)
    equity = np.zeros(n_bars if record else 1)
    units = np.zeros((n_bars, n) if record else (1, n))
    path = np.zeros((n_bars if record else 1, layout.N_EXPOSURE_COLS))
    fstats = np.zeros(layout.N_FSTATS)
    made = cash_flows(flows)
    stats = loop.simulate(inputs.held, inputs.held_cols, looks, inputs.bands, inputs.sleeve_of,
                          inputs.sleeve_bands, inputs.tradable, inputs.params, equity, units,
                          overlay.cols, overlay.target, overlay.funding, overlay.fparams, fstats,
                          path, made)
    made_or_none = made if made.size else None
    if not record:
        return Run(stats, pd.Series(dtype=float), None, fstats, flows=made_or_none)
    exposure = pd.DataFrame(path, index=index, columns=["gross_notional", "spot_value", "events"])
    return Run(stats, pd.Series(equity, index=index, name="equity"),
               pd.DataFrame(units, index=index, columns=list(inputs.assets)), fstats, exposure,
               made_or_none)


def hold_inputs(inputs: KernelInputs) -> KernelInputs:
    """The same inputs with the band switched off: holding buys at bar 0 whatever the band."""
    params = inputs.params.copy()
    params[layout.P_USE_BAND] = 0.0
    return replace(inputs, params=params)


def run_backtest(prices: pd.DataFrame, policy: Policy, capital: float = 10_000.0,
                 schedule: Schedule | None = None, use_band: bool = True,
                 convention: Convention = "trimtab", record: bool = True,
                 overlay: Overlay | None = None, funding: pd.DataFrame | None = None
                 ) -> BacktestResult:
    """The policy and holding over `prices` (validated closes, see data.py).

    With an `overlay`, both runs carry the futures positions; holding opens
    them at the first bar and never trades them again (no leverage trigger).
    `funding` replaces the bundled funding history (rates per settlement).
    A `policy` schedule for a policy without `[[schedules]]` raises ScheduleError.
    The policy's `[[contributions]]` add quote cash at their bars, where the
    policy rebalances to invest it, as `trimtab watch` plans a due
    contribution; holding receives the same cash and keeps it in the quote.
    """
    schedule = schedule or Schedule("none")
    index = pd.DatetimeIndex(prices.index)
    inputs = build_inputs(prices, policy, capital, convention, use_band)
    looks = schedule.looks(index, policy.schedules)
    flows = contribution_flows(policy.contributions, utc_bars(index)) \
        if policy.contributions else None
    if flows is not None:
        looks[flows != 0.0] = layout.LOOK_REBALANCE
    start_only = np.zeros(len(index), dtype=np.uint8)
    start_only[:1] = layout.LOOK_REBALANCE
    if overlay is None:
        return BacktestResult(run_inputs(inputs, index, looks, record, flows),
                              run_inputs(hold_inputs(inputs), index, start_only, record, flows),
                              inputs, index, schedule, use_band)
    ours = overlay_inputs(overlay, policy, inputs.assets, index, funding)
    held = replace(ours, fparams=ours.fparams.copy())
    held.fparams[layout.FP_TRIGGER] = 0.0
    return BacktestResult(run_overlay(inputs, ours, index, looks, record, flows),
                          run_overlay(hold_inputs(inputs), held, index, start_only, record, flows),
                          inputs, index, schedule, use_band, ours)
