"""Sweeps: the batched grid equals one backtest per configuration, locally and on dask."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.builders import WITH_QUOTE, make_policy
from trimtab.backtest import sweep as sw
from trimtab.backtest.engine import run_backtest
from trimtab.backtest.schedule import Schedule
from trimtab.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCHEDULES = [Schedule.parse(s) for s in ("none", "monthly", "every:10", "policy",
                                         "none+policy")]
REPLAYED = [{"every": "monthly", "action": "rebalance"}, {"every": "weekly", "action": "review"}]


def test_band_grammar() -> None:
    labels = [c.label for c in sw.parse_bands("relative:0.05..0.2:0.05, absolute:0.02,off")]
    assert labels == ["relative:0.05", "relative:0.1", "relative:0.15", "relative:0.2",
                      "absolute:0.02", "off"]


@pytest.mark.parametrize("bad", ["", "relative", "wide:0.1", "relative:x", "relative:0.5..0.1"])
def test_bad_band_grids_are_refused(bad: str) -> None:
    with pytest.raises(sw.SweepError, match="--bands"):
        sw.parse_bands(bad)


def test_grid_equals_one_backtest_per_configuration(prices: pd.DataFrame) -> None:
    policy = make_policy(WITH_QUOTE, fee=0.001, slippage_bps=5, min_trade=10,
                         schedules=REPLAYED)
    choices = sw.parse_bands("relative:0.1,absolute:0.03,off")
    grid = sw.build_grid(prices, policy, 10_000.0, choices, SCHEDULES)
    stats = sw.run_local(grid, chunk=2)
    for b, choice in enumerate(choices):
        band = {"kind": "relative", "width": 0.1} if choice.spec is None else \
            {"kind": choice.spec.kind, "width": choice.spec.width}
        single = make_policy(WITH_QUOTE, band, fee=0.001, slippage_bps=5, min_trade=10,
                             schedules=REPLAYED)
        for s, schedule in enumerate(SCHEDULES):
            one = run_backtest(prices, single, 10_000.0, schedule, use_band=choice.spec is not None,
                               record=False).policy.stats
            np.testing.assert_array_equal(stats[b, s], one)


def test_dask_local_cluster_gives_the_same_grid(prices: pd.DataFrame) -> None:
    policy = make_policy(WITH_QUOTE, fee=0.001)
    grid = sw.build_grid(prices, policy, 10_000.0, sw.parse_bands("relative:0.1..0.3:0.1"),
                         SCHEDULES[:2])
    np.testing.assert_array_equal(sw.run_dask(grid, 2, "local"), sw.run_local(grid, 3))


def test_sweep_command_ranks_configurations_and_writes_a_heatmap(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sweep", "--policy", str(EXAMPLES / "moderate.toml"),
                                      "--bands", "relative:0.1,off", "--schedules",
                                      "none,quarterly", "--heatmap", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert len(doc["configs"]) == 4
    assert {"band", "schedule", "sharpe", "final_value"} <= set(doc["configs"][0])
    assert doc["hold"]["rebalances"] == 1
    assert (tmp_path / "sweep.png").stat().st_size > 5_000
    assert "plotly" in (tmp_path / "sweep.html").read_text(encoding="utf-8")[:200_000]


@pytest.mark.parametrize(("metric", "best"), [("fees", min), ("volatility", min),
                                              ("rebalances", min), ("turnover", min),
                                              ("sharpe", max), ("max_drawdown", max)])
def test_sweep_ranks_each_metric_in_its_good_direction(metric: str, best: object) -> None:
    result = CliRunner().invoke(app, ["sweep", "--policy", str(EXAMPLES / "moderate.toml"),
                                      "--bands", "relative:0.05..0.45:0.2,off", "--schedules",
                                      "none,monthly", "--metric", metric],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    table = sw_table(metric)
    lines = result.stdout.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("─"))
    row = lines[rule + 1].split()  # the first data row follows the header's rule
    assert row[:2] == list(table.iloc[0][["band", "schedule"]])
    assert table[metric].iloc[0] == best(table[metric])  # type: ignore[operator]


def sw_table(metric: str) -> pd.DataFrame:
    from trimtab.backtest.ranking import rank
    from trimtab.backtest.service import sweep

    report = sweep(EXAMPLES / "moderate.toml", None, 10_000.0, "relative:0.05..0.45:0.2,off",
                   "none,monthly")
    return rank(report.table, metric)


def test_sweep_offers_only_numeric_metrics() -> None:
    result = CliRunner().invoke(app, ["sweep", "--policy", str(EXAMPLES / "moderate.toml"),
                                      "--bands", "off", "--schedules", "none",
                                      "--metric", "max_drawdown_peak"])
    assert result.exit_code == 2
    assert "not a figure to rank by" in result.stderr
    offered = result.stderr.split("choose one of", 1)[1]
    assert "sharpe" in offered and "fees" in offered
    assert "max_drawdown_peak" not in offered and "schedule" not in offered


@pytest.mark.parametrize("size", [1, 3, 16])
def test_the_block_size_never_changes_a_configurations_statistics(prices: pd.DataFrame,
                                                                   size: int) -> None:
    """Configurations side by side in one pass over the bars (kernel/block.py) share only
    the prices: however they are grouped, and however threads share them, each one's
    statistics are the same bits."""
    from trimtab.backtest.kernel import block

    policy = make_policy(WITH_QUOTE, fee=0.001, slippage_bps=5, min_trade=10,
                         schedules=REPLAYED)
    grid = sw.build_grid(prices, policy, 10_000.0, sw.parse_bands("relative:0.05..0.3:0.05,off"),
                         SCHEDULES)
    b = grid.base

    def run(n: int, threads: int) -> np.ndarray:
        return block.simulate_grid(b.held, b.held_cols, grid.looks, grid.bands,
                                   grid.sleeve_bands, grid.use_band, b.sleeve_of, b.tradable,
                                   b.params, n, threads)

    # nor does the way the threads share them out (thread w takes configurations w, w+T, ...)
    np.testing.assert_array_equal(run(size, 3), run(block.BLOCK, 1))
