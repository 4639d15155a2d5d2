"""The kernel's rebalance decisions equal the domain planner's on random portfolios.

The kernel restates the domain's band test, desired-weight rule and order
sizing in numba for speed (kernel/rebalance.py). This property test is what
keeps the two one rule: for random holdings, prices, targets, sleeves,
bands, `rebalance_to`, scope and costs, the kernel trades iff `analyse`
fires a threshold trigger, and it trades the same units as `make_plan`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from trimtab.backtest.inputs import asset_order, build_inputs
from trimtab.backtest.kernel import layout, rebalance
from trimtab.backtest.kernel import spot as k
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning import routing, sizing
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.policy import Policy, build_policy
from trimtab.domain.snapshot import Snapshot

NAMES = ("BTC", "ETH", "SOL", "AVAX")
AS_OF = "2025-01-31T00:00:00Z"

widths = st.floats(0.01, 0.6)
bands = st.one_of(
    st.builds(lambda w: {"kind": "relative", "width": w}, widths),
    st.builds(lambda w: {"kind": "absolute", "width": w}, st.floats(0.005, 0.3)),
    st.builds(lambda a, r: {"kind": "either", "absolute_width": a, "relative_width": r},
              st.floats(0.005, 0.3), widths))


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    n = draw(st.integers(2, 4))
    raw_w = draw(st.lists(st.floats(0.05, 1.0), min_size=n + 1, max_size=n + 1))
    weights = [w / sum(raw_w) for w in raw_w]
    targets: dict[str, Any] = {"USDT": weights[-1]}
    sleeves: dict[str, Any] = {}
    if n >= 3 and draw(st.booleans()):
        total = weights[n - 2] + weights[n - 1]
        members = {NAMES[n - 2]: weights[n - 2] / total, NAMES[n - 1]: 1 - weights[n - 2] / total}
        sleeves["alts"] = {"weight": total, "members": members}
        targets.update({NAMES[i]: weights[i] for i in range(n - 2)})
        targets["USDT"] = 1.0 - sum(weights[: n - 2]) - total
    else:
        targets.update({NAMES[i]: weights[i] for i in range(n)})
        targets["USDT"] = 1.0 - sum(weights[:n])
    raw = {"targets": targets, "sleeves": sleeves, "bands": draw(bands),
           "rebalance_to": draw(st.sampled_from(["target", "band-edge", 0.5, 0.25])),
           "scope": draw(st.sampled_from(["all", "breached"])),
           "frozen": draw(st.sampled_from([[], [NAMES[0]]])),
           "costs": {"fee_rate": draw(st.floats(0, 0.01)), "slippage_bps": draw(st.floats(0, 50)),
                     "min_trade": draw(st.sampled_from([0.0, 10.0, 200.0]))}}
    return build_policy(raw)


def _snapshot(policy: Policy, units: dict[str, float], prices: dict[str, float]) -> Snapshot:
    balances = [{"venue": "paper", "asset": a, "amount": units[a]} for a in asset_order(policy)]
    return Snapshot.model_validate({"as_of": AS_OF, "prices": prices, "balances": balances})


def _kernel_step(policy: Policy, units: np.ndarray, prices: dict[str, float]
                 ) -> tuple[bool, np.ndarray, float]:
    assets = asset_order(policy)
    frame = pd.DataFrame({a: [prices[a]] for a in assets if a != policy.quote})
    inputs = build_inputs(frame, policy, capital=0.0)
    price = inputs.full_close()[0]
    value = k.portfolio_value(units, price)
    asset_out = np.zeros(len(assets), dtype=np.bool_)
    sleeve_out = np.zeros(inputs.sleeve_bands.shape[1], dtype=np.bool_)
    out = k.breaches(units, price, value, inputs.bands, inputs.sleeve_of, inputs.sleeve_bands,
                     asset_out, sleeve_out, np.zeros(sleeve_out.size))
    after = units.copy()
    tally = np.zeros(layout.N_TALLY)
    if out:
        k.rebalance(after, price, value, inputs.bands, inputs.sleeve_of, inputs.sleeve_bands,
                    inputs.tradable, asset_out, sleeve_out, inputs.params, tally,
                    np.zeros((layout.N_WORK_ROWS, len(assets))))
    return out, after - units, tally[layout.T_ORDERS]


@settings(max_examples=300, deadline=None)
@given(policy=policies(), data=st.data())
def test_kernel_rebalances_exactly_when_and_as_the_domain_plans(policy: Policy,
                                                               data: st.DataObject) -> None:
    assets = asset_order(policy)
    prices = {a: data.draw(st.floats(0.01, 50_000.0)) for a in assets if a != policy.quote}
    # no subnormal amounts: domain.analysis.alert_prices divides by units·(1 − bound)
    units = {a: data.draw(st.one_of(st.just(0.0), st.floats(1e-3, 10_000.0))) / prices.get(a, 1.0)
             for a in assets}
    if sum(units[a] * prices.get(a, 1.0) for a in assets) < 1.0:
        units[policy.quote] = 1_000.0
    snapshot = _snapshot(policy, units, prices)
    analysis = analyse(snapshot, policy)
    plan = make_plan(snapshot, policy, analysis)
    triggered = any(t.kind == "threshold" for t in analysis.triggers)

    out, moved, orders = _kernel_step(policy, np.array([units[a] for a in assets]),
                                      {**prices, policy.quote: 1.0})

    assert out == triggered
    assert orders == len(plan.orders)
    expected = dict.fromkeys(assets, 0.0)
    for order in plan.orders:
        expected[order.asset] += order.amount if order.side == "buy" else -order.amount
        expected[policy.quote] += order.quote_delta
    scale = analysis.spot_value
    for i, a in enumerate(assets):
        price = prices.get(a, 1.0)
        assert abs(moved[i] - expected[a]) * price <= 1e-9 * scale, a


def test_the_kernel_uses_the_domains_constants_not_copies() -> None:
    """A copied float is another object: `is` fails the day someone retypes one."""
    assert rebalance.CONVERGED is sizing.CONVERGED
    assert rebalance.DUST is routing.DUST
    assert rebalance.ITERATIONS is sizing.ITERATIONS
