"""`trimtab backtest`: offline on the bundled history, JSON contract, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.backtest.reference import RefPolicy, run_reference
from trimtab.backtest.data.files import bundled_prices
from trimtab.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FEE_ONLY = """
quote = "USDT"
[targets]
BTC = 0.3
ETH = 0.2
SOL = 0.1
AVAX = 0.1
LINK = 0.1
USDT = 0.2
[bands]
kind = "relative"
width = 0.15
[costs]
fee_rate = 0.001
slippage_bps = 0
min_trade = 0
"""


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["backtest", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_has_the_contract_keys_for_policy_and_hold() -> None:
    code, out, _ = _run("--policy", str(EXAMPLES / "moderate.toml"), "--json")
    assert code == 0
    doc = json.loads(out)
    for key in ("final_value", "rebalances", "fees", "turnover", "cagr", "max_drawdown",
                "sharpe"):
        assert key in doc and key in doc["hold"]
    assert doc["hold"]["rebalances"] == 1
    assert doc["rebalances"] > 1
    assert doc["bars"] == 1603


def test_fee_only_policy_equals_the_reference_loop(tmp_path: Path) -> None:
    policy = tmp_path / "fee-only.toml"
    policy.write_text(FEE_ONLY, encoding="utf-8")
    code, out, _ = _run("--policy", str(policy), "--capital", "25000", "--json")
    assert code == 0
    doc = json.loads(out)
    prices = bundled_prices()
    closes = [[*row, 1.0] for row in prices[["BTC", "ETH", "SOL", "AVAX", "LINK"]]
              .itertuples(index=False)]
    ref = run_reference(closes, RefPolicy([0.3, 0.2, 0.1, 0.1, 0.1, 0.2], "relative", 0.15,
                                          fee=0.001), 25_000.0)
    assert doc["rebalances"] == ref["rebalances"]
    assert doc["final_value"] == pytest.approx(ref["final_value"], rel=1e-9)
    assert doc["fees"] == pytest.approx(ref["fees"], rel=1e-9)


def test_an_asset_the_data_lacks_is_a_one_line_error(tmp_path: Path) -> None:
    data = tmp_path / "closes.csv"
    data.write_text("date,BTC,ETH\n2024-01-01,100,10\n2024-01-02,101,11\n", encoding="utf-8")
    code, _, err = _run("--policy", str(EXAMPLES / "moderate.toml"), "--data", str(data))
    assert code == 2
    assert "no column for SOL, AVAX, LINK" in err
    assert len(err.strip().splitlines()) == 1


def test_a_bad_schedule_is_a_one_line_error() -> None:
    code, _, err = _run("--policy", str(EXAMPLES / "moderate.toml"), "--schedule", "yearly")
    assert code == 2
    assert "--schedule" in err


def test_tables_and_charts_are_written(tmp_path: Path) -> None:
    code, out, _ = _run("--policy", str(EXAMPLES / "conservative.toml"), "--schedule", "monthly",
                        "--charts", str(tmp_path))
    assert code == 0
    assert "rebalancing premium over holding" in out
    assert (tmp_path / "backtest.png").stat().st_size > 10_000
    assert "plotly" in (tmp_path / "backtest.html").read_text(encoding="utf-8")[:200_000]


def test_futures_overlay_on_the_bundled_history_reports_funding_and_the_trigger() -> None:
    code, out, _ = _run("--policy", str(EXAMPLES / "moderate.toml"), "--futures",
                        "BTC:1.0,ETH:-0.5", "--json")
    assert code == 0
    doc = json.loads(out)
    futures = doc["futures"]
    assert futures["positions"] == {"BTC": 1.0, "ETH": -0.5}
    assert futures["max_multiple"] == 2.5
    assert futures["leverage_rebalances"] > 0
    assert futures["highest_multiple"] <= 2.5 + 1e-9
    assert futures["funding_paid"] != 0.0 and futures["fees"] > 0.0
    assert doc["final_value"] == pytest.approx(futures["final_spot_value"] + futures["account"],
                                               rel=1e-12)
    assert doc["hold"]["futures"]["leverage_rebalances"] == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--futures", "BTC:3"], "above the policy's futures.max_multiple"),
    (["--futures", "SOL:1"], "no funding history for SOL"),
    (["--futures", "BTC=1"], "is not ASSET:MULTIPLE"),
])
def test_bad_futures_options_are_one_line_errors(args: list[str], message: str) -> None:
    code, _, err = _run("--policy", str(EXAMPLES / "moderate.toml"), *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) <= 2  # rich may wrap the one line


SCHEDULED = FEE_ONLY + """
[[schedules]]
every = "monthly"
action = "rebalance"

[[schedules]]
every = "weekly"
action = "review"
"""


def test_a_policys_schedules_are_replayed_by_default_with_the_bands_at_every_bar(
        tmp_path: Path) -> None:
    policy = tmp_path / "scheduled.toml"
    policy.write_text(SCHEDULED, encoding="utf-8")
    runs = {}
    for schedule in (None, "none+policy", "policy", "none"):
        args = ["--policy", str(policy), "--json"]
        code, out, _ = _run(*args, *(["--schedule", schedule] if schedule else []))
        assert code == 0
        runs[schedule] = json.loads(out)
    assert runs[None]["schedule"] == "none+policy"
    assert runs[None]["final_value"] == runs["none+policy"]["final_value"]
    # the monthly rebalances trade inside the band: more trades than the bands alone
    assert runs["none+policy"]["rebalances"] > runs["none"]["rebalances"]
    assert runs["policy"]["rebalances"] != runs["none+policy"]["rebalances"]


def test_a_policy_without_schedules_keeps_every_bar_and_refuses_policy(tmp_path: Path) -> None:
    policy = tmp_path / "fee-only.toml"
    policy.write_text(FEE_ONLY, encoding="utf-8")
    code, out, _ = _run("--policy", str(policy), "--json")
    assert code == 0 and json.loads(out)["schedule"] == "none"
    code, _, err = _run("--policy", str(policy), "--schedule", "policy")
    assert code == 2
    assert "has no schedules" in err
    assert len(err.strip().splitlines()) <= 2  # rich may wrap the one line


def test_the_table_puts_the_money_weighted_return_beside_the_time_weighted_one(
        tmp_path: Path) -> None:
    policy = tmp_path / "dca.toml"
    policy.write_text(FEE_ONLY + '\n[[contributions]]\nevery = "monthly"\namount = 200\n')
    code, out, err = _run("-p", str(policy))
    assert code == 0, err
    rows = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert "money-weighted return (XIRR)" in out and "contributions" in rows
    assert "contributions are not gains" in " ".join(out.split())
    code, out, _ = _run("-p", str(policy), "--json")
    doc = json.loads(out)
    assert doc["contributions"] > 0 and doc["hold"]["contributions"] == doc["contributions"]
    assert doc["money_weighted_return"] != doc["cagr"]
