"""Machine output of a check: one JSON-ready dict (`trimtab check --json`)."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.planning.planner import Plan
from trimtab.domain.tax.estimate import OrderTax, PlanTax
from trimtab.domain.tax.lots import Ledger


def check_document(analysis: Analysis, plan: Plan) -> dict[str, Any]:
    """The check's analysis and plan; weights are fractions, money in quote units.

    With a tax estimate (`plan.tax`) every order carries `tax` (null for buys and futures)
    and `totals.tax` the plan's gains and tax; each hedge its `deferred_tax`.
    """
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
    """Orders, skipped orders, hedges, residual breaches and refusals (and tax, if estimated)."""
    doc: dict[str, Any] = {
        "orders": [asdict(o) for o in plan.orders],
        "skipped": [asdict(s) for s in plan.skipped],
        "hedges": [{**asdict(h), "multiple_after": finite(h.multiple_after)}
                   for h in plan.hedges],
        "residual": [asdict(r) for r in plan.residual],
        "refused": list(plan.refused),
        "cash_flows": [{"venue": v, "amount": a} for v, a in plan.cash_flows],
        "totals": {"fees": plan.fees, "slippage": plan.slippage, "turnover": plan.turnover},
    }
    if (tax := plan.tax) is not None:
        for order, taxed in zip(doc["orders"], tax.orders, strict=True):
            order["tax"] = order_tax_document(taxed)
        for hedge in doc["hedges"]:
            hedge["deferred_tax"] = tax.deferred_for(hedge["asset"])
        doc["totals"]["tax"] = total_tax_document(tax)
    return doc


def order_tax_document(taxed: OrderTax | None) -> dict[str, Any] | None:
    """One order's `tax` field: the lots it consumes, gains and tax short/long."""
    if taxed is None:
        return None
    d = taxed.disposal
    return {
        "lots": [{"lot_id": u.lot_id, "units": u.units, "cost": u.cost, "proceeds": u.proceeds,
                  "gain": u.gain, "acquired": u.acquired.isoformat(),
                  "term": "long" if u.long_term else "short"} for u in d.uses],
        "uncovered_units": d.uncovered_units, "cost_basis": d.cost, "proceeds": d.proceeds,
        "gain_short": d.gain_short, "gain_long": d.gain_long,
        "tax_short": taxed.tax_short, "tax_long": taxed.tax_long, "tax": taxed.tax,
    }


def total_tax_document(tax: PlanTax) -> dict[str, Any]:
    """The plan's `totals.tax`: gains and tax short/long, the settings used, the budget."""
    s = tax.settings
    return {
        "gain_short": tax.gain_short, "gain_long": tax.gain_long,
        "tax_short": tax.tax_short, "tax_long": tax.tax_long, "total": tax.total,
        "method": s.method, "long_term_days": s.long_term_days,
        "short_term_rate": s.short_term_rate, "long_term_rate": s.long_term_rate,
        "budget": s.budget, "over_budget": str(tax.over_budget) if tax.over_budget else None,
    }


def lots_document(ledger: Ledger, prices: dict[str, float]) -> dict[str, Any]:
    """`trimtab lots --json`: every open lot, and per asset units, cost and unrealised gain."""
    rows: list[dict[str, Any]] = []
    for lot in sorted(ledger.lots, key=lambda x: (x.asset, x.acquired)):
        price = prices.get(lot.asset)
        value = None if price is None else lot.units * price
        rows.append({"lot_id": lot.lot_id, "asset": lot.asset, "venue": lot.venue,
                     "acquired": lot.acquired.isoformat(), "units": lot.units, "cost": lot.cost,
                     "unit_cost": lot.unit_cost, "value": value,
                     "unrealised": None if value is None else value - lot.cost})
    assets: dict[str, dict[str, Any]] = {}
    for row in rows:
        a = assets.setdefault(row["asset"], {"units": 0.0, "cost": 0.0, "unrealised": 0.0})
        a["units"] += row["units"]
        a["cost"] += row["cost"]
        a["unrealised"] = (None if row["unrealised"] is None or a["unrealised"] is None
                           else a["unrealised"] + row["unrealised"])
    return {"lots": rows, "assets": assets}


def finite(value: float) -> float | None:
    """JSON has no infinity: an unbounded figure is null."""
    return value if math.isfinite(value) else None
