"""Time the harness's two kernel workloads in one process: CPU time, medians.

    .venv/bin/python benchmarks/bench_kernel.py [--repeat 7] [--what single,bare,sweep]

The peer harness (../shared/bench) reports wall time of one engine after
another; on this shared 2-core machine that jumps with the load. This
script runs the same calls as `bench_plugin.py` on the harness's own
workload (`workload.generate_prices`, seed 42, relative 10 % band, fee
0.1 %): `single` is one run of 10 assets × 500,000 bars, `bare` the same
kernel with no look at all (the bar loop alone), `sweep` the harness's 100
band configurations on 10 × 50,000, `balance` how the sweep's work splits
between two threads; `vectorbt` and `vectorbt_sweep` time the harness's own
vectorbt calls for the same two workloads, so that a ratio can be taken of
CPU times when the machine's load makes wall times say little. For an A/B of two versions of the
code, run it twice with PYTHONPATH pointing at each tree's `src`,
alternating. Prints the medians of CPU and wall seconds and a digest of
the results, so that two versions can be seen to agree.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "shared" / "bench")]

import bench_plugin  # noqa: E402
import peers  # noqa: E402
import workload as wl  # noqa: E402

from trimtab.backtest import sweep as sw  # noqa: E402
from trimtab.backtest.engine import run_inputs  # noqa: E402
from trimtab.backtest.inputs import build_inputs  # noqa: E402
from trimtab.backtest.kernel import block, layout  # noqa: E402
from trimtab.backtest.schedule import Schedule  # noqa: E402
from trimtab.domain.policy import BandSpec  # noqa: E402


def harness_policy(prices: pd.DataFrame) -> Any:
    return wl.Policy(target_weights=wl.default_targets(list(prices.columns)))


def calls(bars: int, sweep_bars: int) -> dict[str, Callable[[], Any]]:
    prices = wl.generate_prices(10, bars)
    policy = harness_policy(prices)
    inputs = build_inputs(prices, bench_plugin._policy(policy), policy.initial_capital)
    no_look = np.full(bars, layout.NO_LOOK, dtype=np.uint8)
    index = pd.DatetimeIndex(prices.index)
    small = wl.generate_prices(10, sweep_bars)
    configs = wl.sweep_configs(100, policy.fee_rate)
    close, small_close = prices.to_numpy(np.float64), small.to_numpy(np.float64)
    small_policy = harness_policy(small)
    weights = small_policy.weights_array(list(small.columns))
    return {
        "single": lambda: bench_plugin.run(prices, policy),
        "bare": lambda: run_inputs(inputs, index, no_look, record=False).stats,
        "sweep": lambda: bench_plugin.run_sweep(small, small_policy, configs),
        # the harness's own vectorbt calls, for ratios of CPU time (robust to the load)
        "vectorbt": lambda: peers.run_vectorbt(close, policy, columns=list(prices.columns)),
        "vectorbt_sweep": lambda: peers.run_vectorbt_sweep(small_close, weights, small_policy,
                                                           configs),
    }


def balance(bars: int) -> None:
    """CPU seconds of each of two threads' shares of the harness sweep, timed one share
    after another: contiguous blocks of 8 split in halves (numba's static schedule, as
    before) against the strided split block.simulate_grid makes."""
    prices = wl.generate_prices(10, bars)
    policy = harness_policy(prices)
    choices = [sw.BandChoice(f"{k}:{w}", BandSpec(kind=k, width=float(w)))  # type: ignore[arg-type]
               for k, w in wl.sweep_configs(100, policy.fee_rate)]
    g = sw.build_grid(prices, bench_plugin._policy(policy), policy.initial_capital, choices,
                      [Schedule("none")])
    b = g.base

    def cost(k: np.ndarray) -> float:
        start = time.process_time()
        for i in range(0, k.size, block.BLOCK):
            part = k[i:i + block.BLOCK]
            block.simulate_block(b.held, b.held_cols, g.looks[part * 0], g.bands[part],
                                 g.sleeve_bands[part], g.use_band[part], b.sleeve_of,
                                 b.tradable, b.params)
        return time.process_time() - start

    cost(np.arange(8))
    n = len(choices)
    n_blocks = -(-n // block.BLOCK)
    halves = -(-n_blocks // 2) * block.BLOCK  # numba gives the first thread ceil(blocks / 2)
    static = [cost(np.arange(0, halves)), cost(np.arange(halves, n))]
    strided = [cost(np.arange(0, n, 2)), cost(np.arange(1, n, 2))]
    print(f"balance: contiguous halves {static[0]:.3f} / {static[1]:.3f} s, "
          f"strided {strided[0]:.3f} / {strided[1]:.3f} s of CPU")


def digest(result: Any) -> str:
    return hashlib.sha1(repr(result).encode()).hexdigest()[:10]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--what", default="single,bare,sweep")
    parser.add_argument("--bars", type=int, default=500_000)
    parser.add_argument("--sweep-bars", type=int, default=50_000)
    args = parser.parse_args()
    if "balance" in args.what.split(","):
        balance(args.sweep_bars)
    chosen = {k: v for k, v in calls(args.bars, args.sweep_bars).items()
              if k in args.what.split(",")}
    for name, call in chosen.items():
        result = call()  # warm-up: compile or load the numba cache
        cpu, wall = [], []
        for _ in range(args.repeat):
            c0, w0 = time.process_time(), time.perf_counter()
            call()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        print(f"{name:7s} CPU {statistics.median(cpu):.4f} s (min {min(cpu):.4f})  "
              f"wall {statistics.median(wall):.4f} s  result {digest(result)}")


if __name__ == "__main__":
    main()
