"""`trimtab approve` and `trimtab reject`: decide a plan by its id alone."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trimtab.app.approvals import Approvals, Decision, Origin, venues_from_record
from trimtab.app.inputs import InputError, load_policy
from trimtab.app.rebalance import open_or_fail
from trimtab.app.wiring import lease_wait
from trimtab.cli.options import JournalOption, SandboxOption, fail
from trimtab.execution.states import ApprovalOutcome
from trimtab.reports.terminal import terminal

app = typer.Typer()

LegacyPolicyOption = Annotated[Path | None, typer.Option(
    "--policy", "-p", help="Only for plans journaled by trimtab before plan records held "
    "their policy: the policy to execute them under.", dir_okay=False)]
LegacyPricesOption = Annotated[str | None, typer.Option(
    help="Only for such older plans on the paper exchange: its price source "
    "(history:YYYY-MM-DD, live:EXCHANGE or a JSON file).")]
SUCCESS = (ApprovalOutcome.EXECUTED, ApprovalOutcome.REJECTED)


@app.command()
def approve(plan_id: Annotated[str, typer.Argument(help="The plan id from the notification.")],
            journal: JournalOption = None, policy: LegacyPolicyOption = None,
            paper_prices: LegacyPricesOption = None, sandbox: SandboxOption = False) -> None:
    """Execute a plan that `trimtab watch` proposed, exactly once however often asked.

    The plan's own record names its venues, policy and wallet: the id is all
    it needs (and the journal, when it is not the default one). Venues whose
    keys are missing, or that cannot be reached, leave the plan `failed` with
    the reason; approve it again once that is fixed. A plan made with `--sandbox` is
    executed on the testnets; `--sandbox` sends any plan there. Exit status 0 when it was
    executed, 1 when it stopped, failed or was decided before, 2 for bad input.
    """
    console = terminal()
    try:
        approvals = _approvals(journal, policy, paper_prices, console, sandbox)
    except InputError as exc:
        fail(str(exc))
    _report(console, approvals.approve(plan_id, Origin.CLI))


@app.command()
def reject(plan_id: Annotated[str, typer.Argument(help="The plan id to reject.")],
           journal: JournalOption = None) -> None:
    """Reject a proposed plan: it will never be executed."""
    console = terminal()
    try:
        approvals = _approvals(journal, None, None, console)
    except InputError as exc:
        fail(str(exc))
    _report(console, approvals.reject(plan_id, Origin.CLI))


def _approvals(journal_url: str | None, policy: Path | None, paper_prices: str | None,
               console: Console, sandbox: bool = False) -> Approvals:
    lease_wait(os.environ)  # a bad TRIMTAB_LEASE_WAIT is bad input before anything starts
    journal = open_or_fail(journal_url)
    opener = venues_from_record(journal, os.environ, console.print, paper_prices,
                                sandbox=sandbox)
    return Approvals(journal, opener, load_policy(policy) if policy else None)


def _report(console: Console, decision: Decision) -> None:
    """The decision in one line (soft-wrapped: rich used to break it at the console's width)."""
    console.print(f"plan {decision.plan_id}: {decision.outcome}: {decision.message}",
                  highlight=False, soft_wrap=True)
    if decision.outcome not in SUCCESS:
        raise typer.Exit(1)
