"""`trimtab init`: the first-day command, with prompts or the same answers as flags."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from trimtab.app.inputs import InputError
from trimtab.app.onboarding import (
    API_KEY_ADVICE,
    EXAMPLES,
    PAPER,
    Answers,
    parse_wallet,
    write_setup,
)
from trimtab.cli.options import fail, settings
from trimtab.reports.terminal import terminal
from trimtab.venues.credentials import FIELDS, env_prefix, store_credentials

app = typer.Typer()


@app.command()
def init(
    profile: Annotated[str | None, typer.Option(
        help="conservative, moderate or aggressive (DESIGN.md's presets).")] = None,
    quote: Annotated[str | None, typer.Option(
        help="Valuation currency and cash leg of every trade (default USDT).")] = None,
    venue: Annotated[list[str] | None, typer.Option(
        "--venue", help="paper (a dry-run exchange) or a ccxt exchange id. Repeatable.")
    ] = None,
    wallet: Annotated[list[str] | None, typer.Option(
        "--wallet", help="Off-exchange holdings as ASSET=UNITS (e.g. BTC=0.15). Repeatable.")
    ] = None,
    paper_balance: Annotated[float, typer.Option(
        help="Quote units that fund a new paper account.", min=0)] = 10_000.0,
    example: Annotated[str | None, typer.Option(
        help="Copy an example policy instead: " + ", ".join(EXAMPLES) + ".")] = None,
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help="Ask nothing: the flags and the defaults.")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a policy init wrote before.")] = False,
) -> None:
    """Write a first policy and config to the config directory; keys to the keyring.

    Afterwards `trimtab check`, `rebalance` and `watch` need no --policy. API
    keys go to the OS keyring through a hidden prompt, or you are told the
    TRIMTAB_<VENUE>_… variables to set: never into a file.
    """
    console = terminal()
    ask = not yes
    answers = Answers(
        profile=profile or (_ask("Profile (conservative, moderate, aggressive)", "moderate")
                            if ask and example is None else "moderate"),
        quote=(quote or (_ask("Quote currency", "USDT") if ask else "USDT")).upper(),
        venues=tuple(venue or (_ask("Venues, comma-separated (paper or a ccxt id)", PAPER)
                               .replace(",", " ").split() if ask else [PAPER])),
        wallet=_wallet(wallet, ask), paper_balance=paper_balance, example=example)
    try:
        written = write_setup(settings(), answers, force)
    except InputError as exc:
        fail(str(exc))
    for path in written.files:
        console.print(f"wrote {path}", highlight=False)
    for name in answers.venues:
        if name != PAPER:
            _keys(console, name, ask)
    console.print("next: trimtab check   (then trimtab rebalance, trimtab watch)")


def _ask(question: str, default: str) -> str:
    return str(typer.prompt(question, default=default))


def _wallet(items: list[str] | None, ask: bool) -> dict[str, float]:
    if items is None and ask:
        answer = _ask("Off-exchange holdings as ASSET=UNITS, space-separated (or none)", "none")
        items = [] if answer.strip().lower() == "none" else answer.split()
    try:
        return parse_wallet(items or [])
    except InputError as exc:
        fail(str(exc))


def _keys(console: Console, venue: str, ask: bool) -> None:
    """Store the venue's keys in the keyring (hidden prompt) or name the variables."""
    console.print(Text.assemble((venue, "bold"), f": {API_KEY_ADVICE}"), highlight=False,
                  soft_wrap=True)
    if ask and typer.confirm(f"Store {venue}'s API key in the OS keyring now?", default=True):
        values = {"apiKey": typer.prompt("API key", hide_input=True),
                  "secret": typer.prompt("Secret", hide_input=True)}
        try:
            store_credentials(venue, values)
            console.print(f"{venue}: keys stored in the keyring (service trimtab)")
            return
        except RuntimeError as exc:
            console.print(f"{venue}: {exc}")
    names = ", ".join(env_prefix(venue) + suffix for suffix in FIELDS.values())
    console.print(f"{venue}: set {names} (password only if the exchange uses one)",
                  soft_wrap=True, highlight=False)
