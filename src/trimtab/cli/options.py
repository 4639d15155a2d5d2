"""Options shared by several commands, and the two ways a command ends on bad input.

An option left out falls back to the settings (TRIMTAB_… variables, then the
config file `trimtab init` wrote), so a configured user types `trimtab check`.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.text import Text

from trimtab.config.locations import PolicyNotFound, find_policy
from trimtab.config.settings import Settings, SettingsError, load_settings
from trimtab.reports.terminal import terminal

if TYPE_CHECKING:
    from trimtab.app.wiring import Options
    from trimtab.domain.contributions import Due
    from trimtab.domain.policy import Policy

PolicyOption = Annotated[Path | None, typer.Option(
    "--policy", "-p", help="Policy file (TOML): targets, bands, costs, futures limits. "
    "Default: TRIMTAB_POLICY, else ./trimtab.toml, else the one `trimtab init` wrote; "
    "`trimtab init --example moderate` copies an example.", dir_okay=False)]
JournalOption = Annotated[str | None, typer.Option(
    "--journal", help="Journal database (any SQLAlchemy URL). Default: TRIMTAB_JOURNAL, else "
    "a SQLite file in the user's data directory.")]
VenueOption = Annotated[list[str] | None, typer.Option(
    "--venue", help="`paper` (the dry-run exchange kept in the journal) or a ccxt "
    "exchange id with keys in TRIMTAB_<VENUE>_API_KEY/_SECRET/_PASSWORD or the keyring. "
    "Repeatable. Default: TRIMTAB_VENUES, else paper.")]
PaperPricesOption = Annotated[str | None, typer.Option(
    help="Paper prices: history:YYYY-MM-DD (bundled daily closes 2023-01-01…2025-02-10), "
    "live:EXCHANGE (a ccxt venue's tickers) or a JSON file {as_of, prices}. "
    "Default: TRIMTAB_PAPER_PRICES, else history:2025-02-10.")]
PaperStartOption = Annotated[Path | None, typer.Option(
    help="JSON {asset: amount} deposited into an empty paper account. "
    "Default: TRIMTAB_PAPER_START.", dir_okay=False)]
HoldingsOption = Annotated[Path | None, typer.Option(
    help="JSON {asset: amount} held off-exchange (the wallet): weighed, never traded. "
    "Default: TRIMTAB_HOLDINGS.", dir_okay=False)]
SandboxOption = Annotated[bool, typer.Option(
    "--sandbox", help="Open every ccxt venue on its testnet (ccxt's sandbox mode), as "
    "TRIMTAB_<VENUE>_SANDBOX does for one venue; a venue without one in ccxt is refused.")]
TradesOption = Annotated[list[Path] | None, typer.Option(
    "--trades", help="Trade history (CSV: a Binance, Kraken or Coinbase export, or "
    "trimtab's own lot file), repeatable, read with the files the policy's [tax] trades "
    "names: the lots each sell consumes, its realised gain and estimated tax.",
    dir_okay=False, metavar="FILE")]


BACKTEST_MODULES = ("numba", "pandas", "pyarrow", "dask", "matplotlib", "plotly")


def require_extra(command: str, modules: tuple[str, ...], extra: str) -> None:
    """A command whose packages are an extra says which to install instead of a traceback."""
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        fail(f"trimtab {command} needs {', '.join(missing)}: pip install 'trimtab[{extra}]'")


def require_backtest_extra(command: str) -> None:
    require_extra(command, BACKTEST_MODULES, "backtest")


def settings() -> Settings:
    """The settings in effect; a bad variable or config file is one line and exit 2."""
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


def policy_path(given: Path | None) -> Path:
    """`--policy`, else the policy the settings or the usual places name."""
    try:
        return find_policy(given, settings()).path
    except PolicyNotFound as exc:
        fail(str(exc))


def venue_options(policy: Path | None, venue: list[str] | None, journal: str | None,
                  paper_prices: str | None, paper_start: Path | None, holdings: Path | None,
                  **extra: Any) -> Options:
    """What a command opens venues with: its options, the settings where one is left out."""
    from trimtab.app.wiring import Options

    current = settings()
    return Options(policy, tuple(venue or current.venues), journal or current.journal,
                   paper_prices or current.paper_prices, paper_start or current.paper_start,
                   holdings or current.holdings, **extra)


def print_json(document: Any) -> None:
    """A command's --json answer: one indented document on stdout (times and other
    non-JSON values as their text)."""
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


def say(label: str, message: str, *, stderr: bool = True) -> None:
    """`label: message` on one line; the message is text, never read as rich markup."""
    terminal(stderr=stderr).print(Text.assemble((f"{label}: ", "bold red"), message),
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


def upcoming_contribution(policy: Policy, after: datetime) -> Due | None:
    """The policy's next contribution date (the calendar loads only when it has one)."""
    if not policy.contributions:
        return None
    from trimtab.domain.contributions import next_contribution

    return next_contribution(policy.contributions, after)


def found_policy(given: Path | None) -> Policy | None:
    """The policy in effect, for a command that only shows it in passing: None when there
    is none, or it does not load (the commands that need it say why)."""
    from trimtab.app.inputs import InputError, load_policy

    try:
        return load_policy(find_policy(given, settings()).path)
    except (PolicyNotFound, InputError):
        return None
