"""Options shared by several commands, and the two ways a command ends on bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.text import Text

PolicyOption = Annotated[Path, typer.Option(
    "--policy", "-p", help="Policy file (TOML): targets, bands, costs, futures limits. "
    "See examples/*.toml.", dir_okay=False)]
JournalOption = Annotated[str | None, typer.Option(
    "--journal", help="Journal database (any SQLAlchemy URL). Default: TRIMTAB_JOURNAL, else "
    "a SQLite file in the user's data directory.")]
VenueOption = Annotated[list[str] | None, typer.Option(
    "--venue", help="`paper` (default: the dry-run exchange kept in the journal) or a ccxt "
    "exchange id with keys in TRIMTAB_<VENUE>_API_KEY/_SECRET/_PASSWORD. Repeatable.")]
PaperPricesOption = Annotated[str, typer.Option(
    help="Paper prices: history:YYYY-MM-DD (bundled daily closes 2023-01-01…2025-02-10), "
    "live:EXCHANGE (a ccxt venue's tickers) or a JSON file {as_of, prices}.")]
PaperStartOption = Annotated[Path | None, typer.Option(
    help="JSON {asset: amount} deposited into an empty paper account.", dir_okay=False)]
HoldingsOption = Annotated[Path | None, typer.Option(
    help="JSON {asset: amount} held off-exchange (the wallet): weighed, never traded.",
    dir_okay=False)]


def say(label: str, message: str, *, stderr: bool = True) -> None:
    """`label: message` on one line; the message is text, never read as rich markup."""
    Console(stderr=stderr).print(Text.assemble((f"{label}: ", "bold red"), message),
                                 highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """One line on stderr and exit status 2: bad input is never a traceback."""
    say("error", message)
    raise typer.Exit(2)


def venue_failure(message: str) -> NoReturn:
    """A venue failed outside an order (the journal says what was sent): one line, exit 1."""
    say("venue error", message)
    raise typer.Exit(1)


def busy(message: str) -> NoReturn:
    """Another trimtab process holds the account: one line, exit 1 (refused, try later)."""
    say("busy", message)
    raise typer.Exit(1)
