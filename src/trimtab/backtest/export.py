"""`trimtab backtest --export DIR`: the series behind the figures, as CSV and Parquet.

Three tables a quant can load into anything: the equity curves (policy, hold
and the benchmark scaled to the same capital), the policy's weights at every
bar, and its trades (units bought or sold per asset at a bar's close, valued
at that close: costs are in the summary figures, not per trade).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trimtab.backtest.engine import BacktestResult


def equity_table(result: BacktestResult, benchmark: pd.Series | None) -> pd.DataFrame:
    """Policy and hold equity, and the benchmark's closes scaled to start at the hold's value."""
    table = pd.DataFrame({"policy": result.policy.equity, "hold": result.hold.equity})
    if benchmark is not None:
        closes = benchmark.reindex(result.index)
        table[f"benchmark_{benchmark.name}"] = closes / closes.iloc[0] * table["hold"].iloc[0]
    return table


def weights_table(result: BacktestResult) -> pd.DataFrame:
    """Each asset's share of the spot value at every bar's close."""
    values = _values(result)
    return values.div(values.sum(axis=1), axis=0)


def trades_table(result: BacktestResult) -> pd.DataFrame:
    """One row per asset and bar where the policy's units changed (the first buy included).

    The quote is the cash leg of every trade, not a trade of its own.
    """
    units = result.policy.units
    if units is None:
        raise ValueError("an export needs a recorded run (record=True)")
    closes = pd.DataFrame(result.inputs.full_close(), index=result.index, columns=units.columns)
    held = [units.columns[i] for i in result.inputs.held_cols]  # the quote is the cash leg
    units, closes = units[held], closes[held]
    change = units.diff()
    change.iloc[0] = units.iloc[0]
    stacked = change.stack()
    moved = stacked[stacked.abs() > 1e-12]
    trades = pd.DataFrame({"units": moved.abs(), "side": ["buy" if u > 0 else "sell"
                                                           for u in moved]})
    trades["price"] = [closes.at[t, a] for t, a in moved.index]
    trades["notional"] = trades["units"] * trades["price"]
    trades.index = moved.index.set_names(["timestamp", "asset"])
    return trades.reset_index()[["timestamp", "asset", "side", "units", "price", "notional"]]


def export(result: BacktestResult, directory: Path, benchmark: pd.Series | None) -> list[Path]:
    """equity, weights and trades as .csv and .parquet in `directory` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    tables = {"equity": equity_table(result, benchmark), "weights": weights_table(result)}
    written = []
    for name, table in tables.items():
        table.index.name = "timestamp"
        written += _write(table.reset_index(), directory / name)
    return written + _write(trades_table(result), directory / "trades")


def _write(table: pd.DataFrame, stem: Path) -> list[Path]:
    csv, parquet = stem.with_suffix(".csv"), stem.with_suffix(".parquet")
    table.to_csv(csv, index=False)
    table.to_parquet(parquet, index=False)
    return [csv, parquet]


def _values(result: BacktestResult) -> pd.DataFrame:
    units = result.policy.units
    if units is None:
        raise ValueError("an export needs a recorded run (record=True)")
    return units * result.inputs.full_close()
