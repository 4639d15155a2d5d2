"""The band test without division answers as the domain's rule, or says it cannot tell.

quick.py multiplies each holding's value by reciprocals of bounds moved inward
by a relative margin: INSIDE and OUTSIDE must never contradict the rule
(spot.assets_breached, the domain's division), however close to a bound a
weight sits, and the bounds it cannot test by products (none, at or below
zero, an overdrawn quote, no value) must leave the decision to the rule.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.backtest.kernel.test_bar import assert_verdict_is_the_rules
from tests.backtest.kernel.test_scratch import SLEEVED
from tests.builders import make_policy, synthetic_prices
from trimtab.backtest.inputs import KernelInputs, build_inputs
from trimtab.backtest.kernel import layout, quick, spot

widths = st.floats(0.001, 0.6)


def _verdict(inputs: KernelInputs, u: np.ndarray, bar: int = 0) -> tuple[int, bool, float]:
    """The scan's verdict at one bar, the rule's answer there, and the bar's value."""
    held = np.asarray(inputs.held)
    col_of = np.zeros(len(inputs.assets))
    spot.columns_of(inputs.held_cols, col_of)
    values, verdicts = np.zeros(1), np.zeros(1, dtype=np.int8)
    quick.scan_bars(u, held, bar, col_of, inputs.bands, values, np.zeros(1), np.zeros(1),
                    verdicts)
    rule = spot.assets_breached(u, held, bar, col_of, values[0], inputs.bands)
    price = inputs.full_close()[bar]
    assert quick.value_and_verdict(u, price, inputs.bands) == (values[0], verdicts[0])
    return int(verdicts[0]), bool(rule), float(values[0])


@settings(max_examples=300, deadline=None)
@given(ulps=st.integers(-40, 40), edge=st.sampled_from(["low", "high"]),
       kind=st.sampled_from(["relative", "absolute"]), width=widths,
       asset=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_a_weight_within_ulps_of_a_bound_gets_the_rules_answer(
        ulps: int, edge: str, kind: str, width: float, asset: int, seed: int) -> None:
    """A weight a few ulps either side of low - ε or high + ε: only the rule can tell, so
    the verdict is UNSURE (where the bound is above zero) and never contradicts it."""
    policy = make_policy(SLEEVED["targets"], {"kind": kind, "width": width},
                         sleeves=SLEEVED["sleeves"])
    inputs = build_inputs(synthetic_prices(n_bars=2, seed=seed), policy, capital=1.0)
    price = inputs.full_close()[0]
    i = int(inputs.held_cols[asset])
    bound = (inputs.bands[layout.LOW, i] - 1e-12 if edge == "low"
             else inputs.bands[layout.HIGH, i] + 1e-12)
    u = inputs.bands[layout.TARGET] / price  # every other asset at its target
    rest = spot.portfolio_value(u, price) - u[i] * price[i]
    u[i] = max(bound, 0.0) * rest / (1.0 - bound) / price[i]  # weight = bound, rounded
    for _ in range(abs(ulps)):
        u[i] = np.nextafter(u[i], np.inf if ulps > 0 else -np.inf)

    verdict, rule, _ = _verdict(inputs, u)

    assert_verdict_is_the_rules(verdict, rule)
    if bound > 0.0 and u[i] > 0.0:
        assert verdict == quick.UNSURE


@settings(max_examples=200, deadline=None)
@given(units=st.lists(st.floats(0.0, 1e4), min_size=6, max_size=6),
       cash=st.floats(-1e4, 1e4), seed=st.integers(0, 2**16),
       kind=st.sampled_from(["relative", "absolute"]), width=st.floats(0.0, 0.9))
def test_any_holding_gets_the_rules_answer_or_unsure(
        units: list[float], cash: float, seed: int, kind: str, width: float) -> None:
    """Random holdings, an overdrawn or flush quote, bands from zero width to wider than
    their targets (lower bounds at zero): the verdict never contradicts the rule."""
    policy = make_policy({"BTC": 0.5, "ETH": 0.3, "SOL": 0.02, "USDT": 0.18},
                         {"kind": kind, "width": width})
    inputs = build_inputs(synthetic_prices(n_bars=3, seed=seed), policy, capital=1.0)
    u = np.array(units[:len(inputs.assets)])
    u[inputs.assets.index("USDT")] = cash

    verdict, rule, value = _verdict(inputs, u, bar=2)

    assert_verdict_is_the_rules(verdict, rule)
    if not value > 0.0:
        assert verdict == quick.UNSURE


def test_bounds_a_product_cannot_test_drop_out() -> None:
    """The quote without a target has no band (±inf): NaN reciprocals, never kept; a lower
    bound at zero has +inf, so an asset not held is inside and an overdrawn one UNSURE."""
    policy = make_policy({"BTC": 0.6, "ETH": 0.4}, {"kind": "absolute", "width": 0.45})
    inputs = build_inputs(synthetic_prices(n_bars=2, seed=1), policy, capital=1.0)
    q = inputs.assets.index("USDT")
    assert np.isnan(inputs.bands[layout.QUICK_LOW, q])
    assert np.isnan(inputs.bands[layout.QUICK_HIGH, q])
    btc, eth = inputs.assets.index("BTC"), inputs.assets.index("ETH")
    assert inputs.bands[layout.QUICK_LOW, eth] == np.inf  # 0.4 - 0.45: no lower bound above 0
    assert 0.0 < inputs.bands[layout.QUICK_LOW, btc] < np.inf  # 0.6 - 0.45 = 0.15
    price = inputs.full_close()[0]
    u = inputs.bands[layout.TARGET] / price
    assert _verdict(inputs, u)[0] == quick.INSIDE
    u[q] = -1e-9  # an overdrawn quote, without a band: still inside
    assert _verdict(inputs, u)[0] == quick.INSIDE
    u[q], u[eth] = 0.0, 0.0  # ETH not held, lower bound at zero: 0 · inf drops out
    assert _verdict(inputs, u)[:2] == (quick.INSIDE, False)
    u = inputs.bands[layout.TARGET] / price
    u[btc] *= 1e-3  # BTC far below 15 %: outside, without asking the rule
    assert _verdict(inputs, u)[:2] == (quick.OUTSIDE, True)

