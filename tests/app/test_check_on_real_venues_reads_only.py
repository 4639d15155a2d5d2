"""`check` and `alerts` on real venues alone only read the journal.

They used to open it as a writer, as `rebalance` does: a missing journal was
created on disk by a read, and the check waited behind a trading process's
write lock (then failed "the journal is busy"), though only the paper
exchange writes there (it is funded, its book kept). A venue is faked from
recorded ccxt payloads (tests/venues/recorded_world).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.journal.test_readers_beside_a_writer import write_lock_held
from tests.venues.recorded_world import RecordedWorld, install
from tests.venues.test_sweep import POLICY, sweep_env, trimtab
from trimtab.journal import opening
from trimtab.journal.opening import open_journal

LOTS = Path(__file__).parents[2] / "src" / "trimtab" / "examples" / "lots.csv"


@pytest.fixture
def binance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A recorded binance account (fake keys: a balance read is signed), and the policy
    to check it under."""
    install(monkeypatch, RecordedWorld("binance"))
    sweep_env(monkeypatch, tmp_path, "binance")
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    return policy


@pytest.mark.parametrize("command", ["check", "alerts"])
def test_a_check_of_a_real_venue_never_creates_a_missing_journal(
        command: str, binance: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such.sqlite"
    trades = ["--trades", str(LOTS)] if command == "check" else []
    code = trimtab(monkeypatch, command, "-p", str(binance), "--venue", "binance",
                   "--journal", f"sqlite:///{missing}", *trades)
    out = capsys.readouterr()
    assert code == 0, out
    assert not missing.exists()


@pytest.mark.parametrize("command", ["check", "alerts"])
def test_a_check_of_a_real_venue_reads_beside_a_writer_holding_the_lock(
        command: str, binance: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """With no busy timeout, a check that asked for the write lock would fail at once."""
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    open_journal(url).engine.dispose()
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    trades = ["--trades", str(LOTS)] if command == "check" else []
    with write_lock_held(url):
        code = trimtab(monkeypatch, command, "-p", str(binance), "--venue", "binance",
                       "--journal", url, *trades)
    out = capsys.readouterr()
    assert code == 0 and "busy" not in out.err, out
