"""Two trimtab processes on one journal and one paper account: one trades, the other waits.

Each test pauses a first process at its first order (journaled
pending-submit, not yet sent: `hold_driver`), starts a second one on the
same account with TRIMTAB_LEASE_WAIT=0, and checks that the second refused
(`busy`) without sending anything or touching the first one's order; then
the first is let go and finishes. Before the lease, the second traded the
same drift again and closed the first's in-flight order as "never placed".
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from trimtab.app.approvals import Approvals, Origin, venues_from_record
from trimtab.execution.states import ApprovalOutcome
from trimtab.journal.opening import open_journal

ROOT = Path(__file__).resolve().parents[2]
PRICES = "history:2025-01-31"


def env(tmp: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "COLUMNS": "200", "HOME": str(tmp),
            "TRIMTAB_LEASE_WAIT": "0", "TRIMTAB_KILL_FILE": str(tmp / "KILL")}


def trimtab(tmp: Path, command: str, *extra: str, policy: Path | None = None) -> list[str]:
    return [command, "-p", str(policy or ROOT / "examples" / "moderate.toml"),
            "--paper-prices", PRICES, "--paper-start", str(ROOT / "examples" / "paper-start.json"),
            "--journal", url(tmp), *extra]


def url(tmp: Path) -> str:
    return f"sqlite:///{tmp / 'journal.sqlite'}"


def held(tmp: Path, args: list[str]) -> subprocess.Popen[str]:
    """A trimtab process paused at its first order (pending-submit journaled, not sent)."""
    process = subprocess.Popen([sys.executable, "-m", "tests.concurrency.hold_driver",
                                str(tmp / "go"), *args], cwd=ROOT, env=env(tmp), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    for line in process.stdout:
        if "HOLDING" in line:
            return process
    raise AssertionError(process.stderr.read() if process.stderr else "no HOLDING")


def run(tmp: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trimtab", *args], cwd=ROOT, env=env(tmp),
                          capture_output=True, text=True, timeout=120)


def let_go(tmp: Path, process: subprocess.Popen[str]) -> str:
    (tmp / "go").touch()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out


def rows(tmp: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{tmp / 'journal.sqlite'}?mode=ro", uri=True) as db:
        return db.execute(query).fetchall()


def assert_each_order_sent_once(tmp: Path) -> None:
    sent = [cid for (cid,) in rows(tmp, "select client_order_id from paper_orders")]
    journaled = rows(tmp, "select client_order_id, state from orders")
    assert len(sent) == len(set(sent)) and set(sent) == {c for c, _ in journaled}
    assert all(state == "filled" for _, state in journaled)


def test_a_second_rebalance_and_a_watch_in_mode_auto_are_refused_while_the_first_trades(
        tmp_path: Path) -> None:
    auto = tmp_path / "auto.toml"
    auto.write_text((ROOT / "examples" / "moderate.toml").read_text().replace(
        'mode = "propose"', 'mode = "auto"'))
    first = held(tmp_path, trimtab(tmp_path, "rebalance", "--yes", "--json"))
    second = run(tmp_path, trimtab(tmp_path, "rebalance", "--yes", "--json"))
    assert second.returncode == 1 and "busy: the paper account is in use" in second.stderr
    watch = run(tmp_path, trimtab(tmp_path, "watch", "--once", policy=auto))
    assert watch.returncode == 1 and "busy" in watch.stdout, watch.stdout + watch.stderr
    assert rows(tmp_path, "select state from orders") == [("pending-submit",)]  # untouched
    assert rows(tmp_path, "select count(*) from plans")[0][0] == 1  # nobody else planned
    assert json.loads(let_go(tmp_path, first))["status"] == "done"
    again = run(tmp_path, trimtab(tmp_path, "rebalance", "--yes", "--json"))
    assert json.loads(again.stdout)["status"] == "nothing_to_do"
    assert_each_order_sent_once(tmp_path)


def test_the_dashboard_and_the_cli_approving_one_plan_execute_it_once(tmp_path: Path) -> None:
    proposed = run(tmp_path, trimtab(tmp_path, "watch", "--once"))
    assert proposed.returncode == 0, proposed.stderr
    ((plan_id,),) = rows(tmp_path, "select id from plans where status = 'proposed'")
    cli = held(tmp_path, ["approve", plan_id, "--journal", url(tmp_path)])
    journal = open_journal(url(tmp_path))
    dashboard = Approvals(journal, venues_from_record(journal, env(tmp_path)), wait=0)
    assert dashboard.approve(plan_id, Origin.DASHBOARD).outcome is ApprovalOutcome.BUSY
    assert "executed" in let_go(tmp_path, cli)
    assert dashboard.approve(plan_id, Origin.DASHBOARD).outcome \
        is ApprovalOutcome.ALREADY_DECIDED
    assert_each_order_sent_once(tmp_path)


def test_a_watch_killed_mid_order_is_recovered_by_the_next_watch(tmp_path: Path) -> None:
    auto = tmp_path / "auto.toml"
    auto.write_text((ROOT / "examples" / "moderate.toml").read_text().replace(
        'mode = "propose"', 'mode = "auto"'))
    killed = held(tmp_path, trimtab(tmp_path, "watch", "--interval", "1", policy=auto))
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert rows(tmp_path, "select state from orders") == [("pending-submit",)]
    again = run(tmp_path, trimtab(tmp_path, "watch", "--once", policy=auto))
    assert again.returncode == 0, again.stdout + again.stderr
    plans = dict(rows(tmp_path, "select status, count(*) from plans group by status"))
    assert plans == {"interrupted": 1, "done": 1}, plans
    assert rows(tmp_path, "select state, reason from orders order by id")[0] == (
        "cancelled", "not on the venue after a restart: never placed")
    sent = [cid for (cid,) in rows(tmp_path, "select client_order_id from paper_orders")]
    assert len(sent) == len(set(sent)) > 0
