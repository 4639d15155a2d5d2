"""`trimtab rebalance` and `trimtab journal`: thin commands over the rebalance service."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trimtab.app import rebalance as service
from trimtab.app.history import recent_plans, watch_checks
from trimtab.app.inputs import InputError
from trimtab.app.wiring import DEFAULT_PAPER_PRICES, PAPER, Options
from trimtab.cli.options import JournalOption, PolicyOption, busy, fail, venue_failure
from trimtab.domain.analysis.drift import Analysis
from trimtab.execution.lease import LeaseBusy
from trimtab.execution.outcome import Execution
from trimtab.execution.states import PlanStatus
from trimtab.journal.opening import open_journal
from trimtab.journal.store import Journal, JournalError
from trimtab.reports.rebalance import (
    before_after_table,
    execution_table,
    journal_document,
    rebalance_document,
    render_journal,
)
from trimtab.reports.tables import render_check
from trimtab.venues.errors import VenueError

app = typer.Typer()


@app.command()
def rebalance(
    policy: PolicyOption,
    venue: Annotated[list[str] | None, typer.Option(
        "--venue", help="Venue to snapshot and trade: `paper` (the default, a dry-run "
        "exchange kept in the journal) or a ccxt exchange id with keys in "
        "TRIMTAB_<VENUE>_API_KEY/_SECRET/_PASSWORD or the keyring. Repeatable.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Execute without asking.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Plan and journal the plan; send nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    journal: JournalOption = None,
    paper_prices: Annotated[str, typer.Option(
        help="Paper prices: history:YYYY-MM-DD (bundled daily closes 2023-01-01…2025-02-10), "
        "live:EXCHANGE (a ccxt venue's tickers) or a JSON file {as_of, prices}.")
    ] = DEFAULT_PAPER_PRICES,
    paper_start: Annotated[Path | None, typer.Option(
        help="JSON {asset: amount} deposited into an empty paper account.",
        dir_okay=False)] = None,
    holdings: Annotated[Path | None, typer.Option(
        help="JSON {asset: amount} held off-exchange (the wallet): weighed, never traded.",
        dir_okay=False)] = None,
) -> None:
    """Snapshot the venues, plan the correction, confirm, execute exactly once, journal it.

    Every order gets a client order id from its plan and leg and is journaled
    before it is sent; unresolved orders from an earlier run are reconciled
    first. The kill switch (TRIMTAB_KILL_SWITCH, or the file named by
    TRIMTAB_KILL_FILE) stops execution before the next order. Exit status: 0
    when the run completed or had nothing to do, 1 when execution stopped or
    was refused, 2 for invalid input.
    """
    options = Options(policy, tuple(venue or [PAPER]), journal, paper_prices, paper_start,
                      holdings, dry_run)
    console = Console(stderr=as_json)
    try:
        prepared = service.prepare(options, console.print)
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


def _check(opened: Journal) -> None:
    from trimtab.journal.checking import check_journal

    problems = check_journal(opened)
    for problem in problems:
        sys.stdout.write(f"{problem}\n")
    if problems:
        raise typer.Exit(1)
    sys.stdout.write("journal sound: database intact, every status, order and amount valid\n")
    raise typer.Exit(0)


def _confirm(count: int) -> bool:
    if not sys.stdin.isatty():
        fail("confirmation needed: run in a terminal, or pass --yes (or set mode = \"auto\")")
    return typer.confirm(f"Send these {count} orders?", default=False)


def _finish(console: Console, as_json: bool, plan_id: str, status: PlanStatus,
            run: Execution | None, refused: list[str], after: Analysis | None) -> None:
    if as_json:
        sys.stdout.write(json.dumps(rebalance_document(plan_id, status, run, refused, after),
                                    indent=2, default=str) + "\n")
        return
    for reason in refused:
        console.print(f"[bold red]refused:[/] {reason}", highlight=False)
    if run is not None and run.stop is not None:
        console.print(f"[bold red]stopped:[/] {run.stop}", highlight=False)
    console.print(f"plan {plan_id}: {status.replace('_', ' ')}")


@app.command("journal")
def journal_command(
    action: Annotated[str | None, typer.Argument(
        help="`check`: verify the journal (SQLite's integrity, then trimtab's invariants); "
        "exit 0 when sound, 1 with one line per problem.")] = None,
    journal: JournalOption = None,
    limit: Annotated[int, typer.Option(help="How many recent plans (or checks).", min=1)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    watch: Annotated[bool, typer.Option(
        "--watch", help="The watch history instead: checks, what fired, what was notified, "
        "what was decided.")] = False,
) -> None:
    """Recent plans, newest first, with their orders and the reasons runs stopped."""
    if action not in (None, "check"):
        fail(f"journal: unknown action '{action}'; the only one is `check`")
    try:
        opened = open_journal(journal)
        if action == "check":
            _check(opened)
        if watch:
            from trimtab.reports.watch import render_watch_history, watch_document
            checks = watch_checks(opened, limit)
            if as_json:
                sys.stdout.write(json.dumps(watch_document(checks), indent=2) + "\n")
            else:
                render_watch_history(Console(), checks)
            return
        recent = recent_plans(opened, limit)
    except JournalError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(journal_document(recent), indent=2, default=str) + "\n")
        return
    render_journal(Console(), recent)
