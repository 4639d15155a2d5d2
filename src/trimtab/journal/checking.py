"""`trimtab journal check`: is this journal whole, and does it hold what trimtab wrote?

Two kinds of problems: the database's own (SQLite's integrity and foreign
key checks) and the model's invariants, which no constraint expresses:
every status is one `execution.states` knows, every order belongs to a
plan, amounts are exact decimal strings, nothing filled more than it
asked for, and no order is still live under a plan that has ended.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Row, select, text

from trimtab.execution.states import LIVE_ORDERS, RUNNING, WAITING, OrderState, PlanStatus
from trimtab.journal.store import Journal
from trimtab.journal.tables import orders, plans

OPEN_PLANS = {*RUNNING, *WAITING, PlanStatus.PLANNED, PlanStatus.INTERRUPTED, PlanStatus.STOPPED}


def check_journal(journal: Journal) -> list[str]:
    """Every problem found, one line each; empty when the journal is sound."""
    return _database(journal) + _model(journal)


def _database(journal: Journal) -> list[str]:
    if journal.engine.dialect.name != "sqlite":
        return []  # PostgreSQL checks its own pages; only the model is checked there
    with journal.engine.connect() as conn:
        integrity = [row[0] for row in conn.execute(text("PRAGMA integrity_check"))]
        foreign = list(conn.execute(text("PRAGMA foreign_key_check")))
    problems = [f"database: {line}" for line in integrity if line != "ok"]
    return problems + [f"database: row {row[1]} of {row[0]} points to a missing "
                       f"{row[2]} row" for row in foreign]


def _model(journal: Journal) -> list[str]:
    with journal.connection() as connection:
        statuses = {p.id: p.status for p in connection.execute(
            select(plans.c.id, plans.c.status))}
        rows = list(connection.execute(select(orders)))
    known = {s.value for s in PlanStatus}
    problems = [f"plan {pid}: unknown status '{status}'" for pid, status in statuses.items()
                if status not in known]
    for order in rows:
        problems += _order(order, statuses)
    return problems


def _order(order: Row[Any], plans: dict[str, str]) -> list[str]:
    where = f"order {order.client_order_id}"
    if order.state not in {s.value for s in OrderState}:
        return [f"{where}: unknown state '{order.state}'"]
    if order.plan_id not in plans:
        return [f"{where}: its plan {order.plan_id} is not in the journal"]
    try:
        amount, filled = Decimal(order.amount), Decimal(order.filled or "0")
    except InvalidOperation:
        return [f"{where}: amount '{order.amount}' or filled '{order.filled}' is not a number"]
    problems = []
    if not amount.is_finite() or amount <= 0 or filled < 0 or filled > amount:
        problems.append(f"{where}: filled {filled} of {amount}")
    plan_status = plans[order.plan_id]
    if OrderState(order.state) in LIVE_ORDERS and plan_status not in OPEN_PLANS:
        problems.append(f"{where}: still {order.state} under plan {order.plan_id}, which is "
                        f"{plan_status}")
    return problems
