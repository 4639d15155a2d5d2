"""Cash flows in the kernel: contributions land in the quote at their bar, and the
time-weighted index does not count them as gains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.backtest.reference import RefPolicy, run_reference
from tests.builders import WITH_QUOTE, make_policy
from trimtab.backtest.engine import run_inputs
from trimtab.backtest.inputs import build_inputs
from trimtab.backtest.kernel import layout

CAPITAL = 10_000.0
BAND = {"kind": "relative", "width": 0.15}


def _monthly(n_bars: int, amount: float) -> np.ndarray:
    flows = np.zeros(n_bars)
    flows[30::30] = amount
    return flows


def _looks(flows: np.ndarray) -> np.ndarray:
    """Reviews at every bar, a rebalance where money comes in (as run_backtest marks them)."""
    looks = np.full(flows.size, layout.LOOK_REVIEW, dtype=np.uint8)
    looks[flows != 0.0] = layout.LOOK_REBALANCE
    return looks


def _reference(prices: pd.DataFrame, flows: np.ndarray, looks: np.ndarray) -> dict[str, float]:
    names = [a for a in WITH_QUOTE if a != "USDT"]
    closes = [[*row, 1.0] for row in prices[names].itertuples(index=False)]
    weights = [WITH_QUOTE[a] for a in names] + [WITH_QUOTE["USDT"]]
    policy = RefPolicy(weights, "relative", BAND["width"], 0.001, 5 / 10_000,
                       looks=[int(x) for x in looks], flows=[float(x) for x in flows])
    return run_reference(closes, policy, CAPITAL)


@pytest.mark.parametrize("amount", [500.0, -100.0])
def test_contributions_match_the_reference_loop(prices: pd.DataFrame, amount: float) -> None:
    policy = make_policy(WITH_QUOTE, BAND, fee=0.001, slippage_bps=5.0)
    inputs = build_inputs(prices, policy, CAPITAL)
    flows = _monthly(len(prices), amount)
    looks = _looks(flows)
    run = run_inputs(inputs, pd.DatetimeIndex(prices.index), looks, record=False, flows=flows)
    ref = _reference(prices, flows, looks)
    stats = run.stats
    assert stats[layout.S_REBALANCES] == ref["rebalances"]
    assert stats[layout.S_FINAL] == pytest.approx(ref["final_value"], rel=1e-9)
    assert stats[layout.S_GROWTH] == pytest.approx(ref["growth"], rel=1e-9)
    # the flows moved the money but not the index: the two part by about the flows' sum
    assert abs(stats[layout.S_FINAL] - stats[layout.S_GROWTH]) > abs(amount)


def test_no_flows_leave_every_statistic_bit_for_bit(prices: pd.DataFrame) -> None:
    policy = make_policy(WITH_QUOTE, BAND, fee=0.001, slippage_bps=5.0)
    inputs = build_inputs(prices, policy, CAPITAL)
    looks = np.full(len(prices), layout.LOOK_REVIEW, dtype=np.uint8)
    index = pd.DatetimeIndex(prices.index)
    without = run_inputs(inputs, index, looks, record=False).stats
    zeros = run_inputs(inputs, index, looks, record=False, flows=np.zeros(len(prices))).stats
    assert np.array_equal(without, zeros)
    assert without[layout.S_GROWTH] == without[layout.S_FINAL]


def test_returns_do_not_count_a_deposit_as_a_gain(prices: pd.DataFrame) -> None:
    """Flat prices: the money doubles with the deposit, the index does not move."""
    flat = pd.DataFrame(1.0, index=prices.index[:10], columns=prices.columns)
    policy = make_policy(WITH_QUOTE, BAND)
    flows = np.zeros(10)
    flows[5] = CAPITAL
    run = run_inputs(build_inputs(flat, policy, CAPITAL), pd.DatetimeIndex(flat.index),
                     _looks(flows), record=True, flows=flows)
    assert run.stats[layout.S_FINAL] == pytest.approx(2 * CAPITAL)
    assert run.stats[layout.S_GROWTH] == pytest.approx(CAPITAL)
    assert run.stats[layout.S_SUM_R] == pytest.approx(0.0, abs=1e-12)
    assert run.equity.iloc[5] == pytest.approx(2 * CAPITAL)


def test_a_withdrawal_larger_than_the_portfolio_is_not_made(prices: pd.DataFrame) -> None:
    policy = make_policy(WITH_QUOTE, BAND)
    flows = np.zeros(len(prices))
    flows[10] = -10 * CAPITAL
    flows[20] = -100.0
    run = run_inputs(build_inputs(prices, policy, CAPITAL), pd.DatetimeIndex(prices.index),
                     _looks(flows), record=False, flows=flows)
    assert run.flows is not None
    assert run.flows[10] == 0.0 and run.flows[20] == -100.0
    assert flows[10] == -10 * CAPITAL  # the caller's array is not written
    assert run.stats[layout.S_FINAL] > 0
