"""The `trimtab` command line: thin commands over the service layer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from trimtab import service
from trimtab.files import InputError
from trimtab.report_json import check_document
from trimtab.report_tables import alert_table, render_check

app = typer.Typer(
    help="trimtab keeps a crypto portfolio at its target allocation: it measures drift "
         "against bands, fires triggers and plans the trades that correct it.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)

PolicyOption = Annotated[Path, typer.Option(
    "--policy", "-p", help="Policy file (TOML): targets, bands, costs, futures limits. "
    "See examples/*.toml.", dir_okay=False)]


def fail(message: str) -> NoReturn:
    """One line on stderr and exit status 2: bad input is never a traceback."""
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@app.command()
def check(
    policy: PolicyOption,
    snapshot: Annotated[Path, typer.Option(
        "--snapshot", "-s", help="Snapshot file (JSON): balances per venue and wallet, "
        "futures positions, prices and funding rates.", dir_okay=False)],
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object (weights are fractions) instead of tables.")
    ] = False,
    deposit: Annotated[float, typer.Option(
        help="Plan how to spread this many quote units of new money, buying only "
        "underweight assets when that keeps every band.", min=0)] = 0.0,
    withdraw: Annotated[float, typer.Option(
        help="Plan how to raise this many quote units, selling only overweight assets "
        "when that keeps every band.", min=0)] = 0.0,
) -> None:
    """Weights vs bands, triggers, alert prices and the orders that correct the drift.

    Shows each asset's weight against its target and band, the triggers that
    fired, the alert prices to set on an exchange, and the exact orders (with
    fees and slippage) that bring the portfolio back, plus the hedge
    alternative for each overweight. Nothing is sent anywhere: check only reads the two files.
    Exit status: 0 when the check ran (triggered or not), 2 for invalid input.
    """
    if deposit and withdraw:
        fail("--deposit and --withdraw: give one of them, not both")
    try:
        result = service.check(policy, snapshot, deposit - withdraw)
    except InputError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(check_document(result.analysis, result.plan), indent=2,
                                    default=str) + "\n")
        return
    console = Console()
    console.print(f"[bold]trimtab check[/] — {snapshot} at {result.snapshot.as_of.isoformat()}"
                  f", policy {policy}")
    render_check(console, result.analysis, result.plan)


@app.command()
def alerts(
    policy: PolicyOption,
    snapshot: Annotated[Path | None, typer.Option(
        "--snapshot", "-s", help="Snapshot file (JSON). Without it, a snapshot is taken from "
        "the venues (the paper exchange by default).", dir_okay=False)] = None,
    venue: Annotated[list[str] | None, typer.Option(
        "--venue", help="Venues to snapshot when no --snapshot is given (default paper).")
    ] = None,
    journal: Annotated[str | None, typer.Option(
        "--journal", help="Journal URL (holds the paper account).")] = None,
    paper_prices: Annotated[str, typer.Option(help="Paper prices, as for rebalance.")
                            ] = "history:2025-02-10",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Alert prices to set on an exchange: where each asset would leave its band.

    For every asset, "alert low" and "alert high" are the prices at which its
    weight would reach the bottom or the top of its band with every other price
    held. Set them as price alerts on the exchange to hear about a breach even
    when trimtab is not running.
    """
    try:
        result = (service.check(policy, snapshot) if snapshot is not None
                  else service.check_venues(policy, tuple(venue or ["paper"]), journal,
                                            paper_prices))
    except InputError as exc:
        fail(str(exc))
    rows = [{"asset": a.asset, "price": a.price, "weight": a.weight, "low": a.band.low,
             "high": a.band.high, "alert_low": a.alert_low, "alert_high": a.alert_high}
            for a in result.analysis.assets if a.asset != result.policy.quote]
    if as_json:
        sys.stdout.write(json.dumps({"as_of": result.snapshot.as_of.isoformat(),
                                     "quote": result.policy.quote, "alerts": rows},
                                    indent=2) + "\n")
        return
    Console().print(alert_table(result.analysis))


# Commands defined in this module need neither ccxt, SQLAlchemy nor FastAPI; the venue
# commands do, and importing those costs about a second. They are registered unless the
# command line names one of this module's own commands, so that `trimtab backtest` starts
# fast while `trimtab --help` still lists everything.
LIGHT_COMMANDS = {"check", "alerts", "backtest", "sweep"}


def _register_venue_commands(argv: list[str]) -> None:
    if len(argv) > 1 and argv[1] in LIGHT_COMMANDS:
        return
    from trimtab import cli_execution, cli_serve, cli_watch
    app.command("rebalance")(cli_execution.rebalance)
    app.command("journal")(cli_execution.journal_command)
    app.command("watch")(cli_watch.watch)
    app.command("approve")(cli_watch.approve)
    app.command("reject")(cli_watch.reject)
    app.command("serve")(cli_serve.serve)


_register_venue_commands(sys.argv)


DataOption = Annotated[Path | None, typer.Option(
    "--data", "-d", help="Closes (CSV or Parquet; wide: a time column and one column per "
    "asset, or long: timestamp, asset, close), or candles from an exchange, cached on disk: "
    "ccxt:EXCHANGE:SYM/QUOTE,...:TIMEFRAME:SINCE[..UNTIL] (e.g. "
    "ccxt:binance:BTC/USDT,ETH/USDT:1d:2023-01-01..2024-12-31; columns named by base). "
    "Default: the bundled daily history.",
    dir_okay=False)]
ScheduleOption = Annotated[str, typer.Option(
    help="When the rule looks: none (every bar), weekly, monthly, quarterly or every:N bars.")]
CapitalOption = Annotated[float, typer.Option(help="Starting cash in the quote currency.",
                                             min=0.01)]
FillOption = Annotated[int, typer.Option(
    "--fill-limit", help="Forward-fill gaps of at most this many bars (default: refuse gaps).",
    min=0)]


@app.command()
def backtest(
    policy: PolicyOption,
    data: DataOption = None,
    capital: CapitalOption = 10_000.0,
    schedule: ScheduleOption = "none",
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
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Replay the policy over price history and compare it with holding.

    Starts with CAPITAL in the quote currency and buys the targets at the first
    bar's close (the first rebalance); then follows the policy's bands, costs and
    rebalance_to at each bar's close. Exit status 0, or 2 for invalid input.
    """
    from trimtab.backtest import service as bt_service

    # a spinner on stderr: the first run after installing compiles the kernel (~15 s)
    with Console(stderr=True).status("backtesting (the first run compiles the kernel)"):
        try:
            report = bt_service.backtest(policy, data, capital, schedule, not calendar,
                                         fill_limit, futures, futures_band)
        except InputError as exc:
            fail(str(exc))
    if charts is not None:
        from trimtab.backtest.charts import write_charts

        write_charts(report.result, charts, f"{policy.name} on {report.document['data']}")
    if as_json:
        sys.stdout.write(json.dumps(report.document, indent=2) + "\n")
        return
    from trimtab.backtest.report import render_backtest

    render_backtest(Console(), report.document)


@app.command()
def sweep(
    policy: PolicyOption,
    data: DataOption = None,
    capital: CapitalOption = 10_000.0,
    bands: Annotated[str, typer.Option(
        help="Band grid: kind:start..stop:step or kind:width (kind relative or absolute), "
        "or off (trade at every look), comma-separated.")] = "off,relative:0.05..0.50:0.05",
    schedules: Annotated[str, typer.Option(
        help="Comma-separated schedules: none (every bar), weekly, monthly, quarterly, "
        "every:N.")] = "none,weekly,monthly,quarterly",
    metric: Annotated[str, typer.Option(help="Figure to rank by and map: sharpe, cagr, "
                                        "final_value, max_drawdown, ...")] = "sharpe",
    scheduler: Annotated[str | None, typer.Option(
        help="dask scheduler address, or 'local' for a local dask cluster; default: numba "
        "threads in this process.")] = None,
    fill_limit: FillOption = 0,
    heatmap: Annotated[Path | None, typer.Option(
        help="Write sweep.png and sweep.html (heatmap of --metric) and sweep.csv here.",
        file_okay=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Backtest every band width × schedule and rank them against holding.

    With a band, a schedule's look trades only when the band is breached (none:
    threshold rebalancing; monthly: the opportunistic hybrid); with `off` every
    look trades (calendar rebalancing). Exit status 0, or 2 for invalid input.
    """
    from trimtab.backtest import service as bt_service
    from trimtab.backtest.report import progress_bar, render_sweep

    with progress_bar(enabled=not as_json) as start:
        try:
            report = bt_service.sweep(policy, data, capital, bands, schedules, scheduler,
                                      fill_limit, start)
        except InputError as exc:
            fail(str(exc))
    if metric not in report.table.columns:
        fail(f"--metric: unknown figure '{metric}'; choose one of "
             f"{', '.join(c for c in report.table.columns if c not in ('band', 'schedule'))}")
    if heatmap is not None:
        from trimtab.backtest.charts import write_heatmap

        write_heatmap(report.table, heatmap, metric)
    if as_json:
        rows = report.table.to_dict(orient="records")
        sys.stdout.write(json.dumps({"configs": rows, "hold": report.hold}, indent=2) + "\n")
        return
    render_sweep(Console(width=max(Console().width, 120)), report.table, report.hold, metric)


@app.callback()
def main() -> None:
    """trimtab: rule-based rebalancing for crypto portfolios."""
