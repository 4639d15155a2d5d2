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
    snapshot: Annotated[Path, typer.Option(
        "--snapshot", "-s", help="Snapshot file (JSON) with the holdings and prices.",
        dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Alert prices to set on an exchange: where each asset would leave its band.

    For every asset, "alert low" and "alert high" are the prices at which its
    weight would reach the bottom or the top of its band with every other price
    held. Set them as price alerts on the exchange to hear about a breach even
    when trimtab is not running.
    """
    try:
        result = service.check(policy, snapshot)
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


def _register_execution_commands() -> None:
    # in their own module (cli_execution.py), which imports this one's helpers
    from trimtab import cli_execution
    app.command("rebalance")(cli_execution.rebalance)
    app.command("journal")(cli_execution.journal_command)
    from trimtab import cli_watch
    app.command("watch")(cli_watch.watch)
    app.command("approve")(cli_watch.approve)
    app.command("reject")(cli_watch.reject)
    from trimtab import cli_serve
    app.command("serve")(cli_serve.serve)


_register_execution_commands()


@app.callback()
def main() -> None:
    """trimtab: rule-based rebalancing for crypto portfolios."""
