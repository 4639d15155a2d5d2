"""What the journal holds, as the front ends show it: plain values, no database rows.

Renderers (`trimtab.reports`) take these; `app.history` reads them from the
journal. A change to the journal's tables then stops here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class OrderEntry:
    """One order of a plan: as sent and filled, or (not yet sent) as planned."""

    client_order_id: str | None
    venue: str
    symbol: str
    side: str
    amount: str
    state: str  # an execution.states.OrderState, or "planned" for an order not yet sent
    filled: str = "0"
    average: str | None = None
    fee: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """A journaled plan with its orders and what happened to it."""

    plan_id: str
    created_at: datetime
    status: str  # an execution.states.PlanStatus
    reason: str | None
    orders: tuple[OrderEntry, ...] = ()
    events: tuple[tuple[str, str], ...] = ()  # (kind, message)


@dataclass(frozen=True, slots=True)
class CheckEntry:
    """One check of `trimtab watch`."""

    at: datetime
    ok: bool
    spot_value: float | None
    weights: dict[str, float] | None
    fired: tuple[dict[str, Any], ...] = ()
    notified: tuple[str, ...] = ()
    decision: str = "none"


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    """An order as the plan sized it: its estimated price, fee and slippage."""

    venue: str
    symbol: str
    side: str
    amount: float
    price: float
    notional: float
    fee: float
    slippage: float
    reduce_only: bool = False
    tax: dict[str, Any] | None = None  # a sell's lots, gains and estimated tax, as planned


@dataclass(frozen=True, slots=True)
class PlanDetail:
    """One plan in full, for `trimtab plan show`: what to read before approving it."""

    entry: PlanEntry
    venues: tuple[str, ...]
    planned: tuple[PlannedOrder, ...]
    hedges: tuple[dict[str, Any], ...]
    totals: dict[str, float]
    refused: tuple[str, ...]
    quote: str | None
    event_times: tuple[datetime, ...] = ()
