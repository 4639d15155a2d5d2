"""A writer that meets another process's write lock past the busy timeout: JournalBusy.

SQLite's "database is locked" used to reach the front ends raw. The busy
timeout is 0 here: the lock is met at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tests.journal.test_readers_beside_a_writer import write_lock_held
from trimtab.journal import opening
from trimtab.journal.opening import open_journal
from trimtab.journal.store import Journal, JournalBusy
from trimtab.journal.tables import events


@pytest.fixture
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Journal:
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    return open_journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")


def count(journal: Journal) -> int:
    with journal.connection() as connection:
        return int(connection.scalar(select(func.count()).select_from(events)) or 0)


def test_a_write_that_meets_the_lock_is_journal_busy_and_writes_nothing(
        journal: Journal) -> None:
    url = journal.engine.url.render_as_string(hide_password=False)
    with write_lock_held(url):
        with pytest.raises(JournalBusy) as busy:
            journal.event("run", "through Core")
        with pytest.raises(JournalBusy):
            journal.release_stranded(["key"], "a two-statement transaction")
    message = str(busy.value)
    assert "another trimtab process" in message and "try again in a moment" in message
    assert "\n" not in message
    assert count(journal) == 0  # nothing of it was written
    journal.event("run", "once the lock is gone")  # the engine works on
    assert count(journal) == 1


def test_a_journal_that_cannot_be_opened_for_the_lock_says_so_not_that_it_is_damaged(
        journal: Journal) -> None:
    url = journal.engine.url.render_as_string(hide_password=False)
    journal.engine.dispose()
    with write_lock_held(url), pytest.raises(JournalBusy) as busy:
        open_journal(url)
    assert "restore it from a backup" not in str(busy.value)


def test_other_database_errors_are_not_taken_for_a_lock(journal: Journal) -> None:
    with pytest.raises(OperationalError, match="no such table"), \
            journal.connection() as connection:
        connection.exec_driver_sql("SELECT * FROM no_such_table")
