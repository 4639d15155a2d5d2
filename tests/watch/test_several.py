"""Several policies in one watch process: each on its own schedule, account and journal rows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from tests.builders import policy
from tests.watch.test_loop import START, Market, MemoryJournal
from trimtab.domain.analysis.alerting import Notified
from trimtab.domain.contributions import due_contributions
from trimtab.execution.states import PlanStatus, WatchState
from trimtab.journal.models import AlertMemoryRow, NotificationRow, PlanRow, WatchCheckRow
from trimtab.journal.opening import open_journal
from trimtab.journal.plan_record import load_record
from trimtab.watch.history import WatchLog
from trimtab.watch.loop import ReplayClock, Watcher
from trimtab.watch.notify import Delivery
from trimtab.watch.several import Watchers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _watcher(clock: ReplayClock, every: float) -> tuple[Watcher, MemoryJournal]:
    journal = MemoryJournal()
    pol = policy({"BTC": 0.5, "USDT": 0.5}, check_interval=every)
    watcher = Watcher(pol, Market(clock, {START: 50_000.0}), journal, clock,
                      send=lambda m: Delivery(True, 1, ("json://x",)))
    return watcher, journal


def test_each_watcher_checks_on_its_own_interval_on_one_clock() -> None:
    clock = ReplayClock(START)
    hourly, hourly_log = _watcher(clock, 3_600.0)
    daily, daily_log = _watcher(clock, 86_400.0)
    beats: list[str] = []
    Watchers([daily, hourly], clock, hourly.stop,
             beat=lambda state, detail, nxt: beats.append(str(state))
             ).run(until=START + timedelta(days=2))
    assert beats[0] == str(WatchState.CHECKING) and beats[-1] == str(WatchState.STOPPED)
    assert str(WatchState.WAITING) in beats  # the process says it lives between checks
    assert [c[0] for c in daily_log.checks] == [START + timedelta(days=d) for d in range(3)]
    assert [c[0] for c in hourly_log.checks] == [START + timedelta(hours=h)
                                                 for h in range(49)]
    assert clock.now() == START + timedelta(days=2)


def test_stopping_ends_every_watcher_between_checks() -> None:
    clock = ReplayClock(START)
    first, log = _watcher(clock, 3_600.0)
    second, _ = _watcher(clock, 3_600.0)
    first.on_tick = lambda report, nxt: first.stop.set() if len(log.checks) == 3 else None
    Watchers([first, second], clock, first.stop).run()
    assert len(log.checks) == 3


def test_two_policies_keep_their_own_last_check_and_alert_memory(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    steady, bold = WatchLog(journal, "steady"), WatchLog(journal, "bold")
    clock = ReplayClock(START)
    watcher, _ = _watcher(clock, 3_600.0)
    analysis = watcher.tick().analysis
    memory = {("threshold", "BTC"): Notified("threshold", "BTC", START, 0.1)}
    steady.record_check(START, analysis, (), (), "none", memory)
    assert steady.last_check() == START and bold.last_check() is None
    assert steady.alert_memory() == memory and bold.alert_memory() == {}
    bold.record_check(START + timedelta(hours=1), analysis, (), (), "none", {})
    assert steady.alert_memory() == memory  # bold's empty memory clears nothing of steady's


def _replay(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRIMTAB_CONFIG_DIR": str(tmp_path / "config"),
           "TRIMTAB_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("TRIMTAB_NOTIFY", None)
    return subprocess.run([sys.executable, "-m", "trimtab", "watch", *args,
                           "--paper-start", str(EXAMPLES / "paper-start.json"),
                           "--journal", f"sqlite:///{tmp_path / 'journal.sqlite'}"],
                          capture_output=True, text=True, timeout=600, env=env)


def test_two_paper_policies_in_one_process_each_trade_and_journal_their_own(
        tmp_path: Path) -> None:
    """A folder of two policies replayed in one process: each has its own paper account,
    checks, alerts and plans, and a notification names its policy."""
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(EXAMPLES / "moderate.toml", folder / "steady.toml")
    (folder / "bold.toml").write_text((EXAMPLES / "aggressive.toml").read_text()
                                      .replace('mode = "propose"', 'mode = "auto"'))
    run = _replay(tmp_path, "-p", str(folder), "--replay", "2024-01-01..2024-03-31")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert any(line.startswith("steady  2024-03-31") for line in lines)
    assert any(line.startswith("bold  2024-03-31") for line in lines)
    engine = create_engine(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    with Session(engine) as session:
        checks = {name: session.scalar(select(text("count(*)")).select_from(WatchCheckRow)
                                       .where(WatchCheckRow.policy == name, WatchCheckRow.ok))
                  for name in ("steady", "bold", "")}
        assert checks == {"steady": 91, "bold": 91, "": 0}  # a check a day, Jan 1 to Mar 31
        plans = list(session.scalars(select(PlanRow)))
        venues = {load_record(p.id, p.document).venues for p in plans}
        assert venues == {("paper-steady",), ("paper-bold",)}
        executed = {load_record(p.id, p.document).venues for p in plans
                    if p.status == PlanStatus.DONE}
        assert executed == {("paper-bold",)}  # mode auto trades; propose waits for approval
        memory = {r.policy for r in session.scalars(select(AlertMemoryRow))}
        assert memory <= {"steady", "bold"} and memory
        titles = [r.message.split("\n")[0] for r in session.scalars(select(NotificationRow))]
        assert titles and all(t.startswith(("steady: ", "bold: ")) for t in titles)
        accounts = dict(session.execute(text(
            "select account, count(*) from paper_balances group by account")).all())
    assert set(accounts) == {"paper-steady", "paper-bold"}
    again = _replay(tmp_path, "-p", str(folder / "steady.toml"), "-p",
                    str(folder / "bold.toml"), "--once", "--venue", "paper")
    assert again.returncode == 0, again.stderr
    assert json.dumps(sorted(line.split()[0] for line in again.stdout.splitlines()
                             if line.startswith(("steady ", "bold ")))) == '["bold", "steady"]'


def test_several_policies_on_an_exchange_account_are_refused_in_one_line(
        tmp_path: Path) -> None:
    run = _replay(tmp_path, "-p", str(EXAMPLES / "moderate.toml"), "-p",
                  str(EXAMPLES / "aggressive.toml"), "--venue", "binance", "--once")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "each on an account of its own" in run.stderr


def test_two_policies_with_the_same_contribution_each_plan_their_own_dates(
        tmp_path: Path) -> None:
    """A contribution's journal rows are keyed by timing and amount: without the policy's
    name, the second policy found the first's date already planned and never planned it."""
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    pol = policy({"BTC": 0.5, "USDT": 0.5},
                 contributions=[{"every": "monthly", "amount": 2_000}])
    [monthly] = pol.contributions
    dues = due_contributions(pol.contributions, START, START + timedelta(days=40))
    for name in ("steady", "bold"):
        log = WatchLog(journal, name)
        pending = log.pending(dues, [monthly.key])
        assert [p.at for p in pending] == [d.at for d in dues]
        journal.add_plan(PlanRow(id=f"plan-{name}", snapshot_id=0, status="proposed",
                                 document="{}"), tuple(p.date for p in pending))
        assert log.pending(dues, [monthly.key]) == ()  # each policy's plan took its own dates
