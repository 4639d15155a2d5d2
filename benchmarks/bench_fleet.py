"""Time the fleet check: one price tick against P portfolios × A assets (issue 16).

Builds random arrays directly (building them from policies is done once per
portfolio, not per tick, and is not timed), compiles the kernel, then times
`fleet_check` with its output arrays reused, as a watcher would. Prints wall
and CPU time (the kernel runs on every core numba is given: CPU time is the
sum over threads), medians of --repeat.

    python benchmarks/bench_fleet.py --portfolios 10000 --assets 20 --repeat 21
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from trimtab.fleet.kernel import fleet_check


def arrays(n_p: int, n_a: int, n_s: int, seed: int) -> tuple[np.ndarray, ...]:
    """Random holdings near equal weight with ±40 % bands, 3 sleeves, some futures."""
    rng = np.random.default_rng(seed)
    price = rng.uniform(0.1, 50_000.0, n_a)
    units = rng.uniform(0.5, 1.5, (n_p, n_a)) / price
    target = 1.0 / n_a
    low, high = np.full((n_p, n_a), 0.6 * target), np.full((n_p, n_a), 1.4 * target)
    alertable = np.ones((n_p, n_a), np.bool_)
    sleeve_of = np.tile(np.arange(n_a) % n_s, (n_p, 1)).astype(np.int64)
    sleeve_low, sleeve_high = np.full((n_p, n_s), 0.8 / n_s), np.full((n_p, n_s), 1.2 / n_s)
    futures_units = np.where(rng.random((n_p, n_a)) < 0.1, units * 2.0, 0.0)
    return (price, units, low, high, alertable, sleeve_of, sleeve_low, sleeve_high,
            futures_units, np.zeros(n_p), np.full(n_p, 2.5))


def outputs(n_p: int, n_a: int, n_s: int) -> tuple[np.ndarray, ...]:
    return (np.zeros((n_p, n_a), np.bool_), np.zeros((n_p, n_s), np.bool_),
            np.empty((n_p, n_a)), np.empty((n_p, n_a)), np.empty(n_p), np.zeros(n_p, np.bool_))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--portfolios", type=int, default=10_000)
    parser.add_argument("--assets", type=int, default=20)
    parser.add_argument("--sleeves", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    inputs = arrays(args.portfolios, args.assets, args.sleeves, seed=1)
    out = outputs(args.portfolios, args.assets, args.sleeves)
    fleet_check(*inputs, *out)  # compile (or load from numba's cache)
    walls, cpus = [], []
    for _ in range(args.repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fleet_check(*inputs, *out)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    n = args.portfolios * args.assets
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"fleet check {args.portfolios} x {args.assets}: wall {wall * 1e3:.2f} ms "
          f"(min {min(walls) * 1e3:.2f}), CPU {cpu * 1e3:.2f} ms, "
          f"{n / wall:.3g} portfolio-assets/s, breaches {int(out[0].sum())}")


if __name__ == "__main__":
    main()
