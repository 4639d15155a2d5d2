"""`trimtab plans` and `trimtab plan show`: what a plan holds, read before approving it.

Tables fit 80 columns: figures and ids never wrap (`no_wrap`), text columns
(venue, reason) give way first.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trimtab.app.results import PlanDetail, PlanEntry
from trimtab.reports.tables import exact, money, short, table

if TYPE_CHECKING:  # the calendar (APScheduler) loads only where a policy has contributions
    from trimtab.domain.contributions import Due

WAITING = ("planned", "proposed")


def plans_table(entries: list[PlanEntry]) -> Table:
    t = table("Plans, newest first", "plan id", "created (UTC)", "status", "orders", "reason",
              right=("orders",), wrap=("reason",))
    for p in entries:
        t.add_row(p.plan_id, f"{p.created_at:%Y-%m-%d %H:%M}", p.status, str(len(p.orders)),
                  p.reason or "")
    waiting = [p.plan_id for p in entries if p.status in WAITING]
    if waiting:
        t.caption = f"waiting: trimtab plan show {waiting[0]}, then trimtab approve ID"
        t.caption_justify = "left"
    return t


def render_plan(console: Console, detail: PlanDetail) -> None:
    """Status, planned orders with costs, hedges, what was sent, and the plan's history."""
    entry, quote = detail.entry, detail.quote or ""
    console.print(Text.assemble((f"plan {entry.plan_id}", "bold"), f" — {entry.status}"
                                + (f": {entry.reason}" if entry.reason else "")),
                  highlight=False)
    console.print(f"created {entry.created_at:%Y-%m-%d %H:%M:%S} UTC on "
                  f"{', '.join(detail.venues) or '?'}", highlight=False)
    if detail.planned:
        console.print(_planned_table(detail, quote))
    if detail.hedges:
        console.print(_hedges_table(detail))
    for reason in detail.refused:
        console.print(Text.assemble(("refused:", "bold red"), f" {reason}"), highlight=False)
    sent = [o for o in entry.orders if o.client_order_id]
    if sent:
        console.print(_sent_table(detail))
    for at, (kind, message) in zip(detail.event_times, entry.events, strict=False):
        console.print(f"  {at:%Y-%m-%d %H:%M:%S} {kind}: {message}", highlight=False)
    if entry.status in WAITING:
        console.print(f"approve: trimtab approve {entry.plan_id}    "
                      f"reject: trimtab reject {entry.plan_id}", highlight=False)


def _planned_table(detail: PlanDetail, quote: str) -> Table:
    totals = detail.totals
    taxed = "tax" in totals  # planned with a [tax] table or lots: every sell shows its tax
    title = (f"Orders as planned — fees {money(totals.get('fees'))} + slippage "
             f"{money(totals.get('slippage'))} {quote}"
             + (f", estimated tax {money(totals['tax'])} {quote}" if taxed else ""))
    t = table(title, "venue", "symbol", "side", "amount", "price", "notional", "fee", "slip",
              *(("tax",) if taxed else ()),
              right=("amount", "price", "notional", "fee", "slip", "tax"),
              optional=("venue", "slip", "price"))
    for o in detail.planned:
        t.add_row(o.venue, o.symbol, o.side + (" (reduce)" if o.reduce_only else ""),
                  f"{o.amount:.6g}", money(o.price), money(o.notional), money(o.fee),
                  money(o.slippage), *((money(o.tax["tax"]) if o.tax else "–",) if taxed else ()))
    return t


def _hedges_table(detail: PlanDetail) -> Table:
    t = table("Hedge alternative: short a perpetual instead of selling", "symbol",
              "contracts", "notional", "open cost", "funding", "vs selling",
              right=("contracts", "notional", "open cost", "funding", "vs selling"),
              optional=("open cost",))
    for h in detail.hedges:
        funding = h.get("funding_cost")
        t.add_row(str(h.get("symbol")), f"{h.get('contracts', 0):.6g}",
                  money(h.get("notional")), money(h.get("open_cost")),
                  "n/a" if funding is None else f"{money(funding)}/{h.get('horizon_days'):g}d",
                  money(h.get("sell_cost")))
    return t


def _sent_table(detail: PlanDetail) -> Table:
    t = table("Orders sent", "client order id", "symbol", "side", "amount", "state", "filled",
              "fee", right=("amount", "filled", "fee"),
              optional=("filled", "side", "fee"))
    for o in detail.entry.orders:
        t.add_row(o.client_order_id or "–", o.symbol, o.side, exact(o.amount), o.state,
                  exact(o.filled), short(o.fee))
    return t


def plan_document(detail: PlanDetail) -> dict[str, Any]:
    """One JSON object for `trimtab plan show --json`."""
    entry = detail.entry
    return {"plan_id": entry.plan_id, "created_at": entry.created_at.isoformat(),
            "status": entry.status, "reason": entry.reason, "venues": list(detail.venues),
            "quote": detail.quote, "planned": [asdict(o) for o in detail.planned],
            "hedges": list(detail.hedges), "totals": detail.totals,
            "refused": list(detail.refused),
            "orders": [asdict(o) for o in entry.orders if o.client_order_id],
            "history": [{"at": at.isoformat(), "kind": k, "message": m}
                        for at, (k, m) in zip(detail.event_times, entry.events, strict=False)]}


def contribution_line(due: Due | None, quote: str) -> str | None:
    """The next recurring contribution, for `check` and `plans`; None without any."""
    if due is None:
        return None
    kind = "deposit" if due.amount > 0 else "withdrawal"
    return (f"Next contribution: {kind} of {abs(due.amount):,.2f} {quote} on "
            f"{due.at:%Y-%m-%d %H:%M} UTC ({due.contribution.label}); watch plans it when due")


def contribution_document(due: Due | None) -> dict[str, object] | None:
    """The same for --json."""
    return None if due is None else {"at": due.at.isoformat(), "amount": due.amount,
                                     "every": due.contribution.label}
