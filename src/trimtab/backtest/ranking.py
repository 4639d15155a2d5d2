"""Which way is better for each sweep figure, and which figures can rank at all.

Ranking by fees, volatility or turnover must put the cheapest, calmest
configuration first, and a date (a drawdown's peak) is not a figure to rank by.
"""

from __future__ import annotations

import pandas as pd

# figures where less is better; every other numeric figure ranks highest first
# (max_drawdown is negative: −0.2 is better than −0.5, so it ranks highest first too)
LOWER_IS_BETTER = frozenset({
    "volatility", "fees", "slippage", "turnover", "rebalances", "orders", "skipped_orders",
    "time_outside_band", "max_drawdown_days", "max_drawdown_recovery_days", "tracking_error",
    "turnover_ratio", "cost_drag",
})
LABELS = frozenset({"band", "schedule"})


def numeric_metrics(table: pd.DataFrame) -> list[str]:
    """The columns a sweep can be ranked by: numbers, not labels or dates."""
    return [c for c in table.columns
            if c not in LABELS and pd.api.types.is_numeric_dtype(table[c])
            and not pd.api.types.is_bool_dtype(table[c])]


def lower_is_better(metric: str) -> bool:
    return metric in LOWER_IS_BETTER


def rank(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The rows best first by `metric`, in its good direction; missing values last."""
    return table.sort_values(metric, ascending=lower_is_better(metric), na_position="last",
                             kind="stable")
