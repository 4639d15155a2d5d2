"""Every command that plans sees the same lots: `check`, `rebalance` and `watch` agree.

A paper account holds 1.5 BTC and half its BTC value in USDT at the bundled close of
2025-01-31 (P = 102,405.02), against 50/50 targets with a ±10 % relative band and no
costs: BTC weighs 0.75. The optimal planner (tax_weight 1, rates 30 % short, 15 % long):
- with the lots, A (1.0 BTC for 60,000 on 2024-01-10, long-term: +0.062 of tax per unit
  of value sold) and B (0.5 BTC for 60,000 on 2024-12-01, a short-term loss: −0.052),
  the slope of 2(0.25 − s)² + tax is negative on B up to s = 0.25 and positive on A past
  it: it sells B's 0.5 BTC, 0.49999 at the market's step of 0.00001 (both commands size
  orders on the venue's markets), for its notional less the market's 0.1 % taker fee:
  tax 0.3 × 0.49999 × (0.999 P − 120,000) = −2,654.55;
- without them every unit is a zero-cost short-term gain (+0.30 per unit of value): it
  sells only down to the band's edge, s = 0.2, 0.4 BTC.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from trimtab.app.inputs import load_policy
from trimtab.app.lots import planning_lots
from trimtab.cli.main import app
from trimtab.journal.models import NotificationRow
from trimtab.journal.opening import open_journal

P = 102_405.0234375
LOTS = """time,type,asset,units,venue,to_venue,cost,proceeds,lot_id
2024-01-10 00:00:00,buy,BTC,1.0,paper,,60000,,A
2024-12-01 00:00:00,buy,BTC,0.5,paper,,60000,,B
"""
POLICY = """planner = "optimal"
targets = {BTC = 0.5, USDT = 0.5}
[bands]
kind = "relative"
width = 0.1
[costs]
fee_rate = 0
slippage_bps = 0
min_trade = 0
[tax]
short_term_rate = 0.30
long_term_rate = 0.15
"""
SOLD = 0.49999
B_TAX = 0.3 * SOLD * (0.999 * P - 120_000)


def run(*argv: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(argv))
    return result.exit_code, result.stdout, result.stderr


def account(tmp: Path, in_policy: bool) -> tuple[list[str], list[str]]:
    """The venue options of one paper account, and the --trades a command needs."""
    (tmp / "exports").mkdir()
    (tmp / "exports" / "lots.csv").write_text(LOTS)
    named = 'trades = ["exports/lots.csv"]\n' if in_policy else ""
    (tmp / "policy.toml").write_text(POLICY + named)
    (tmp / "start.json").write_text(json.dumps({"BTC": 1.5, "USDT": 0.5 * P}))
    venue = ["--policy", str(tmp / "policy.toml"), "--paper-prices", "history:2025-01-31",
             "--paper-start", str(tmp / "start.json"),
             "--journal", f"sqlite:///{tmp / 'j.sqlite'}"]
    return venue, [] if in_policy else ["--trades", str(tmp / "exports" / "lots.csv")]


@pytest.mark.parametrize("in_policy", [True, False], ids=["policy-trades", "--trades"])
def test_rebalance_plans_and_journals_the_sells_and_tax_that_check_showed(
        tmp_path: Path, in_policy: bool) -> None:
    venue, trades = account(tmp_path, in_policy)
    code, out, err = run("check", *venue, *trades, "--json")
    assert code == 0, err
    checked = json.loads(out)
    (sell,) = [o for o in checked["orders"] if o["side"] == "sell"]
    assert sell["amount"] == pytest.approx(SOLD, abs=1e-12)
    assert [u["lot_id"] for u in sell["tax"]["lots"]] == ["B"]
    assert sell["tax"]["tax"] == pytest.approx(B_TAX, abs=1e-6)

    code, out, err = run("rebalance", *venue, *trades, "--dry-run", "--json")
    assert code == 0, err
    plan_id = json.loads(out)["plan_id"]
    code, out, err = run("plan", "show", plan_id, "--journal", venue[-1], "--json")
    assert code == 0, err
    shown = json.loads(out)
    (planned,) = [o for o in shown["planned"] if o["side"] == "sell"]
    assert planned["amount"] == pytest.approx(sell["amount"], abs=1e-12)
    assert [u["lot_id"] for u in planned["tax"]["lots"]] == ["B"]
    assert planned["tax"]["tax"] == pytest.approx(sell["tax"]["tax"], abs=1e-9)
    assert shown["totals"]["tax"] == pytest.approx(checked["totals"]["tax"]["total"], abs=1e-9)


def test_watch_proposes_the_plan_check_shows_with_its_tax(tmp_path: Path) -> None:
    venue, _ = account(tmp_path, in_policy=True)
    code, out, err = run("check", *venue, "--json")
    assert code == 0, err
    (sell,) = [o for o in json.loads(out)["orders"] if o["side"] == "sell"]
    result = CliRunner().invoke(app, ["watch", *venue, "--once"], env={"TRIMTAB_NOTIFY": ""})
    assert result.exit_code == 0, result.stdout + result.stderr
    code, out, err = run("plans", "--journal", venue[-1], "--json")
    (proposed,) = json.loads(out)
    assert proposed["status"] == "proposed"
    code, out, err = run("plan", "show", proposed["plan_id"], "--journal", venue[-1], "--json")
    shown = json.loads(out)
    (planned,) = [o for o in shown["planned"] if o["side"] == "sell"]
    assert planned["amount"] == pytest.approx(sell["amount"], abs=1e-12)
    assert [u["lot_id"] for u in planned["tax"]["lots"]] == ["B"]
    assert planned["tax"]["tax"] == pytest.approx(B_TAX, abs=1e-6)
    code, out, _ = run("plan", "show", proposed["plan_id"], "--journal", venue[-1])
    assert f"estimated tax {B_TAX:,.2f} USDT" in " ".join(out.split())
    with open_journal(venue[-1]).session() as session:
        (note,) = session.scalars(select(NotificationRow.message)).all()
    assert f"estimated tax {B_TAX:,.2f}):" in note


@pytest.mark.parametrize("command", [["check"], ["rebalance", "--dry-run"], ["watch", "--once"]])
def test_a_missing_trade_file_named_in_the_policy_is_one_line(tmp_path: Path,
                                                               command: list[str]) -> None:
    venue, _ = account(tmp_path, in_policy=True)
    (tmp_path / "exports" / "lots.csv").unlink()
    code, out, err = run(*command, *venue)
    assert code == 2, out + err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"[tax] trades: {tmp_path / 'exports' / 'lots.csv'}: trade file not found" in err


def test_a_bad_row_in_a_policy_trade_file_names_the_file_row_and_column(tmp_path: Path) -> None:
    venue, _ = account(tmp_path, in_policy=True)
    (tmp_path / "exports" / "lots.csv").write_text(LOTS + "2024-12-02,buy,BTC,-1,paper,,1,,C\n")
    code, _, err = run("rebalance", *venue, "--dry-run")
    assert code == 2 and err.count("\n") == 1
    assert "lots.csv row 4: column 'units': -1 must be positive" in err


def test_the_next_plan_sees_the_lots_an_executed_plan_sold(tmp_path: Path) -> None:
    # rebalance sells 0.49999 of lot B; the journal's fill is a sale that every later plan
    # replays after the policy's files: B keeps 0.00001, A is whole
    venue, _ = account(tmp_path, in_policy=True)
    code, out, err = run("rebalance", *venue, "--yes", "--json")
    assert code == 0 and json.loads(out)["status"] == "done", out + err
    policy = load_policy(tmp_path / "policy.toml")
    ledger = planning_lots(policy, (), open_journal(venue[-1]))
    assert ledger is not None
    left = {lot.lot_id: lot.units for lot in ledger.lots}
    assert left == {"A": pytest.approx(1.0), "B": pytest.approx(0.5 - SOLD, abs=1e-12)}
    (sale,) = ledger.disposals
    assert sale.uses[0].lot_id == "B"


def test_rebalance_shows_the_tax_block_check_shows(tmp_path: Path) -> None:
    venue, _ = account(tmp_path, in_policy=True)
    code, out, err = run("rebalance", *venue, "--dry-run")
    assert code == 0, err
    assert f"Estimated tax {B_TAX:,.2f} USDT" in out
