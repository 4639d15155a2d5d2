"""A command that only reads the journal never waits for, nor takes, SQLite's write lock.

Another process (a rebalance, watch) holds the write lock while it trades;
`trimtab journal` used to begin every transaction with BEGIN IMMEDIATE, so
it waited the whole busy timeout (10 s) and then failed "database is
locked". Each test sets the busy timeout to 0: a read that asks for the
lock fails at once instead of waiting.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, inspect, select
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from trimtab.cli.main import app
from trimtab.cli.main import run as console_script
from trimtab.journal import opening
from trimtab.journal.opening import open_journal
from trimtab.journal.tables import SCHEMA_VERSION, events, metadata, schema_version


@pytest.fixture
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A journal holding one event, with no busy timeout for what opens it from now on."""
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    opened = open_journal(url)
    opened.event("stopped", "the first run stopped")
    opened.engine.dispose()
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    return url


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    """Another process's writer, in the middle of a transaction that holds the write lock."""
    other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO events (at, kind, message) "
                      "VALUES ('2025-01-01 00:00:00', 'run', 'not committed')")
        yield
    finally:
        other.rollback()
        other.close()


def run(*argv: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(argv))
    return result.exit_code, result.stdout + result.stderr


def test_trimtab_journal_reads_at_once_while_another_process_holds_the_write_lock(
        journal: str) -> None:
    with write_lock_held(journal):
        code, out = run("journal", "--journal", journal)
        assert (code, "database is locked" in out) == (0, False), out
        code, out = run("journal", "check", "--journal", journal)
        assert code == 0 and "journal sound" in out, out
        code, out = run("plans", "--journal", journal)
        assert code == 0 and "The journal has no plans yet." in out, out
        code, out = run("journal", "--watch", "--journal", journal)
        assert code == 0, out


def test_a_reader_sees_the_last_committed_state_not_the_writers_open_transaction(
        journal: str) -> None:
    with write_lock_held(journal):
        reader = open_journal(journal, create=False)
        with reader.connection() as connection:
            messages = [m for (m,) in connection.exec_driver_sql("SELECT message FROM events")]
    assert messages == ["the first run stopped"]


def test_a_writing_command_still_takes_the_write_lock_and_refuses_when_it_cannot(
        journal: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lock keeps two processes from both trading: a writer still asks for it first
    (here, with no busy timeout, it is refused in one line instead of waiting). Run
    through the console script's entry point, as a user sees it. The line used to be
    "error: --journal: cannot open (database is locked); if it is damaged, restore it
    from a backup" (exit 2, bad input): it says now that another process is writing and
    to try again (exit 1, refused)."""
    monkeypatch.setattr(sys, "argv", ["trimtab", "approve", "no-such-plan", "--journal",
                                      journal])
    with write_lock_held(journal), pytest.raises(SystemExit) as refused:
        console_script()
    out = capsys.readouterr().err
    assert refused.value.code == 1 and len(out.strip().splitlines()) == 1, out
    assert out.startswith("busy: ") and "another trimtab process" in out, out
    assert "try again in a moment" in out and "restore it from a backup" not in out, out
    code, out = run("approve", "no-such-plan", "--journal", journal)
    assert code != 0 and "another trimtab process" not in out, out


def test_a_read_only_journal_refuses_a_write_instead_of_writing_without_the_lock(
        journal: str) -> None:
    reader = open_journal(journal, create=False)
    with pytest.raises(OperationalError, match="readonly"), reader.connection() as connection:
        connection.execute(insert(events).values(kind="run", message="from a reader"))


def test_an_older_journal_opened_by_a_reader_is_upgraded_through_a_writer(
        tmp_path: Path) -> None:
    """The upgrade writes (with the write lock); the journal handed back stays read-only."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_engine(url)
    metadata.create_all(engine, tables=[t for t in metadata.sorted_tables
                                        if t.name != "paper_transfers"])
    with engine.begin() as conn:
        conn.execute(insert(schema_version).values(version=SCHEMA_VERSION - 1))
    engine.dispose()
    reader = open_journal(url, create=False)
    with reader.connection() as connection:
        versions = list(connection.scalars(select(schema_version.c.version)))
    assert versions == [SCHEMA_VERSION - 1, SCHEMA_VERSION]
    assert "paper_transfers" in inspect(reader.engine).get_table_names()
    with pytest.raises(OperationalError, match="readonly"), reader.connection() as connection:
        connection.execute(insert(events).values(kind="run", message="from a reader"))


EXAMPLES = Path(__file__).parents[2] / "src" / "trimtab" / "examples"


def lots_command(url: str) -> tuple[str, ...]:
    return ("lots", "-p", str(EXAMPLES / "moderate.toml"), "--trades",
            str(EXAMPLES / "lots.csv"), "--journal", url, "--json")


def test_trimtab_lots_reads_the_journal_while_another_process_holds_the_write_lock(
        journal: str) -> None:
    """`lots --journal` only reads: it used to open a writer and wait, then fail."""
    with write_lock_held(journal):
        code, out = run(*lots_command(journal))
    assert code == 0 and "database is locked" not in out, out
    assert '"lot_id": "btc-2022"' in out


def test_trimtab_lots_names_a_missing_journal_in_one_line_and_never_creates_it(
        tmp_path: Path) -> None:
    """A read never writes a new empty journal on disk; the path named is most likely a
    typo, and lots without the journal's fills would understate the cost basis."""
    missing = tmp_path / "no-such.sqlite"
    code, out = run(*lots_command(f"sqlite:///{missing}"))
    assert not missing.exists()
    assert code == 2 and f"no journal yet at {missing}" in out, out
    assert len(out.strip().splitlines()) == 1, out
