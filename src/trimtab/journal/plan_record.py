"""The stored plan: what a journaled plan must hold to be approved later, versioned.

A plan may wait days for its approval, and trimtab may be upgraded in
between, so the record is its own type with a version, not the `--json`
report of a check (which changes whenever the report does). It carries
everything an approval needs besides the plan id: the orders, the venues
they go to (and the paper exchange's price source), the off-exchange
holdings, and the policy's content as it was when the plan was made.

Records written before the version existed (the check report, version 0)
still load: their orders are read from the report's `orders`, their venues
from those orders; they carry no policy, which an approval must then name.
Version 2 adds each sell's estimated tax (`StoredOrder.tax`, `totals["tax"]`,
each hedge's `deferred_tax`); a version 1 record loads with none. `cash_flows`
(a withdrawal the paper exchange pays out after the orders) is optional in both:
a record written before it loads with none.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

if TYPE_CHECKING:  # imported where used: reading the journal needs no planner or policy
    from trimtab.domain.planning.orders import Order
    from trimtab.domain.planning.planner import Plan
    from trimtab.domain.policy import Policy
    from trimtab.domain.tax.estimate import OrderTax, PlanTax

RECORD_VERSION: Literal[2] = 2
READABLE = (1, RECORD_VERSION)  # version 1 differs only by carrying no tax


class RecordError(ValueError):
    """A stored plan that cannot be read; the message says which plan and why."""


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoredLot(Frozen):
    """The part of one lot a planned sale consumes."""

    lot_id: str
    units: float
    cost: float
    proceeds: float
    gain: float
    acquired: datetime
    term: Literal["short", "long"]


class StoredTax(Frozen):
    """What one planned sale realises and the tax estimated on it, as the plan saw it."""

    lots: tuple[StoredLot, ...] = ()
    uncovered_units: float = Field(0.0, description="Units no lot covered (zero basis, "
                                   "short-term).")
    cost_basis: float
    proceeds: float
    gain_short: float
    gain_long: float
    tax_short: float
    tax_long: float
    tax: float

    @classmethod
    def of(cls, taxed: OrderTax) -> StoredTax:
        d = taxed.disposal
        return cls(lots=tuple(StoredLot(lot_id=u.lot_id, units=u.units, cost=u.cost,
                                        proceeds=u.proceeds, gain=u.gain, acquired=u.acquired,
                                        term="long" if u.long_term else "short")
                              for u in d.uses),
                   uncovered_units=d.uncovered_units, cost_basis=d.cost, proceeds=d.proceeds,
                   gain_short=d.gain_short, gain_long=d.gain_long, tax_short=taxed.tax_short,
                   tax_long=taxed.tax_long, tax=taxed.tax)


class StoredOrder(Frozen):
    """One order as planned (the amount actually sent is journaled with the order)."""

    venue: str
    symbol: str
    asset: str
    side: Literal["buy", "sell"]
    amount: float
    price: float
    notional: float
    fee: float
    slippage: float
    reduce_only: bool = False
    hedged: bool = False
    margin_mode: Literal["cross", "isolated"] | None = None
    quote_rate: float = Field(1.0, gt=0, allow_inf_nan=False, description="The price of the "
                              "contract's quote currency in the policy's quote (records "
                              "written before it: 1).")
    tax: StoredTax | None = Field(None, description="A sell's estimated tax, when the plan "
                                  "was made with a [tax] table or lots (version 2).")

    def to_order(self) -> Order:
        from trimtab.domain.planning.orders import Order

        return Order(**self.model_dump(exclude={"tax"}))


class PlanRecord(Frozen):
    """A journaled plan, with what its approval needs."""

    version: Literal[1, 2] = RECORD_VERSION
    orders: tuple[StoredOrder, ...] = ()
    venues: tuple[str, ...] = Field(description="Venue names the plan was made on.")
    paper_prices: str | None = Field(None, description="The paper exchange's price source.")
    sandbox: bool = Field(False, description="Planned on the venues' testnets (`--sandbox`): "
                          "an approval executes it there too, never on the live account.")
    holdings: dict[str, float] = Field(default_factory=dict, description="Wallet holdings.")
    policy: dict[str, Any] | None = Field(None, description="The policy, validated, as JSON.")
    hedges: tuple[dict[str, Any], ...] = ()
    refused: tuple[str, ...] = ()
    totals: dict[str, float] = Field(default_factory=dict)
    cash_flows: tuple[tuple[str, float], ...] = Field((), description=(
        "Quote the plan moves in (+) or out (-) of each venue: a withdrawal leaves the "
        "paper exchange once the plan's orders ran (records written before it: none)."))

    @classmethod
    def of(cls, plan: Plan, policy: Policy, venues: tuple[str, ...],
           paper_prices: str | None, holdings: dict[str, float],
           sandbox: bool = False) -> PlanRecord:
        taxes = plan.tax.orders if plan.tax else (None,) * len(plan.orders)
        totals = {"fees": plan.fees, "slippage": plan.slippage, "turnover": plan.turnover}
        if plan.tax is not None:
            totals["tax"] = plan.tax.total
        return cls(orders=tuple(StoredOrder.model_validate(
                       {**asdict(o), "tax": StoredTax.of(t) if t else None})
                       for o, t in zip(plan.orders, taxes, strict=True)),
                   venues=venues, paper_prices=paper_prices, holdings=holdings,
                   sandbox=sandbox,
                   policy=policy.model_dump(mode="json"),
                   hedges=tuple(_finite(_hedge(asdict(h), plan.tax)) for h in plan.hedges),
                   refused=tuple(str(r) for r in plan.refused),
                   totals=totals, cash_flows=plan.cash_flows)

    def to_orders(self) -> tuple[Order, ...]:
        return tuple(o.to_order() for o in self.orders)

    def to_policy(self) -> Policy | None:
        from trimtab.domain.policy import Policy

        return None if self.policy is None else Policy.model_validate(self.policy)

    def dumps(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True)


def load_record(plan_id: str, text: str) -> PlanRecord:
    """The record of plan `plan_id` from its journaled text, whatever version wrote it."""
    try:
        raw = json.loads(text)
        version = raw.get("version", 0) if isinstance(raw, dict) else None
        if version == 0:
            return _from_report(raw)
        if version in READABLE:
            return PlanRecord.model_validate(raw)
    except (ValueError, ValidationError) as exc:
        raise RecordError(f"plan {plan_id}: its journaled record cannot be read ({exc})"
                          ) from None
    raise RecordError(f"plan {plan_id}: record version {version} was written by a newer "
                      "trimtab; upgrade trimtab to approve it")


def _from_report(report: dict[str, Any]) -> PlanRecord:
    """A record from a plan journaled as the check report (before records had versions)."""
    orders = tuple(StoredOrder.model_validate(o) for o in report.get("orders", []))
    return PlanRecord(orders=orders, venues=tuple(sorted({o.venue for o in orders})),
                      hedges=tuple(report.get("hedges", [])),
                      refused=tuple(report.get("refused", [])),
                      totals=report.get("totals", {}))


def _hedge(row: dict[str, Any], tax: PlanTax | None) -> dict[str, Any]:
    """A hedge with the tax it defers (what the plan's sells of its asset realise)."""
    return row if tax is None else {**row, "deferred_tax": tax.deferred_for(row["asset"])}


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    """JSON has no infinity: an unbounded figure is stored as null."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v
            for k, v in row.items()}
