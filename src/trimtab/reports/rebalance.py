"""Output of `trimtab rebalance` and `trimtab journal`: rich tables and one JSON object."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trimtab.app.results import PlanEntry
from trimtab.execution.outcome import Execution
from trimtab.reports.tables import exact, money, pct, short, table

if TYPE_CHECKING:  # annotations only
    from trimtab.domain.analysis.drift import Analysis


def execution_table(execution: Execution) -> Table:
    t = table(f"Execution — plan {execution.plan_id}", "client order id", "side", "symbol",
              "amount sent", "status", "filled", "average", "fee",
              right=("amount sent", "filled", "average", "fee"), optional=("filled", "side", "fee"))
    for o in execution.orders:
        t.add_row(o.client_order_id or "–", o.side, o.symbol, exact(o.amount), o.status,
                  f"{o.filled:g}", money(o.average), money(o.fee))
        if len(o.children) > 1:  # a leg sent as several children: one line each, indented
            for c in o.children:
                t.add_row(f"  {c.client_order_id}", "", "", c.amount, c.status,
                          f"{c.filled:g}", money(c.average), money(c.fee))
    return t


def before_after_table(before: Analysis, after: Analysis) -> Table:
    t = table(f"Before / after — spot value {before.spot_value:,.2f} → "
              f"{after.spot_value:,.2f} {after.quote}", "asset", "before", "after", "target",
              "band", "in band", right=("before", "after", "target", "band", "in band"))
    after_by = {a.asset: a for a in after.assets}
    for a in before.assets:
        b = after_by.get(a.asset, a)
        t.add_row(a.asset, pct(a.weight), pct(b.weight), pct(a.target),
                  f"{pct(b.band.low)}–{pct(b.band.high)}", "no" if b.breached else "yes")
    return t


def rebalance_document(plan_id: str, status: str, execution: Execution | None,
                       refused: list[str], after: Analysis | None) -> dict[str, Any]:
    """One JSON object: plan id, status, each order as sent and filled, why it stopped."""
    return {
        "plan_id": plan_id,
        "status": status,
        "refused": refused,
        "stop": asdict(execution.stop) if execution and execution.stop else None,
        "orders": [asdict(o) for o in execution.orders] if execution else [],
        "after": None if after is None else {
            "spot_value": after.spot_value, "triggered": after.triggered,
            "weights": {a.asset: a.weight for a in after.assets}},
    }


def render_journal(console: Console, recent: list[PlanEntry]) -> None:
    if not recent:
        console.print("The journal has no plans yet.")
        return
    for plan in recent:
        console.print(Text.assemble((f"plan {plan.plan_id}", "bold"),
                                    f" {plan.created_at:%Y-%m-%d %H:%M:%S} — {plan.status}"
                                    + (f": {plan.reason}" if plan.reason else "")),
                      highlight=False)
        if plan.orders:
            t = table(None, "client order id", "venue", "side", "symbol", "amount", "state",
                      "filled", "average", "fee", right=("amount", "filled", "average", "fee"),
                      optional=("venue", "filled", "average", "fee", "side"))
            for o in plan.orders:
                t.add_row(o.client_order_id or "–", o.venue, o.side, o.symbol, exact(o.amount),
                          o.state, exact(o.filled), short(o.average), short(o.fee))
            console.print(t)
        for kind, message in plan.events:
            console.print(f"  {kind}: {message}", highlight=False)


def journal_document(recent: list[PlanEntry]) -> list[dict[str, Any]]:
    return [{"plan_id": p.plan_id, "created_at": p.created_at.isoformat(), "status": p.status,
             "reason": p.reason, "orders": [asdict(o) for o in p.orders],
             "events": [{"kind": k, "message": m} for k, m in p.events]}
            for p in recent]
