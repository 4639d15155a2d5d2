"""The optimising planner (`planner = "optimal"`): drift against costs and tax, by cvxpy.

Minimises, in fractions of the portfolio value V,

    Σ_assets (value_after − target × V_after)² / V²
      + cost_weight × (fees + slippage) / V + tax_weight × estimated tax / V

subject to every movable asset's band (of V_after; with `bands = "soft"`
band_weight × the distance outside it joins the objective instead), no short spot (a sale
takes at most the units held off the wallet), no negative quote, one
direction per asset (sold if above its target, bought if below: never a sale
and a buy-back, which would be a wash sale), and the `[tax]` budget when
there is one. `scope` and `rebalance_to` do not apply: the objective decides
how far each asset moves. Sales are split over the asset's lots: each
lot's tax per unit sold is linear, so the solver picks the cheapest lots (the
`min_tax` order); units no lot covers count at zero basis, short-term. The
relaxed solution, polished on its active set (`polish.py`), becomes quote
deltas that the rule planner's router turns into orders (lot sizes,
minimums: relax, then round, then check). With
tax_weight 0 and no costs the optimum is the to-target plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cvxpy as cp
import numpy as np

from trimtab.domain.analysis.drift import Analysis, AssetState
from trimtab.domain.planning.orders import CostModel
from trimtab.domain.planning.polish import polish
from trimtab.domain.planning.sizing import SpotTargets
from trimtab.domain.policy import Policy
from trimtab.domain.refusal import Refusal
from trimtab.domain.snapshot import WALLET
from trimtab.domain.tax.lots import Ledger
from trimtab.domain.tax.settings import TaxSettings

SOLVER_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class Tranche:
    """Units of an asset that sell at one tax per unit: a lot, or units without one."""

    asset: str
    units: float
    tax_per_value: float  # tax per quote unit of notional sold


def optimal_targets(analysis: Analysis, policy: Policy, costs: CostModel, cash_flow: float,
                    ledger: Ledger | None, as_of: datetime) -> SpotTargets | Refusal:
    """Desired quote deltas per movable asset, or why no plan satisfies the constraints."""
    total = analysis.spot_value + cash_flow
    movable = [a for a in analysis.assets if _tradable(a, policy)]
    tax = policy.tax or TaxSettings()
    tranches = {a.asset: _tranches(a, ledger or Ledger(), tax, costs, as_of) for a in movable}
    # bounds as constraints, not variable attributes, so that the polish can see them
    sells = {a.asset: cp.Variable(len(tranches[a.asset])) for a in movable}
    buys = {a.asset: cp.Variable() for a in movable}
    sold = {a: np.ones(v.size) @ v for a, v in sells.items()}
    turnover = sum((sold[a] + buys[a] for a in sells), cp.Constant(0.0))
    net = 1.0 - costs.rate * turnover  # V_after / V
    after = {a.asset: a.value / total - sold.get(a.asset, 0.0) + buys.get(a.asset, 0.0)
             for a in analysis.assets if a.asset != policy.quote}
    quote_after = net - sum(after.values(), cp.Constant(0.0))
    targets = policy.asset_targets()
    drift = sum(((v - targets.get(a, 0.0) * net) ** 2 for a, v in after.items()),
                cp.Constant(0.0)) + (quote_after - targets.get(policy.quote, 0.0) * net) ** 2
    tax_value = sum((_tranche_tax(tranches[a], sells[a]) for a in sells), cp.Constant(0.0))
    weights = policy.optimiser
    bands, outside = _bands(movable, after, net, weights.bands == "soft")
    objective = (drift + weights.cost_weight * costs.rate * turnover
                 + weights.tax_weight * tax_value + weights.band_weight * outside)
    constraints = _caps(movable, tranches, sells, total) + bands
    constraints += [v >= 0 for v in (*sells.values(), *buys.values())]
    constraints += _one_direction(movable, targets, sells, buys, total)
    constraints.append(quote_after >= 0)
    if tax.budget is not None:
        constraints.append(tax_value * total <= tax.budget)
    status = _solve(cp.Problem(cp.Minimize(objective), constraints))
    if status is not None:
        return _refusal(status, tax)
    polish(objective, constraints)
    deltas = {a.asset: total * (_value(buys[a.asset]) - _value(sold[a.asset]))
              for a in movable}
    return SpotTargets(deltas, total * _value(net))


def _value(expression: Any) -> float:
    """A solved expression's value (cvxpy's values are untyped arrays)."""
    return float(expression.value)


def _tradable(asset: AssetState, policy: Policy) -> bool:
    return (asset.asset != policy.quote and asset.asset not in policy.frozen
            and asset.price is not None and asset.price > 0)


def _tranches(asset: AssetState, ledger: Ledger, tax: TaxSettings, costs: CostModel,
              as_of: datetime) -> list[Tranche]:
    """The asset's sellable units split by tax per unit of value sold."""
    price = float(asset.price or 0.0)
    proceeds = price * (1.0 - costs.rate)
    out: list[Tranche] = []
    for venue, units in asset.venue_units.items():
        if venue == WALLET or units <= 0:
            continue
        lots = [lot for lot in ledger.open_lots(asset.asset)
                if lot.acquired <= as_of and (tax.pool == "asset" or lot.venue == venue)]
        left = units
        for lot in sorted(lots, key=lambda x: (x.acquired, x.lot_id)):
            take = min(lot.units, left)
            if take <= 0:
                break
            rate = tax.rate(tax.is_long_term(lot.acquired, as_of))
            out.append(Tranche(asset.asset, take, (proceeds - lot.unit_cost) * rate / price))
            left -= take
        if left > 0:
            out.append(Tranche(asset.asset, left, proceeds * tax.short_term_rate / price))
    return out or [Tranche(asset.asset, 0.0, 0.0)]  # nothing to sell: a variable capped at 0


def _tranche_tax(tranches: Sequence[Tranche], sold: Any) -> Any:
    return np.array([t.tax_per_value for t in tranches]) @ sold


def _caps(movable: Sequence[AssetState], tranches: Mapping[str, list[Tranche]],
          sells: Mapping[str, Any], total: float) -> list[Any]:
    """No short spot: each tranche sells at most its units (off the wallet)."""
    return [sells[a.asset] <= np.array([t.units * float(a.price or 0.0) / total
                                        for t in tranches[a.asset]]) for a in movable]


def _bands(movable: Sequence[AssetState], after: Mapping[str, Any], net: Any,
           soft: bool) -> tuple[list[Any], Any]:
    """Every movable asset inside its band; soft: by how much it may leave it, to penalise."""
    out: list[Any] = []
    outside: Any = cp.Constant(0.0)
    for a in movable:
        low, high = a.band.low * net, a.band.high * net
        if soft:
            slack = cp.Variable()
            out += [slack >= 0, after[a.asset] >= low - slack, after[a.asset] <= high + slack]
            outside = outside + slack
        else:
            out += [after[a.asset] >= low, after[a.asset] <= high]
    return out, outside


def _one_direction(movable: Sequence[AssetState], targets: Mapping[str, float],
                   sells: Mapping[str, Any], buys: Mapping[str, Any], total: float
                   ) -> list[Any]:
    """An asset above its target may only be sold, one below it only bought.

    Without this a loss would be "harvested" by selling a lot and buying the
    asset straight back in the same plan: a wash sale, which tax rules
    disallow, and a pointless round trip.
    """
    out: list[Any] = []
    for a in movable:
        if a.value / total >= targets.get(a.asset, 0.0):
            out.append(buys[a.asset] == 0)
        else:
            out.append(sells[a.asset] == 0)
    return out


def _solve(problem: cp.Problem) -> str | None:
    """Solve with Clarabel; None when optimal, else the solver's status."""
    try:
        problem.solve(solver=cp.CLARABEL, tol_gap_abs=SOLVER_TOLERANCE,  # type: ignore[no-untyped-call]
                      tol_gap_rel=SOLVER_TOLERANCE, tol_feas=SOLVER_TOLERANCE)
    except cp.error.SolverError as exc:
        return f"solver_error ({exc})"
    if problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        return None
    return str(problem.status)


def _refusal(status: str, tax: TaxSettings) -> Refusal:
    if status.startswith("infeasible"):
        budget = (f" and keeps the estimated tax under the [tax] budget of {tax.budget:,.2f}"
                  if tax.budget is not None else "")
        return Refusal("optimiser_infeasible", "no plan brings every tradable asset inside "
                       f"its band{budget}: widen the bands, raise the budget, unfreeze an "
                       "asset, or use planner = \"rules\"")
    return Refusal("optimiser_failed", f"the optimiser stopped with status {status}; use "
                   "planner = \"rules\" for this check")
