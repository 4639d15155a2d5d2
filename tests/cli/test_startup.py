"""The everyday commands start without the heavy parts they do not use (issue 16, 13).

A time is a benchmark's business (`benchmarks/cold_start.py`); what a test can hold is
which modules a command imports, since imports are most of a cold start.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# nothing of these is needed to print help, check a snapshot file or read the journal
HEAVY = ("ccxt", "pandas", "numpy", "numba", "pyarrow", "dask", "matplotlib", "plotly",
         "cvxpy", "fastapi", "starlette", "jinja2", "apprise", "telegram", "keyring",
         "requests", "aiohttp")
PLANNER = "trimtab.domain.planning.planner"


def imported(*argv: str, tmp: Path) -> set[str]:
    """The modules a fresh `trimtab ARGV` process holds once the command has run."""
    probe = ("import sys; from trimtab.cli.main import app\n"
             "try:\n    app(args=sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print(sorted(sys.modules))")
    env = {"TRIMTAB_CONFIG_DIR": str(tmp / "config"), "TRIMTAB_DATA_DIR": str(tmp / "data"),
           "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True,
                         text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    return set(ast.literal_eval(run.stdout.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in HEAVY if m in modules)


def test_help_imports_no_heavy_library_no_database_and_no_domain(tmp_path: Path) -> None:
    modules = imported("--help", tmp=tmp_path)
    assert heavy(modules) == []
    assert "sqlalchemy" not in modules and "trimtab.domain.policy" not in modules


def test_a_check_of_a_snapshot_file_needs_no_database_and_no_venue(tmp_path: Path) -> None:
    modules = imported("check", "-p", str(EXAMPLES / "moderate.toml"), "-s",
                       str(EXAMPLES / "snapshot-spot.json"), "--json", tmp=tmp_path)
    assert heavy(modules) == []
    assert "sqlalchemy" not in modules and "trimtab.venues.ccxt_venue" not in modules


def test_reading_the_journal_needs_neither_a_venue_nor_the_planner(tmp_path: Path) -> None:
    """Listing plans reads stored records: the planner, the policy and the analysis (a
    tenth of a second) stay unimported, as the venue layer does."""
    modules = imported("journal", "--limit", "5", tmp=tmp_path)
    assert heavy(modules) == []
    assert PLANNER not in modules and "trimtab.domain.analysis.drift" not in modules


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
