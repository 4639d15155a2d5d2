"""`trimtab check` end to end, through the real console entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def trimtab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trimtab", *args], capture_output=True,
                          text=True, timeout=120, env={"COLUMNS": "200", "PATH": ""})


@pytest.mark.parametrize("profile", ["conservative", "moderate", "aggressive"])
@pytest.mark.parametrize("snap", ["snapshot-spot.json", "snapshot-futures.json"])
def test_every_example_checks_cleanly(profile: str, snap: str) -> None:
    result = trimtab("check", "-p", str(EXAMPLES / f"{profile}.toml"), "-s", str(EXAMPLES / snap))
    assert result.returncode == 0, result.stderr
    assert "Allocation" in result.stdout and "BTC" in result.stdout


def test_json_output_has_the_documented_shape() -> None:
    result = trimtab("check", "-p", str(EXAMPLES / "moderate.toml"),
                     "-s", str(EXAMPLES / "snapshot-futures.json"), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["triggered"] is True
    assert {t["kind"] for t in doc["triggers"]} == {"threshold", "leverage"}
    btc = next(a for a in doc["assets"] if a["asset"] == "BTC")
    assert 0 < btc["weight"] < 1 and btc["breached"] is True
    assert btc["alert_low"] < btc["alert_high"]
    assert doc["futures"]["breached"] is True
    assert doc["futures"]["multiple"] > doc["futures"]["max_multiple"]
    sides = [o["side"] for o in doc["orders"] if not o["reduce_only"]]
    assert sides == sorted(sides, key=lambda s: s != "sell")  # sells first
    reduce = [o for o in doc["orders"] if o["reduce_only"]]
    assert reduce and all(":" in o["symbol"] for o in reduce)
    for key in ("hedges", "skipped", "residual", "spot_value"):
        assert key in doc
    assert {"venue", "symbol", "side", "amount", "notional", "fee"} <= set(doc["orders"][0])


def test_the_custom_policy_reports_tactical_holdings() -> None:
    result = trimtab("check", "-p", str(EXAMPLES / "custom.toml"),
                     "-s", str(EXAMPLES / "snapshot-spot.json"), "--json")
    doc = json.loads(result.stdout)
    assert [t["asset"] for t in doc["tactical"]] == ["SOL"]
    assert doc["tactical"][0]["units"] == 10.0


def test_deposit_and_withdraw_are_mutually_exclusive() -> None:
    result = trimtab("check", "-p", str(EXAMPLES / "moderate.toml"),
                     "-s", str(EXAMPLES / "snapshot-spot.json"), "--deposit", "1",
                     "--withdraw", "1")
    assert result.returncode == 2 and "--deposit" in result.stderr


BAD_POLICIES = {
    "unknown key": ('quote = "USDT"\nfoo = 1\n[targets]\nBTC = 1.0\n', "foo"),
    "mistyped key": ('rebalance_too = "target"\n[targets]\nBTC = 1.0\n',
                     "rebalance_too: unknown key; did you mean 'rebalance_to'?"),
    "mistyped nested key": ('[targets]\nBTC = 1.0\n[costs]\nfee_rat = 0.001\n',
                            "costs.fee_rat: unknown key; did you mean 'fee_rate'?"),
    "weights do not sum to 1": ('[targets]\nBTC = 0.5\nUSDT = 0.4\n', "sum to 0.9"),
    "negative weight": ("[targets]\nBTC = 0.6\nETH = 0.5\nUSDT = -0.1\n", "targets.USDT"),
    "negative width": ('[targets]\nBTC = 1.0\n[bands]\nkind = "relative"\nwidth = -0.1\n',
                       "bands.width"),
    "unknown profile": ('profile = "yolo"\n', "profile"),
    "unknown band kind": ('[targets]\nBTC = 1.0\n[bands]\nkind = "wide"\nwidth = 0.1\n',
                          "bands.kind"),
    "either without widths": ('[targets]\nBTC = 1.0\n[bands]\nkind = "either"\nwidth = 0.1\n',
                              "absolute_width"),
    "not toml": ('[targets\nBTC = 1\n', "not valid TOML"),
    "bad rebalance_to": ('rebalance_to = "halfway"\n[targets]\nBTC = 1.0\n', "rebalance_to"),
    "sleeve members": ('[targets]\nUSDT = 0.5\n[sleeves.alts]\nweight = 0.5\n'
                       'members = { SOL = 0.7, AVAX = 0.7 }\n', "sleeves.alts.members"),
}


@pytest.mark.parametrize("name", sorted(BAD_POLICIES))
def test_a_bad_policy_gets_one_line_naming_the_key_and_exit_2(name: str, tmp_path: Path) -> None:
    text, expected = BAD_POLICIES[name]
    path = tmp_path / "policy.toml"
    path.write_text(text)
    result = trimtab("check", "-p", str(path), "-s", str(EXAMPLES / "snapshot-spot.json"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert expected in result.stderr


BAD_SNAPSHOTS = {
    "zero price": ({"prices": {"BTC": 0}}, "prices.BTC"),
    "negative price": ({"prices": {"BTC": -5}}, "prices.BTC"),
    "missing price of a held asset": ({"prices": {"ETH": 3000}}, "prices.BTC"),
    "negative amount": ({"balances": [{"venue": "binance", "asset": "BTC", "amount": -1}]},
                        "balances.0.amount"),
    "naive timestamp": ({"as_of": "2025-01-31T00:00:00"}, "as_of"),
    "spot symbol as position": ({"positions": [{"venue": "binance", "symbol": "BTC/USDT",
                                                "side": "long", "contracts": 1,
                                                "markPrice": 1}]}, "positions.0.symbol"),
    "unknown field": ({"balance": []}, "balance"),
}


@pytest.mark.parametrize("name", sorted(BAD_SNAPSHOTS))
def test_a_bad_snapshot_gets_one_line_naming_the_field(name: str, tmp_path: Path) -> None:
    patch, expected = BAD_SNAPSHOTS[name]
    raw = {"as_of": "2025-01-31T00:00:00Z", "prices": {"BTC": 100_000.0},
           "balances": [{"venue": "binance", "asset": "BTC", "amount": 0.1}]}
    raw.update(patch)
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(raw))
    result = trimtab("check", "-p", str(EXAMPLES / "moderate.toml"), "-s", str(path))
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert expected in result.stderr


def test_missing_files_and_invalid_json_are_one_line_errors(tmp_path: Path) -> None:
    result = trimtab("check", "-p", str(tmp_path / "nope.toml"), "-s", "x.json")
    assert result.returncode == 2 and "not found" in result.stderr
    bad = tmp_path / "s.json"
    bad.write_text("{not json")
    result = trimtab("check", "-p", str(EXAMPLES / "moderate.toml"), "-s", str(bad))
    assert result.returncode == 2 and "not valid JSON" in result.stderr


def test_help_explains_every_option() -> None:
    result = trimtab("check", "--help")
    assert result.returncode == 0
    for option in ("--policy", "--snapshot", "--json", "--deposit", "--withdraw"):
        assert option in result.stdout


def test_alerts_json_gives_the_prices_that_reach_each_band_edge() -> None:
    result = trimtab("alerts", "-p", str(EXAMPLES / "moderate.toml"),
                     "-s", str(EXAMPLES / "snapshot-spot.json"), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {r["asset"] for r in doc["alerts"]} == {"BTC", "ETH", "SOL", "AVAX", "LINK"}
    for row in doc["alerts"]:
        assert row["alert_low"] < row["price"] * 10 and row["alert_low"] < row["alert_high"]


def test_alerts_without_a_snapshot_read_the_paper_account(tmp_path: Path) -> None:
    journal = f"sqlite:///{tmp_path / 'j.sqlite'}"
    empty = trimtab("alerts", "-p", str(EXAMPLES / "moderate.toml"), "--journal", journal)
    assert empty.returncode == 2 and "--paper-start" in empty.stderr
    funded = trimtab("watch", "-p", str(EXAMPLES / "moderate.toml"), "--journal", journal,
                     "--paper-start", str(EXAMPLES / "paper-start.json"), "--once")
    assert funded.returncode == 0, funded.stderr
    result = trimtab("alerts", "-p", str(EXAMPLES / "moderate.toml"), "--journal", journal,
                     "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    btc = next(r for r in doc["alerts"] if r["asset"] == "BTC")
    assert btc["alert_low"] < btc["price"] < btc["alert_high"] or btc["weight"] > btc["high"]


def imported_after(*argv: str) -> list[str]:
    """Which heavy libraries a process has imported after running `trimtab ARGV`."""
    probe = ("import sys; from trimtab.cli.main import app\n"
             "try:\n    app(args=sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('ccxt', 'sqlalchemy', 'fastapi') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True,
                         timeout=120)
    return json.loads(run.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_commands_import_only_what_they_use_whatever_the_argv() -> None:
    # `trimtab backtest` must start fast: ccxt, SQLAlchemy and FastAPI stay unimported
    assert imported_after("backtest", "--help") == []
    assert imported_after("check", "--help") == []
    # a check of a snapshot file and the settings never load the venue layer either
    assert imported_after("check", "-p", str(EXAMPLES / "moderate.toml"), "-s",
                          str(EXAMPLES / "snapshot-spot.json"), "--json") == []
    assert imported_after("config") == [] or imported_after("config") == ["sqlalchemy"]
    assert "ccxt" in imported_after("watch", "--help")
    # importing the command line registers nothing by itself, whatever sys.argv says
    probe = ("import sys; sys.argv = ['trimtab', 'watch']; import trimtab.cli.main; "
             "print(sorted(m for m in ('ccxt', 'sqlalchemy', 'fastapi') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120)
    assert run.stdout.strip() == "[]", run.stderr
