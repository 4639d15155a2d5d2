"""Rich tables for `trimtab backtest` and `trimtab sweep`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import Progress
from rich.text import Text

from trimtab.backtest.ranking import lower_is_better, rank
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


# with [[contributions]]: the money that came in, and the return on it as it came
FLOW_ROWS = [
    ("contributions", "contributions", "{:,.2f}"),
    ("money-weighted return (XIRR)", "money_weighted_return", "{:.2%}"),
]


# from a recorded run's curve (backtest/statistics.py); dotted keys reach into a group
STATISTIC_ROWS = [
    ("Calmar", "calmar", "{:.2f}"),
    ("max drawdown duration (days)", "max_drawdown_days", "{:,.0f}"),
    ("  recovery from its trough (days)", "max_drawdown_recovery_days", "{:,.0f}"),
    ("skew", "skew", "{:.2f}"), ("kurtosis (excess)", "kurtosis", "{:.2f}"),
    ("best bar", "best.bar", "{:.1%}"), ("worst bar", "worst.bar", "{:.1%}"),
    ("best month", "best.month", "{:.1%}"), ("worst month", "worst.month", "{:.1%}"),
    ("best year", "best.year", "{:.1%}"), ("worst year", "worst.year", "{:.1%}"),
    ("turnover ratio (a year)", "turnover_ratio", "{:.2f}×"),
    ("cost drag (a year)", "cost_drag", "{:.2%}"),
]


def _value(doc: dict[str, Any] | None, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def _cell(doc: dict[str, Any] | None, key: str, fmt: str) -> str:
    value = _value(doc, key)
    if value is None or doc is None:
        return "–"
    text = fmt.format(value)
    if key == "orders":
        text += f" ({doc['skipped_orders']:,})"
    return text


def render_backtest(console: Console, doc: dict[str, Any]) -> None:
    """Policy against holding (and the benchmark), one row per figure, then the premium."""
    console.print(Text.assemble(("trimtab backtest", "bold"),
                                f" {doc['start'][:10]} → {doc['end'][:10]}, "
                                f"{doc['bars']:,} bars of {doc['data']}, schedule "
                                f"{doc['schedule']}, capital {doc['capital']:,.2f}"))
    bench = doc.get("benchmark")
    extra = (f"{bench['name']} (bought, held)",) if bench else ()
    figures = ("policy", "hold", *extra)
    # the benchmark's column is the first to go on a narrow terminal (it is in --json)
    table = fit_table(None, "figure", *figures, right=figures, optional=extra)
    rows = [*ROWS[:3], *(FLOW_ROWS if "contributions" in doc else []), *ROWS[3:],
            *(STATISTIC_ROWS if "calmar" in doc else [])]
    for label, key, fmt in rows:
        cells = [_cell(doc, key, fmt), _cell(doc["hold"], key, fmt)]
        table.add_row(label, *cells, *([_cell(bench, key, fmt)] if bench else []))
    for other in doc.get("tracking", {}):
        for label, key, fmt in (("tracking error", "tracking_error", "{:.1%}"),
                                ("information ratio", "information_ratio", "{:.2f}")):
            hold = doc["hold"].get("tracking", {}).get(other)
            table.add_row(f"{label} vs {other}", _cell(doc["tracking"][other], key, fmt),
                          _cell(hold, key, fmt), *(["–"] if bench else []))
    console.print(table)
    if "contributions" in doc:
        console.print("returns, CAGR, Sharpe and drawdown are time-weighted: contributions "
                      "are not gains", style="dim")
    if "yearly_returns" in doc:
        render_years(console, doc)
    if "futures" in doc:
        render_futures(console, doc["futures"], doc["hold"]["futures"])
    if doc.get("tax") and doc["hold"].get("tax"):
        render_tax(console, doc["tax"], doc["hold"]["tax"])
    extra = doc["premium"]
    cagr = "–" if extra["cagr"] is None else f"{extra['cagr']:+.2%} a year"
    console.print(f"rebalancing premium over holding: {extra['final_value']:+,.2f} "
                  f"({extra['relative']:+.1%}), CAGR {cagr}")


def render_years(console: Console, doc: dict[str, Any]) -> None:
    """Calendar-year returns of the policy and of holding (months are in --json)."""
    # a partial first or last year counts only its bars
    table = fit_table("calendar-year returns", "year", "policy", "hold", right=("policy", "hold"))
    for year, value in doc["yearly_returns"].items():
        table.add_row(year, f"{value:.1%}", f"{doc['hold']['yearly_returns'].get(year, 0):.1%}")
    console.print(table)


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
    ranked = rank(table, metric).head(top)
    way = "lowest" if lower_is_better(metric) else "highest"
    columns = ["band", "schedule", metric, "final_value", "cagr", "max_drawdown",
               "rebalances", "fees"]
    figures = tuple(c for c in dict.fromkeys(columns) if c not in ("band", "schedule"))
    out = fit_table(f"best {len(ranked)} of {len(table)} by {metric} ({way} first)",
                    *dict.fromkeys(columns),
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
