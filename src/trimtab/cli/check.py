"""`trimtab check` and `trimtab alerts`: read a snapshot (or the venues), print the analysis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from trimtab.app import check as service
from trimtab.app.inputs import InputError
from trimtab.cli.options import (
    HoldingsOption,
    JournalOption,
    PaperPricesOption,
    PaperStartOption,
    PolicyOption,
    SandboxOption,
    TradesOption,
    VenueOption,
    fail,
    policy_path,
    print_json,
    upcoming_contribution,
    venue_failure,
    venue_options,
)
from trimtab.reports.documents import check_document, lots_document
from trimtab.reports.plans import contribution_document, contribution_line
from trimtab.reports.tables import alert_table, render_check
from trimtab.reports.tax import lots_table
from trimtab.reports.terminal import terminal
from trimtab.venues.errors import VenueError

if TYPE_CHECKING:
    from trimtab.app.wiring import Options

app = typer.Typer()


@app.command()
def check(
    policy: PolicyOption = None,
    snapshot: Annotated[Path | None, typer.Option(
        "--snapshot", "-s", help="Snapshot file (JSON): balances per venue and wallet, "
        "futures positions, prices and funding rates. Without it, a snapshot is taken from "
        "the venues (TRIMTAB_VENUES, else the paper exchange).", dir_okay=False)] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON object (weights are fractions) instead of tables.")
    ] = False,
    deposit: Annotated[float, typer.Option(
        help="Plan how to spread this many quote units of new money, buying only "
        "underweight assets when that keeps every band.", min=0)] = 0.0,
    withdraw: Annotated[float, typer.Option(
        help="Plan how to raise this many quote units, selling only overweight assets "
        "when that keeps every band.", min=0)] = 0.0,
    venue: VenueOption = None,
    journal: JournalOption = None,
    paper_prices: PaperPricesOption = None,
    paper_start: PaperStartOption = None,
    holdings: HoldingsOption = None,
    sandbox: SandboxOption = False,
    trades: TradesOption = None,
) -> None:
    """Weights vs bands, triggers, alert prices and the orders that correct the drift.

    Shows each asset's weight against its target and band, the triggers that
    fired, the alert prices to set on an exchange, and the exact orders (with
    fees and slippage) that bring the portfolio back, plus the hedge
    alternative for each overweight. Nothing is sent anywhere: check only reads.
    Exit status: 0 when the check ran (triggered or not), 1 when a venue failed, 2 for
    invalid input.
    """
    if deposit and withdraw:
        fail("--deposit and --withdraw: give one of them, not both")
    path = policy_path(policy)
    source = str(snapshot)
    try:
        if snapshot is not None:  # a file needs no venue: ccxt and SQLAlchemy stay unimported
            result = service.check(path, snapshot, deposit - withdraw, trades or ())
        else:
            options = venue_options(path, venue, journal, paper_prices, paper_start, holdings,
                                    sandbox=sandbox)
            source = _venues_line(options)
            result = service.check_venues(options, deposit - withdraw, trades or ())
    except InputError as exc:
        fail(str(exc))
    except VenueError as exc:
        venue_failure(str(exc))
    upcoming = upcoming_contribution(result.policy, result.snapshot.as_of)
    if as_json:
        doc = check_document(result.analysis, result.plan)
        doc["next_contribution"] = contribution_document(upcoming)
        print_json(doc)
        return
    console = terminal()
    console.print(Text.assemble(("trimtab check", "bold"), f" — {source} at "
                                f"{result.snapshot.as_of.isoformat()}, policy {path}"),
                  highlight=False)
    render_check(console, result.analysis, result.plan)
    if (line := contribution_line(upcoming, result.policy.quote)) is not None:
        console.print(line, highlight=False)


def _venues_line(options: Options) -> str:
    """Where a venue snapshot came from; the paper exchange says whose prices it uses."""
    names = ", ".join(options.venues)
    return (f"{names} (paper prices {options.paper_prices})" if "paper" in options.venues
            else names)


@app.command()
def alerts(
    policy: PolicyOption = None,
    snapshot: Annotated[Path | None, typer.Option(
        "--snapshot", "-s", help="Snapshot file (JSON). Without it, a snapshot is taken from "
        "the venues (the paper exchange by default).", dir_okay=False)] = None,
    venue: VenueOption = None,
    journal: JournalOption = None,
    paper_prices: PaperPricesOption = None,
    paper_start: PaperStartOption = None,
    holdings: HoldingsOption = None,
    sandbox: SandboxOption = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Alert prices to set on an exchange: where each asset would leave its band.

    For every asset, "alert low" and "alert high" are the prices at which its
    weight would reach the bottom or the top of its band with every other price
    held. Set them as price alerts on the exchange to hear about a breach even
    when trimtab is not running.
    """
    path = policy_path(policy)
    try:
        result = (service.check(path, snapshot) if snapshot is not None
                  else service.check_venues(venue_options(path, venue, journal, paper_prices,
                                                          paper_start, holdings,
                                                          sandbox=sandbox)))
    except InputError as exc:
        fail(str(exc))
    except VenueError as exc:
        venue_failure(str(exc))
    rows = [{"asset": a.asset, "price": a.price, "weight": a.weight, "low": a.band.low,
             "high": a.band.high, "alert_low": a.alert_low, "alert_high": a.alert_high}
            for a in result.analysis.assets if a.asset != result.policy.quote]
    if as_json:
        print_json({"as_of": result.snapshot.as_of.isoformat(),
                    "quote": result.policy.quote, "alerts": rows})
        return
    terminal().print(alert_table(result.analysis))


@app.command()
def lots(
    policy: PolicyOption = None,
    trades: TradesOption = None,
    journal: Annotated[str | None, typer.Option(
        "--journal", help="Add the fills trimtab itself journaled (SQLAlchemy URL; only "
        "read, so it must exist).",
        metavar="URL")] = None,
    snapshot: Annotated[Path | None, typer.Option(
        "--snapshot", "-s", help="Snapshot whose prices value the lots (unrealised gain).",
        dir_okay=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Open lots per asset: units, cost basis and unrealised gain.

    Lots come from the trade files (--trades and the policy's [tax] trades; and the
    journal's own fills with --journal) replayed under the method of the policy's tax table
    (FIFO by default); transfers move lots between venues without realising
    anything. Exit status 0, or 2 for invalid input (the row is named).
    """
    try:
        result = service.lots(policy_path(policy), trades or [], snapshot, journal)
    except InputError as exc:
        fail(str(exc))
    if as_json:
        print_json(lots_document(result.ledger, result.prices))
        return
    terminal().print(lots_table(result.ledger, result.prices, result.quote))
