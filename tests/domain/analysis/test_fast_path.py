"""The live path's shortcuts give what the rules they replaced gave, on random portfolios.

Issue 16 made a 200-asset check linear and cheaper: bands come from a per-policy
index instead of `band_for` per asset and check, units held back from one pass
instead of one scan per asset, alert prices on demand, the plan's balances
validated in one call. Each is held here to the rule it replaced, restated.
"""

from __future__ import annotations

from collections import defaultdict
from math import fsum
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.domain.planning.test_plan_properties import portfolios
from trimtab.domain.analysis.drift import (
    SnapshotError,
    alert_prices,
    analyse,
    valid_prices,
    weigh,
    weigh_units,
)
from trimtab.domain.bands import Band, band_for
from trimtab.domain.planning.apply import applied, apply_orders
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.policy import build_policy
from trimtab.domain.snapshot import Balance, Position, PriceQuote, Snapshot

CASE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _with_locked(snap: Snapshot, shares: list[float]) -> Snapshot:
    """Some balances partly locked in open orders (free < amount), some staked."""
    balances = tuple(b.model_copy(update={"free": b.amount * share}) if share < 1.0
                     else b.model_copy(update={"held_as": "staked"}) if share > 1.0 else b
                     for b, share in zip(snap.balances, shares + [1.0] * len(snap.balances),
                                         strict=False))
    return snap.model_copy(update={"balances": balances})


def _band(asset: str, policy: Any) -> Band:
    """The band as `_asset_state` built it per asset before the index."""
    targets = policy.asset_targets()
    if asset == policy.quote and asset not in targets:
        return Band(0.0, 0.0, 1.0)
    return band_for(targets.get(asset, 0.0), policy.bands.for_subject(asset))


def _held_back(snap: Snapshot, asset: str) -> dict[str, dict[str, float]]:
    """The scan of every balance that ran once per asset (`held_back(asset)`)."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for b in snap.balances:
        if b.asset != asset:
            continue
        if b.held_as != "spot":
            out[b.venue][b.held_as] += b.amount
        elif b.free is not None and b.free < b.amount:
            out[b.venue]["locked"] += b.amount - b.free
    return {v: dict(reasons) for v, reasons in out.items()}


@CASE
@given(portfolios(), st.lists(st.sampled_from([0.0, 0.3, 1.0, 2.0]), max_size=12))
def test_each_asset_state_is_what_the_per_asset_rules_gave(case: Any, shares: list[float]
                                                           ) -> None:
    policy, snap = case
    snap = _with_locked(snap, shares)
    analysis = analyse(snap, policy)
    values = {a.asset: a.value for a in analysis.assets}
    for a in analysis.assets:
        assert a.band == _band(a.asset, policy)
        assert {v: dict(r) for v, r in a.venue_held_back.items()} == _held_back(snap, a.asset)
        assert a.sleeve == policy.sleeve_of().get(a.asset)
        if a.asset == policy.quote or a.price is None:
            assert (a.alert_low, a.alert_high) == (None, None)
        else:
            rest = fsum(v for name, v in values.items() if name != a.asset)
            assert (a.alert_low, a.alert_high) == alert_prices(a.units, rest, a.band)
    for s in analysis.sleeves:
        assert s.band == band_for(policy.sleeves[s.name].weight,
                                  policy.bands.for_subject(s.name))
        # a pass per sleeve over the states, as `_sleeve_state` summed them
        assert s.value == sum(a.value for a in analysis.assets if a.asset in s.members)
        assert s.weight == sum(a.weight for a in analysis.assets if a.asset in s.members)


@CASE
@given(portfolios(held=True), st.floats(-0.5, 0.5))
def test_a_plan_applied_in_one_validation_is_the_balance_by_balance_result(
        case: Any, flow_share: float) -> None:
    policy, snap = case
    analysis = analyse(snap, policy)
    plan = make_plan(snap, policy, analysis, cash_flow=flow_share * analysis.spot_value)
    after = apply_orders(snap, plan.orders, policy.quote, plan.cash_flows)
    units: dict[tuple[str, str], float] = defaultdict(float)
    for b in snap.balances:
        units[(b.venue, b.asset)] += b.amount
    for o in plan.orders:
        units[(o.venue, policy.quote)] += o.quote_delta
        units[(o.venue, o.asset)] += o.amount if o.side == "buy" else -o.amount
    for venue, amount in plan.cash_flows:
        units[(venue, policy.quote)] += amount
    expected = tuple(Balance(venue=v, asset=a, amount=u if u >= 0 else 0.0)
                     for (v, a), u in units.items())
    assert after.balances == expected


@CASE
@given(portfolios(venues=("binance", "kraken", "wallet")), st.floats(-0.5, 0.5),
       st.sampled_from([{}, {"tactical": {"BTC": 0.5, "ETH": 3.0}}, {"exclude": ["DOGE"]}]),
       st.lists(st.tuples(st.sampled_from(["long", "short"]), st.floats(0.01, 50.0)),
                max_size=2))
def test_the_residuals_weigh_the_applied_units_as_weigh_weighs_the_applied_snapshot(
        case: Any, flow_share: float, extra: dict[str, Any], legs: list[tuple[str, float]]
) -> None:
    policy, snap = case
    policy = policy.model_copy(update={**extra, "futures": {"max_multiple": 0.1}})
    snap = _with_dust(snap) if "exclude" in extra else snap
    snap = _with_positions(snap, legs)
    analysis = analyse(snap, policy)
    plan = make_plan(snap, policy, analysis, cash_flow=flow_share * analysis.spot_value)
    assume(not plan.refused)
    rows, positions = applied(snap, plan.orders, policy.quote, plan.cash_flows)
    fast = weigh_units(rows, snap.model_copy(update={"positions": positions}), policy)
    slow = weigh(apply_orders(snap, plan.orders, policy.quote, plan.cash_flows), policy)
    assert fast.assets == tuple((a.asset, a.weight, a.band) for a in slow.assets)
    assert fast.sleeves == slow.sleeves
    assert fast.futures == slow.futures


def _with_positions(snap: Snapshot, legs: list[tuple[str, float]]) -> Snapshot:
    """Perpetuals on the first priced asset, over the cap: the plan reduces them."""
    asset, quote = next(iter(snap.prices.items()))
    positions = [Position.model_validate(
        {"venue": "binance", "symbol": f"{asset}/USDT:USDT", "side": side, "contracts": n,
         "markPrice": quote.price}) for side, n in legs]
    return snap.model_copy(update={"positions": tuple(positions)})


def _with_dust(snap: Snapshot) -> Snapshot:
    """A held asset the policy excludes (priced, so that only exclusion keeps it out)."""
    dust = Balance(venue="binance", asset="DOGE", amount=1e4)
    return snap.model_copy(update={"balances": (*snap.balances, dust),
                                   "prices": {**snap.prices, "DOGE": PriceQuote(price=0.1)}})


@CASE
@given(portfolios(), st.lists(st.sampled_from(["BTC", "ETH", "DOGE"]), max_size=3),
       st.sampled_from([0.0, 1.0]))
def test_a_held_asset_without_a_price_is_refused_as_the_summed_holdings_said(
        case: Any, unpriced: list[str], amount: float) -> None:
    """`valid_prices` asks which balances are positive rather than summing every asset's
    units first: the same assets, since no balance is negative."""
    policy, snap = case
    prices = {a: q for a, q in snap.prices.items() if a not in unpriced}
    extra = tuple(Balance(venue="kraken", asset=a, amount=amount) for a in unpriced)
    snap = snap.model_copy(update={"prices": prices, "balances": (*snap.balances, *extra)})
    missing = sorted(a for a, u in snap.holdings().items()
                     if u > 0 and a not in prices and a != policy.quote)
    if missing:
        with pytest.raises(SnapshotError, match=", ".join(f"prices.{a}" for a in missing)):
            valid_prices(snap, policy)
    else:
        assert valid_prices(snap, policy) == {**{a: q.price for a, q in prices.items()},
                                              policy.quote: 1.0}


def test_an_asset_state_stays_immutable_as_a_tuple() -> None:
    """AssetState became a NamedTuple for its construction cost; it must stay a value."""
    policy = build_policy({"targets": {"BTC": 0.5, "USDT": 0.5}})
    snap = Snapshot.model_validate({"as_of": "2026-01-31T00:00:00Z", "prices": {"BTC": 50_000},
                                    "balances": [{"venue": "binance", "asset": "BTC",
                                                  "amount": 0.1}]})
    state = analyse(snap, policy).asset("USDT")
    with pytest.raises(AttributeError):
        state.weight = 0.5  # type: ignore[misc]
    with pytest.raises(TypeError):
        state.venue_held_back["binance"] = {}  # type: ignore[index]


@CASE
@given(portfolios())
def test_a_breach_message_written_when_read_is_the_sentence_written_at_the_check(case: Any
                                                                                 ) -> None:
    """Threshold triggers keep their figures and write the sentence on demand; it is the
    one `threshold_trigger` wrote for every breach before."""
    policy, snap = case
    analysis = analyse(snap, policy)
    states: dict[str, tuple[str, Any]] = {a.asset: ("asset", a) for a in analysis.assets}
    states |= {s.name: ("sleeve", s) for s in analysis.sleeves}
    fired = [t for t in analysis.triggers if t.kind == "threshold"]
    assert len(fired) == sum(1 for _, s in states.values() if s.breached)
    for t in fired:
        level, item = states[t.subject]
        band = item.band
        side = "above" if item.weight > band.high else "below"
        assert t.message == (f"{level} {t.subject} at {item.weight:.2%} is {side} its band "
                             f"{band.low:.2%}–{band.high:.2%} (target {band.target:.2%})")
