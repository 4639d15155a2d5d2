"""`trimtab backtest` and `trimtab sweep`: the policy replayed over price history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

import typer

from trimtab.app.inputs import InputError
from trimtab.backtest.gpu import Device
from trimtab.cli.options import PolicyOption, fail, policy_path, print_json, require_backtest_extra
from trimtab.reports.terminal import terminal

app = typer.Typer()

DataOption = Annotated[Path | None, typer.Option(
    "--data", "-d", help="Closes (CSV or Parquet; wide: a time column and one column per "
    "asset, or long: timestamp, asset, close), or candles from an exchange, cached on disk: "
    "ccxt:EXCHANGE:SYM/QUOTE,...:TIMEFRAME:SINCE[..UNTIL] (e.g. "
    "ccxt:binance:BTC/USDT,ETH/USDT:1d:2023-01-01..2024-12-31; columns named by base). "
    "Default: the bundled daily history.",
    dir_okay=False)]
ScheduleOption = Annotated[str | None, typer.Option(
    help="When the rule looks: none (every bar), every:N bars, daily, weekly (Mondays), "
    "monthly, quarterly, 'cron:0 8 * * 1' (UTC), or policy: the policy's own schedules "
    "(a review looks, a rebalance trades whatever the band); join several with +. "
    "Default: none+policy when the policy has schedules (what trimtab watch does: bands "
    "at every bar plus the scheduled rebalances), else none.")]
CapitalOption = Annotated[float, typer.Option(help="Starting cash in the quote currency.",
                                             min=0.01, max=1e15)]  # inf printed Infinity
FillOption = Annotated[int, typer.Option(
    "--fill-limit", help="Forward-fill gaps of at most this many bars (default: refuse gaps).",
    min=0)]


@app.command()
def backtest(
    policy: PolicyOption = None,
    data: DataOption = None,
    capital: CapitalOption = 10_000.0,
    schedule: ScheduleOption = None,
    calendar: Annotated[bool, typer.Option(
        "--calendar", help="Trade at every look whatever the band (calendar rebalancing); "
        "by default a look trades only when a band is breached.")] = False,
    fill_limit: FillOption = 0,
    futures: Annotated[str | None, typer.Option(
        help="Futures overlay: perpetual positions as signed multiples of spot value, "
        "ASSET:MULTIPLE,... (BTC:1.0,ETH:-0.5 = long BTC 1× spot value, short ETH 0.5×), "
        "opened at the first bar, funding from the bundled Binance history (BTC, ETH). "
        "The policy's futures.max_multiple is the leverage trigger: gross notional above it "
        "is cut back to it.")] = None,
    futures_band: Annotated[float | None, typer.Option(
        "--futures-band", help="Resize the overlay to its multiples at a look when one "
        "leaves target × (1 ± this); 0 = at every look. Default: hold the contracts "
        "(only the leverage trigger trades them).", min=0)] = None,
    charts: Annotated[Path | None, typer.Option(
        help="Write backtest.png and backtest.html (equity vs hold, weights and bands, "
        "drawdown) into this folder.", file_okay=False)] = None,
    benchmark: Annotated[str | None, typer.Option(
        help="A column of the data to measure against next to holding (tracking error, "
        "information ratio); default BTC when the data has it; 'none' for none.")] = None,
    export: Annotated[Path | None, typer.Option(
        help="Write equity, weights and trades as CSV and Parquet into this folder.",
        file_okay=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    warm: Annotated[bool, typer.Option(
        "--warm", help="Only compile the numba kernels into numba's on-disk cache (what the "
        "first run after installing does, about 15 s), then exit.")] = False,
) -> None:
    """Replay the policy over price history and compare it with holding.

    Starts with CAPITAL in the quote currency and buys the targets at the first
    bar's close (the first rebalance); then follows the policy's bands, costs,
    rebalance_to and schedules at each bar's close. Exit status 0, or 2 for
    invalid input.
    """
    require_backtest_extra("backtest")
    from trimtab.backtest import service as bt_service

    if warm:
        _warm()
        return
    with kernel_status("backtesting"):
        try:
            path = policy_path(policy)
            report = bt_service.backtest(path, data, capital, schedule, not calendar,
                                         fill_limit, futures, futures_band, benchmark)
        except InputError as exc:
            fail(str(exc))
    if export is not None:
        from trimtab.backtest.export import export as write_export

        write_export(report.result, export, report.benchmark)
    if charts is not None:
        from trimtab.reports.charts import write_charts

        try:
            write_charts(report.result, charts, f"{path.name} on {report.document['data']}",
                         report.benchmark)
        except OSError as exc:
            fail(f"--charts: cannot write to {charts} ({exc.strerror or exc})")
    if as_json:
        print_json(report.document)
        return
    from trimtab.reports.backtest import render_backtest

    render_backtest(terminal(), report.document)


@app.command()
def sweep(
    policy: PolicyOption = None,
    data: DataOption = None,
    capital: CapitalOption = 10_000.0,
    bands: Annotated[str, typer.Option(
        help="Band grid: kind:start..stop:step or kind:width (kind relative or absolute), "
        "or off (trade at every look), comma-separated.")] = "off,relative:0.05..0.50:0.05",
    schedules: Annotated[str, typer.Option(
        help="Comma-separated schedules, each as --schedule of backtest: none (every bar), "
        "every:N, daily, weekly, monthly, quarterly, cron:EXPR, policy, or parts joined "
        "with +.")] = "none,weekly,monthly,quarterly",
    metric: Annotated[str, typer.Option(help="Figure to rank by and map: sharpe, cagr, "
                                        "final_value, max_drawdown, fees, ...; each ranks in "
                                        "its good direction (fees: lowest first).")] = "sharpe",
    scheduler: Annotated[str | None, typer.Option(
        help="dask scheduler address, or 'local' for a local dask cluster; default: numba "
        "threads in this process.")] = None,
    fill_limit: FillOption = 0,
    heatmap: Annotated[Path | None, typer.Option(
        help="Write sweep.png and sweep.html (heatmap of --metric) and sweep.csv here.",
        file_okay=False)] = None,
    device: Annotated[Device, typer.Option(
        help="cpu: numba threads (or --scheduler's dask workers); cuda: one NVIDIA GPU "
        "thread per configuration, the same statistics (needs trimtab's gpu extra and "
        "the NVIDIA driver).")] = Device.CPU,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Backtest every band width × schedule and rank them against holding.

    With a band, a schedule's look trades only when the band is breached (none:
    threshold rebalancing; monthly: the opportunistic hybrid); with `off` every
    look trades (calendar rebalancing). Exit status 0, or 2 for invalid input.
    """
    require_backtest_extra("sweep")
    from trimtab.backtest import service as bt_service
    from trimtab.reports.backtest import progress_bar, render_sweep

    with progress_bar(enabled=not as_json) as start, kernel_status(None):
        try:
            path = policy_path(policy)
            report = bt_service.sweep(path, data, capital, bands, schedules, scheduler,
                                      fill_limit, start, device)
        except InputError as exc:
            fail(str(exc))
    from trimtab.backtest.ranking import numeric_metrics

    if metric not in numeric_metrics(report.table):
        fail(f"--metric: '{metric}' is not a figure to rank by; choose one of "
             f"{', '.join(numeric_metrics(report.table))}")
    if heatmap is not None:
        from trimtab.reports.heatmap import write_heatmap

        try:
            write_heatmap(report.table, heatmap, metric, report.hold)
        except OSError as exc:
            fail(f"--heatmap: cannot write to {heatmap} ({exc.strerror or exc})")
    if as_json:
        rows = report.table.to_dict(orient="records")
        print_json({"configs": rows, "hold": report.hold})
        return
    render_sweep(terminal(), report.table, report.hold, metric)


@contextmanager
def kernel_status(doing: str | None) -> Iterator[None]:
    """A spinner saying `doing` on stderr (None: none, a progress bar shows), and a line
    there when numba starts compiling the kernels: never an unexplained wait, never a
    word on stdout, where --json writes."""
    from trimtab.backtest.compiling import COMPILING, announce_compilation

    console = terminal(stderr=True)
    with ExitStack() as stack:
        status = stack.enter_context(console.status(doing)) if doing else None

        def compiling() -> None:
            console.print(COMPILING)
            if status is not None:
                status.update(f"{doing}: compiling the kernels first (about 15 s)")

        stack.enter_context(announce_compilation(compiling))
        yield


def _warm() -> None:
    from trimtab.backtest.compiling import warm

    with kernel_status("compiling the backtest kernels ahead"):
        warm()
    terminal(stderr=True).print("The backtest kernels are compiled and in numba's cache.")
