"""What `trimtab backtest` does, without the command line: load, run, measure.

Bad input (a policy, a data file, a schedule, an asset the data lacks)
becomes one `InputError` with a one-line message, as everywhere in trimtab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from trimtab.app.inputs import InputError, load_policy
from trimtab.backtest.data.files import DataError, bundled_prices, load_prices
from trimtab.backtest.engine import BacktestResult, run_backtest
from trimtab.backtest.gpu import Array, Device, DeviceError, cuda_module, run_cuda
from trimtab.backtest.inputs import BacktestError
from trimtab.backtest.metrics import bars_per_year, figures, futures_figures, premium
from trimtab.backtest.overlay import Overlay
from trimtab.backtest.schedule import Schedule, ScheduleError
from trimtab.backtest.statistics import benchmark_figures, statistics, time_weighted
from trimtab.backtest.tax import tax_figures
from trimtab.domain.policy import Policy
from trimtab.domain.tax.settings import TaxSettings

if TYPE_CHECKING:
    from trimtab.backtest.sweep import Grid


@dataclass(frozen=True, slots=True)
class BacktestReport:
    """A backtest's result and its figures, ready for JSON, tables and charts."""

    policy: Policy
    result: BacktestResult
    document: dict[str, Any]
    benchmark: pd.Series | None = None  # the benchmark's closes over the run's bars


def load_data(data_path: Path | None, fill_limit: int = 0) -> pd.DataFrame:
    """The user's closes, or the bundled daily history when no file is given.

    A `ccxt:...` argument fetches (and caches) candles from an exchange: ccxt_data.py.
    """
    try:
        if data_path is not None and str(data_path).startswith("ccxt:"):
            from trimtab.backtest.data.ccxt import load_ccxt

            return load_ccxt(str(data_path), fill_limit)
        return bundled_prices() if data_path is None else load_prices(data_path, fill_limit)
    except DataError as exc:
        raise InputError(str(exc)) from None


def parse_schedule(text: str) -> Schedule:
    try:
        return Schedule.parse(text)
    except ScheduleError as exc:
        raise InputError(f"--schedule: {exc}") from None


def default_schedule(policy: Policy) -> str:
    """What `trimtab watch` would do: bands at every bar, plus the policy's `[[schedules]]`."""
    return "none+policy" if policy.schedules else "none"


def backtest(policy_path: Path, data_path: Path | None = None, capital: float = 10_000.0,
             schedule: str | None = None, use_band: bool = True, fill_limit: int = 0,
             futures: str | None = None, futures_band: float | None = None,
             benchmark: str | None = None) -> BacktestReport:
    """Replay the policy over the data and measure it against holding and a benchmark.

    `schedule` defaults to `default_schedule(policy)`. `futures`
    (`ASSET:MULTIPLE,...`) adds the perpetual overlay (overlay.py);
    `futures_band` resizes it to target when a multiple leaves its band.
    `benchmark` names a column of the data (default BTC when the data has it;
    `none` for no benchmark).
    """
    policy = load_policy(policy_path)
    prices = load_data(data_path, fill_limit)
    closes = benchmark_closes(prices, benchmark)
    try:
        overlay = None if futures is None else Overlay.parse(futures, futures_band)
    except BacktestError as exc:
        raise InputError(str(exc)) from None
    looks = parse_schedule(schedule or default_schedule(policy))
    try:
        result = run_backtest(prices, policy, capital, looks, use_band, overlay=overlay)
    except ScheduleError as exc:
        raise InputError(f"--schedule: {exc}") from None
    except BacktestError as exc:
        raise InputError(f"{data_path or 'bundled data'}: {exc}") from None
    return BacktestReport(policy, result,
                          document(result, capital, data_path, policy.tax, closes), closes)


def benchmark_closes(prices: pd.DataFrame, name: str | None) -> pd.Series | None:
    """The benchmark column: `name`, else BTC when the data has it; None for `none`."""
    if name is None:
        return prices["BTC"].rename("BTC") if "BTC" in prices.columns else None
    if name.lower() == "none":
        return None
    if name not in prices.columns:
        raise InputError(f"--benchmark: the data has no column '{name}'; choose one of "
                         f"{', '.join(map(str, prices.columns))} or none")
    return prices[name].rename(name)


def document(result: BacktestResult, capital: float, data_path: Path | None,
             tax: TaxSettings | None = None,
             benchmark: pd.Series | None = None) -> dict[str, Any]:
    """The JSON object `trimtab backtest --json` prints (with `tax` when the policy has [tax])."""
    ours = figures(result.policy.stats, result.index, capital, result.policy.flows)
    hold = figures(result.hold.stats, result.index, capital, result.hold.flows)
    if result.policy.units is not None:  # a recorded run: the statistics of its curves
        _add_statistics(result, ours, hold, benchmark)
    if result.overlay is not None and result.policy.futures is not None:
        ours["futures"] = futures_figures(result.policy.futures, result.overlay.assets,
                                          result.overlay.target, result.overlay.fparams)
        hold["futures"] = futures_figures(result.hold.futures, result.overlay.assets,
                                          result.overlay.target, result.overlay.fparams)
    extra = premium(ours, hold)
    if tax is not None:
        ours["tax"] = tax_figures(result.policy.units, result.inputs, ours["final_value"], tax)
        hold["tax"] = tax_figures(result.hold.units, result.inputs, hold["final_value"], tax)
        if ours["tax"] is not None and hold["tax"] is not None:
            extra["after_tax_final_value"] = (ours["tax"]["after_tax_final_value"]
                                              - hold["tax"]["after_tax_final_value"])
    return {
        **ours,
        "hold": hold,
        "benchmark": None if benchmark is None else benchmark_figures(
            benchmark.reindex(result.index), capital, bars_per_year(result.index)),
        "premium": extra,
        "capital": capital,
        "start": result.index[0].isoformat(),
        "end": result.index[-1].isoformat(),
        "bars": len(result.index),
        "assets": list(result.inputs.assets),
        "schedule": result.schedule.name,
        "band": result.use_band,
        "data": str(data_path) if data_path else "bundled",
    }


def _add_statistics(result: BacktestResult, ours: dict[str, Any], hold: dict[str, Any],
                    benchmark: pd.Series | None) -> None:
    """Figures of the recorded curves, time-weighted: a contribution is not a return."""
    per_year = bars_per_year(result.index)
    others = {} if benchmark is None else {str(benchmark.name): benchmark}
    held = time_weighted(result.hold.equity, result.hold.flows)
    for doc, run, against in ((ours, result.policy, {"hold": held, **others}),
                              (hold, result.hold, others)):
        doc.update(statistics(time_weighted(run.equity, run.flows), per_year, doc["turnover"],
                              doc["fees"] + doc["slippage"], against, run.equity))


@dataclass(frozen=True, slots=True)
class SweepReport:
    """Figures for every band × schedule, and holding for reference."""

    table: pd.DataFrame
    hold: dict[str, Any]


def sweep(policy_path: Path, data_path: Path | None, capital: float, bands: str,
          schedules: str, scheduler: str | None = None, fill_limit: int = 0,
          progress: Callable[[int, int], Callable[[int], None]] | None = None,
          device: Device = Device.CPU) -> SweepReport:
    """Every band of `bands` × every schedule of `schedules` (see sweep.py for the syntax).

    `progress(total)` may return a callback that is told how many
    configurations each finished step covered. `device` CUDA runs the grid on
    the GPU (gpu.py), checked before anything is loaded.
    """
    from trimtab.backtest import sweep as sw

    if device is Device.CUDA:
        _check_gpu(scheduler)
    policy = load_policy(policy_path)
    policy = policy.model_copy(update={"contributions": ()})  # the grid runs without flows
    prices = load_data(data_path, fill_limit)
    try:
        choices = sw.parse_bands(bands)
        plan = [parse_schedule(s) for s in schedules.split(",") if s.strip()]
        grid = sw.build_grid(prices, policy, capital, choices, plan)
        hold = run_backtest(prices, policy, capital, record=False).hold
    except ScheduleError as exc:
        raise InputError(f"--schedules: {exc}") from None
    except (sw.SweepError, BacktestError) as exc:
        raise InputError(str(exc)) from None
    chunk = max(1, min(8, len(choices)))
    tick = progress(len(choices), len(plan)) if progress else None
    if device is Device.CUDA:
        stats = _run_gpu(grid, tick)
    else:
        stats = (sw.run_dask(grid, chunk, scheduler, tick) if scheduler
                 else sw.run_local(grid, chunk, tick))
    index = pd.DatetimeIndex(prices.index)
    return SweepReport(sw.table(stats, choices, plan, index, capital),
                       figures(hold.stats, index, capital))


def _check_gpu(scheduler: str | None) -> None:
    if scheduler:
        raise InputError("--device cuda runs the grid on this machine's GPU; leave out "
                         "--scheduler (or --device)")
    try:
        cuda_module()
    except DeviceError as exc:
        raise InputError(str(exc)) from None


def _run_gpu(grid: Grid, tick: Callable[[int], None] | None) -> Array:
    try:
        stats = run_cuda(grid)
    except DeviceError as exc:
        raise InputError(str(exc)) from None
    if tick:
        tick(stats.shape[0])
    return stats
