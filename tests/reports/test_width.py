"""Every table at 80 columns: no figure or id is ever cut, no line is wider than the screen.

Each command's human output is rendered with COLUMNS=80. Every table the
reports build is a `FitTable`; the test records the table each one actually
printed (after dropping optional columns) and finds every cell of every
column that may not wrap, whole, in the output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.table import Table
from typer.testing import CliRunner

from trimtab.cli.main import app
from trimtab.reports import tables
from trimtab.reports.tables import FitTable, _plain

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PAPER = ["--paper-prices", "history:2025-01-31",
         "--paper-start", str(EXAMPLES / "paper-start.json")]


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[Table]:
    """The tables as printed (each FitTable after it fitted itself)."""
    seen: list[Table] = []
    original = FitTable.fitted

    def recording(self: FitTable, width: int) -> Table:
        fitted = original(self, width)
        seen.append(fitted)
        return fitted

    monkeypatch.setattr(FitTable, "fitted", recording)
    return seen


def run(*argv: str) -> str:
    result = CliRunner().invoke(app, list(argv), env={"COLUMNS": "80"})
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return result.stdout


def assert_whole(output: str, printed: list[Table]) -> None:
    assert printed, "no table was printed"
    assert "…" not in output
    assert max(len(line) for line in output.splitlines()) <= 80
    flat = re.sub(r"\s+", " ", output)
    for table in printed:
        for column in table.columns:
            if column.no_wrap:
                for cell in [column.header, *column._cells]:
                    text = re.sub(r"\s+", " ", _plain(cell)).strip()
                    assert text in flat, (column.header, text)


def test_check_with_futures_hedges_and_skipped_orders(printed: list[Table]) -> None:
    out = run("check", "-p", str(EXAMPLES / "moderate.toml"), "-s",
              str(EXAMPLES / "snapshot-futures.json"))
    assert_whole(out, printed)
    assert len(printed) >= 6  # allocation, sleeves, positions, orders, skipped, hedges


def test_check_with_tactical_holdings_and_alerts(printed: list[Table]) -> None:
    out = run("check", "-p", str(EXAMPLES / "custom.toml"), "-s",
              str(EXAMPLES / "snapshot-spot.json"))
    out += run("alerts", "-p", str(EXAMPLES / "moderate.toml"), "-s",
               str(EXAMPLES / "snapshot-spot.json"))
    assert_whole(out, printed)


def test_rebalance_journal_plans_and_plan_show(printed: list[Table], tmp_path: Path) -> None:
    journal = ["--journal", f"sqlite:///{tmp_path / 'j.sqlite'}"]
    out = run("rebalance", "-p", str(EXAMPLES / "moderate.toml"), *PAPER, *journal, "--yes")
    out += run("journal", *journal) + run("plans", *journal)
    plan_id = json.loads(run("plans", *journal, "--json"))[0]["plan_id"]
    out += run("plan", "show", plan_id, *journal)
    assert_whole(out, printed)
    assert plan_id in out and f"trimtab{plan_id}x001" in out


def test_watch_history(printed: list[Table], tmp_path: Path) -> None:
    journal = ["--journal", f"sqlite:///{tmp_path / 'j.sqlite'}"]
    run("watch", "-p", str(EXAMPLES / "moderate.toml"), *PAPER, *journal,
        "--replay", "2024-01-01..2024-01-20")
    printed.clear()
    assert_whole(run("journal", "--watch", *journal), printed)


def test_backtest_and_sweep(printed: list[Table]) -> None:
    policy = str(EXAMPLES / "moderate.toml")
    out = run("backtest", "-p", policy, "--futures", "BTC:1.0")
    out += run("sweep", "-p", policy, "--bands", "relative:0.1..0.3:0.1",
               "--schedules", "none,monthly")
    assert_whole(out, printed)


def test_every_report_table_is_a_fit_table() -> None:
    reports = Path(tables.__file__).parent
    for module in reports.glob("*.py"):
        assert "Table(" not in module.read_text().replace("FitTable(", ""), module.name
