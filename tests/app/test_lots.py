"""app.lots: the one ledger every command that plans reads, and where its files are."""

from __future__ import annotations

from pathlib import Path

import pytest

from trimtab.app.inputs import load_policy
from trimtab.app.lots import planning_lots

LOTS = """time,type,asset,units,venue,to_venue,cost,proceeds,lot_id
2024-01-10 00:00:00,buy,BTC,1.0,binance,,60000,,A
"""
POLICY = 'targets = {BTC = 0.5, USDT = 0.5}\n[tax]\ntrades = ["exports/lots.csv"]\n'


def test_policy_trade_files_are_read_relative_to_the_policy_not_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cfg" / "exports").mkdir(parents=True)
    (tmp_path / "cfg" / "exports" / "lots.csv").write_text(LOTS)
    (tmp_path / "cfg" / "policy.toml").write_text(POLICY)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    policy = load_policy(Path("../cfg/policy.toml"))
    assert policy.tax is not None
    (named,) = (Path(name) for name in policy.tax.trades)
    assert named.is_absolute()
    assert named.resolve() == (tmp_path / "cfg" / "exports" / "lots.csv").resolve()
    ledger = planning_lots(policy)
    assert ledger is not None and [lot.lot_id for lot in ledger.lots] == ["A"]


def test_without_a_tax_table_or_trade_files_there_are_no_lots(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text('targets = {BTC = 0.5, USDT = 0.5}\n')
    (tmp_path / "lots.csv").write_text(LOTS)
    policy = load_policy(tmp_path / "p.toml")
    assert planning_lots(policy) is None
    given = planning_lots(policy, [tmp_path / "lots.csv"])
    assert given is not None and [lot.lot_id for lot in given.lots] == ["A"]
