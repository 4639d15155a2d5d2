"""`trimtab watch` without a terminal: one unwrapped line per check that names its prices."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from trimtab.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_each_check_is_one_line_naming_the_paper_prices_at_80_columns(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "watch", "-p", str(EXAMPLES / "moderate.toml"), "--paper-start",
        str(EXAMPLES / "paper-start.json"), "--journal", f"sqlite:///{tmp_path / 'j.sqlite'}",
        "--replay", "2024-01-01..2024-01-05"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stdout
    checks = [line for line in result.stdout.splitlines()
              if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", line)]
    assert len(checks) == 5
    assert all(len(line) > 80 and "next review" in line for line in checks)
    assert "[paper prices history:2024-01-03]" in checks[3]
