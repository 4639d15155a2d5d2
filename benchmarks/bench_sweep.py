"""Time the sweep's grid kernels: configurations one after another against blocks side by side.

Uses the peer harness's workload shape (10 assets × 50,000 bars, relative
bands, a look at every bar, 0.1 % fee) on seeded GBM closes, and times
`kernel.block.simulate_grid` at several block sizes, interleaved round by
round so that the machine's load hits every variant alike. Prints wall and
CPU time (numba threads: CPU time is summed over them), medians.

    python benchmarks/bench_sweep.py --configs 100 --bars 50000 --blocks 1,4,8,16 --repeat 5
    python benchmarks/bench_sweep.py --configs 10000 --blocks 8 --repeat 1 --check 50

`--check N` runs N configurations of the grid one at a time through
`loop.simulate_spot` and prints the largest difference from the grid's.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numba
import numpy as np
import pandas as pd

from trimtab.backtest import sweep as sw
from trimtab.backtest.kernel import block, layout, loop
from trimtab.backtest.schedule import Schedule
from trimtab.domain.policy import BandSpec, build_policy


def grid(n_assets: int, n_bars: int, n_configs: int, schedules: tuple[str, ...] = ("none",)
         ) -> sw.Grid:
    """n_configs relative bands (2 % to 50 %) × `schedules` on seeded hourly GBM closes."""
    rng = np.random.default_rng(3)
    closes = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_bars, n_assets)), axis=0))
    names = [f"A{i}" for i in range(n_assets)]
    prices = pd.DataFrame(closes, columns=names,
                          index=pd.date_range("2020-01-01", periods=n_bars, freq="h"))
    policy = build_policy({"targets": {a: 1.0 / n_assets for a in names},
                           "bands": {"kind": "relative", "width": 0.1},
                           "costs": {"fee_rate": 0.001, "slippage_bps": 0.0, "min_trade": 0.0}})
    widths = np.linspace(0.02, 0.5, n_configs)
    choices = [sw.BandChoice(f"relative:{w}", BandSpec(kind="relative", width=float(w)))
               for w in widths]
    return sw.build_grid(prices, policy, 10_000.0, choices, [Schedule(s) for s in schedules])


def runner(g: sw.Grid, size: int) -> Callable[[], np.ndarray]:
    b = g.base
    return lambda: block.simulate_grid(b.held, b.held_cols, g.looks, g.bands, g.sleeve_bands,
                                       g.use_band, b.sleeve_of, b.tradable, b.params, size,
                                       numba.get_num_threads())


def check(g: sw.Grid, stats: np.ndarray, n: int) -> None:
    """The largest difference between the grid and n one-at-a-time runs (relative)."""
    b, worst = g.base, 0.0
    for k in np.random.default_rng(5).choice(g.bands.shape[0], n, replace=False):
        params = b.params.copy()
        params[layout.P_USE_BAND] = g.use_band[k]
        one = loop.simulate_spot(b.held, b.held_cols, g.looks[0], g.bands[k], b.sleeve_of,
                                 g.sleeve_bands[k], b.tradable, params, np.zeros(1),
                                 np.zeros((1, 1)), np.zeros(0))
        scale = np.maximum(np.abs(one), 1.0)
        worst = max(worst, float(np.max(np.abs(stats[k, 0] - one) / scale)))
    print(f"{n} configurations run one at a time: largest relative difference {worst:.3g}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=10)
    parser.add_argument("--bars", type=int, default=50_000)
    parser.add_argument("--configs", type=int, default=100)
    parser.add_argument("--blocks", default="1,4,8,16")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--check", type=int, default=0)
    args = parser.parse_args()
    g = grid(args.assets, args.bars, args.configs)
    runs = {size: runner(g, size) for size in map(int, args.blocks.split(","))}
    reference = None
    times: dict[int, list[tuple[float, float]]] = {size: [] for size in runs}
    for size, run in runs.items():  # compile, and check every block size gives one answer
        out = run()
        reference = out if reference is None else reference
        assert np.array_equal(out, reference), size
    if args.check:
        check(g, reference, args.check)
    for _ in range(args.repeat):
        for size, run in runs.items():
            w0, c0 = time.perf_counter(), time.process_time()
            run()
            times[size].append((time.perf_counter() - w0, time.process_time() - c0))
    work = args.assets * args.bars * args.configs
    for size, rows in times.items():
        wall = statistics.median(r[0] for r in rows)
        cpu = statistics.median(r[1] for r in rows)
        print(f"block {size:3d}: wall {wall:.3f} s (min {min(r[0] for r in rows):.3f}), "
              f"CPU {cpu:.3f} s, {work / cpu:.3g} asset-bar-configurations per CPU second")


if __name__ == "__main__":
    main()
