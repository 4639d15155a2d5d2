"""The `trimtab` command: a group whose commands are imported only when used.

Each command group lives in its own module with its own imports (the venue
commands need ccxt and SQLAlchemy, the backtest needs numba). The group
knows them by name and imports a module only when its command runs or
when help is printed, so `trimtab backtest` never pays for the venue layer
and no registration depends on `sys.argv`.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

# command name -> the module whose `app` defines it, in the order `--help` lists them
COMMANDS: dict[str, str] = {
    "check": "trimtab.cli.check",
    "alerts": "trimtab.cli.check",
    "lots": "trimtab.cli.check",
    "rebalance": "trimtab.cli.rebalance",
    "journal": "trimtab.cli.rebalance",
    "watch": "trimtab.cli.watch",
    "approve": "trimtab.cli.approvals",
    "reject": "trimtab.cli.approvals",
    "serve": "trimtab.cli.serve",
    "backtest": "trimtab.cli.backtest",
    "sweep": "trimtab.cli.backtest",
}


class LazyGroup(TyperGroup):
    """A typer group that imports a command's module on first use."""

    # typer vendors its own click in some versions: the context and command stay untyped here
    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        group = typer.main.get_group(importlib.import_module(module).app)
        return group.get_command(ctx, cmd_name)


app = typer.Typer(
    cls=LazyGroup,
    help="trimtab keeps a crypto portfolio at its target allocation: it measures drift "
         "against bands, fires triggers and plans the trades that correct it.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)


@app.callback()
def main() -> None:
    """trimtab: rule-based rebalancing for crypto portfolios."""


def run() -> None:
    """The `trimtab` console script: an unexpected error is one line and exit status 3.

    Exit statuses: 0 done, 1 stopped or refused (a guard, a busy account, a
    venue), 2 invalid input, 3 an internal error. The traceback goes to a
    crash log whose path the line names, never to the terminal; the next
    start reconciles whatever an execution left unfinished.
    """
    try:
        from typer.core import _click  # type: ignore[attr-defined]  # typer's vendored click
    except ImportError:  # typer before it vendored click
        import click as _click  # type: ignore[no-redef]
    from typer.exceptions import Abort

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
        raise SystemExit(internal_error(exc)) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def internal_error(exc: BaseException) -> int:
    """Say what failed in one line (the traceback to the crash log); returns 3."""
    log = _crash_log(exc)
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    if type(exc).__module__.startswith("sqlalchemy"):
        what = ("journal error: the journal could not be read or written (a full disk, a "
                "damaged or unreachable database)")
    else:
        what = "internal error"
    where = f"the traceback is in {log}" if log else "no crash log could be written"
    sys.stderr.write(f"{what}: {type(exc).__name__}: {first}; {where}. Unfinished orders "
                     "are reconciled at the next start.\n")
    return 3


def _crash_log(exc: BaseException) -> Path | None:
    try:
        import platformdirs

        folder = Path(platformdirs.user_log_dir("trimtab", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "crash.log"
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(exc)) + "\n")
        return path
    except OSError:
        return None
