"""`trimtab rebalance` killed mid-style: a resting limit child, the pause of a TWAP.

Real processes, killed with SIGKILL at the point each scenario names (found by
reading the journal, never by timing); the next run must resolve what the dead
one left and complete without sending anything twice.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from trimtab.cli.main import app
from trimtab.journal.models import OrderRow, PaperOrderRow
from trimtab.journal.opening import open_journal

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "examples" / "paper-start.json"
WAIT_LIMIT = 120.0  # seconds before a scenario gives up waiting for its crash point


def policy(tmp_path: Path, name: str, execution: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'profile = "moderate"\n\n[execution]\n{execution}\n')
    return path


def args(pol: Path, journal: str, *more: str) -> list[str]:
    return ["rebalance", "--policy", str(pol), "--paper-prices", "history:2025-01-31",
            "--paper-start", str(START), "--journal", journal, "--yes", *more]


def rows(journal: str) -> list[OrderRow]:
    with open_journal(journal).session() as session:
        out = list(session.scalars(select(OrderRow).order_by(OrderRow.id)))
        session.expunge_all()
    return out


def peek(journal: str) -> list[tuple[str, int, str]]:
    """(client order id, leg, state) of each order, read without opening (or creating) it."""
    path = journal.removeprefix("sqlite:///")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return list(db.execute("SELECT client_order_id, leg, state FROM orders ORDER BY id"))
    except sqlite3.OperationalError:  # not created yet, or its tables not yet
        return []


def kill_when(argv: list[str], journal: str,
              ready: Callable[[list[tuple[str, int, str]]], bool]) -> None:
    """Start trimtab, wait until the journal shows the crash point, SIGKILL it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "trimtab", *argv], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT_LIMIT
    try:
        while not ready(peek(journal)):
            assert proc.poll() is None, "trimtab ended before the crash point"
            assert time.monotonic() < deadline, "the crash point never came"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)


def rerun_completes_without_duplicates(pol: Path, journal: str) -> None:
    result = CliRunner().invoke(app, args(pol, journal, "--json"))
    assert result.exit_code == 0 and json.loads(result.stdout)["status"] == "done"
    with open_journal(journal).session() as session:
        venue_ids = list(session.scalars(select(PaperOrderRow.client_order_id)))
    journal_ids = [r.client_order_id for r in rows(journal)]
    assert len(venue_ids) == len(set(venue_ids)) and len(journal_ids) == len(set(journal_ids))
    assert set(venue_ids) <= set(journal_ids)
    assert all(r.state in ("filled", "cancelled", "rejected") for r in rows(journal))
    again = CliRunner().invoke(app, args(pol, journal, "--json"))
    assert json.loads(again.stdout)["status"] == "nothing_to_do"


def test_killed_while_a_limit_child_rests_the_next_run_cancels_it_and_completes(
        tmp_path: Path) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    resting = policy(tmp_path, "limit", 'style = "post-only"\ntimeout = 3600\n'
                     'poll_interval = 0.2')
    kill_when(args(resting, journal), journal,
              lambda found: any(state == "open" for _, _, state in found))
    [orphan] = [r for r in rows(journal) if r.state == "open"]
    rerun_completes_without_duplicates(policy(tmp_path, "market", 'style = "market"'),
                                       journal)
    cancelled = next(r for r in rows(journal) if r.client_order_id == orphan.client_order_id)
    assert cancelled.state == "cancelled" and "cancelled at start-up" in (cancelled.reason or "")


def test_killed_in_the_pause_of_a_twap_the_next_run_plans_only_the_rest(
        tmp_path: Path) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    twap = policy(tmp_path, "twap", "max_slice = 200\ntwap_window = 36000")
    kill_when(args(twap, journal), journal,
              lambda found: len(found) >= 1 and found[-1][2] == "filled")
    before = rows(journal)
    assert len({r.leg for r in before}) == 1  # killed inside the first leg
    rerun_completes_without_duplicates(policy(tmp_path, "market", 'style = "market"'),
                                       journal)
    after = rows(journal)
    assert [r.client_order_id for r in after[:len(before)]] == [
        r.client_order_id for r in before]  # the dead run's children were kept, none re-sent
