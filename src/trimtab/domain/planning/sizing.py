"""How much of each asset to buy or sell: desired values after costs.

Desired weights are of the portfolio value *after* the plan's own fees and
slippage, found by a short fixed-point iteration (costs depend on turnover,
turnover on the value). This is what lets a to-target plan land on the
targets, quote included, rather than short of cash for its own fees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from trimtab.domain.analysis.drift import Analysis, AssetState
from trimtab.domain.bands import Band
from trimtab.domain.index import CASH_LEG
from trimtab.domain.planning.orders import CostModel, Side, Skipped
from trimtab.domain.planning.targets import (
    Allocation,
    deposit_weights,
    desired_weights,
    withdrawal_weights,
)
from trimtab.domain.policy import Policy

Rule = Callable[[Mapping[str, float], float], dict[str, float]]
ITERATIONS = 8  # most fixed-point steps; each multiplies the error by the cost rate (≪ 1)
CONVERGED = 1e-13  # change of the post-cost value, relative to the value, that ends them


@dataclass(frozen=True, slots=True)
class SpotTargets:
    """Quote value to buy (+) or sell (−) per asset, and the value left after costs."""

    deltas: Mapping[str, float]
    net_value: float
    skipped: tuple[Skipped, ...] = ()

    def overweights(self, analysis: Analysis) -> dict[str, float]:
        """Assets the plan sells, with the value sold (the overweight it corrects)."""
        return {a: -d for a, d in self.deltas.items() if d < 0}


def spot_targets(analysis: Analysis, policy: Policy, costs: CostModel, cash_flow: float,
                 rebalance: bool) -> SpotTargets:
    """Desired trades for a rebalance, a cash flow, or both."""
    if not rebalance and cash_flow == 0.0:
        return SpotTargets({}, analysis.spot_value)
    if not rebalance:
        movable = {a.asset for a in analysis.assets if _tradable(a, policy)}
        flow = _solve(analysis, costs, cash_flow, movable, _cash_rule(analysis, policy, movable,
                                                                      cash_flow))
        if _fits(analysis, policy, flow):
            return flow
    movable, skipped = _in_scope(analysis, policy)
    rule = _rebalance_rule(analysis, policy, movable)
    solved = _solve(analysis, costs, cash_flow, movable, rule)
    return SpotTargets(solved.deltas, solved.net_value, skipped)


def _solve(analysis: Analysis, costs: CostModel, cash_flow: float, movable: set[str],
           rule: Rule) -> SpotTargets:
    """Iterate desired values until the post-cost value is consistent."""
    values = {a.asset: a.value for a in analysis.assets}
    # in the analysis' (the policy's) order, never the set's: a set's order changes
    # between processes, and so would the sums' last digits; and the order breaks ties
    # between equal drifts in spot_orders, as it does in the backtest kernel
    moving = [a for a in values if a in movable]
    gross = analysis.spot_value + cash_flow
    net = gross
    deltas: dict[str, float] = {}
    for _ in range(ITERATIONS):
        weights = {a: v / net for a, v in values.items()}
        desired = rule(weights, net)
        deltas = {a: desired[a] * net - values[a] for a in moving}
        new_net = gross - costs.rate * sum(map(abs, deltas.values()))
        if abs(new_net - net) <= CONVERGED * gross:
            break
        net = new_net
    return SpotTargets(deltas, net)


def _tradable(asset: AssetState, policy: Policy) -> bool:
    return (asset.asset != policy.quote and asset.asset not in policy.frozen
            and asset.price is not None)


def _in_scope(analysis: Analysis, policy: Policy) -> tuple[set[str], tuple[Skipped, ...]]:
    """Assets a rebalance moves, and skip records for those it may not touch."""
    breached_sleeves = {s.name for s in analysis.sleeves if s.breached}
    wanted = [a for a in analysis.assets if a.asset != policy.quote and (
        policy.scope == "all" or a.breached or a.sleeve in breached_sleeves)]
    tradable = [_tradable(a, policy) for a in wanted]
    skipped = tuple(_untouchable(a, policy, analysis.spot_value)
                    for a, ok in zip(wanted, tradable, strict=True)
                    if not ok and (a.breached or a.price is None))
    return {a.asset for a, ok in zip(wanted, tradable, strict=True) if ok}, tuple(
        s for s in skipped if s.notional > 0)


def _untouchable(asset: AssetState, policy: Policy, value: float) -> Skipped:
    notional = abs(asset.target - asset.weight) * value
    side: Side = "sell" if asset.weight > asset.target else "buy"
    if asset.price is None:
        return Skipped(asset.asset, side, notional, "missing_price",
                       f"no price for {asset.asset} in the snapshot; add one to trade it")
    return Skipped(asset.asset, side, notional, "frozen_asset",
                   f"{asset.asset} is frozen by the policy and is not traded")


def _rebalance_rule(analysis: Analysis, policy: Policy, movable: set[str]) -> Rule:
    # a quote neither targeted nor held still bounds the plan: its weight cannot go below 0
    # the bands shrunk once, not at every step of the fixed point
    fraction, index = policy.fraction, policy.index
    bands = {policy.quote: CASH_LEG.inner(fraction),
             **{a.asset: _inner(a.band, index.asset_bands.get(a.asset), index.inner_bands,
                                a.asset, fraction) for a in analysis.assets}}
    sleeves = {s.name: (_inner(s.band, index.sleeve_bands.get(s.name),
                               index.inner_sleeve_bands, s.name, fraction), s.members)
               for s in analysis.sleeves}
    in_scope = {s.name for s in analysis.sleeves if policy.scope == "all" or s.breached}

    def rule(weights: Mapping[str, float], net: float) -> dict[str, float]:
        alloc = Allocation(weights, bands, sleeves, policy.quote)
        return desired_weights(alloc, movable, fraction == 0.0, in_scope,
                               quote_in_scope=policy.scope == "all")

    return rule


def _inner(band: Band, indexed: Band | None, inner: Mapping[str, Band], name: str,
           fraction: float) -> Band:
    """The band shrunk by the fraction: the policy index's when the band is the index's."""
    return inner[name] if band is indexed else band.inner(fraction)


def _cash_rule(analysis: Analysis, policy: Policy, movable: set[str], flow: float) -> Rule:
    targets = {a.asset: a.target for a in analysis.assets}

    def rule(weights: Mapping[str, float], net: float) -> dict[str, float]:
        if flow > 0:
            return deposit_weights(weights, targets, movable, policy.quote, flow / net)
        return withdrawal_weights(weights, targets, movable, policy.quote, -flow / net)

    return rule


def _fits(analysis: Analysis, policy: Policy, flow: SpotTargets) -> bool:
    """Whether a cash-flow-only plan leaves every asset and sleeve inside its band."""
    after = {a.asset: (a.value + flow.deltas.get(a.asset, 0.0)) / flow.net_value
             for a in analysis.assets}
    after[policy.quote] = 1.0 - sum(w for a, w in after.items() if a != policy.quote)
    if any(a.band.breached(after[a.asset]) for a in analysis.assets):
        return False
    for sleeve in analysis.sleeves:
        weight = sum(after.get(m, 0.0) for m in sleeve.members)
        if sleeve.band.breached(weight):
            return False
    return True
