"""The `trimtab` command: a group whose commands are imported only when used.

Each command group lives in its own module with its own imports (the venue
commands need ccxt and SQLAlchemy, the backtest needs numba). The group
knows them by name and imports a module only when its command runs or
when help is printed, so `trimtab backtest` never pays for the venue layer
and no registration depends on `sys.argv`.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

# command name -> the module whose `app` defines it, in the order `--help` lists them
COMMANDS: dict[str, str] = {
    "init": "trimtab.cli.init",
    "config": "trimtab.cli.config",
    "policy": "trimtab.cli.config",
    "check": "trimtab.cli.check",
    "alerts": "trimtab.cli.check",
    "lots": "trimtab.cli.check",
    "rebalance": "trimtab.cli.rebalance",
    "journal": "trimtab.cli.plans",
    "plans": "trimtab.cli.plans",
    "plan": "trimtab.cli.plans",
    "watch": "trimtab.cli.watch",
    "approve": "trimtab.cli.approvals",
    "reject": "trimtab.cli.approvals",
    "bot": "trimtab.cli.bot",
    "serve": "trimtab.cli.serve",
    "backtest": "trimtab.cli.backtest",
    "sweep": "trimtab.cli.backtest",
}


# what `trimtab --help` lists, so that listing the commands imports none of them; a test
# holds each equal to the first line of its command's docstring
SUMMARIES: dict[str, str] = {
    "init": "Write a first policy and config to the config directory; keys to the keyring.",
    "config": "What trimtab uses when no option says otherwise: policy, journal, venues, "
              "targets.",
    "policy": "The policy file: its JSON schema.",
    "check": "Weights vs bands, triggers, alert prices and the orders that correct the drift.",
    "alerts": "Alert prices to set on an exchange: where each asset would leave its band.",
    "lots": "Open lots per asset: units, cost basis and unrealised gain.",
    "rebalance": "Snapshot the venues, plan the correction, confirm, execute exactly once, "
                 "journal it.",
    "journal": "Recent plans, newest first, with their orders and the reasons runs stopped.",
    "plans": "Recent plans, newest first: id, time, status, how many orders, why it ended.",
    "plan": "One plan: `trimtab plan show ID`.",
    "watch": "Watch the portfolio: check on schedule, fire triggers, notify, plan, act per "
             "mode.",
    "approve": "Execute a plan that `trimtab watch` proposed, exactly once however often "
               "asked.",
    "reject": "Reject a proposed plan: it will never be executed.",
    "bot": "Send plans waiting for approval to Telegram with Approve / Reject buttons.",
    "serve": "Open the dashboard: drift at a glance, futures against the cap, plans to "
             "approve.",
    "backtest": "Replay the policy over price history and compare it with holding.",
    "sweep": "Backtest every band width × schedule and rank them against holding.",
}


class LazyGroup(TyperGroup):
    """A typer group that imports a command's module on first use."""

    # typer vendors its own click in some versions: the context and command stay untyped here
    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # click would import every command for its one-line help: the summaries suffice
        with formatter.section("Commands"):
            formatter.write_dl([(name, SUMMARIES.get(name, "")) for name in COMMANDS])

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        # built only when help is printed: the settings model stays unimported otherwise
        self.epilog = _epilog()
        super().format_epilog(ctx, formatter)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        group = typer.main.get_group(importlib.import_module(module).app)
        return group.get_command(ctx, cmd_name)


def _epilog() -> str:
    # the settings module only: help needs neither rich nor the command modules
    from trimtab.config.settings import environment_variables

    variables = "\n\n".join(f"{name}: {text}" for name, text in environment_variables())
    return ("Environment (each overrides config.toml in the config directory; "
            "`trimtab config` shows what is in effect): " + "\n\n" + variables
            + "\n\nTRIMTAB_<VENUE>_API_KEY, _SECRET, _PASSWORD: a venue's API keys "
            "(else the OS keyring); TRIMTAB_<VENUE>_SANDBOX, _OPTIONS, _WALLETS: its testnet "
            "switch (--sandbox: every venue's), ccxt options and the further wallets counted "
            "as held, never sold (inverse, linear, margin, funding, savings).")


app = typer.Typer(
    cls=LazyGroup,
    help="trimtab keeps a crypto portfolio at its target allocation: it measures drift "
         "against bands, fires triggers and plans the trades that correct it. "
         "First time? `trimtab init`.",
    no_args_is_help=True, pretty_exceptions_enable=False,
    add_completion=True, rich_markup_mode=None)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"trimtab {version('trimtab')}")
        raise typer.Exit()


@app.callback()
def main(show_version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")
        ] = False,
        log_format: Annotated[str | None, typer.Option(
            "--log-format", help="Log lines on stderr: rich, plain or json (default "
            "TRIMTAB_LOG_FORMAT, else rich on a terminal and plain otherwise).")] = None,
        ) -> None:
    """trimtab: rule-based rebalancing for crypto portfolios."""
    from trimtab.cli.options import settings
    from trimtab.config.logs import setup_logging

    if log_format not in (None, "auto", "rich", "plain", "json"):
        from trimtab.cli.options import fail

        fail(f"--log-format: '{log_format}' is not one of rich, plain, json")
    setup_logging(settings(), log_format)
    _start_up_done()


# Whether `run` paused the cyclic garbage collector for the start-up (see _start_up_done).
_collector_paused = False


def _start_up_done() -> None:
    """The command's module, its libraries, the settings and the log handler are loaded:
    freeze what exists (it lives until exit) and switch the collector back on.

    A start makes about 60,000 objects that the collector tracks (classes, functions,
    pydantic's and SQLAlchemy's tables), all but some 600 of them alive until exit:
    collections during the start and the one at exit walked them all, a quarter of
    `trimtab journal`'s CPU (issue 16). Frozen, they are never walked again (the few
    hundred garbage objects of the imports are kept, tens of kB); what the command
    itself makes (connections, files, a long-running watch's objects) is collected as
    usual. Only `run` pauses the collector: tests and callers of `app` keep theirs.
    """
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()


def run() -> None:
    """The `trimtab` console script: an unexpected error is one line and exit status 3.

    Exit statuses: 0 done, 1 stopped or refused (a guard, a busy account, a
    journal another process keeps locked, a venue), 2 invalid input, 3 an
    internal error. The traceback goes to a crash log whose path the line
    names, never to the terminal; the next start reconciles whatever an
    execution left unfinished.
    """
    try:
        from typer.core import _click  # type: ignore[attr-defined]  # typer's vendored click
    except ImportError:  # typer before it vendored click
        import click as _click  # type: ignore[no-redef]
    from typer.exceptions import Abort

    global _collector_paused
    gc.disable()  # the start-up makes only what lives until exit: see _start_up_done
    _collector_paused = True
    try:
        code = app(prog_name="trimtab", standalone_mode=False)
    except _click.ClickException as exc:  # a bad option or argument: one line, not a panel
        known = len(sys.argv) > 1 and sys.argv[1] in COMMANDS
        hint = f"; see trimtab {sys.argv[1]} --help" if known else "; see trimtab --help"
        sys.stderr.write(f"error: {exc.format_message()}{hint}\n")
        raise SystemExit(exc.exit_code) from None
    except Abort:
        sys.stderr.write("aborted\n")
        raise SystemExit(1) from None
    except Exception as exc:  # the last line of defence
        if _journal_busy(exc):
            sys.stderr.write(f"busy: {exc}; unfinished orders are reconciled at the next "
                             "start.\n")
            raise SystemExit(1) from None
        raise SystemExit(internal_error(exc)) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def _journal_busy(exc: BaseException) -> bool:
    """Whether `exc` is JournalBusy: another process kept the journal locked, no bug (the
    journal's module is looked up, not imported: a command that never opened a journal
    does not pay for SQLAlchemy here)."""
    store = sys.modules.get("trimtab.journal.store")
    return store is not None and isinstance(exc, store.JournalBusy)


def internal_error(exc: BaseException) -> int:
    """Say what failed in one line (the traceback to the crash log); returns 3."""
    from trimtab.config.crash_log import write_crash_log
    from trimtab.config.logs import mask_known_secrets

    log = write_crash_log(exc)
    first = mask_known_secrets((str(exc).strip().splitlines() or [""])[0])[:300]
    if type(exc).__module__.startswith("sqlalchemy"):
        what = ("journal error: the journal could not be read or written (a full disk, a "
                "damaged or unreachable database)")
    else:
        what = "internal error"
    where = f"the traceback is in {log}" if log else "no crash log could be written"
    sys.stderr.write(f"{what}: {type(exc).__name__}: {first}; {where}. Unfinished orders "
                     "are reconciled at the next start.\n")
    return 3
