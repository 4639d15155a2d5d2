"""Exit statuses and error lines: 0 done, 1 stopped or refused, 2 invalid input, 3 internal.

Run in this process through the console script's own entry point
(`trimtab.cli.main.run`), so what a user sees is what is checked.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from trimtab.cli.main import run
from trimtab.journal.models import OrderRow
from trimtab.journal.opening import busy_message
from trimtab.journal.store import Journal, JournalBusy

ROOT = Path(__file__).resolve().parents[2]


def trimtab(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["trimtab", *args])
    with pytest.raises(SystemExit) as info:
        run()
    return int(info.value.code or 0)


def rebalance_args(tmp_path: Path, *extra: str) -> list[str]:
    return ["rebalance", "-p", str(ROOT / "examples" / "moderate.toml"), "--paper-prices",
            "history:2025-01-31", "--journal", f"sqlite:///{tmp_path / 'journal.sqlite'}",
            "--yes", "--json", *extra]


def test_a_full_disk_mid_execution_is_one_line_exit_3_and_the_next_run_finishes_the_job(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    real_add = Journal.add_order

    def disk_full_at_leg_2(self: Journal, row: OrderRow) -> OrderRow:
        if row.leg == 2:
            raise OperationalError("INSERT INTO orders", {},
                                   sqlite3.OperationalError("database or disk is full"))
        return real_add(self, row)

    monkeypatch.setattr(Journal, "add_order", disk_full_at_leg_2)
    start = ["--paper-start", str(ROOT / "examples" / "paper-start.json")]
    assert trimtab(monkeypatch, *rebalance_args(tmp_path, *start)) == 3
    err = capsys.readouterr().err  # progress lines, then the error in one line
    last = err.splitlines()[-1]
    assert "Traceback" not in err and last.startswith("journal error:")
    assert "database or disk is full" in last
    assert (tmp_path / "state" / "trimtab" / "log" / "crash.log").is_file()
    monkeypatch.setattr(Journal, "add_order", real_add)
    assert trimtab(monkeypatch, *rebalance_args(tmp_path)) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "done"
    assert trimtab(monkeypatch, *rebalance_args(tmp_path)) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "nothing_to_do"


def test_an_error_line_is_text_never_rich_markup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "p[targets].toml"
    assert trimtab(monkeypatch, "check", "-p", str(missing), "-s",
                   str(ROOT / "examples" / "snapshot-spot.json")) == 2
    assert "p[targets].toml" in capsys.readouterr().err


def test_nan_in_paper_start_is_refused_and_the_journal_stays_usable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nan = tmp_path / "start.json"
    nan.write_text('{"USDT": NaN, "BTC": 0.1}')
    assert trimtab(monkeypatch, *rebalance_args(tmp_path, "--paper-start", str(nan))) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--paper-start" in err and "USDT" in err
    start = ["--paper-start", str(ROOT / "examples" / "paper-start.json")]
    assert trimtab(monkeypatch, *rebalance_args(tmp_path, *start)) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "done"


def test_a_journal_locked_mid_execution_is_one_busy_line_exit_1_and_the_next_run_finishes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another process kept the journal locked past the busy timeout as leg 2's intent was
    to be written: it used to be "journal error: OperationalError: database is locked",
    exit 3 and a crash log; it is a refusal, not a bug: one `busy:` line, exit 1."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    real_add = Journal.add_order

    def locked_at_leg_2(self: Journal, row: OrderRow) -> OrderRow:
        if row.leg == 2:
            raise JournalBusy(busy_message())
        return real_add(self, row)

    monkeypatch.setattr(Journal, "add_order", locked_at_leg_2)
    start = ["--paper-start", str(ROOT / "examples" / "paper-start.json")]
    assert trimtab(monkeypatch, *rebalance_args(tmp_path, *start)) == 1
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert "Traceback" not in err and last.startswith("busy: the journal is busy"), err
    assert "another trimtab process" in last
    assert not (tmp_path / "state" / "trimtab" / "log" / "crash.log").exists()
    monkeypatch.setattr(Journal, "add_order", real_add)
    assert trimtab(monkeypatch, *rebalance_args(tmp_path)) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "done"


def test_an_internal_error_line_masks_the_secrets_its_text_carries(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The one line of an unexpected error goes to stderr (a service's log) past the log's
    secret filter; an error's text can carry a Bot API URL (the token is in its path) or
    a venue's key: it showed them. Now they are masked as in the log."""
    monkeypatch.setenv("TRIMTAB_TELEGRAM_TOKEN", "123456:bot-secret")
    monkeypatch.setenv("TRIMTAB_BINANCE_API_KEY", "venue-key-42")

    def leaky(self: Journal, row: OrderRow) -> OrderRow:
        raise RuntimeError("POST https://api.telegram.org/bot123456:bot-secret/sendMessage "
                           "key=venue-key-42 https://user:pw@hooks.example")

    monkeypatch.setattr(Journal, "add_order", leaky)
    start = ["--paper-start", str(ROOT / "examples" / "paper-start.json")]
    assert trimtab(monkeypatch, *rebalance_args(tmp_path, *start)) == 3
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("internal error: RuntimeError: POST https://api.telegram.org/bot***/")
    assert "bot-secret" not in last and "venue-key-42" not in last and "pw@" not in last
    crash_log = last.split("the traceback is in ")[1].split(". Unfinished")[0]
    kept = Path(crash_log).read_text()  # the traceback is there, masked as every log is
    assert "RuntimeError" in kept and "Traceback" in kept
    assert "bot-secret" not in kept and "venue-key-42" not in kept and "pw@" not in kept
