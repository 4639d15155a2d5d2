"""Machine output of a check: one JSON-ready dict (`trimtab check --json`)."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.planning.planner import Plan


def check_document(analysis: Analysis, plan: Plan) -> dict[str, Any]:
    """The check's analysis and plan; weights are fractions, money in quote units."""
    f = analysis.futures
    return {
        "quote": analysis.quote,
        "spot_value": analysis.spot_value,
        "triggered": analysis.triggered,
        "triggers": [{"kind": t.kind, "subject": t.subject, "message": t.message, **t.figures}
                     for t in analysis.triggers],
        "assets": [{"asset": a.asset, "units": a.units, "price": a.price, "value": a.value,
                    "weight": a.weight, "target": a.target, "low": a.band.low,
                    "high": a.band.high, "drift": a.drift, "breached": a.breached,
                    "sleeve": a.sleeve, "frozen": a.frozen, "wallet_units": a.wallet_units,
                    "alert_low": a.alert_low, "alert_high": a.alert_high}
                   for a in analysis.assets],
        "sleeves": [{"sleeve": s.name, "members": list(s.members), "value": s.value,
                     "weight": s.weight, "target": s.band.target, "low": s.band.low,
                     "high": s.band.high, "drift": s.drift, "breached": s.breached}
                    for s in analysis.sleeves],
        "untargeted": list(analysis.untargeted),
        "stale_prices": list(analysis.stale_prices),
        "notes": list(analysis.notes),
        "tactical": [asdict(t) for t in analysis.tactical],
        "futures": {
            "gross_notional": f.gross_notional, "multiple": finite(f.multiple),
            "max_multiple": f.max_multiple, "breached": f.breached,
            "net_by_asset": dict(f.net_by_asset), "net_exposure": dict(f.net_exposure),
            "funding_per_day": f.funding_per_day,
            "positions": [{"venue": p.position.venue, "symbol": p.position.symbol,
                           "side": p.position.side, "contracts": p.position.contracts,
                           "notional": p.notional, "mark_estimated": p.position.mark_estimated,
                           "funding_rate": p.funding_rate,
                           "funding_per_day": p.funding_per_day} for p in f.positions],
            "margin": [{"venue": m.position.venue, "symbol": m.position.symbol,
                        "margin_ratio": m.margin_ratio, "liquidation_price": m.liquidation_price,
                        "liquidation_estimated": m.liquidation_estimated,
                        "liquidation_distance": m.liquidation_distance}
                       for m in analysis.margin],
            "hedge_funding": [{"venue": h.position.venue, "symbol": h.position.symbol,
                               "cost_apr": h.cost_apr, "basis_apr": h.basis_apr,
                               "alternative": h.alternative.symbol if h.alternative else None}
                              for h in analysis.hedge_funding],
        },
        **plan_document(plan),
    }


def plan_document(plan: Plan) -> dict[str, Any]:
    """Orders, skipped orders, hedges, residual breaches and refusals."""
    return {
        "orders": [asdict(o) for o in plan.orders],
        "skipped": [asdict(s) for s in plan.skipped],
        "hedges": [{**asdict(h), "multiple_after": finite(h.multiple_after)}
                   for h in plan.hedges],
        "residual": [asdict(r) for r in plan.residual],
        "refused": list(plan.refused),
        "cash_flows": [{"venue": v, "amount": a} for v, a in plan.cash_flows],
        "totals": {"fees": plan.fees, "slippage": plan.slippage, "turnover": plan.turnover},
    }


def finite(value: float) -> float | None:
    """JSON has no infinity: an unbounded figure is null."""
    return value if math.isfinite(value) else None
