"""The everyday commands start without the heavy parts they do not use (issue 16, 13).

A time is a benchmark's business (`benchmarks/cold_start.py`); what a test can hold is
which modules a command imports, since imports are most of a cold start.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from trimtab.journal.opening import open_journal
from trimtab.journal.tables import orders, plans, watch_checks

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# nothing of these is needed to print help, check a snapshot file or read the journal
HEAVY = ("ccxt", "pandas", "numpy", "numba", "pyarrow", "dask", "matplotlib", "plotly",
         "cvxpy", "fastapi", "starlette", "jinja2", "apprise", "telegram", "keyring",
         "requests", "aiohttp")
PLANNER = "trimtab.domain.planning.planner"
# a tenth of a second to import and map: reading the journal goes through SQLAlchemy Core
ORM = "sqlalchemy.orm"


def imported(*argv: str, tmp: Path) -> set[str]:
    """The modules a fresh `trimtab ARGV` process holds once the command has run."""
    return command(*argv, tmp=tmp)[0]


def command(*argv: str, tmp: Path) -> tuple[set[str], str]:
    """The modules a fresh `trimtab ARGV` process holds once the command has run, and what
    it printed."""
    probe = ("import sys; from trimtab.cli.main import app\n"
             "try:\n    app(args=sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print(sorted(sys.modules))")
    *printed, modules = probed(probe, *argv, tmp=tmp).splitlines()
    return set(ast.literal_eval(modules)), "\n".join(printed)


def probed(probe: str, *argv: str, tmp: Path) -> str:
    """What a fresh `python -c PROBE ARGV` printed, with trimtab's folders under `tmp`."""
    env = {"TRIMTAB_CONFIG_DIR": str(tmp / "config"), "TRIMTAB_DATA_DIR": str(tmp / "data"),
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in HEAVY if m in modules)


def test_help_imports_no_heavy_library_no_database_and_no_domain(tmp_path: Path) -> None:
    modules, printed = command("--help", tmp=tmp_path)
    assert heavy(modules) == []
    assert "sqlalchemy" not in modules and "trimtab.domain.policy" not in modules
    # help lists the commands and every variable from the settings model alone: no rich,
    # which only the commands' own output needs
    assert "TRIMTAB_JOURNAL" in printed and "rich" not in modules
    # the settings are read at every start, from a plain pydantic model: the settings
    # library it replaced brought asyncio, dotenv and cloud providers (0.015-0.03 s)
    assert "asyncio" not in modules


def test_a_check_of_a_snapshot_file_needs_no_database_and_no_venue(tmp_path: Path) -> None:
    modules = imported("check", "-p", str(EXAMPLES / "moderate.toml"), "-s",
                       str(EXAMPLES / "snapshot-spot.json"), "--json", tmp=tmp_path)
    assert heavy(modules) == []
    assert "sqlalchemy" not in modules and "trimtab.venues.ccxt_venue" not in modules
    assert "asyncio" not in modules


def test_reading_the_journal_needs_neither_a_venue_nor_the_planner(tmp_path: Path) -> None:
    """Listing plans reads stored records: the planner, the policy and the analysis (a
    tenth of a second) stay unimported, as the venue layer does."""
    modules = imported("journal", "--limit", "5", tmp=tmp_path)
    assert heavy(modules) == []
    assert PLANNER not in modules and "trimtab.domain.analysis.drift" not in modules


def test_the_read_only_journal_commands_never_import_the_orm(tmp_path: Path) -> None:
    """`journal`, `plans`, `plan show`, `journal --watch` and `journal check` on a journal
    that holds a plan with an order and an event, and a watch check: the reads, the
    integrity check and the schema check at opening are Core `select()`s on the tables,
    so the ORM and its mapped classes stay out."""
    url = f"sqlite:///{tmp_path / 'j.sqlite'}"
    journal = open_journal(url)
    snapshot, _ = journal.record_document(datetime(2025, 1, 31, tzinfo=UTC), "paper", {}, {},
                                          False)
    with journal.connection() as connection:
        connection.execute(insert(plans).values(id="p1", snapshot_id=snapshot,
                                                status="stopped", document="{}"))
        connection.execute(insert(orders).values(
            client_order_id="trimtabp1x1", plan_id="p1", leg=1, venue="paper",
            symbol="BTC/USDT", side="buy", amount="0.1", plan_price="100000",
            state="rejected"))
        connection.execute(insert(watch_checks).values(
            at=datetime(2025, 1, 31, tzinfo=UTC), ok=True, fired="[]", notified="[]",
            decision="nothing to do"))
    journal.event("stopped", "the venue refused the order", "p1")
    journal.engine.dispose()
    for argv, shows in ((["journal", "--limit", "5"], "trimtabp1x1"),
                        (["plans"], "p1"),
                        (["plan", "show", "p1"], "the venue refused the order"),
                        (["journal", "--watch"], "nothing to do"),
                        (["journal", "check"], "journal sound")):
        modules, printed = command(*argv, "--journal", url, tmp=tmp_path)
        assert shows in printed, (argv, printed)
        assert ORM not in modules and "trimtab.journal.models" not in modules, argv
        assert heavy(modules) == [], argv


def test_config_reads_what_watch_last_did_without_the_orm(tmp_path: Path) -> None:
    """`trimtab config` reports the watch's last check from the journal at every start."""
    (tmp_path / "data").mkdir()
    journal = open_journal(f"sqlite:///{tmp_path / 'data' / 'journal.sqlite'}")
    with journal.connection() as connection:
        connection.execute(insert(watch_checks).values(
            at=datetime(2025, 1, 31, tzinfo=UTC), ok=True, fired="[]", notified="[]",
            decision="nothing to do"))
    journal.engine.dispose()
    modules, printed = command("config", tmp=tmp_path)
    assert "last check 2025-01-31 00:00:00 UTC: nothing to do" in printed
    assert ORM not in modules and heavy(modules) == []


def test_a_check_of_a_policy_with_contributions_imports_no_numpy(tmp_path: Path) -> None:
    """The next contribution date is calendar arithmetic: the domain stays pure Python, and
    the bars a backtest lands each date on are the backtest's (backtest.bars)."""
    policy = tmp_path / "policy.toml"
    policy.write_text((EXAMPLES / "moderate.toml").read_text(encoding="utf-8")
                      + '\n[[contributions]]\nevery = "monthly"\namount = 500\n')
    modules = imported("check", "-p", str(policy), "-s",
                       str(EXAMPLES / "snapshot-spot.json"), "--json", tmp=tmp_path)
    assert "trimtab.domain.contributions" in modules  # it named the next date
    assert heavy(modules) == []


def collector_after(entry: str, *argv: str, tmp: Path) -> tuple[bool, int]:
    """Whether the cyclic collector is on, and how many objects are frozen, once a fresh
    process ran `trimtab ARGV` through `entry` (`run`: the console script; `app`: as tests
    and embedders call it)."""
    call = "run()" if entry == "run" else "app(args=sys.argv[1:])"
    probe = (f"import gc, sys; from trimtab.cli.main import {entry}\n"
             f"try:\n    {call}\nexcept SystemExit:\n    pass\n"
             "print(gc.isenabled(), gc.get_freeze_count())")
    enabled, frozen = probed(probe, *argv, tmp=tmp).splitlines()[-1].split()
    return enabled == "True", int(frozen)


def test_the_start_up_is_frozen_and_the_command_runs_with_the_collector_on(tmp_path: Path
                                                                           ) -> None:
    """The console script pauses the cyclic collector while a command loads, then freezes
    what loaded (modules, classes: they live until exit, and collections walking them were a
    quarter of `journal`'s CPU); the command itself, a long watch as a `journal`, runs with
    the collector on. `app` alone leaves the caller's collector as it was."""
    url = f"sqlite:///{tmp_path / 'j.sqlite'}"
    open_journal(url).engine.dispose()
    enabled, frozen = collector_after("run", "journal", "--journal", url, tmp=tmp_path)
    assert enabled and frozen > 10_000
    assert collector_after("app", "journal", "--journal", url, tmp=tmp_path) == (True, 0)
