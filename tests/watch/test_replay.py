"""Four months of real daily closes replayed through `trimtab watch` on the paper exchange.

The test works out, with its own few lines over the bundled CSV, which days
a monthly review falls on and on which days each asset leaves its band (and
has re-armed since its last notification by coming back well inside); the
journal must hold exactly those reviews and those breach notifications.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRICES = ROOT / "src" / "trimtab" / "data" / "paper_prices.csv"
START, END = date(2024, 1, 1), date(2024, 4, 30)
UNITS = {"BTC": 0.25, "ETH": 4.0, "USDT": 6_000.0}
TARGETS = {"BTC": 0.5, "ETH": 0.3, "USDT": 0.2}
WIDTH = 0.10
REARM = 0.25

POLICY = f"""
mode = "alert"
[targets]
BTC = 0.5
ETH = 0.3
USDT = 0.2
[bands]
kind = "relative"
width = {WIDTH}
[[schedules]]
every = "monthly"
action = "review"
[alerts]
cooldown = 1e12
worse_by = 1e12
rearm = {REARM}
"""


def expected() -> tuple[list[date], set[tuple[date, str]]]:
    closes = {date.fromisoformat(r["date"]): r for r in csv.DictReader(PRICES.open())}
    reviews, breaches, disarmed = [], set(), set()
    day = START
    while day <= END:
        row = closes[day - timedelta(days=1)]  # at 00:00 the last close is yesterday's
        values = {a: u * (1.0 if a == "USDT" else float(row[a])) for a, u in UNITS.items()}
        total = sum(values.values())
        for asset, value in values.items():
            off = abs(value / total - TARGETS[asset]) / (TARGETS[asset] * WIDTH)  # 1 = edge
            if off > 1 and asset not in disarmed:
                breaches.add((day, asset))
                disarmed.add(asset)
            elif off <= 1 - REARM:  # back well inside the band: the next breach notifies
                disarmed.discard(asset)
        if day.day == 1 and day != START:
            reviews.append(day)
        day += timedelta(days=1)
    return reviews, breaches


def test_the_journal_holds_exactly_the_reviews_and_breaches_of_the_history(tmp_path: Path):
    policy, start = tmp_path / "policy.toml", tmp_path / "start.json"
    policy.write_text(POLICY)
    start.write_text(json.dumps(UNITS))
    journal = tmp_path / "journal.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "trimtab", "watch", "-p", str(policy), "--paper-start",
         str(start), "--journal", f"sqlite:///{journal}", "--replay", f"{START}..{END}"],
        capture_output=True, text=True, timeout=300, env={"PATH": "", "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(journal) as db:
        checks = db.execute("select at, notified from watch_checks where ok").fetchall()
        notes = db.execute("select count(*) from notifications").fetchone()[0]
    notified = [(date.fromisoformat(at[:10]), n) for at, raw in checks for n in json.loads(raw)]
    reviews, breaches = expected()
    assert len(checks) == (END - START).days + 1
    assert sorted(d for d, n in notified if n.startswith("calendar:")) == reviews
    got = {(d, n.split(":", 1)[1]) for d, n in notified if n.startswith("threshold:")}
    assert got == breaches
    assert len(breaches) >= 3, "the window should hold several breaches to be a real test"
    assert notes == len({d for d, _ in notified})  # one message per check that notified


def test_a_plan_proposed_in_a_replay_is_never_executed_on_its_old_prices(tmp_path: Path):
    """A replay proposes on the prices of its clock's day; approved afterwards, that plan
    expires (it is as old as its prices), saying how old and what to do, and sends nothing."""
    from typer.testing import CliRunner

    from trimtab.cli.main import app

    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    runner = CliRunner()
    watched = runner.invoke(app, [
        "watch", "-p", str(ROOT / "examples" / "moderate.toml"), "--paper-start",
        str(ROOT / "examples" / "paper-start.json"), "--journal", url,
        "--replay", "2024-01-01..2024-02-15"], env={"COLUMNS": "200"})
    assert watched.exit_code == 0, watched.stdout
    with sqlite3.connect(tmp_path / "journal.sqlite") as db:
        ((plan_id, document),) = db.execute(
            "select id, document from plans where status = 'proposed'").fetchall()
        (made,) = db.execute("select max(at) from watch_checks where decision like "
                             "'proposed%'").fetchone()
    # the record names the day whose prices the plan was made on, not the replay's first
    made_on = date.fromisoformat(made[:10]) - timedelta(days=1)
    assert json.loads(document)["paper_prices"] == f"history:{made_on}"

    approved = runner.invoke(app, ["approve", plan_id, "--journal", url],
                             env={"COLUMNS": "200"})
    assert approved.exit_code == 1
    said = " ".join(approved.stdout.split())
    assert f"made at {made[:16]} UTC" in said and "days ago" in said
    assert "max_plan_age" in said and "planned again" in said
    with sqlite3.connect(tmp_path / "journal.sqlite") as db:
        assert db.execute("select count(*) from orders").fetchone() == (0,)
        assert db.execute("select status from plans where id = ?", (plan_id,)).fetchone() \
            == ("expired",)
