"""The same threshold policy written in bt and in vectorbt, for the agreement tests.

Both start 100 % in cash, trade every asset back to its target weight at
the close of any bar where a weight is strictly outside its band, and charge
`fee` × traded notional. Each returns final equity, the number of
rebalances (bars with at least one trade) and the fees paid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def run_bt(prices: pd.DataFrame, targets: dict[str, float], kind: str, width: float,
           fee: float, capital: float) -> dict[str, float]:
    import bt

    class OutOfAbsoluteBand(bt.Algo):  # type: ignore[misc]
        """bt has only the relative RunIfOutOfBounds; this is its absolute twin."""

        def __call__(self, target: Any) -> bool:
            wanted = target.temp["weights"]
            for name in wanted:
                child = target.children.get(name)
                weight = child.weight if child is not None else 0.0
                if abs(weight - wanted[name]) > width:
                    return True
            return False

    class Count(bt.Algo):  # type: ignore[misc]
        runs = 0

        def __call__(self, target: Any) -> bool:
            self.runs += 1
            return True

    counter = Count()
    band = bt.algos.RunIfOutOfBounds(width) if kind == "relative" else OutOfAbsoluteBand()
    strategy = bt.Strategy("policy", [bt.algos.WeighSpecified(**targets), band, counter,
                                      bt.algos.Rebalance()])
    test = bt.Backtest(strategy, prices, initial_capital=capital, integer_positions=False,
                       commissions=lambda q, p: abs(q) * p * fee, progress_bar=False)
    test.run()
    runs = test.strategy.stack.algos[2].runs  # Backtest ran a deep copy of the strategy
    return {"final_value": float(test.strategy.value), "rebalances": runs,
            "fees": float(np.nansum(test.strategy.fees.to_numpy()))}


def run_vectorbt(prices: pd.DataFrame, targets: dict[str, float], kind: str, width: float,
                 fee: float, capital: float) -> dict[str, float]:
    import vectorbt as vbt
    from numba import njit
    from vectorbt.portfolio import nb
    from vectorbt.portfolio.enums import Direction, SizeType

    weights = np.array([[targets[c] for c in prices.columns]], dtype=np.float64)
    relative = kind == "relative"
    size_type = np.array([[SizeType.TargetPercent]])
    direction = np.array([[Direction.LongOnly]])

    @njit
    def pre_segment(c: Any) -> tuple[Any, ...]:
        for col in range(c.from_col, c.to_col):  # value at this bar's close, not the last one
            c.last_val_price[col] = nb.get_col_elem_nb(c, col, c.close)
        value = nb.get_group_value_ctx_nb(c)
        out = False
        for col in range(c.from_col, c.to_col):
            w = c.last_position[col] * c.last_val_price[col] / value
            dev = (w - weights[0, col]) / weights[0, col] if relative else w - weights[0, col]
            out = out or dev > width or dev < -width
        if out:  # what call_seq='auto' does: sells first
            nb.sort_call_seq_nb(c, weights, size_type, direction, np.empty(c.group_len))
        return (out,)

    @njit
    def order(c: Any, out: bool) -> Any:
        if not out:
            return nb.order_nothing_nb()
        return nb.order_nb(size=weights[0, c.col], price=nb.get_elem_nb(c, c.close),
                           size_type=SizeType.TargetPercent, direction=Direction.LongOnly,
                           fees=fee)

    pf = vbt.Portfolio.from_order_func(prices.to_numpy(), order, pre_segment_func_nb=pre_segment,
                                       cash_sharing=True, group_by=True, init_cash=capital,
                                       update_value=False, fill_pos_record=False)
    records = pf.order_records
    return {"final_value": float(pf.final_value()), "rebalances": len(np.unique(records["idx"])),
            "fees": float(records["fees"].sum())}
