"""trimtab as an engine of the peer benchmark (../shared/bench/peers.py --plugin).

    python peers.py --plugin trimtab=/path/to/benchmarks/bench_plugin.py:run \\
        --engines trimtab,bt,vectorbt,reference --repeat 3

`run(prices, policy)` gets the harness's DataFrame of closes and its
`workload.Policy` (plain data: target weights, threshold or calendar mode,
relative or absolute band, fee rate, capital) and returns final equity,
rebalances (the initial buy included) and fees, under trimtab's own fee
convention, which is the harness reference's "exact" model. `run_sweep`
runs the harness's (band type, width) configurations as one batched grid.
Everything the call needs is imported at module level, so the harness's
timer sees the work, not the imports.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from trimtab.backtest import sweep as sw
from trimtab.backtest.engine import run_inputs
from trimtab.backtest.inputs import build_inputs
from trimtab.backtest.kernel import layout
from trimtab.backtest.schedule import Schedule
from trimtab.domain.policy import BandSpec, Policy, build_policy


def _policy(bench: Any) -> Policy:
    """The harness's policy as a trimtab policy: no slippage, no minimum trade."""
    return build_policy({
        "targets": dict(bench.target_weights),
        "bands": {"kind": bench.band_type, "width": float(bench.band)},
        "costs": {"fee_rate": float(bench.fee_rate), "slippage_bps": 0.0, "min_trade": 0.0},
    })


def _looks(bench: Any, n_bars: int) -> np.ndarray:
    looks = np.full(n_bars, layout.NO_LOOK, dtype=np.uint8)
    looks[:: bench.every if bench.mode == "calendar" else 1] = layout.LOOK_REVIEW
    return looks


def _row(stats: np.ndarray) -> dict[str, Any]:
    return {"final_equity": float(stats[layout.S_FINAL]),
            "rebalances": int(stats[layout.S_REBALANCES]), "fees": float(stats[layout.S_FEES])}


def run(prices: pd.DataFrame, policy: Any) -> dict[str, Any]:
    inputs = build_inputs(prices, _policy(policy), float(policy.initial_capital),
                          use_band=policy.mode != "calendar")
    looks = _looks(policy, len(prices))
    return _row(run_inputs(inputs, pd.DatetimeIndex(prices.index), looks, record=False).stats)


def run_sweep(prices: pd.DataFrame, policy: Any, configs: list[tuple[str, float]]
              ) -> list[dict[str, Any]]:
    choices = [sw.BandChoice(f"{kind}:{width}", BandSpec(kind=kind, width=float(width)))  # type: ignore[arg-type]
               for kind, width in configs]
    grid = sw.build_grid(prices, _policy(policy), float(policy.initial_capital), choices,
                         [Schedule("none")])
    stats = sw.run_local(grid, chunk=len(choices))
    return [_row(stats[b, 0]) for b in range(len(choices))]
