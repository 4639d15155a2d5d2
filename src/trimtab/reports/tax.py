"""The tax a plan realises and the open lots, for the terminal (JSON: `documents`)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from trimtab.domain.planning.planner import Plan
from trimtab.domain.tax.estimate import PlanTax
from trimtab.domain.tax.lots import Ledger
from trimtab.reports.tables import money, table


def tax_group(plan: Plan, tax: PlanTax, quote: str) -> RenderableType:
    """Each sell's lots, gains and tax, then the total and what each hedge defers."""
    t = table(f"Tax estimate ({tax.settings.method}; an estimate, not tax advice)", "order",
              "lots", "gain short", "gain long", "tax", right=("gain short", "gain long", "tax"))
    for order, taxed in zip(plan.orders, tax.orders, strict=True):
        if taxed is None:
            continue
        lots = ", ".join(f"{u.lot_id} {u.units:.6g}" for u in taxed.disposal.uses) or "–"
        if taxed.disposal.uncovered_units:
            lots += f" + {taxed.disposal.uncovered_units:.6g} without a lot"
        t.add_row(f"sell {order.asset} @{order.venue}", lots, money(taxed.disposal.gain_short),
                  money(taxed.disposal.gain_long), money(taxed.tax))
    parts: list[RenderableType] = [t, Text(
        f"Estimated tax {money(tax.total)} {quote} (short {money(tax.tax_short)}, long "
        f"{money(tax.tax_long)})")]
    for asset, deferred in tax.deferred:
        if deferred < 0:  # the sale would realise a loss: hedging gives up its tax saving
            parts.append(Text(f"Hedging {asset} instead of selling forgoes a tax saving of "
                              f"{money(-deferred)} {quote}"))
        else:
            parts.append(Text(f"Hedging {asset} instead of selling defers {money(deferred)} "
                              f"{quote} of tax"))
    if tax.over_budget:
        parts.append(Text(str(tax.over_budget), style="yellow"))
    return Group(*parts)


def lots_table(ledger: Ledger, prices: dict[str, float], quote: str) -> RenderableType:
    """`trimtab lots`: open lots per asset with cost basis and unrealised gain."""
    t = table(f"Open lots ({quote})", "asset", "venue", "lot", "acquired", "units", "cost",
              "unit cost", "value", "unrealised", right=("units", "cost", "unit cost", "value",
                                                          "unrealised"))
    for lot in sorted(ledger.lots, key=lambda x: (x.asset, x.acquired)):
        price = prices.get(lot.asset)
        value = None if price is None else lot.units * price
        t.add_row(lot.asset, lot.venue, lot.lot_id, lot.acquired.date().isoformat(),
                  f"{lot.units:.8g}", money(lot.cost), money(lot.unit_cost), money(value),
                  money(None if value is None else value - lot.cost))
    return t
