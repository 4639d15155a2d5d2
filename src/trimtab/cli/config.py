"""`trimtab config` (what is in effect, secrets masked) and `trimtab policy schema`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from trimtab.cli.options import found_policy, print_json, settings, upcoming_contribution
from trimtab.config.locations import PolicyNotFound, find_policy
from trimtab.config.settings import mask_url
from trimtab.reports.terminal import terminal

app = typer.Typer()
policy_app = typer.Typer(help="The policy file: its JSON schema.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@app.command()
def config(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
           ) -> None:
    """What trimtab uses when no option says otherwise: policy, journal, venues, targets.

    Settings come from TRIMTAB_… variables, then config.toml in the config
    directory (`trimtab init` writes it). Notification URLs and tokens are
    shown masked. `trimtab --help` lists every variable.
    """
    current = settings()
    path: Path | None = None
    try:
        found = find_policy(None, current)
        policy, path = f"{found.path} (from {found.source})", found.path
    except PolicyNotFound:
        policy = "none: run `trimtab init` or pass --policy"
    notify = current.notify.get_secret_value().replace(",", " ").split() \
        if current.notify else []
    shown = {
        "config file": f"{current.config_file}" + ("" if current.config_file.exists()
                                                   else " (absent)"),
        "policy": policy,
        "journal": mask_url(current.journal_url),
        "venues": ", ".join(current.venues),
        "paper prices": current.paper_prices,
        "paper start": str(current.paper_start or "–"),
        "wallet holdings": str(current.holdings or "–"),
        "notifications": " ".join(map(mask_url, notify)) or "none (TRIMTAB_NOTIFY)",
        "web token": "set" if current.web_token else "not set (a random one per start)",
        "telegram": f"chats {', '.join(map(str, current.telegram_chats))}"
                    if current.telegram_token else "off (TRIMTAB_TELEGRAM_TOKEN)",
        "kill switch": "ON" if current.kill_switch or current.kill_path.exists()
                       else f"off (TRIMTAB_KILL_SWITCH or the file {current.kill_path})",
        "logs": f"{current.log_format}, {current.log_level}",
        "watch": _heartbeat(current.journal_url),
    }
    from trimtab.reports.plans import contribution_document, contribution_line

    in_effect = None if path is None else found_policy(path)  # no policy: nothing to load
    upcoming = None if in_effect is None else upcoming_contribution(in_effect, datetime.now(UTC))
    if as_json:  # the same object as `check --json` (plans --json stays a list of plans)
        doc: dict[str, object] = {**shown, "next_contribution": contribution_document(upcoming)}
        print_json(doc)
        return
    console = terminal()
    for key, value in shown.items():
        console.print(f"{key:>16}: {value}", highlight=False, soft_wrap=True)
    if in_effect is not None and (line := contribution_line(upcoming, in_effect.quote)):
        console.print(line, highlight=False, soft_wrap=True)


def _heartbeat(url: str) -> str:
    """What `trimtab watch` last did, and how long ago (without creating a journal)."""
    from trimtab.app.heartbeat import watch_seen
    from trimtab.journal.opening import NoJournal, open_journal
    from trimtab.journal.store import JournalError

    try:
        seen = watch_seen(open_journal(url, create=False))
    except NoJournal:
        return "no journal yet"
    except JournalError as exc:
        return f"journal cannot be read ({exc})"
    return "never checked" if seen is None else seen.describe(datetime.now(UTC))


@policy_app.command("schema")
def schema() -> None:
    """Print the policy's JSON schema (for editors that check TOML against one)."""
    from trimtab.domain.policy import Policy

    print_json(Policy.model_json_schema())
