"""`trimtab watch` as a real process: killed, restarted, and stopped by SIGTERM."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

POLICY = """
mode = "auto"
[targets]
BTC = 0.5
ETH = 0.3
USDT = 0.2
[bands]
kind = "relative"
width = 0.10
[costs]
fee_rate = 0.001
slippage_bps = 5
min_trade = 10
"""
START = {"BTC": 0.2, "ETH": 2.0, "USDT": 1_000.0}  # BTC far over its band on 2025-02-10


def command(tmp: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "trimtab", "watch", "-p", str(tmp / "policy.toml"),
            "--paper-start", str(tmp / "start.json"), "--journal",
            f"sqlite:///{tmp / 'journal.sqlite'}", "--interval", "1", *extra]


def rows(tmp: Path, query: str) -> list[tuple[object, ...]]:
    # read-only: connecting must never create the journal file before trimtab does
    with sqlite3.connect(f"file:{tmp / 'journal.sqlite'}?mode=ro", uri=True) as db:
        return db.execute(query).fetchall()


def wait_for_checks(tmp: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if rows(tmp, "select count(*) from watch_checks")[0][0] >= count:
                return
        except sqlite3.OperationalError:
            pass  # the journal is being created
        time.sleep(0.2)
    stderr = process.stderr.read() if process.poll() is not None and process.stderr else ""
    raise AssertionError(f"no {count} checks: exit {process.poll()}: {stderr}")


def setup(tmp: Path) -> None:
    (tmp / "policy.toml").write_text(POLICY)
    (tmp / "start.json").write_text(json.dumps(START))


def test_killed_and_restarted_it_neither_repeats_alerts_nor_orders(tmp_path: Path) -> None:
    setup(tmp_path)
    first = subprocess.Popen(command(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={"PATH": "", "COLUMNS": "200"})
    wait_for_checks(tmp_path, 3, first)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    orders = rows(tmp_path, "select client_order_id, state from orders")
    notes = rows(tmp_path, "select count(*) from notifications")[0][0]
    assert orders and all(state == "filled" for _, state in orders)
    assert notes == 1  # the breach, notified once while it lasted

    again = subprocess.run(command(tmp_path, "--once"), capture_output=True, text=True,
                           timeout=120, env={"PATH": "", "COLUMNS": "200"})
    assert again.returncode == 0, again.stderr
    assert rows(tmp_path, "select client_order_id, state from orders") == orders
    assert rows(tmp_path, "select count(*) from notifications")[0][0] == notes
    ids = [cid for cid, _ in orders]
    assert len(ids) == len(set(ids))


def test_sigterm_stops_it_between_checks(tmp_path: Path) -> None:
    setup(tmp_path)
    process = subprocess.Popen(command(tmp_path), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env={"PATH": "", "COLUMNS": "200"})
    wait_for_checks(tmp_path, 2, process)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "watch stopped" in out
    plans = rows(tmp_path, "select status from plans")
    assert plans and all(status in ("done", "nothing_to_do") for (status,) in plans)
