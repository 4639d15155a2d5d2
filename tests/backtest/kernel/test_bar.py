"""The per-bar band test reads the frame's row and answers exactly as `breaches` does.

The loop tests bands at every bar without building a price vector or
setting flags (spot.assets_breached, spot.sleeves_breached); a trade then
calls `breaches` for the flags. The two must agree on every state, or a run
would trade where the domain would not.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.backtest.kernel.test_scratch import SLEEVED
from tests.builders import make_policy, synthetic_prices
from trimtab.backtest import sweep as sw
from trimtab.backtest.engine import run_backtest
from trimtab.backtest.inputs import build_inputs
from trimtab.backtest.kernel import layout, spot
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
    """spot.scan_bars runs the per-bar value and band test over bars in SIMD lanes: each
    bar's answer must be the per-bar functions' bits, the quote (here in the middle of
    the assets) at 1, in either memory order, and the last lanes cut at the data's end."""
    policy = make_policy(SLEEVED["targets"], {"kind": "relative", "width": width},
                         sleeves=SLEEVED["sleeves"])
    inputs = build_inputs(synthetic_prices(n_bars=40, seed=seed), policy, capital=1.0)
    held = np.asarray(inputs.held, order=order)
    u = np.array(units)
    col_of = np.zeros(u.size)
    spot.columns_of(inputs.held_cols, col_of)
    values, outs, unsure = np.zeros(lanes), np.zeros(lanes, dtype=np.bool_), np.zeros(
        lanes, dtype=np.bool_)

    m = spot.scan_bars(u, held, start, col_of, inputs.bands, values, outs, unsure)

    assert m == min(lanes, 40 - start)
    for k in range(m):
        value = spot.bar_value(u, held, start + k, col_of)
        assert values[k] == value
        assert_scan_answers_as_the_rule(outs[k], unsure[k], spot.assets_breached(
            u, held, start + k, col_of, value, inputs.bands))


def assert_scan_answers_as_the_rule(out: bool, unsure: bool, rule: bool) -> None:
    """The scan's two flags against the rule's answer: `out` only where the rule says out,
    and where the rule says out, `out` or `unsure` (then the loop asks the rule)."""
    assert not out or rule
    assert not rule or out or unsure


@settings(max_examples=300, deadline=None)
@given(ulps=st.integers(-40, 40), edge=st.sampled_from(["low", "high"]),
       width=widths, asset=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_the_scan_multiplies_yet_answers_as_the_rule_at_a_bound(
        ulps: int, edge: str, width: float, asset: int, seed: int) -> None:
    """scan_bars tests x < (low - ε)·value without dividing, with bounds moved 1e-14 inward
    (certainly inside) and outward (certainly out): a weight within a few ulps of a bound,
    on either side, must still get the rule's answer, never the quick test's."""
    policy = make_policy(SLEEVED["targets"], {"kind": "relative", "width": width},
                         sleeves=SLEEVED["sleeves"])
    inputs = build_inputs(synthetic_prices(n_bars=2, seed=seed), policy, capital=1.0)
    held = np.asarray(inputs.held)
    col_of = np.zeros(len(inputs.assets))
    spot.columns_of(inputs.held_cols, col_of)
    price = inputs.full_close()[0]
    i = int(inputs.held_cols[asset])
    bound = (inputs.bands[layout.LOW, i] - 1e-12 if edge == "low"
             else inputs.bands[layout.HIGH, i] + 1e-12)
    u = inputs.bands[layout.TARGET] / price  # every other asset near its target
    rest = spot.portfolio_value(u, price) - u[i] * price[i]
    u[i] = bound * rest / (1.0 - bound) / price[i]  # weight = bound, up to rounding
    for _ in range(abs(ulps)):
        u[i] = np.nextafter(u[i], np.inf if ulps > 0 else -np.inf)
    values, outs, unsure = np.zeros(1), np.zeros(1, dtype=np.bool_), np.zeros(1, dtype=np.bool_)

    spot.scan_bars(u, held, 0, col_of, inputs.bands, values, outs, unsure)

    rule = spot.assets_breached(u, held, 0, col_of, values[0], inputs.bands)
    assert_scan_answers_as_the_rule(outs[0], unsure[0], rule)
    assert unsure[0] and not outs[0]  # this close to a bound, only the rule can tell
