"""`trimtab approve` and `trimtab reject` on plans `trimtab watch` proposed: the id is enough."""

from __future__ import annotations

import json
import re
import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.builders import snapshot
from tests.journal.test_readers_beside_a_writer import write_lock_held
from trimtab.app.approvals import propose
from trimtab.app.inputs import load_policy
from trimtab.app.rebalance import open_or_fail
from trimtab.app.wiring import VenueActions
from trimtab.cli import approvals as cli_approvals
from trimtab.cli.main import app
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan
from trimtab.journal import opening
from trimtab.journal.models import EventRow, NotificationRow, OrderRow, PlanRow
from trimtab.journal.opening import open_journal
from trimtab.journal.store import Journal
from trimtab.venues.retry import Backoff

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "moderate.toml"
START = ROOT / "examples" / "paper-start.json"


def run(env: dict[str, str], *argv: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(argv), env={"TRIMTAB_NOTIFY": "", **env})
    return result.exit_code, result.stdout + result.stderr


def watch_once(env: dict[str, str], prices: str = "history:2025-01-31") -> str:
    """`trimtab watch --once` in mode propose; the id of the plan it proposed."""
    code, out = run(env, "watch", "-p", str(POLICY), "--paper-start", str(START),
                    "--paper-prices", prices, "--once")
    assert code == 0, out
    with open_journal(env["TRIMTAB_JOURNAL"]).session() as session:
        [plan] = session.scalars(select(PlanRow)).all()
        assert plan.status == "proposed"
        return plan.id


def orders(journal: Journal) -> list[str]:
    with journal.session() as session:
        return list(session.scalars(select(OrderRow.client_order_id)))


def test_a_proposed_plan_is_approved_with_the_command_the_notification_prints(
        tmp_path: Path) -> None:
    env = {"TRIMTAB_JOURNAL": f"sqlite:///{tmp_path / 'journal.sqlite'}"}
    plan_id = watch_once(env)
    journal = open_journal(env["TRIMTAB_JOURNAL"])
    with journal.session() as session:
        note = session.scalars(select(NotificationRow)).one().message
    command = re.search(r"trimtab (approve \S+?)(?=,|\s|$)", note)
    assert command is not None and command.group(1) == f"approve {plan_id}"
    code, out = run(env, *command.group(1).split())  # no other flag
    assert code == 0, out
    assert f"plan {plan_id}: executed: 5 of 5 orders filled" in out
    assert len(orders(journal)) == 5
    assert journal.plan(plan_id).status == "done"
    code, out = run(env, "approve", plan_id)
    assert code == 1 and "already-decided" in out and len(orders(journal)) == 5


def test_an_approval_whose_venue_cannot_be_opened_fails_and_a_later_one_executes_once(
        tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"as_of": "2025-02-01T00:00:00Z", "prices": {
        "BTC": 102_405.03, "ETH": 3_300.0, "SOL": 230.0, "AVAX": 35.0, "LINK": 25.0}}))
    env = {"TRIMTAB_JOURNAL": f"sqlite:///{tmp_path / 'journal.sqlite'}"}
    plan_id = watch_once(env, str(prices))
    shutil.move(prices, tmp_path / "elsewhere.json")
    code, out = run(env, "approve", plan_id)
    assert code == 1 and "failed" in out and "prices.json" in out
    journal = open_journal(env["TRIMTAB_JOURNAL"])
    failed = journal.plan(plan_id)
    assert failed.status == "failed" and "prices.json" in (failed.reason or "")
    assert orders(journal) == []
    shutil.move(tmp_path / "elsewhere.json", prices)  # fixed
    code, out = run(env, "approve", plan_id)
    assert code == 0 and "executed" in out, out
    placed = orders(journal)
    assert placed and len(placed) == len(set(placed))
    assert run(env, "approve", plan_id)[0] == 1 and orders(journal) == placed


def test_a_plan_for_an_exchange_without_keys_fails_with_the_variables_to_set(
        tmp_path: Path) -> None:
    # the finding: approving a ccxt venue's plan without --venue raised KeyError: 'binance'
    # and left the plan executing for good
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    journal = open_journal(url)
    policy = load_policy(POLICY)
    snap = snapshot({"BTC": 100_000.0, "ETH": 3_000.0, "SOL": 200.0, "AVAX": 30.0,
                     "LINK": 20.0}, {"BTC": 0.1, "USDT": 1_000.0})
    actions = VenueActions(policy, journal, {}, Backoff(sleep=lambda _: None))
    actions.venues = {"binance": None}  # type: ignore[dict-item]  # only its name is recorded
    analysis = analyse(snap, policy)
    plan_id = propose(actions, snap, analysis, make_plan(snap, policy, analysis))
    code, out = run({"TRIMTAB_JOURNAL": url}, "approve", plan_id)
    assert code == 1
    assert "failed" in out and "TRIMTAB_BINANCE_API_KEY" in out, out
    row = journal.plan(plan_id)
    assert row.status == "failed" and "TRIMTAB_BINANCE_API_KEY" in (row.reason or "")
    with journal.session() as session:
        kinds = list(session.scalars(select(EventRow.kind).where(EventRow.plan_id == plan_id)))
    assert "approval_failed" in kinds and orders(journal) == []


def test_reject_needs_only_the_id(tmp_path: Path) -> None:
    env = {"TRIMTAB_JOURNAL": f"sqlite:///{tmp_path / 'journal.sqlite'}"}
    plan_id = watch_once(env)
    code, out = run(env, "reject", plan_id)
    assert code == 0 and "rejected" in out
    assert run(env, "approve", plan_id)[0] == 1
    assert run(env, "reject", "nosuchplan")[0] == 1


def test_an_approval_that_meets_another_process_writing_the_journal_says_busy_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock is taken just after the command opened the journal, as another process
    would between the two: the approval itself meets it. It used to raise "database is
    locked" (a crash log, exit 3); now one line, exit 1, and the plan waits as it was."""
    env = {"TRIMTAB_JOURNAL": f"sqlite:///{tmp_path / 'journal.sqlite'}"}
    plan_id = watch_once(env)
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    with ExitStack() as lock:
        def opened_then_locked(url: str | None) -> Journal:
            journal = open_or_fail(url)
            lock.enter_context(write_lock_held(env["TRIMTAB_JOURNAL"]))
            return journal
        monkeypatch.setattr(cli_approvals, "open_or_fail", opened_then_locked)
        code, out = run(env, "approve", plan_id)
    assert code == 1 and len(out.strip().splitlines()) == 1, out
    assert out.startswith(f"plan {plan_id}: busy: ") and "another trimtab process" in out, out
    journal = open_journal(env["TRIMTAB_JOURNAL"])
    assert journal.plan(plan_id).status == "proposed" and orders(journal) == []
    monkeypatch.undo()
    code, out = run(env, "approve", plan_id)
    assert code == 0 and "executed" in out, out
