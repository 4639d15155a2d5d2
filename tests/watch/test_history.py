"""The watch journal on a real SQLite file: checks, notifications, and resuming after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.builders import policy, snapshot
from trimtab.app.history import watch_checks
from trimtab.domain.analysis.alerting import due
from trimtab.domain.analysis.drift import analyse
from trimtab.journal.opening import open_journal
from trimtab.watch.history import WatchLog
from trimtab.watch.notify import Delivery, Message

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def breached_analysis():
    pol = policy({"BTC": 0.5, "USDT": 0.5})
    return pol, analyse(snapshot({"BTC": 70_000.0}, {"BTC": 0.1, "USDT": 5_000.0}), pol)


def test_alert_memory_survives_a_restart_so_nothing_is_notified_twice(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    pol, analysis = breached_analysis()
    log = WatchLog(open_journal(url))
    notified, memory = due(analysis.triggers, log.alert_memory(), T0, pol.alerts)
    assert [t.subject for t in notified] == ["BTC", "USDT"]
    log.record_check(T0, analysis, analysis.triggers, notified, "alert only", memory)

    restarted = WatchLog(open_journal(url))  # a new process on the same file
    assert restarted.last_check() == T0
    again, _ = due(analysis.triggers, restarted.alert_memory(), T0 + timedelta(minutes=5),
                   pol.alerts)
    assert again == ()


def test_a_cleared_alert_is_kept_as_inactive_and_an_outage_is_not_a_check(tmp_path: Path):
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    pol, analysis = breached_analysis()
    log = WatchLog(journal)
    notified, memory = due(analysis.triggers, {}, T0, pol.alerts)
    log.record_check(T0, analysis, analysis.triggers, notified, "alert only", memory)
    log.record_check(T0 + timedelta(hours=1), None, (), (), "outage: ConnectionError", memory)
    assert log.last_check() == T0
    log.record_check(T0 + timedelta(hours=2), analysis, (), (), "none", {})
    assert log.alert_memory() == {}
    with journal.engine.connect() as conn:
        rows = conn.exec_driver_sql("select count(*), sum(active) from alert_memory").one()
    assert tuple(rows) == (2, 0)  # both rows kept, both inactive
    assert [c.decision for c in watch_checks(journal)] == ["none", "outage: ConnectionError",
                                                           "alert only"]


def test_a_failed_notification_is_recorded_with_its_error(tmp_path: Path):
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    WatchLog(journal).record_notification(
        T0, Message("title", "body"), Delivery(False, 3, ("json://127.0.0.1:9/x",), "refused"))
    with journal.engine.connect() as conn:
        delivered, message = conn.exec_driver_sql(
            "select delivered, message from notifications").one()
    assert delivered == 0 and "not delivered after 3 attempt(s): refused" in message


def test_trimtab_journal_watch_lists_the_checks(tmp_path: Path):
    import json as json_
    import subprocess
    import sys
    url = f"sqlite:///{tmp_path / 'j.sqlite'}"
    pol, analysis = breached_analysis()
    log = WatchLog(open_journal(url))
    notified, memory = due(analysis.triggers, {}, T0, pol.alerts)
    log.record_check(T0, analysis, analysis.triggers, notified, "alert only", memory)
    out = subprocess.run([sys.executable, "-m", "trimtab", "journal", "--watch", "--journal",
                          url, "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    [check] = json_.loads(out.stdout)
    assert check["notified"] == ["threshold:BTC", "threshold:USDT"]
    assert check["decision"] == "alert only" and check["weights"]["BTC"] > 0.55
