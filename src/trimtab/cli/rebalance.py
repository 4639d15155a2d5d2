"""`trimtab rebalance`: a thin command over the rebalance service."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from trimtab.app import rebalance as service
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
    busy,
    fail,
    policy_path,
    print_json,
    venue_failure,
    venue_options,
)
from trimtab.domain.analysis.drift import Analysis
from trimtab.execution.lease import LeaseBusy
from trimtab.execution.outcome import Execution
from trimtab.execution.states import PlanStatus
from trimtab.reports.rebalance import (
    before_after_table,
    execution_table,
    rebalance_document,
)
from trimtab.reports.tables import render_check
from trimtab.reports.terminal import terminal
from trimtab.venues.errors import VenueError

app = typer.Typer()


@app.command()
def rebalance(
    policy: PolicyOption = None,
    venue: VenueOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Execute without asking.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Plan and journal the plan; send nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    journal: JournalOption = None,
    paper_prices: PaperPricesOption = None,
    paper_start: PaperStartOption = None,
    holdings: HoldingsOption = None,
    sandbox: SandboxOption = False,
    deposit: Annotated[float, typer.Option(
        help="Quote units just deposited on a venue (the paper exchange is credited): invest "
        "them buying only underweight assets when that keeps every band.", min=0)] = 0.0,
    withdraw: Annotated[float, typer.Option(
        help="Quote units to raise for a withdrawal, selling only overweight assets when "
        "that keeps every band; the money stays on the venue for you to withdraw.",
        min=0)] = 0.0,
    trades: TradesOption = None,
) -> None:
    """Snapshot the venues, plan the correction, confirm, execute exactly once, journal it.

    Every order gets a client order id from its plan and leg and is journaled
    before it is sent; unresolved orders from an earlier run are reconciled
    first. The kill switch (TRIMTAB_KILL_SWITCH, or the file named by
    TRIMTAB_KILL_FILE) stops execution before the next order. Exit status: 0
    when the run completed or had nothing to do, 1 when execution stopped or
    was refused, 2 for invalid input.
    """
    options = venue_options(policy_path(policy), venue, journal, paper_prices, paper_start,
                            holdings, dry_run=dry_run, sandbox=sandbox)
    if deposit and withdraw:
        fail("--deposit and --withdraw: give one of them, not both")
    console = terminal(stderr=as_json)
    try:
        prepared = service.prepare(options, console.print, deposit - withdraw, trades or ())
    except InputError as exc:
        fail(str(exc))
    except VenueError as exc:
        venue_failure(str(exc))
    except LeaseBusy as exc:
        busy(str(exc))
    try:
        _run(console, as_json, prepared, yes)
    finally:
        service.release(prepared)


def _run(console: Console, as_json: bool, prepared: service.Prepared, yes: bool) -> None:
    """Show the plan, confirm it if needed, execute it: all under the account's lease."""
    refused = [*map(str, prepared.plan.refused), *prepared.problems]
    if not as_json:
        render_check(console, prepared.analysis, prepared.plan)
    if prepared.status is not PlanStatus.PLANNED:
        _finish(console, as_json, prepared.plan_id, prepared.status, None, refused, None)
        raise typer.Exit(1 if prepared.status is PlanStatus.REFUSED else 0)
    if not (yes or prepared.policy.mode == "auto" or _confirm(len(prepared.plan.orders))):
        service.decline(prepared)
        _finish(console, as_json, prepared.plan_id, PlanStatus.DECLINED, None, [], None)
        return
    _execute(console, as_json, prepared)


def _execute(console: Console, as_json: bool, prepared: service.Prepared) -> None:
    """Send the confirmed plan, then show what was done and where the portfolio stands."""
    execution = service.execute(prepared)
    try:
        after = service.after(prepared)
    except VenueError as exc:
        venue_failure(str(exc))
    if not as_json:
        console.print(execution_table(execution))
        console.print(before_after_table(prepared.analysis, after))
    status = PlanStatus(prepared.journal.plan(prepared.plan_id).status)  # done, stopped, failed
    _finish(console, as_json, prepared.plan_id, status, execution, [], after)
    if execution.stop:
        raise typer.Exit(1)


def _confirm(count: int) -> bool:
    if not sys.stdin.isatty():
        fail("confirmation needed: run in a terminal, or pass --yes (or set mode = \"auto\")")
    return typer.confirm(f"Send these {count} orders?", default=False)


def _finish(console: Console, as_json: bool, plan_id: str, status: PlanStatus,
            run: Execution | None, refused: list[str], after: Analysis | None) -> None:
    if as_json:
        print_json(rebalance_document(plan_id, status, run, refused, after))
        return
    for reason in refused:
        console.print(Text.assemble(("refused:", "bold red"), f" {reason}"), highlight=False)
    if run is not None and run.stop is not None:
        console.print(Text.assemble(("stopped:", "bold red"), f" {run.stop}"), highlight=False)
    console.print(f"plan {plan_id}: {status.replace('_', ' ')}")
