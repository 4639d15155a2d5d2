"""Rich tables for `trimtab backtest` and `trimtab sweep`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import Progress

from trimtab.reports.tables import table as fit_table

Starter = Callable[[int, int], Callable[[int], None]]

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
    table = fit_table(None, "figure", "policy", "hold", right=("policy", "hold"))
    for label, key, fmt in ROWS:
        table.add_row(label, _cell(doc, key, fmt), _cell(doc["hold"], key, fmt))
    console.print(table)
    if "futures" in doc:
        render_futures(console, doc["futures"], doc["hold"]["futures"])
    if doc.get("tax") and doc["hold"].get("tax"):
        render_tax(console, doc["tax"], doc["hold"]["tax"])
    extra = doc["premium"]
    cagr = "–" if extra["cagr"] is None else f"{extra['cagr']:+.2%} a year"
    console.print(f"rebalancing premium over holding: {extra['final_value']:+,.2f} "
                  f"({extra['relative']:+.1%}), CAGR {cagr}")


TAX_ROWS = [
    ("realised gain, short-term", "realised_short", "{:,.2f}"),
    ("realised gain, long-term", "realised_long", "{:,.2f}"),
    ("tax on realised gains", "tax", "{:,.2f}"), ("  of which accrued", "tax_accrued", "{:,.2f}"),
    ("after-tax final value", "after_tax_final_value", "{:,.2f}"),
    ("tax if liquidated at the end", "tax_if_liquidated", "{:,.2f}"),
    ("after-tax liquidation value", "after_tax_liquidation_value", "{:,.2f}"),
]


def render_tax(console: Console, ours: dict[str, Any], hold: dict[str, Any]) -> None:
    """The [tax] model's figures: an estimate paid from outside the portfolio."""
    table = fit_table("Tax (an estimate; taxes paid from outside the portfolio)", "figure",
                      "policy", "hold", right=("policy", "hold"))
    for label, key, fmt in TAX_ROWS:
        table.add_row(label, _cell(ours, key, fmt), _cell(hold, key, fmt))
    console.print(table)


FUTURES_ROWS = [
    ("funding paid (− received)", "funding_paid", "{:,.2f}"), ("futures fees", "fees", "{:,.2f}"),
    ("futures slippage", "slippage", "{:,.2f}"), ("futures turnover", "turnover", "{:,.2f}"),
    ("price P/L", "price_pnl", "{:,.2f}"), ("futures account", "account", "{:,.2f}"),
    ("leverage-trigger rebalances", "leverage_rebalances", "{:,}"),
    ("resizes to target", "resizes", "{:,}"), ("final spot value", "final_spot_value", "{:,.2f}"),
    ("highest multiple", "highest_multiple", "{:.2f}×"),
]


def render_futures(console: Console, ours: dict[str, Any], hold: dict[str, Any]) -> None:
    """The overlay's figures; the account is already inside the final values above."""
    positions = ", ".join(f"{a} {m:+g}×" for a, m in ours["positions"].items())
    table = fit_table(f"futures overlay: {positions} of spot value, cap "
                      f"{ours['max_multiple']:g}×", "figure", "policy", "hold",
                      right=("policy", "hold"))
    for label, key, fmt in FUTURES_ROWS:
        table.add_row(label, fmt.format(ours[key]), fmt.format(hold[key]))
    console.print(table)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Starter]:
    """A rich progress bar over configurations; `start(bands, schedules)` returns the ticker."""
    with Progress(transient=True, disable=not enabled) as progress:

        def start(n_bands: int, n_schedules: int) -> Callable[[int], None]:
            task = progress.add_task(f"sweeping {n_bands * n_schedules} configurations",
                                     total=n_bands)
            return lambda done: progress.advance(task, done)

        yield start


def render_sweep(console: Console, table: pd.DataFrame, hold: dict[str, Any], metric: str,
                 top: int = 15) -> None:
    """The best configurations by `metric`, with holding's figure for comparison."""
    ranked = table.sort_values(metric, ascending=False, na_position="last").head(top)
    columns = ["band", "schedule", metric, "final_value", "cagr", "max_drawdown",
               "rebalances", "fees"]
    figures = tuple(c for c in dict.fromkeys(columns) if c not in ("band", "schedule"))
    out = fit_table(f"best {len(ranked)} of {len(table)} by {metric}", *dict.fromkeys(columns),
                    right=figures, optional=("fees", "rebalances", "cagr"))
    for _, row in ranked.iterrows():
        out.add_row(*[_fmt(row[c]) for c in dict.fromkeys(columns)])
    console.print(out)
    console.print(f"holding: {metric} {_fmt(hold.get(metric))}, final value "
                  f"{hold['final_value']:,.2f}, CAGR {hold['cagr']:.2%}")


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.4g}"
    return str(value)
