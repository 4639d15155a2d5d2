"""`trimtab plans` and `trimtab plan show`: a proposed plan is read in full before approval."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trimtab.cli.main import app
from trimtab.journal.opening import open_journal

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "moderate.toml"
START = ROOT / "examples" / "paper-start.json"


def run(journal: str, *argv: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*argv, "--journal", journal])
    return result.exit_code, result.stdout + result.stderr


def proposed(tmp_path: Path) -> tuple[str, str]:
    """A journal where `trimtab watch --once` proposed a plan, and that plan's id."""
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    code, out = run(journal, "watch", "-p", str(POLICY), "--paper-start", str(START),
                    "--paper-prices", "history:2025-01-31", "--once")
    assert code == 0, out
    code, out = run(journal, "plans", "--json")
    plans = json.loads(out)
    assert code == 0 and plans[0]["status"] == "proposed"
    return journal, plans[0]["plan_id"]


def test_plan_show_lists_orders_with_costs_and_how_to_decide(tmp_path: Path) -> None:
    journal, plan_id = proposed(tmp_path)
    code, out = run(journal, "plan", "show", plan_id, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["status"] == "proposed" and shown["venues"] == ["paper"]
    assert shown["planned"] and all(o["fee"] > 0 and o["notional"] > 0
                                    for o in shown["planned"])
    assert shown["totals"]["fees"] > 0 and shown["quote"] == "USDT"
    code, out = run(journal, "plan", "show", plan_id)
    assert code == 0 and f"trimtab approve {plan_id}" in out
    assert "Orders as planned" in out


def test_plans_lists_the_waiting_plan_and_points_at_plan_show(tmp_path: Path) -> None:
    journal, plan_id = proposed(tmp_path)
    code, out = run(journal, "plans")
    assert code == 0 and plan_id in out and f"trimtab plan show {plan_id}" in out


def test_an_approved_plan_shows_what_was_sent_and_its_history(tmp_path: Path) -> None:
    journal, plan_id = proposed(tmp_path)
    assert run(journal, "approve", plan_id)[0] == 0
    code, out = run(journal, "plan", "show", plan_id, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["status"] == "done"
    assert shown["orders"] and all(o["client_order_id"].startswith(f"trimtab{plan_id}")
                                   for o in shown["orders"])


def test_an_unknown_plan_id_is_one_line_and_exit_2(tmp_path: Path) -> None:
    open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")  # a journal, without that plan
    code, out = run(f"sqlite:///{tmp_path / 'j.sqlite'}", "plan", "show", "nope")
    assert code == 2 and "no plan nope" in out


def test_check_and_plans_name_the_next_contribution(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY.read_text() + '\n[[contributions]]\nevery = "monthly"\n'
                      'amount = 250\n')
    snap = ROOT / "examples" / "snapshot-spot.json"
    result = CliRunner().invoke(app, ["check", "-p", str(policy), "-s", str(snap), "--json"])
    assert result.exit_code == 0, result.stdout
    upcoming = json.loads(result.stdout)["next_contribution"]
    as_of = json.loads(snap.read_text())["as_of"]
    assert upcoming["amount"] == 250.0 and upcoming["every"] == "monthly"
    assert upcoming["at"] > as_of and upcoming["at"][8:] == "01T00:00:00+00:00"
    code, out = run(f"sqlite:///{tmp_path / 'j.sqlite'}", "plans", "-p", str(policy))
    assert code == 0, out
    assert "Next contribution: deposit of 250.00 USDT on" in out and "(monthly)" in out
    code, out = run(f"sqlite:///{tmp_path / 'j.sqlite'}", "plans", "-p", str(POLICY))
    assert "Next contribution" not in out


def test_a_contribution_without_an_amount_is_one_line_naming_the_field(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY.read_text() + '\n[[contributions]]\nevery = "monthly"\namount = 0\n')
    result = CliRunner().invoke(app, ["check", "-p", str(policy), "-s",
                                      str(ROOT / "examples" / "snapshot-spot.json")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "contributions.0.amount: give a non-zero amount" in lines[0]


def test_the_next_contribution_is_the_same_object_in_check_and_config_json_and_plans_stays_a_list(
        tmp_path: Path, isolated_settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY.read_text() + '\n[[contributions]]\ncron = "0 8 * * 1"\n'
                      'amount = -75\n')
    monkeypatch.setenv("TRIMTAB_POLICY", str(policy))
    snap = ROOT / "examples" / "snapshot-spot.json"
    checked = json.loads(CliRunner().invoke(app, ["check", "-s", str(snap), "--json"]).stdout)
    configured = json.loads(CliRunner().invoke(app, ["config", "--json"]).stdout)
    for doc in (checked, configured):  # one shape: at, amount, every
        upcoming = doc["next_contribution"]
        assert upcoming["amount"] == -75.0 and upcoming["every"] == "0 8 * * 1"
        assert datetime.fromisoformat(upcoming["at"]).strftime("%a %H:%M") == "Mon 08:00"
    assert datetime.fromisoformat(configured["next_contribution"]["at"]) > datetime.now(UTC)
    text = CliRunner().invoke(app, ["config"]).stdout
    assert "Next contribution: withdrawal of 75.00 USDT on" in text
    code, out = run(f"sqlite:///{tmp_path / 'j.sqlite'}", "plans", "--json")
    assert code == 0 and json.loads(out) == []  # a list, as `journal --json`, for its readers


@pytest.mark.parametrize("argv", [("journal",), ("plans",), ("journal", "--watch")])
def test_reading_a_journal_that_does_not_exist_says_so_and_writes_nothing(
        tmp_path: Path, argv: tuple[str, ...]) -> None:
    """A read used to create an empty journal file wherever --journal pointed (a typo
    made a new journal, and the user saw an empty history as if it were theirs)."""
    path = tmp_path / "typo.sqlite"
    text = CliRunner().invoke(app, [*argv, "--journal", f"sqlite:///{path}"])
    assert text.exit_code == 0
    assert text.stdout == (f"No journal yet at {path}: nothing has been journaled there "
                           "(rebalance, watch and approve create it); --journal or "
                           "TRIMTAB_JOURNAL name another.\n")
    as_json = CliRunner().invoke(app, [*argv, "--json", "--journal", f"sqlite:///{path}"])
    assert as_json.exit_code == 0 and json.loads(as_json.stdout) == []
    checked = CliRunner().invoke(app, ["journal", "check", "--journal", f"sqlite:///{path}"])
    assert checked.exit_code == 2 and "no journal yet at" in checked.stderr
    assert not path.exists()
