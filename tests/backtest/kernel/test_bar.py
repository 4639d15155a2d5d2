"""The per-bar band test reads the frame's row and answers exactly as `breaches` does.

The loop tests bands at every bar without building a price vector or
setting flags (spot.assets_breached, spot.sleeves_breached); a trade then
calls `breaches` for the flags. The two must agree on every state, or a run
would trade where the domain would not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.backtest.kernel.test_scratch import SLEEVED
from tests.builders import make_policy, synthetic_prices
from trimtab.backtest import sweep as sw
from trimtab.backtest.engine import run_backtest, run_inputs
from trimtab.backtest.inputs import build_inputs
from trimtab.backtest.kernel import layout, quick, spot
from trimtab.backtest.schedule import Schedule

prices = st.floats(0.01, 50_000.0)
amounts = st.one_of(st.just(0.0), st.floats(1e-6, 1e4))
widths = st.floats(0.001, 0.6)
NONE = Schedule.parse("none")


@settings(max_examples=300, deadline=None)
@given(closes=st.lists(prices, min_size=5, max_size=5), units=st.lists(amounts, min_size=6,
       max_size=6), kind=st.sampled_from(["relative", "absolute"]), width=widths)
def test_the_bar_test_equals_breaches(closes: list[float], units: list[float], kind: str,
                                      width: float) -> None:
    policy = make_policy(SLEEVED["targets"], {"kind": kind, "width": width},
                         sleeves=SLEEVED["sleeves"])
    frame = synthetic_prices(n_bars=2, seed=1)
    frame.iloc[1] = closes
    inputs = build_inputs(frame, policy, capital=1.0)
    held = np.asfortranarray(inputs.held)  # the frame's own memory is column-major
    u = np.array(units)
    col_of = np.zeros(u.size)
    spot.columns_of(inputs.held_cols, col_of)
    price = inputs.full_close()[1]
    value = spot.bar_value(u, held, 1, col_of)
    flags = np.zeros(u.size, dtype=np.bool_), np.zeros(1, dtype=np.bool_), np.zeros(1)

    fast = (spot.assets_breached(u, held, 1, col_of, value, inputs.bands)
            | spot.sleeves_breached(u, held, 1, col_of, value, inputs.sleeve_of,
                                    inputs.sleeve_bands, np.zeros(1)))

    assert value == spot.portfolio_value(u, price)
    assert fast == spot.breaches(u, price, value, inputs.bands, inputs.sleeve_of,
                                 inputs.sleeve_bands, *flags)
    assert (spot.assets_outside_at(u, price, value, inputs.bands)  # a sweep's block
            == spot.assets_breached(u, held, 1, col_of, value, inputs.bands))


def test_a_sleeved_grid_equals_one_backtest_per_configuration() -> None:
    """Sleeves take the loop's other branch (sleeves_breached): the sweep's blocks too."""
    closes = synthetic_prices(n_bars=400, seed=9)
    rest = {k: v for k, v in SLEEVED.items() if k != "targets"}
    policy = make_policy(SLEEVED["targets"], fee=0.001, slippage_bps=5, **rest)
    choices = sw.parse_bands("relative:0.05..0.25:0.1,absolute:0.02")
    grid = sw.build_grid(closes, policy, 10_000.0, choices, [NONE])
    stats = sw.run_local(grid, chunk=2)
    for b, choice in enumerate(choices):
        assert choice.spec is not None
        band = {"kind": choice.spec.kind, "width": choice.spec.width}
        one = run_backtest(closes, make_policy(SLEEVED["targets"], band, fee=0.001,
                                               slippage_bps=5, **rest),
                           10_000.0, NONE, record=False).policy.stats
        assert one[layout.S_REBALANCES] > 2
        np.testing.assert_array_equal(stats[b, 0], one)


@settings(max_examples=200, deadline=None)
@given(units=st.lists(amounts, min_size=6, max_size=6), seed=st.integers(0, 2**16),
       start=st.integers(0, 39), lanes=st.sampled_from([1, 8, 32]),
       order=st.sampled_from(["F", "C"]), width=widths)
def test_scanning_bars_at_once_gives_each_bars_value_and_test(
        units: list[float], seed: int, start: int, lanes: int, order: str,
        width: float) -> None:
    """quick.scan_bars runs the per-bar value and band test over bars in SIMD lanes: each
    bar's value must be the per-bar function's bits and its verdict the rule's answer
    (or UNSURE), the quote (here in the middle of the assets) at 1, in either memory
    order, and the last lanes cut at the data's end."""
    policy = make_policy(SLEEVED["targets"], {"kind": "relative", "width": width},
                         sleeves=SLEEVED["sleeves"])
    inputs = build_inputs(synthetic_prices(n_bars=40, seed=seed), policy, capital=1.0)
    held = np.asarray(inputs.held, order=order)
    u = np.array(units)
    col_of = np.zeros(u.size)
    spot.columns_of(inputs.held_cols, col_of)
    values, verdicts = np.zeros(lanes), np.zeros(lanes, dtype=np.int8)

    m = quick.scan_bars(u, held, start, col_of, inputs.bands, values, np.zeros(lanes),
                        np.zeros(lanes), verdicts)

    assert m == min(lanes, 40 - start)
    for k in range(m):
        value = spot.bar_value(u, held, start + k, col_of)
        assert values[k] == value
        assert_verdict_is_the_rules(verdicts[k], spot.assets_breached(
            u, held, start + k, col_of, value, inputs.bands))


def assert_verdict_is_the_rules(verdict: int, rule: bool) -> None:
    """INSIDE only where the rule says inside, OUTSIDE only where it says outside."""
    assert verdict in (quick.INSIDE, quick.OUTSIDE, quick.UNSURE)
    assert verdict != quick.INSIDE or not rule
    assert verdict != quick.OUTSIDE or rule


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), width=widths, every=st.integers(1, 30),
       kind=st.sampled_from(["relative", "absolute"]),
       look=st.sampled_from([layout.LOOK_REVIEW, layout.LOOK_REBALANCE]))
def test_a_quiet_bar_takes_the_short_way_to_the_same_bits(
        seed: int, width: float, every: int, kind: str, look: int) -> None:
    """A plain run that records nothing skips a bar's steps when the bar is inside its bands
    and no look trades (loop.simulate's `quiet`); recording the equity curve takes every
    bar the long way. Both must give the same statistics, bit for bit."""
    policy = make_policy({"BTC": 0.4, "ETH": 0.3, "SOL": 0.1, "USDT": 0.2},
                         {"kind": kind, "width": width}, fee=0.001, slippage_bps=3)
    prices = synthetic_prices(n_bars=600, seed=seed)
    inputs = build_inputs(prices, policy, capital=1e5)
    looks = np.zeros(len(prices), dtype=np.uint8)
    looks[::every] = look
    index = pd.DatetimeIndex(prices.index)

    short = run_inputs(inputs, index, looks, record=False).stats
    long = run_inputs(inputs, index, looks, record=True).stats

    assert long[layout.S_REBALANCES] >= 1
    np.testing.assert_array_equal(short, long)
