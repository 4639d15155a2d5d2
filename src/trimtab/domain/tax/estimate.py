"""The tax a plan would realise: per sell order, in total, and what a hedge defers.

Each spot sell consumes lots from the ledger in the plan's order (two sells of
one asset never count the same lot twice) at its estimated net proceeds
(notional − fee − slippage). Its tax is the short-term gain × the short-term
rate plus the long-term gain × the long-term rate; a loss counts as negative
tax, as if it offset other gains at the same rate. Buys and futures orders
realise nothing here (a futures reduction's P/L needs its entry price, which a
snapshot does not carry). The hedge alternative defers the tax the plan's
sells of its asset would realise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from trimtab.domain.planning.orders import Order
from trimtab.domain.refusal import Refusal
from trimtab.domain.tax.lots import Disposal, Dispose, Ledger, dispose
from trimtab.domain.tax.settings import TaxSettings

if TYPE_CHECKING:
    from trimtab.domain.policy import Policy


@dataclass(frozen=True, slots=True)
class OrderTax:
    """What one sell order realises and the tax estimated on it."""

    disposal: Disposal
    tax_short: float
    tax_long: float

    @property
    def tax(self) -> float:
        return self.tax_short + self.tax_long


@dataclass(frozen=True, slots=True)
class PlanTax:
    """Tax per order (aligned with the plan's orders; None where nothing is realised)."""

    settings: TaxSettings
    orders: tuple[OrderTax | None, ...]
    deferred: tuple[tuple[str, float], ...] = ()  # (asset, tax a hedge instead would defer)
    over_budget: Refusal | None = None

    @property
    def gain_short(self) -> float:
        return sum(o.disposal.gain_short for o in self.orders if o is not None)

    @property
    def gain_long(self) -> float:
        return sum(o.disposal.gain_long for o in self.orders if o is not None)

    @property
    def tax_short(self) -> float:
        return sum(o.tax_short for o in self.orders if o is not None)

    @property
    def tax_long(self) -> float:
        return sum(o.tax_long for o in self.orders if o is not None)

    @property
    def total(self) -> float:
        return self.tax_short + self.tax_long

    def deferred_for(self, asset: str) -> float | None:
        return dict(self.deferred).get(asset)


def settings_for(policy: Policy) -> TaxSettings:
    """The policy's `[tax]`, or the defaults (FIFO, 365 days, rates 0), as a plan is taxed.

    The optimal planner sells the lots that cost the least tax, so its plans
    are estimated with `min_tax`, whatever the method says.
    """
    settings = policy.tax or TaxSettings()
    if policy.planner == "optimal":
        return settings.model_copy(update={"method": "min_tax"})
    return settings


def disposal_tax(disposal: Disposal, settings: TaxSettings) -> OrderTax:
    """The tax estimated on one disposal."""
    return OrderTax(disposal, disposal.gain_short * settings.short_term_rate,
                    disposal.gain_long * settings.long_term_rate)


def plan_tax(orders: Sequence[Order], hedged: Iterable[str], ledger: Ledger,
             settings: TaxSettings, at: datetime) -> PlanTax:
    """The tax of a plan's orders sold at `at`, and the tax each hedged asset defers."""
    out: list[OrderTax | None] = []
    for order in orders:
        if order.side != "sell" or order.is_futures:
            out.append(None)
            continue
        sale = Dispose(at, order.asset, order.venue, order.amount,
                       order.notional - order.fee - order.slippage)
        ledger, disposal = dispose(ledger, sale, settings)
        out.append(disposal_tax(disposal, settings))
    by_asset: dict[str, float] = {}
    for order, taxed in zip(orders, out, strict=True):
        if taxed is not None:
            by_asset[order.asset] = by_asset.get(order.asset, 0.0) + taxed.tax
    deferred = tuple((a, by_asset.get(a, 0.0)) for a in hedged)
    result = PlanTax(settings, tuple(out), deferred)
    return replace(result, over_budget=_budget(result, settings))


def _budget(tax: PlanTax, settings: TaxSettings) -> Refusal | None:
    """A refusal-shaped flag when the plan's tax passes the policy's budget."""
    if settings.budget is None or tax.total <= settings.budget:
        return None
    return Refusal("over_tax_budget", f"the plan's estimated tax {tax.total:,.2f} is over the "
                   f"[tax] budget of {settings.budget:,.2f}; raise the budget, rebalance less "
                   "often, or use planner = \"optimal\", which keeps under it")
