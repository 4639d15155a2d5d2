"""Rich tables for `trimtab backtest` and `trimtab sweep`."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

ROWS = [
    ("final value", "final_value", "{:,.2f}"), ("total return", "total_return", "{:.1%}"),
    ("CAGR", "cagr", "{:.2%}"), ("volatility (ann.)", "volatility", "{:.1%}"),
    ("Sharpe", "sharpe", "{:.2f}"), ("Sortino", "sortino", "{:.2f}"),
    ("max drawdown", "max_drawdown", "{:.1%}"), ("  peak", "max_drawdown_peak", "{:.10}"),
    ("  trough", "max_drawdown_trough", "{:.10}"), ("rebalances", "rebalances", "{:,}"),
    ("orders (skipped)", "orders", "{:,}"), ("turnover", "turnover", "{:,.2f}"),
    ("fees", "fees", "{:,.2f}"), ("slippage", "slippage", "{:,.2f}"),
    ("time outside band", "time_outside_band", "{:.1%}"),
]


def _cell(doc: dict[str, Any], key: str, fmt: str) -> str:
    value = doc.get(key)
    if value is None:
        return "–"
    text = fmt.format(value)
    if key == "orders":
        text += f" ({doc['skipped_orders']:,})"
    return text


def render_backtest(console: Console, doc: dict[str, Any]) -> None:
    """Policy against holding, one row per figure, then the premium."""
    console.print(f"[bold]trimtab backtest[/] {doc['start'][:10]} → {doc['end'][:10]}, "
                  f"{doc['bars']:,} bars of {doc['data']}, schedule {doc['schedule']}, "
                  f"capital {doc['capital']:,.2f}")
    table = Table()
    table.add_column("figure")
    table.add_column("policy", justify="right")
    table.add_column("hold", justify="right")
    for label, key, fmt in ROWS:
        table.add_row(label, _cell(doc, key, fmt), _cell(doc["hold"], key, fmt))
    console.print(table)
    extra = doc["premium"]
    cagr = "–" if extra["cagr"] is None else f"{extra['cagr']:+.2%} a year"
    console.print(f"rebalancing premium over holding: {extra['final_value']:+,.2f} "
                  f"({extra['relative']:+.1%}), CAGR {cagr}")
