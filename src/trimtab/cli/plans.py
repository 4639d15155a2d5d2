"""Reading the journal: `trimtab journal`, `trimtab plans` and `trimtab plan show ID`.

These open only the journal (SQLAlchemy), never a venue, so they start fast.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated, NoReturn

import typer

from trimtab.app.history import plan_detail, recent_plans, watch_checks
from trimtab.cli.options import (
    JournalOption,
    PolicyOption,
    fail,
    found_policy,
    print_json,
    upcoming_contribution,
)
from trimtab.journal.opening import NoJournal, open_journal
from trimtab.journal.store import Journal, JournalError
from trimtab.reports.plans import (
    contribution_line,
    plan_document,
    plans_table,
    render_plan,
)
from trimtab.reports.rebalance import journal_document, render_journal
from trimtab.reports.terminal import terminal

app = typer.Typer()
plan_app = typer.Typer(help="One plan: `trimtab plan show ID`.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")


@app.command()
def plans(journal: JournalOption = None, policy: PolicyOption = None,
          limit: Annotated[int, typer.Option(help="How many recent plans.", min=1)] = 20,
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
          ) -> None:
    """Recent plans, newest first: id, time, status, how many orders, why it ended.

    Then the policy's next recurring contribution, if it has any (text only: --json
    stays a list of plans; `config --json` and `check --json` carry `next_contribution`).
    """
    empty = "The journal has no plans yet."
    try:
        recent = recent_plans(open_journal(journal, create=False), limit)
    except NoJournal as exc:
        recent, empty = [], _sentence(exc)
    except JournalError as exc:
        fail(str(exc))
    if as_json:
        print_json(journal_document(recent))
        return
    console = terminal()
    if recent:
        console.print(plans_table(recent))
    else:
        sys.stdout.write(f"{empty}\n")  # one line, never wrapped
    found = found_policy(policy)
    if found is not None:
        upcoming = upcoming_contribution(found, datetime.now(UTC))
        if (line := contribution_line(upcoming, found.quote)) is not None:
            console.print(line, highlight=False)


@plan_app.command("show")
def show(plan_id: Annotated[str, typer.Argument(help="The plan id (from `trimtab plans`).")],
         journal: JournalOption = None,
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """A plan in full: orders with fees and slippage, the hedge alternative, its history."""
    try:
        detail = plan_detail(open_journal(journal, create=False), plan_id)
    except JournalError as exc:
        fail(str(exc))
    if as_json:
        print_json(plan_document(detail))
        return
    render_plan(terminal(), detail)


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
        opened = open_journal(journal, create=False)
        if action == "check":
            _check(opened)
        if watch:
            from trimtab.reports.watch import render_watch_history, watch_document
            checks = watch_checks(opened, limit)
            if as_json:
                print_json(watch_document(checks))
            else:
                render_watch_history(terminal(), checks)
            return
        recent = recent_plans(opened, limit)
    except NoJournal as exc:
        if action == "check":
            fail(str(exc))
        _nothing_yet(exc, as_json)
    except JournalError as exc:
        fail(str(exc))
    if as_json:
        print_json(journal_document(recent))
        return
    render_journal(terminal(), recent)


def _nothing_yet(exc: NoJournal, as_json: bool) -> NoReturn:
    """A list with nothing in it yet: an empty JSON list, or the sentence that says why."""
    if as_json:
        print_json([])
    else:
        sys.stdout.write(f"{_sentence(exc)}\n")  # one line, never wrapped
    raise typer.Exit(0)


def _sentence(exc: NoJournal) -> str:
    text = str(exc)
    return f"{text[0].upper()}{text[1:]}."


def _check(opened: Journal) -> None:
    from trimtab.journal.checking import check_journal

    problems = check_journal(opened)
    for problem in problems:
        sys.stdout.write(f"{problem}\n")
    if problems:
        raise typer.Exit(1)
    sys.stdout.write("journal sound: database intact, every status, order and amount valid\n")
    raise typer.Exit(0)
