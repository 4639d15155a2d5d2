"""Reading the journal's history for `trimtab journal`: plans with their orders, watch checks."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Row, select

from trimtab.app.results import CheckEntry, OrderEntry, PlanDetail, PlanEntry, PlannedOrder
from trimtab.execution.states import PLANNED_ORDER
from trimtab.journal.plan_record import RecordError, load_record
from trimtab.journal.store import Journal
from trimtab.journal.tables import watch_checks as watch_checks_table


def recent_plans(journal: Journal, limit: int = 10) -> list[PlanEntry]:
    """The latest plans, newest first; a plan not executed shows the orders it holds."""
    return [_plan(p, orders, events) for p, orders, events in journal.recent(limit)]


def plan_detail(journal: Journal, plan_id: str) -> PlanDetail:
    """One plan with what it was planned to do and everything that happened to it.

    Raises `UnknownPlan` for an id the journal does not hold; a record that
    cannot be read still shows the plan's status and history.
    """
    row = journal.plan(plan_id)
    orders, events = journal.plan_history(plan_id)
    entry = _plan(row, orders, events)
    try:
        record = load_record(row.id, row.document)
    except RecordError as exc:
        return PlanDetail(entry, (), (), (), {}, (str(exc),), None,
                          tuple(e.at for e in events))
    planned = tuple(PlannedOrder(o.venue, o.symbol, o.side, o.amount, o.price, o.notional,
                                 o.fee, o.slippage, o.reduce_only,
                                 o.tax.model_dump(mode="json") if o.tax else None)
                    for o in record.orders)
    quote = (record.policy or {}).get("quote")
    return PlanDetail(entry, record.venues, planned, record.hedges, record.totals,
                      record.refused, quote, tuple(e.at for e in events))


def watch_checks(journal: Journal, limit: int = 50) -> list[CheckEntry]:
    """The latest watch checks, newest first (Core: `journal --watch` needs no ORM)."""
    with journal.connection() as connection:
        return [_check(row) for row in connection.execute(
            select(watch_checks_table).order_by(watch_checks_table.c.id.desc()).limit(limit))]


def _plan(plan: Row[Any], orders: list[Row[Any]], events: list[Row[Any]]) -> PlanEntry:
    sent = tuple(OrderEntry(o.client_order_id, o.venue, o.symbol, o.side, o.amount, o.state,
                            o.filled, o.average, o.fee, o.reason) for o in orders)
    return PlanEntry(plan.id, plan.created_at, plan.status, plan.reason,
                     sent or _planned(plan), tuple((e.kind, e.message) for e in events))


def _planned(plan: Row[Any]) -> tuple[OrderEntry, ...]:
    try:
        record = load_record(plan.id, plan.document)
    except RecordError:
        return ()
    return tuple(OrderEntry(None, o.venue, o.symbol, o.side, format(o.amount, ".8g"),
                                PLANNED_ORDER)
                 for o in record.orders)


def _check(row: Row[Any]) -> CheckEntry:
    return CheckEntry(row.at, row.ok,
                      float(row.spot_value) if row.spot_value else None,
                      json.loads(row.weights) if row.weights else None,
                      tuple(json.loads(row.fired)), tuple(json.loads(row.notified)),
                      row.decision)
