"""Sweeps: every band width × schedule of a policy, batched in the kernel.

Band grids are written `relative:0.05..0.50:0.05` (kind:start..stop:step),
single values `absolute:0.02`, or `off` (no band: trade at every look, i.e.
calendar rebalancing); several are joined with commas. A swept band replaces
the policy's bands (and their overrides) for every asset and sleeve.

The grid runs in `kernel.block.simulate_grid`, which runs blocks of
configurations side by side in one pass over the bars (each bar's prices read
once per block), spreads the blocks over the cores with numba threads and
keeps only summary statistics per configuration: memory is bars × assets for
the prices plus a few numbers per configuration, never configurations × bars.
With a dask scheduler the band grid is cut into chunks and each chunk runs
as one task on a worker, so a sweep that outgrows one machine gets more machines, not more code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
import pandas as pd

from trimtab.backtest.inputs import KernelInputs, build_inputs, policy_bands
from trimtab.backtest.kernel import block
from trimtab.backtest.metrics import figures
from trimtab.backtest.schedule import Schedule
from trimtab.domain.policy import BandSpec, Policy

Array = npt.NDArray[Any]
Progress = Callable[[int], None]


class SweepError(ValueError):
    """A band grid that cannot be parsed."""


@dataclass(frozen=True, slots=True)
class BandChoice:
    """One band of the grid: a label and the rule (None: no band)."""

    label: str
    spec: BandSpec | None


def parse_bands(text: str) -> list[BandChoice]:
    """`relative:0.05..0.5:0.05,absolute:0.02,off` → band choices, in order."""
    out: list[BandChoice] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        out.extend(_band_part(part))
    if not out:
        raise SweepError("--bands: give at least one band, e.g. relative:0.05..0.50:0.05")
    return out


def _band_part(part: str) -> Iterator[BandChoice]:
    if part == "off":
        yield BandChoice("off", None)
        return
    kind, _, widths = part.partition(":")
    if kind not in {"relative", "absolute"} or not widths:
        raise SweepError(f"--bands: '{part}' is not kind:width or kind:start..stop:step "
                         "(kind relative or absolute) or off")
    try:
        values = _widths(widths)
    except ValueError:
        raise SweepError(f"--bands: '{part}' has a width that is not a number") from None
    for width in values:
        if not (math.isfinite(width) and width >= 0):
            raise SweepError(f"--bands: '{part}': a width must be a finite number ≥ 0")
        yield BandChoice(f"{kind}:{width:g}", BandSpec(kind=kind, width=width))


def _widths(text: str) -> list[float]:
    if ".." not in text:
        return [float(text)]
    start, _, rest = text.partition("..")
    stop, _, step = rest.partition(":")
    first, last, inc = float(start), float(stop), float(step or 0.05)
    if inc <= 0 or last < first:
        raise ValueError(text)
    count = int(np.floor((last - first) / inc + 1e-9)) + 1
    return [round(first + i * inc, 10) for i in range(count)]


@dataclass(frozen=True, slots=True)
class Grid:
    """The kernel's arrays for a band × schedule grid."""

    base: KernelInputs
    bands: Array
    sleeve_bands: Array
    use_band: Array
    looks: Array


def build_grid(prices: pd.DataFrame, policy: Policy, capital: float,
               choices: list[BandChoice], schedules: list[Schedule]) -> Grid:
    base = build_inputs(prices, policy, capital)
    rows = [policy_bands(policy, base.assets, c.spec) for c in choices]
    index = pd.DatetimeIndex(prices.index)
    return Grid(base, np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows]),
                np.array([c.spec is not None for c in choices], dtype=np.float64),
                np.stack([s.looks(index, policy.schedules) for s in schedules]))


def run_chunk(grid: Grid, start: int, stop: int) -> Array:
    """Statistics for bands start..stop × every schedule (one dask task, or one local step)."""
    b = grid.base
    return block.simulate_grid(b.held, b.held_cols, grid.looks, grid.bands[start:stop],
                               grid.sleeve_bands[start:stop], grid.use_band[start:stop],
                               b.sleeve_of, b.tradable, b.params, block.BLOCK,
                               numba.get_num_threads())


def run_local(grid: Grid, chunk: int, progress: Progress | None = None) -> Array:
    """The whole grid in this process, numba threads over the configurations."""
    parts = []
    for start in range(0, grid.bands.shape[0], chunk):
        stop = min(start + chunk, grid.bands.shape[0])
        parts.append(run_chunk(grid, start, stop))
        if progress:
            progress(stop - start)
    return np.concatenate(parts)


def run_dask(grid: Grid, chunk: int, scheduler: str, progress: Progress | None = None
             ) -> Array:
    """The grid as dask tasks: `scheduler` is an address, or `local` for a local cluster."""
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=2, threads_per_worker=1)  # type: ignore[no-untyped-call]
    with Client(cluster or scheduler) as client:  # type: ignore[no-untyped-call]
        shared = client.scatter(grid, broadcast=True)
        starts = list(range(0, grid.bands.shape[0], chunk))
        futures = {client.submit(run_chunk, shared, s, min(s + chunk, grid.bands.shape[0])): s
                   for s in starts}
        parts: dict[int, Array] = {}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            parts[futures[future]] = future.result()
            if progress:
                progress(parts[futures[future]].shape[0])
    if cluster is not None:
        cluster.close()
    return np.concatenate([parts[s] for s in starts])


def table(stats: Array, choices: list[BandChoice], schedules: list[Schedule],
          index: pd.DatetimeIndex, capital: float) -> pd.DataFrame:
    """One row of figures per (band, schedule)."""
    rows = []
    for b, choice in enumerate(choices):
        for s, schedule in enumerate(schedules):
            rows.append({"band": choice.label, "schedule": schedule.name,
                         **figures(stats[b, s], index, capital)})
    return pd.DataFrame(rows)
