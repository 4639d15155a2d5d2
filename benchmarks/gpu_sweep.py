"""The sweep on a GPU: configurations per second, and a sample checked against the CPU kernel.

bench_sweep.py's workload (seeded GBM closes of hourly bars, an equal-weight
policy with a 0.1 % fee, relative bands from 2 % to 50 %) × `every:N`
schedules (N = 1, 2, ...), run
through `trimtab.backtest.gpu.run_cuda` (the kernel `trimtab sweep --device
cuda` launches). Prints the device, the first launch (compilation) on a few
bars, the timed launch (transfers included) as configurations per second and
asset-bar-configurations per second, then runs `--check` configurations of
the same grid through the CPU sweep (`kernel.block.simulate_block`) and
prints the largest relative difference of their statistics and whether
every rebalance count agrees.

    # the issue's workload: 100,000 configurations × 10 assets × 500,000 bars
    PYTHONPATH=src python benchmarks/gpu_sweep.py
    # a quick one
    PYTHONPATH=src python benchmarks/gpu_sweep.py --bands 100 --schedules 10 --bars 20000
    # no GPU: the same script under numba's simulator (slow: keep it tiny)
    NUMBA_ENABLE_CUDASIM=1 NUMBA_DISABLE_JIT=1 PYTHONPATH=src \\
        python benchmarks/gpu_sweep.py --bands 3 --schedules 2 --bars 300 --check 6
    # no GPU but NVIDIA's NVVM and NVRTC libraries: compile the kernel to PTX only
    PYTHONPATH=src python benchmarks/gpu_sweep.py --ptx 9.0 --ptx-file /tmp/sweep.ptx

benchmarks/README.md says what was measured where, and how to carry the
packages the GPU machine lacks.
"""

from __future__ import annotations

import argparse
import time
import types
from dataclasses import replace
from pathlib import Path

import numpy as np
from bench_sweep import grid as bench_grid  # the CPU sweep benchmark's closes and policy

from trimtab.backtest import gpu
from trimtab.backtest import sweep as sw
from trimtab.backtest.kernel import block, layout


def first_bars(grid: sw.Grid, bars: int) -> sw.Grid:
    """The grid cut to its first bars: the same array types, so one compilation serves."""
    return replace(grid, base=replace(grid.base, held=grid.base.held[:bars]),
                   looks=grid.looks[:, :bars])


def check(grid: sw.Grid, stats: np.ndarray, n: int) -> None:
    """n random configurations through the CPU sweep: the largest relative difference."""
    rng = np.random.default_rng(5)
    b = rng.integers(0, grid.bands.shape[0], n)
    s = rng.integers(0, grid.looks.shape[0], n)
    base = grid.base
    t0 = time.process_time()
    cpu = block.simulate_block(base.held, base.held_cols, grid.looks[s], grid.bands[b],
                               grid.sleeve_bands[b], grid.use_band[b], base.sleeve_of,
                               base.tradable, base.params)
    seconds = time.process_time() - t0
    mine = stats[b, s]
    worst = float(np.max(np.abs(mine - cpu) / np.maximum(np.abs(cpu), 1.0)))
    counts = bool(np.array_equal(mine[:, layout.S_REBALANCES], cpu[:, layout.S_REBALANCES]))
    print(f"check: {n} configurations on the CPU in {seconds:.2f} s CPU: largest relative "
          f"difference {worst:.3g} ({'within' if worst <= 1e-9 else 'OUTSIDE'} 1e-9), "
          f"rebalance counts {'equal' if counts else 'DIFFER'} "
          f"({int(cpu[:, layout.S_REBALANCES].sum())} rebalances)")


def fit_budget(grid: sw.Grid, bars: int, budget: float) -> tuple[sw.Grid, int]:
    """The grid, cut to the bars that a timed probe says fit `budget` seconds (a device
    command has a hard time limit: better a shorter measured sweep than none)."""
    probe = min(bars, 20_000)
    t0 = time.perf_counter()
    gpu.run_cuda(first_bars(grid, probe))
    seconds = time.perf_counter() - t0
    projected = seconds * bars / probe
    print(f"probe: all configurations × {probe:,} bars in {seconds:.2f} s: the full "
          f"{bars:,} bars would take about {projected:.0f} s (budget {budget:.0f} s)")
    if projected <= budget or probe == bars:
        return grid, bars
    fit = max(probe, int(bars * budget / projected) // 1_000 * 1_000)
    print(f"CUT: measuring {fit:,} bars instead of {bars:,} (the full grid outlasts the budget)")
    return first_bars(grid, fit), fit


def time_block_sizes(grid: sw.Grid, sizes: list[int], bars: int) -> None:
    """The same sweep launched with each number of threads per CUDA block."""
    from trimtab.backtest.kernel import cuda_sweep

    for size in sizes:
        cuda_sweep.THREADS = size
        t0 = time.perf_counter()
        gpu.run_cuda(grid)
        seconds = time.perf_counter() - t0
        work = grid.bands.shape[0] * grid.looks.shape[0] * len(grid.base.assets) * bars
        print(f"{size} threads per block: {seconds:.2f} s, {work / seconds:.3g} "
              "asset-bar-configurations/s")


def cpu_rate(grid: sw.Grid, n_bands: int, bars: int) -> None:
    """The CPU sweep (numba threads on every core) on a corner of the grid: the figure the
    GPU's is compared with, on the same machine. Its first call compiles; the second is timed."""
    import numba

    small = first_bars(replace(grid, bands=grid.bands[:n_bands],
                               sleeve_bands=grid.sleeve_bands[:n_bands],
                               use_band=grid.use_band[:n_bands]), bars)
    b, threads = small.base, numba.get_num_threads()

    def sweep() -> None:
        block.simulate_grid(b.held, b.held_cols, small.looks, small.bands, small.sleeve_bands,
                            small.use_band, b.sleeve_of, b.tradable, b.params, 8, threads)

    t0 = time.perf_counter()
    sweep()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    sweep()
    seconds = time.perf_counter() - t0
    work = n_bands * small.looks.shape[0] * len(b.assets) * bars
    print(f"CPU sweep, {threads} threads, {n_bands * small.looks.shape[0]:,} configurations × "
          f"{bars:,} bars: {seconds:.2f} s ({work / seconds:.3g} asset-bar-configurations/s; "
          f"first call with compilation {first:.1f} s)")


def compile_ptx(cc: str, path: str | None) -> None:
    """Compile the kernel and every rule it calls to PTX, with no GPU (NVVM and NVRTC only),
    and write it to `path` (for ptxas -v: registers, stack, spills)."""
    import numba.cuda.dispatcher as dispatcher

    major, minor = (int(x) for x in cc.split("."))
    # a device function is compiled for the current device's capability: name one instead
    dispatcher.get_current_device = lambda: types.SimpleNamespace(  # type: ignore[attr-defined]
        compute_capability=(major, minor))
    from numba import cuda

    from trimtab.backtest.kernel import cuda_sweep

    sig = ("void(float64[:, ::1], int64[::1], uint8[:, ::1], float64[:, :, ::1], "
           "float64[:, :, ::1], float64[::1], int64[::1], boolean[::1], float64[::1], "
           "float64[:, ::1])")
    t0 = time.process_time()
    ptx, _ = cuda.compile_ptx(cuda_sweep.sweep_kernel.py_func, sig, cc=(major, minor))
    depot = [line.strip() for line in ptx.splitlines() if "__local_depot" in line and ".b8" in line]
    print(f"PTX for sm_{major}{minor}: {len(ptx):,} characters in {time.process_time() - t0:.1f} s "
          f"CPU; local memory: {depot[0] if depot else 'none'}")
    if path:
        Path(path).write_text(ptx)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=10)
    parser.add_argument("--bars", type=int, default=500_000)
    parser.add_argument("--bands", type=int, default=1_000)
    parser.add_argument("--schedules", type=int, default=100)
    parser.add_argument("--check", type=int, default=8)
    parser.add_argument("--cpu-bands", type=int, default=0,
                        help="also time the CPU sweep on this many bands × every schedule")
    parser.add_argument("--threads", help="only time these threads-per-block, e.g. 64,128,256")
    parser.add_argument("--budget", type=float, default=240.0,
                        help="seconds the timed sweep may take; fewer bars if a probe says more")
    parser.add_argument("--ptx", metavar="CC", help="only compile to PTX for this capability")
    parser.add_argument("--ptx-file", help="and write the PTX here")
    args = parser.parse_args()
    if args.ptx:
        compile_ptx(args.ptx, args.ptx_file)
        return
    cuda = gpu.cuda_module()
    print(f"device: {getattr(cuda.get_current_device(), 'name', 'the simulator')!r}")
    t0 = time.perf_counter()
    every = tuple(f"every:{n}" for n in range(1, args.schedules + 1))
    grid = bench_grid(args.assets, args.bars, args.bands, every)
    n_conf = args.bands * args.schedules
    print(f"grid: {n_conf:,} configurations ({args.bands} bands × {args.schedules} schedules) "
          f"× {args.assets} assets × {args.bars:,} bars, built in {time.perf_counter() - t0:.1f} s")
    t0, few = time.perf_counter(), min(args.bars, 1_000)
    gpu.run_cuda(first_bars(grid, few))
    print(f"first launch (compiles the kernel), {few:,} bars: {time.perf_counter() - t0:.1f} s")
    if args.threads:
        time_block_sizes(grid, [int(t) for t in args.threads.split(",")], args.bars)
        return
    grid, bars = fit_budget(grid, args.bars, args.budget)
    t0 = time.perf_counter()
    stats = gpu.run_cuda(grid)
    seconds = time.perf_counter() - t0
    work = n_conf * args.assets * bars
    print(f"sweep: {seconds:.2f} s wall (transfers included): {n_conf / seconds:,.0f} "
          f"configurations/s, {work / seconds:.3g} asset-bar-configurations/s")
    if args.check:
        check(grid, stats, min(args.check, n_conf))
    if args.cpu_bands:
        cpu_rate(grid, min(args.cpu_bands, args.bands), min(bars, 20_000))


if __name__ == "__main__":
    main()
