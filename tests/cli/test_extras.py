"""The core install: check, rebalance, watch, serve and init run without the backtest stack."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trimtab.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BLOCK = ("import sys\n"
         "for name in ('numba', 'pandas', 'pyarrow', 'dask', 'matplotlib', 'plotly'):\n"
         "    sys.modules[name] = None  # importing it now raises ImportError\n"
         "from trimtab.cli.main import app\n"
         "app()\n")


def core(*argv: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", BLOCK, *argv], capture_output=True,
                          text=True, timeout=180, cwd=tmp_path)


def test_check_and_a_paper_rebalance_need_no_backtest_package(tmp_path: Path) -> None:
    run = core("check", "-p", str(EXAMPLES / "moderate.toml"), "-s",
               str(EXAMPLES / "snapshot-futures.json"), "--json", tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    run = core("rebalance", "-p", str(EXAMPLES / "moderate.toml"), "--paper-start",
               str(EXAMPLES / "paper-start.json"), "--journal",
               f"sqlite:///{tmp_path / 'j.sqlite'}", "--dry-run", "--json", tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    for command in ("watch", "serve", "init", "plans", "config"):
        run = core(command, "--help", tmp_path=tmp_path)
        assert run.returncode == 0, (command, run.stderr)


def test_backtest_without_its_extra_names_the_extra_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "numba" else real(name, *a))
    result = CliRunner().invoke(app, ["backtest", "-p", str(EXAMPLES / "moderate.toml")])
    assert result.exit_code == 2
    assert "numba" in result.stderr and "pip install 'trimtab[backtest]'" in result.stderr
