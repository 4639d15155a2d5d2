"""A new user's first commands: init, check without --policy, config, schema, version."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.clean_install import clean_install
from trimtab.cli.main import app


def run(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(argv), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_init_then_check_needs_no_policy_option(isolated_settings: Path) -> None:
    code, out, _ = run("init", "--profile", "moderate", "--venue", "paper", "--yes")
    assert code == 0, out
    config = isolated_settings / "config"
    assert tomllib.loads((config / "policy.toml").read_text())["profile"] == "moderate"
    assert tomllib.loads((config / "config.toml").read_text())["venues"] == ["paper"]
    code, out, err = run("check", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert document["spot_value"] == pytest.approx(10_000) and document["orders"]


def test_check_says_where_paper_prices_come_from(isolated_settings: Path) -> None:
    run("init", "--yes")
    code, out, _ = run("check")
    assert code == 0 and "paper prices history:2025-02-10" in out


def test_init_keeps_an_existing_policy_unless_forced(isolated_settings: Path) -> None:
    assert run("init", "--yes")[0] == 0
    code, _, err = run("init", "--yes", "--profile", "aggressive")
    assert code == 2 and "--force" in err
    assert run("init", "--yes", "--profile", "aggressive", "--force")[0] == 0
    policy = (isolated_settings / "config" / "policy.toml").read_text()
    assert 'profile = "aggressive"' in policy


def test_init_copies_a_shipped_example_and_writes_the_wallet(isolated_settings: Path) -> None:
    code, out, _ = run("init", "--yes", "--example", "custom", "--wallet", "btc=0.15")
    assert code == 0, out
    config = isolated_settings / "config"
    assert "[bands]" in (config / "policy.toml").read_text()
    assert json.loads((config / "wallet.json").read_text()) == {"BTC": 0.15}


def test_init_with_an_exchange_prints_variables_and_key_advice_without_asking(
        isolated_settings: Path) -> None:
    code, out, _ = run("init", "--yes", "--venue", "binance")
    assert code == 0
    assert "TRIMTAB_BINANCE_API_KEY" in out and "never enable withdrawals" in out
    assert "IP" in out


def test_init_asks_when_not_told_to_skip_questions(isolated_settings: Path) -> None:
    answers = "conservative\nusdc\npaper\nBTC=0.5\n"
    code, out, _ = run("init", stdin=answers)
    assert code == 0, out
    policy = (isolated_settings / "config" / "policy.toml").read_text()
    assert 'profile = "conservative"' in policy and 'quote = "USDC"' in policy


def test_a_bad_wallet_item_names_the_option_and_the_form(isolated_settings: Path) -> None:
    code, _, err = run("init", "--yes", "--wallet", "BTC")
    assert code == 2 and "--wallet" in err and "ASSET=UNITS" in err


def test_without_any_policy_the_error_says_to_run_init() -> None:
    code, _, err = run("check")
    assert code == 2 and "trimtab init" in err


def test_config_shows_the_policy_in_effect_and_masks_targets(
        isolated_settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("init", "--yes")
    monkeypatch.setenv("TRIMTAB_NOTIFY", "mailtos://me:app-password@gmail.com")
    monkeypatch.setenv("TRIMTAB_JOURNAL", "postgresql+psycopg://u:pw@db/trimtab")
    code, out, _ = run("config", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["policy"].endswith("(from the config directory)")
    assert "app-password" not in out and "pw@" not in out
    assert shown["notifications"] == "mailtos://****@gmail.com"


def test_policy_schema_is_json_schema_of_the_policy() -> None:
    code, out, _ = run("policy", "schema")
    schema = json.loads(out)
    assert code == 0 and "bands" in schema["properties"]


def test_version_and_help_list_the_environment() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("trimtab ")
    code, out, _ = run("--help")
    assert "TRIMTAB_JOURNAL" in out and "TRIMTAB_POLICY" in out and "init" in out


def test_a_clean_install_runs_init_then_check(tmp_path: Path) -> None:
    """`pip install .` in a fresh venv, then the first day's two commands (clean_install.py
    says how this stays a few seconds of CPU)."""
    trimtab = str(clean_install(tmp_path / "venv") / "trimtab")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIMTAB_")}
    env |= {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "c"),
            "XDG_DATA_HOME": str(tmp_path / "d")}
    subprocess.run([trimtab, "init", "--profile", "moderate", "--venue", "paper", "--yes"],
                   check=True, env=env, cwd=tmp_path)
    out = subprocess.run([trimtab, "check", "--json"], check=True, env=env, cwd=tmp_path,
                         capture_output=True, text=True).stdout
    assert json.loads(out)["orders"]


def test_config_shows_the_watch_heartbeat(isolated_settings: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    monkeypatch.setenv("TRIMTAB_JOURNAL", journal)
    assert json.loads(run("config", "--json")[1])["watch"] == "no journal yet"
    examples = Path(__file__).resolve().parents[2] / "examples"
    code, out, _ = run("watch", "-p", str(examples / "moderate.toml"), "--paper-start",
                       str(examples / "paper-start.json"), "--replay", "2024-01-01..2024-01-02")
    assert code == 0, out
    shown = json.loads(run("config", "--json")[1])["watch"]
    assert re.match(r"watch stopped \(heartbeat \d+ s ago\); last check 2024-01-02 00:00:00 UTC",
                    shown), shown


def test_help_summaries_match_each_commands_docstring() -> None:
    import importlib

    import typer

    from trimtab.cli.main import COMMANDS, SUMMARIES

    assert set(SUMMARIES) == set(COMMANDS)
    for name, module in COMMANDS.items():
        group = typer.main.get_group(importlib.import_module(module).app)
        command = group.get_command(None, name)  # type: ignore[arg-type]
        assert (command.help or "").strip().splitlines()[0] == SUMMARIES[name], name


def test_help_and_journal_import_no_venue_and_no_notifier() -> None:
    probe = ("import sys; from trimtab.cli.main import app\n"
             "try:\n    app(args=sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('ccxt', 'apprise', 'fastapi') "
             "if m in sys.modules))")
    for argv in (["--help"], ["journal", "--limit", "1"]):
        run = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True,
                             text=True, timeout=120)
        imported = run.stdout.strip().splitlines()[-1]
        assert "ccxt" not in imported and "apprise" not in imported, (argv, imported)
