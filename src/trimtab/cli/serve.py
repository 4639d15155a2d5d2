"""`trimtab serve`: the dashboard over the journal and the venues."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from trimtab.app.dashboard import open_dashboard
from trimtab.app.inputs import InputError, load_policy
from trimtab.app.rebalance import open_or_fail
from trimtab.app.wiring import lease_wait
from trimtab.cli.options import (
    HoldingsOption,
    JournalOption,
    PaperPricesOption,
    PaperStartOption,
    PolicyOption,
    SandboxOption,
    VenueOption,
    fail,
    policy_path,
    settings,
    venue_failure,
    venue_options,
)
from trimtab.reports.terminal import terminal
from trimtab.venues.errors import VenueError
from trimtab.web.auth import Access, AuthConfigError

ENV_TOKEN = "TRIMTAB_WEB_TOKEN"
app = typer.Typer()


@app.command()
def serve(
    policy: PolicyOption = None,
    venue: VenueOption = None,
    journal: JournalOption = None,
    paper_prices: PaperPricesOption = None,
    paper_start: PaperStartOption = None,
    holdings: HoldingsOption = None,
    sandbox: SandboxOption = False,
    host: Annotated[str, typer.Option(
        help="Address to bind. Anything but loopback needs TRIMTAB_WEB_TOKEN set.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8765,
    read_only: Annotated[bool, typer.Option(
        "--read-only", help="Show everything, approve nothing.")] = False,
    reports: Annotated[Path, typer.Option(
        help="Folder of backtest reports (HTML, PNG) the page links to.", file_okay=False)
    ] = Path("reports"),
) -> None:
    """Open the dashboard: drift at a glance, futures against the cap, plans to approve.

    Every request needs the access token: TRIMTAB_WEB_TOKEN, or on loopback a
    random one printed below (open the URL with ?token=...). Approving a plan
    executes it exactly once, however often it is clicked, through the same
    executor as `trimtab rebalance`.
    """
    import uvicorn

    from trimtab.web.app import create_app

    console = terminal()
    try:
        token = settings().web_token
        access = Access.for_host(host, token.get_secret_value() if token else None)
        options = venue_options(policy_path(policy), venue, journal, paper_prices,
                                paper_start, holdings, environ=os.environ,
                                sandbox=sandbox)
        assert options.policy is not None
        pol = load_policy(options.policy)
        lease_wait(os.environ)  # checked now, not at the first approval
        source = open_dashboard(options, pol, open_or_fail(options.journal), console.print,
                                reports)
    except (AuthConfigError, InputError) as exc:
        fail(str(exc))
    except VenueError as exc:
        venue_failure(str(exc))
    shown = access.token if access.generated else f"${ENV_TOKEN}"
    console.print(f"trimtab dashboard: http://{host}:{port}/?token={shown}"
                  + ("  (read-only)" if read_only else ""))
    uvicorn.run(create_app(source, access, read_only=read_only), host=host, port=port,
                log_level="warning")
