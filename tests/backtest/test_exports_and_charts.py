"""`trimtab backtest --export`, `--benchmark` and the charts: files read back and measured."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from trimtab.backtest.data.files import bundled_prices
from trimtab.cli.main import app
from trimtab.reports import palette

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["backtest", "--policy", str(EXAMPLES / "moderate.toml"),
                                      *args])
    return result.exit_code, result.stdout, result.stderr


def test_exports_read_back_equal_to_the_json_figures(tmp_path: Path) -> None:
    code, out, err = _run("--schedule", "monthly", "--export", str(tmp_path), "--json")
    assert code == 0, err
    doc = json.loads(out)
    for name in ("equity", "weights", "trades"):
        csv = pd.read_csv(tmp_path / f"{name}.csv", parse_dates=["timestamp"])
        parquet = pd.read_parquet(tmp_path / f"{name}.parquet")
        pd.testing.assert_frame_equal(csv, parquet, check_dtype=False, check_exact=False,
                                      rtol=1e-12)
    equity = pd.read_parquet(tmp_path / "equity.parquet")
    assert len(equity) == doc["bars"]
    assert equity["policy"].iloc[-1] == doc["final_value"]
    assert equity["hold"].iloc[-1] == doc["hold"]["final_value"]
    assert equity["benchmark_BTC"].iloc[0] == equity["hold"].iloc[0]
    weights = pd.read_parquet(tmp_path / "weights.parquet").set_index("timestamp")
    assert (weights.sum(axis=1) - 1.0).abs().max() < 1e-9
    trades = pd.read_parquet(tmp_path / "trades.parquet")
    assert set(trades["side"]) == {"buy", "sell"}
    # the first bar's buy plus the rebalances: trades fall on as many distinct bars
    assert trades["timestamp"].nunique() == doc["rebalances"]
    assert abs(trades["notional"].sum() - doc["turnover"]) / doc["turnover"] < 0.01


def test_the_benchmark_defaults_to_btc_and_takes_any_column_or_none() -> None:
    code, out, _ = _run("--json")
    doc = json.loads(out)
    btc = bundled_prices()["BTC"]
    assert doc["benchmark"]["name"] == "BTC"
    assert doc["benchmark"]["total_return"] == btc.iloc[-1] / btc.iloc[0] - 1.0
    assert set(doc["tracking"]) == {"hold", "BTC"} and set(doc["hold"]["tracking"]) == {"BTC"}
    code, out, _ = _run("--json", "--benchmark", "ETH")
    assert json.loads(out)["benchmark"]["name"] == "ETH"
    code, out, _ = _run("--json", "--benchmark", "none")
    assert json.loads(out)["benchmark"] is None
    code, _, err = _run("--benchmark", "DOGE")
    assert code == 2 and "--benchmark" in err and "DOGE" in err


def test_the_table_shows_the_statistics_a_quant_reads_first() -> None:
    code, out, _ = _run("--schedule", "monthly")
    assert code == 0
    for label in ("Calmar", "drawdown duration", "recovery", "skew", "kurtosis",
                  "best month", "worst year", "turnover ratio", "cost drag",
                  "tracking error vs hold", "information ratio vs BTC", "BTC"):
        assert label in out, label


def test_html_reports_are_under_a_megabyte_and_share_one_palette(tmp_path: Path) -> None:
    code, _, err = _run("--charts", str(tmp_path))
    assert code == 0, err
    html = (tmp_path / "backtest.html").read_text(encoding="utf-8")
    assert (tmp_path / "backtest.html").stat().st_size < 1_000_000
    assert 'src="plotly.min.js"' in html and (tmp_path / "plotly.min.js").exists()
    colours = palette.asset_colours(["BTC", "ETH", "SOL", "AVAX", "LINK", "USDT"])
    used = {c.upper() for c in re.findall(r'"color":"(#[0-9A-Fa-f]{6})"', html)}
    assert {colours[a].upper() for a in ("BTC", "ETH", "USDT")} <= used
    assert {palette.POLICY.upper(), palette.HOLD.upper(), palette.BENCHMARK.upper()} <= used


def test_the_sweep_heatmap_has_axis_titles_and_the_hold_reference(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sweep", "--policy", str(EXAMPLES / "moderate.toml"),
                                      "--bands", "relative:0.1,off", "--schedules",
                                      "none,monthly", "--metric", "fees", "--heatmap",
                                      str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "sweep.html").read_text(encoding="utf-8")
    assert (tmp_path / "sweep.html").stat().st_size < 1_000_000
    assert "lower is better; holding: " in html and "schedule (when the rule looks)" in html
    assert '"reversescale":true' in html
