"""`trimtab rebalance` and `trimtab journal` end to end on the paper exchange."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from trimtab.cli.main import app
from trimtab.journal.models import OrderRow, PaperOrderRow
from trimtab.journal.opening import open_journal

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "moderate.toml"
START = ROOT / "examples" / "paper-start.json"
HERE = Path(__file__).resolve().parents[1] / "execution"


def args(journal: str, *more: str) -> list[str]:
    return ["rebalance", "--policy", str(POLICY), "--paper-prices", "history:2025-01-31",
            "--paper-start", str(START), "--journal", journal, *more]


def run(*argv: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(argv))
    return result.exit_code, result.stdout, result.stderr


def test_a_run_executes_and_a_second_run_finds_nothing_to_do(tmp_path: Path) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    code, out, _ = run(*args(journal, "--yes", "--json"))
    first = json.loads(out)
    assert code == 0 and first["status"] == "done" and first["orders"]
    assert all(o["status"] == "filled" and o["client_order_id"].startswith("trimtab")
               for o in first["orders"])
    assert not first["after"]["triggered"]
    code, out, _ = run(*args(journal, "--yes", "--json"))
    assert code == 0 and json.loads(out)["status"] == "nothing_to_do"
    assert json.loads(out)["orders"] == []
    code, out, _ = run("journal", "--journal", journal, "--json")
    plans = json.loads(out)
    assert [p["status"] for p in plans] == ["nothing_to_do", "done"]


def test_dry_run_sends_nothing(tmp_path: Path) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    code, out, _ = run(*args(journal, "--dry-run", "--json"))
    assert code == 0 and json.loads(out)["status"] == "dry-run"
    with open_journal(journal).session() as session:
        assert session.scalar(select(func.count()).select_from(PaperOrderRow)) == 0


def test_without_a_terminal_or_yes_nothing_is_sent(tmp_path: Path) -> None:
    code, _, err = run(*args(f"sqlite:///{tmp_path / 'j.sqlite'}"))
    assert code == 2 and "--yes" in err


def test_bad_input_is_one_line_naming_the_option(tmp_path: Path) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    code, _, err = run("rebalance", "--policy", str(POLICY), "--journal", journal,
                       "--paper-prices", "history:1999-01-01", "--paper-start", str(START))
    assert code == 2 and err.count("\n") == 1 and "--paper-prices" in err
    code, _, err = run("rebalance", "--policy", str(POLICY), "--journal", journal)
    assert code == 2 and "--paper-start" in err


def test_killed_between_two_orders_a_rerun_completes_without_duplicates(
        tmp_path: Path) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, str(HERE / "kill_driver.py"),
                             *args(journal, "--yes")], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if "HANGING-BEFORE-ORDER-2" in line:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    states = _states(journal)
    assert states[0] == "filled" and states[1] == "pending-submit"  # the crash point
    code, out, _ = run(*args(journal, "--yes", "--json"))
    assert code == 0 and json.loads(out)["status"] == "done"
    with open_journal(journal).session() as session:
        venue_ids = list(session.scalars(select(PaperOrderRow.client_order_id)))
        journal_ids = list(session.scalars(select(OrderRow.client_order_id)))
    assert len(venue_ids) == len(set(venue_ids)) and len(journal_ids) == len(set(journal_ids))
    assert set(venue_ids) <= set(journal_ids)
    code, out, _ = run(*args(journal, "--yes", "--json"))
    assert json.loads(out)["status"] == "nothing_to_do"


def _states(journal: str) -> list[str]:
    with open_journal(journal).session() as session:
        return list(session.scalars(select(OrderRow.state).order_by(OrderRow.id)))


def test_mode_alert_never_executes(tmp_path: Path) -> None:
    policy = tmp_path / "alert.toml"
    policy.write_text('profile = "moderate"\nmode = "alert"\n')
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    code, out, _ = run("rebalance", "--policy", str(policy), "--paper-prices",
                       "history:2025-01-31", "--paper-start", str(START), "--journal", journal,
                       "--yes", "--json")
    assert code == 0 and json.loads(out)["status"] == "alert_only"
    with open_journal(journal).session() as session:
        assert session.scalar(select(func.count()).select_from(PaperOrderRow)) == 0


def test_an_unknown_venue_is_one_line_naming_it(tmp_path: Path) -> None:
    code, _, err = run("rebalance", "--policy", str(POLICY), "--venue", "notanexchange",
                       "--journal", f"sqlite:///{tmp_path / 'j.sqlite'}")
    assert code == 2 and "notanexchange" in err and err.count("\n") == 1


def test_wallet_holdings_are_weighed_and_never_traded(tmp_path: Path) -> None:
    wallet = tmp_path / "wallet.json"
    wallet.write_text('{"BTC": 0.2}')
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    code, out, _ = run(*args(journal, "--holdings", str(wallet), "--yes", "--json"))
    document = json.loads(out)
    assert code == 0 and document["status"] == "done"
    assert all(o["venue"] == "paper" for o in document["orders"])
    btc_sold = sum(float(o["amount"]) for o in document["orders"]
                   if o["symbol"] == "BTC/USDT" and o["side"] == "sell")
    assert btc_sold > 0.085  # more BTC is overweight once the wallet's 0.2 BTC counts


def test_the_kill_switch_file_stops_before_any_order(tmp_path: Path) -> None:
    kill = tmp_path / "KILL"
    kill.write_text("")
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    result = CliRunner().invoke(app, args(journal, "--yes", "--json"),
                                env={"TRIMTAB_KILL_FILE": str(kill)})
    document = json.loads(result.stdout)
    # nothing was sent: the plan failed (it did not start), exit status 1 as for a stop
    assert result.exit_code == 1 and document["status"] == "failed"
    assert document["stop"]["code"] == "kill_switch" and document["orders"] == []
