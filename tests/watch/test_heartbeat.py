"""The watch loop's heartbeat: at every check and at least every `heartbeat_every` seconds
while it waits, saying what it is doing; written to the journal and read back once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.builders import policy
from tests.watch.test_loop import START, Market, MemoryJournal
from trimtab.app.heartbeat import watch_seen
from trimtab.execution.states import WatchState
from trimtab.journal.opening import open_journal
from trimtab.watch.history import WatchLog
from trimtab.watch.loop import ReplayClock, Watcher
from trimtab.watch.notify import Delivery


def beats_of(hours: int, **market: object) -> list[tuple[datetime, WatchState, str]]:
    clock = ReplayClock(START)
    beats: list[tuple[datetime, WatchState, str]] = []
    watcher = Watcher(policy({"BTC": 0.5, "USDT": 0.5}, check_interval=3_600.0),
                      Market(clock, {START: 50_000.0}, **market),  # type: ignore[arg-type]
                      MemoryJournal(), clock, send=lambda m: Delivery(True, 1, ()),
                      beat=lambda state, detail, nxt: beats.append((clock.now(), state, detail)),
                      heartbeat_every=600.0)
    watcher.run(until=START + timedelta(hours=hours))
    return beats


def test_a_long_wait_beats_every_ten_minutes_and_says_it_is_waiting() -> None:
    beats = beats_of(2)
    waiting = [at for at, state, _ in beats if state is WatchState.WAITING]
    assert waiting[:7] == [START + timedelta(minutes=10 * i) for i in range(6)] + [
        START + timedelta(hours=1)]
    assert [s for _, s, _ in beats].count(WatchState.CHECKING) == 3  # 00:00, 01:00, 02:00
    assert beats[-1][1] is WatchState.STOPPED


def test_a_failing_check_beats_as_an_error_while_it_waits_to_retry() -> None:
    beats = beats_of(3, fail_between=(START, START + timedelta(minutes=30)))
    errors = [(at, detail) for at, state, detail in beats if state is WatchState.ERROR]
    assert errors and errors[0] == (START, "outage: ConnectionError: venue unreachable")
    assert any(state is WatchState.WAITING for _, state, _ in beats)  # back once it works


def test_the_heartbeat_is_written_once_per_process_and_read_back(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    log = WatchLog(journal)
    nxt = datetime(2026, 1, 1, 12, tzinfo=UTC)
    log.beat(WatchState.CHECKING, "", None)
    log.beat(WatchState.WAITING, "none", nxt)
    with journal.engine.connect() as db:
        assert db.exec_driver_sql("select count(*) from watch_heartbeats").scalar_one() == 1
    seen = watch_seen(journal)
    assert seen is not None and seen.state == "waiting" and seen.next_check == nxt
    assert seen.at is None  # no check row yet: the heartbeat alone says it lives
    now = datetime.now(UTC)
    assert 0 <= (seen.age(now) or -1) < 60
    assert seen.describe(now).startswith("watch waiting (heartbeat ")
    assert "next check 2026-01-01 12:00:00 UTC" in seen.describe(now)
