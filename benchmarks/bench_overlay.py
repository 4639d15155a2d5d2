"""Time the backtest kernel with and without the futures overlay (the peer harness has no futures).

    .venv/bin/python benchmarks/bench_overlay.py [--assets 10] [--bars 500000] [--repeat 3]

Synthetic hourly closes (seeded GBM), a relative 10 % band, fee 0.1 %, a
long/short overlay on the first two assets with 8-hourly funding drawn
around 0.01 %; times `engine.run_inputs` (spot only) and `engine.run_overlay`
(spot + overlay) without recording paths, after one warm-up call each, and
prints the medians of wall and CPU time (the kernel runs on one thread, so
CPU time is what it costs, whatever else the machine is doing). Timings are
benchmarks, never test assertions.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from trimtab.backtest.engine import run_inputs, run_overlay
from trimtab.backtest.inputs import build_inputs
from trimtab.backtest.kernel import layout
from trimtab.backtest.overlay import Overlay, overlay_inputs
from trimtab.domain.policy import build_policy


def prices(n_assets: int, n_bars: int, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    vol = rng.uniform(0.03, 0.06, n_assets) / np.sqrt(24)
    log_r = vol * rng.standard_normal((n_bars, n_assets)) - 0.5 * vol**2
    closes = rng.uniform(1.0, 30_000.0, n_assets) * np.exp(np.cumsum(log_r, axis=0))
    index = pd.date_range("2000-01-01", periods=n_bars, freq="h")
    return pd.DataFrame(closes, index=index, columns=[f"A{i:03d}" for i in range(n_assets)])


def funding(index: pd.DatetimeIndex, names: list[str], seed: int = 3) -> pd.DataFrame:
    times = pd.date_range(index[0] - pd.Timedelta(days=1), index[-1] + pd.Timedelta(days=1),
                          freq="8h")
    rates = np.random.default_rng(seed).normal(0.0001, 0.0004, (len(times), len(names)))
    return pd.DataFrame(rates, index=times, columns=names)


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds: on a shared machine the CPU time is the steadier figure."""
    result = call()  # warm-up: compile or load the numba cache
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = call()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=10)
    parser.add_argument("--bars", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    closes = prices(args.assets, args.bars)
    names = list(closes.columns)
    policy = build_policy({
        "targets": dict.fromkeys(names, 1.0 / len(names)),
        "bands": {"kind": "relative", "width": 0.10},
        "costs": {"fee_rate": 0.001, "slippage_bps": 0.0, "min_trade": 0.0},
        "futures": {"max_multiple": 2.5}})
    index = pd.DatetimeIndex(closes.index)
    inputs = build_inputs(closes, policy, 1e6)
    looks = np.full(len(index), layout.LOOK_REVIEW, dtype=np.uint8)
    overlay = overlay_inputs(Overlay({names[0]: 1.5, names[1]: -0.8}), policy, inputs.assets,
                             index, funding(index, names[:2]))
    spot, spot_cpu, ran = timed(lambda: run_inputs(inputs, index, looks, record=False),
                                args.repeat)
    both, both_cpu, with_futures = timed(
        lambda: run_overlay(inputs, overlay, index, looks, record=False), args.repeat)
    print(f"{args.assets} x {args.bars} bars, median of {args.repeat} (wall, cpu)")
    print(f"spot only     {spot:.3f} s  {spot_cpu:.3f} s  final {ran.stats[layout.S_FINAL]:.6f}")
    print(f"spot+overlay  {both:.3f} s  {both_cpu:.3f} s  "
          f"final {with_futures.stats[layout.S_FINAL]:.6f}")


if __name__ == "__main__":
    main()
