"""Invariants of plans and alert prices over random portfolios, policies and prices."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.apply import apply_orders
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.policy import build_policy
from trimtab.domain.snapshot import Snapshot

ASSETS = ["BTC", "ETH", "SOL", "AVAX", "LINK"]
TOL = 1e-9

prices_st = st.floats(min_value=0.01, max_value=200_000.0)
units_st = st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1_000.0))
band_st = st.one_of(
    st.fixed_dictionaries({"kind": st.just("absolute"), "width": st.floats(0.0, 0.3)}),
    st.fixed_dictionaries({"kind": st.just("relative"), "width": st.floats(0.0, 0.9)}),
    st.fixed_dictionaries({"kind": st.just("either"), "absolute_width": st.floats(0.0, 0.3),
                           "relative_width": st.floats(0.0, 0.9)}),
)
rebalance_st = st.one_of(st.sampled_from(["target", "band-edge"]), st.floats(0.0, 1.0))


@st.composite
def portfolios(draw: Any, venues: tuple[str, ...] = ("binance", "kraken"),
               sleeves: bool = True, held: bool = False) -> tuple[Any, Snapshot]:
    """A policy and a snapshot; `held`: the first asset and the quote are surely held."""
    names = draw(st.lists(st.sampled_from(ASSETS), min_size=1, max_size=5, unique=True))
    raw_w = draw(st.lists(st.floats(0.05, 1.0), min_size=len(names) + 1,
                          max_size=len(names) + 1))
    total = sum(raw_w)
    weights = {a: w / total for a, w in zip([*names, "USDT"], raw_w, strict=True)}
    raw: dict[str, Any] = {
        "bands": draw(band_st), "rebalance_to": draw(rebalance_st),
        "costs": {"fee_rate": draw(st.floats(0.0, 0.005)),
                  "slippage_bps": draw(st.floats(0.0, 20.0)), "min_trade": 0.0},
    }
    if sleeves and len(names) >= 2 and draw(st.booleans()):
        members = names[:2]
        share = weights[members[0]] + weights[members[1]]
        raw["sleeves"] = {"core": {"weight": share, "members": {
            members[0]: weights[members[0]] / share,
            members[1]: 1.0 - weights[members[0]] / share}}}
        weights = {a: w for a, w in weights.items() if a not in members}
        raw["sleeves"]["core"]["weight"] = 1.0 - sum(weights.values())
    raw["targets"] = weights
    policy = build_policy(raw)
    prices = {a: draw(prices_st) for a in names}
    balances = [{"venue": v, "asset": a, "amount": draw(units_st) * (1.0 if a != "USDT" else 50)}
                for a in [*names, "USDT"] for v in venues if draw(st.booleans())]
    if held:
        balances += [{"venue": venues[0], "asset": a, "amount": draw(st.floats(1e-3, 1_000.0))}
                     for a in (names[0], "USDT")]
    snap = Snapshot.model_validate({"as_of": "2026-01-31T00:00:00Z", "prices": prices,
                                    "balances": balances})
    return policy, snap


def assert_inside_every_band(snapshot: Snapshot, policy: Any) -> None:
    after = analyse(snapshot, policy)
    for a in after.assets:
        assert a.band.low - TOL <= a.weight <= a.band.high + TOL, (a.asset, a.weight, a.band)
    for s in after.sleeves:
        assert s.band.low - TOL <= s.weight <= s.band.high + TOL, (s.name, s.weight, s.band)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios())
def test_a_plan_applied_leaves_every_weight_inside_its_band(case: Any) -> None:
    policy, snap = case
    analysis = analyse(snap, policy)
    assume(analysis.spot_value > 1.0)
    plan = make_plan(snap, policy, analysis)
    assume(not plan.skipped)
    event(f"orders: {min(len(plan.orders), 3)}+, rebalance_to {policy.rebalance_to!r:.8}")
    after = apply_orders(snap, plan.orders, policy.quote)
    assert_inside_every_band(after, policy)
    assert plan.residual == ()
    if policy.rebalance_to == "target" and analysis.triggered:
        for a in analyse(after, policy).assets:
            assert abs(a.weight - a.target) <= TOL, (a.asset, a.weight, a.target)


@settings(max_examples=300, deadline=None)
@given(portfolios(venues=("binance", "kraken", "wallet")))
def test_a_plan_never_overdraws_a_venue_nor_trades_the_wallet(case: Any) -> None:
    policy, snap = case
    assume(analyse(snap, policy).spot_value > 1.0)
    plan = make_plan(snap, policy)
    for order in plan.orders:
        assert order.venue != "wallet"
        assert order.amount > 0 and order.price > 0
    after = apply_orders(snap, plan.orders, policy.quote)  # raises on an overdraft
    if plan.skipped or any(b.venue == "wallet" for b in snap.balances):
        return
    assert_inside_every_band(after, policy)


@settings(max_examples=300, deadline=None)
@given(portfolios(sleeves=False, held=True), st.data())
def test_at_alert_high_the_weight_equals_high(case: Any, data: Any) -> None:
    # Run with --hypothesis-show-statistics to see the share of cases with alert prices
    # checked; `assume` drops the rest, and hypothesis fails the test (filter_too_much)
    # when most generated cases would check nothing.
    policy, snap = case
    analysis = analyse(snap, policy)
    checked = 0
    for a in analysis.assets:
        for price, bound in ((a.alert_high, a.band.high), (a.alert_low, a.band.low)):
            if price is None:
                continue
            moved = snap.model_copy(update={"prices": {**snap.prices,
                                                       a.asset: type(snap.prices[a.asset])(
                                                           price=price)}})
            weight = analyse(moved, policy).asset(a.asset).weight
            assert abs(weight - bound) <= TOL * max(1.0, bound), (a.asset, weight, bound)
            checked += 1
    event("alert prices checked" if checked else "no alert price to check")
    assume(checked > 0)


@settings(max_examples=200, deadline=None)
@given(portfolios(sleeves=False), st.lists(st.tuples(
    st.sampled_from(["BTC", "ETH"]), st.sampled_from(["long", "short"]),
    st.floats(0.01, 50.0), st.floats(100.0, 100_000.0)), min_size=1, max_size=4),
    st.floats(0.1, 3.0))
def test_a_leverage_plan_never_increases_gross_and_lands_under_the_cap(
        case: Any, legs: list[tuple[str, str, float, float]], cap: float) -> None:
    policy, snap = case
    policy = policy.model_copy(update={"futures": policy.futures.model_copy(
        update={"max_multiple": cap})})
    positions = [{"venue": "binance", "symbol": f"{a}/USDT:USDT", "side": side,
                  "contracts": n, "contractSize": 1.0, "markPrice": p}
                 for a, side, n, p in legs]
    raw = snap.model_dump(by_alias=True) | {"positions": positions}
    snap = Snapshot.model_validate(raw)
    before = analyse(snap, policy)
    assume(before.spot_value > 1.0)
    plan = make_plan(snap, policy, before)
    futures = [o for o in plan.orders if o.is_futures]
    assert all(o.reduce_only for o in futures)
    after = analyse(apply_orders(snap, plan.orders, policy.quote), policy)
    assert after.futures.gross_notional <= before.futures.gross_notional + 1e-9
    if before.futures.breached and not any(s.symbol and ":" in s.symbol for s in plan.skipped):
        assert after.futures.multiple <= cap + 1e-9
