"""The plan: orders that answer the triggers, with costs and what stays breached.

Spot sells come first (largest drift first), then buys (most underweight
first), each on the asset's `/quote` market at a venue that holds the asset
(never the wallet); the quote balance is the cash leg. A leverage trigger
adds reduce-only futures orders that bring gross notional under its cap.
Orders below the minimum trade or the market's limits are skipped with a
reason, never rounded up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from trimtab.domain.analysis.drift import Analysis, analyse, weigh_units
from trimtab.domain.planning.apply import applied, apply_orders
from trimtab.domain.planning.hedges import Hedge, hedges_for
from trimtab.domain.planning.orders import CostModel, MarketRule, Order, Skipped
from trimtab.domain.planning.routing import OrderFactory, futures_reductions, spot_orders
from trimtab.domain.planning.sizing import SpotTargets, spot_targets
from trimtab.domain.policy import Policy
from trimtab.domain.refusal import Refusal
from trimtab.domain.snapshot import WALLET, Snapshot
from trimtab.domain.tax.estimate import PlanTax, plan_tax, settings_for
from trimtab.domain.tax.lots import Ledger

Markets = Mapping[tuple[str, str], MarketRule]


@dataclass(frozen=True, slots=True)
class Residual:
    """A band (or the futures cap) that the plan leaves breached, and why."""

    subject: str
    weight: float
    low: float
    high: float
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Orders in execution order, the hedge alternatives and what was left out."""

    orders: tuple[Order, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    hedges: tuple[Hedge, ...] = ()
    residual: tuple[Residual, ...] = ()
    refused: tuple[Refusal, ...] = ()
    cash_flows: tuple[tuple[str, float], ...] = field(default=())
    tax: PlanTax | None = None  # with a [tax] table or lots: what each sell realises

    @property
    def fees(self) -> float:
        return sum(o.fee for o in self.orders)

    @property
    def slippage(self) -> float:
        return sum(o.slippage for o in self.orders)

    @property
    def turnover(self) -> float:
        return sum(o.notional for o in self.orders)


RESIDUAL_TOLERANCE = 1e-9  # weight units: a plan landing 8e-10 under a band is on it


def make_plan(snapshot: Snapshot, policy: Policy, analysis: Analysis | None = None, *,
              cash_flow: float = 0.0, rebalance: bool | None = None,
              markets: Markets | None = None, lots: Ledger | None = None) -> Plan:
    """The plan for a snapshot under a policy.

    `cash_flow` (quote units, positive to deposit, negative to withdraw)
    plans the flow even when no band is breached. `rebalance` forces (True)
    or suppresses (False) the spot rebalance; by default it follows the
    threshold triggers, as a calendar trigger would force it. `lots` let
    `planner = "optimal"` weigh the tax of each sale, and (with them or a
    `[tax]` table) every sell carries its estimated tax (`with_tax`).
    """
    analysis = analysis or analyse(snapshot, policy)
    plan = _plan(snapshot, policy, analysis, cash_flow, rebalance, markets, lots)
    return with_tax(plan, snapshot, policy, lots)


def with_tax(plan: Plan, snapshot: Snapshot, policy: Policy, lots: Ledger | None) -> Plan:
    """The plan with the tax its sells would realise, when the policy has `[tax]` or lots
    are given (units no lot covers count at zero basis, short-term); else unchanged."""
    if policy.tax is None and lots is None:
        return plan
    tax = plan_tax(plan.orders, [h.asset for h in plan.hedges], lots or Ledger(),
                   settings_for(policy), snapshot.as_of)
    return replace(plan, tax=tax)


def _plan(snapshot: Snapshot, policy: Policy, analysis: Analysis, cash_flow: float,
          rebalance: bool | None, markets: Markets | None, lots: Ledger | None) -> Plan:
    refused = _refusals(snapshot, policy, analysis, cash_flow)
    if refused:
        return Plan(refused=refused)
    if rebalance is None:
        rebalance = any(t.kind == "threshold" for t in analysis.triggers)
    costs = CostModel(policy.costs.fee_rate, policy.costs.slippage_bps / 10_000)
    factory = OrderFactory(policy.quote, costs, policy.costs.min_trade, markets or {},
                           policy.execution)
    if policy.planner == "optimal" and rebalance:
        solved = _optimal(analysis, policy, costs, cash_flow, lots, snapshot)
        if isinstance(solved, Refusal):
            return Plan(refused=(solved,))
        targets = solved
    else:
        targets = spot_targets(analysis, policy, costs, cash_flow, rebalance)
    # the futures cuts first: their fees are paid in the quote that a withdrawal takes too
    cuts, cut_skips = (futures_reductions(analysis, policy, factory, targets.net_value)
                       if analysis.futures.breached else ((), ()))
    flows = _cash_flow_venues(analysis, cash_flow)
    orders, skipped = spot_orders(analysis, targets, factory, dict(flows))
    if cash_flow < 0 and _overdraws(snapshot, orders + cuts, policy.quote, flows):
        flows = _withdrawal_after(snapshot, orders + cuts, policy.quote, -cash_flow)
        orders, skipped = spot_orders(analysis, targets, factory, dict(flows))
        if not flows or _overdraws(snapshot, orders + cuts, policy.quote, flows):
            return Plan(refused=(Refusal(
                "withdrawal_unfunded", f"the withdrawal of {-cash_flow:,.2f} {policy.quote} "
                "cannot be raised on the venues after the plan's sales and the fees of its "
                "futures cuts (wallet holdings are never sold); withdraw less"),))
    orders, skipped = orders + cuts, skipped + cut_skips
    hedges = hedges_for(targets.overweights(analysis), snapshot, policy, analysis, costs)
    plan = Plan(orders, skipped, hedges, cash_flows=flows)
    return Plan(orders, skipped, hedges, residuals(snapshot, policy, plan), cash_flows=flows)


def _optimal(analysis: Analysis, policy: Policy, costs: CostModel, cash_flow: float,
             lots: Ledger | None, snapshot: Snapshot) -> SpotTargets | Refusal:
    """The optimising planner's targets; cvxpy is imported only when a policy asks for it."""
    try:
        from trimtab.domain.planning.optimal import optimal_targets
    except ImportError:
        return Refusal("optimiser_unavailable", "planner = \"optimal\" needs cvxpy: "
                       "pip install 'trimtab[optimal]', or use planner = \"rules\"")
    return optimal_targets(analysis, policy, costs, cash_flow, lots, snapshot.as_of)


def _refusals(snapshot: Snapshot, policy: Policy, analysis: Analysis,
              cash_flow: float) -> tuple[Refusal, ...]:
    """Reasons not to plan at all: stale prices, an impossible withdrawal."""
    reasons = []
    for asset in analysis.stale_prices:
        age = (snapshot.as_of - snapshot.price_time(asset)).total_seconds()
        reasons.append(Refusal("stale_price", f"the price of {asset} is {age:.0f} s old at the "
                               f"snapshot time (max_price_age {policy.max_price_age:g} s); "
                               "refresh it"))
    if analysis.spot_value + cash_flow <= 0:
        reasons.append(Refusal("no_value", "the portfolio has no spot value to rebalance"))
    return tuple(reasons)


def _cash_flow_venues(analysis: Analysis, cash_flow: float) -> tuple[tuple[str, float], ...]:
    """Where a deposit lands (the venue with the most quote) or a withdrawal is taken."""
    if cash_flow == 0.0:
        return ()
    quote = analysis.asset(analysis.quote) if _has(analysis, analysis.quote) else None
    venues = {v: u for v, u in (quote.venue_units.items() if quote else ()) if v != WALLET}
    if cash_flow > 0 or not venues:
        venue = max(venues, key=lambda v: venues[v]) if venues else _any_venue(analysis)
        return ((venue, cash_flow),)
    flows, remaining = [], -cash_flow
    for venue in sorted(venues, key=lambda v: -venues[v]):
        take = min(remaining, venues[venue])
        if take > 0:
            flows.append((venue, -take))
            remaining -= take
    if remaining > 0:  # the rest is raised by sells on the largest venue
        venue = max(venues, key=lambda v: venues[v])
        flows.append((venue, -remaining))
    return tuple(flows)


def _overdraws(snapshot: Snapshot, orders: tuple[Order, ...], quote: str,
               flows: tuple[tuple[str, float], ...]) -> bool:
    """True when the orders and flows would take more of an asset than a venue holds."""
    try:
        apply_orders(snapshot, orders, quote, flows)
    except ValueError:
        return True
    return False


def _withdrawal_after(snapshot: Snapshot, orders: tuple[Order, ...], quote: str,
                      amount: float) -> tuple[tuple[str, float], ...]:
    """A withdrawal taken where the quote is once the orders filled; () if it is not there.

    The first split takes it from the venues' quote before any sale, and
    the rest from the venue with the most quote, while the sales may credit
    another venue: a large withdrawal then overdrew one venue.
    """
    after = apply_orders(snapshot, orders, quote)
    held = {b.venue: b.amount for b in after.balances if b.asset == quote and b.venue != WALLET}
    flows, remaining = [], amount
    for venue in sorted(held, key=lambda v: -held[v]):
        take = min(remaining, held[venue])
        if take > 0:
            flows.append((venue, -take))
            remaining -= take
    return tuple(flows) if remaining <= 1e-6 * max(1.0, amount) else ()


def _has(analysis: Analysis, asset: str) -> bool:
    return any(a.asset == asset for a in analysis.assets)


def _any_venue(analysis: Analysis) -> str:
    for a in analysis.assets:
        for venue in a.venue_units:
            if venue != WALLET:
                return venue
    return "paper"


def residuals(snapshot: Snapshot, policy: Policy, plan: Plan) -> tuple[Residual, ...]:
    """Bands the plan, applied at its estimates, leaves breached, with a reason."""
    rows, positions = applied(snapshot, plan.orders, policy.quote, plan.cash_flows)
    after = weigh_units(rows, snapshot.model_copy(update={"positions": positions}), policy)
    reasons = {s.asset: s.reason for s in plan.skipped if not (s.symbol and ":" in s.symbol)}
    out = [Residual(asset, weight, band.low, band.high,
                    reasons.get(asset) or _why(asset, policy))
           for asset, weight, band in after.assets
           if band.breached(weight) and _beyond_noise(weight, band.low, band.high)]
    out += [Residual(s.name, s.weight, s.band.low, s.band.high,
                     next((reasons[m] for m in s.members if m in reasons), "partial_rebalance"))
            for s in after.sleeves if s.breached]
    if after.futures.breached:
        why = next((s.reason for s in plan.skipped if s.symbol and ":" in s.symbol),
                   "partial_rebalance")
        out.append(Residual("futures", after.futures.multiple, 0.0,
                            after.futures.max_multiple, why))
    return tuple(out)


def _beyond_noise(weight: float, low: float, high: float) -> bool:
    """Outside [low, high] by more than float rounding (a zero-width band is met exactly)."""
    return weight < low - RESIDUAL_TOLERANCE or weight > high + RESIDUAL_TOLERANCE


def _why(asset: str, policy: Policy) -> str:
    if asset in policy.frozen:
        return "frozen_asset"
    if asset == policy.quote:
        return "quote_absorbs" if policy.scope == "breached" else "cash_leg"
    return "outside_scope" if policy.scope == "breached" else "partial_rebalance"


__all__ = ["Markets", "Plan", "Residual", "SpotTargets", "make_plan", "residuals", "with_tax"]
