"""Human output of a check: rich tables for the terminal."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # annotations only: the journal's tables need no planner
    from trimtab.domain.analysis.drift import Analysis
    from trimtab.domain.planning.planner import Plan



def pct(x: float) -> str:
    return f"{x * 100:.1f}%"


class FitTable(Table):
    """A table that never cuts a figure or an id: it drops optional columns until it fits.

    Every column but the `wrap` ones (free text) is never wrapped. When the
    table's narrowest form is still wider than the terminal, the `optional`
    columns are left out, first named first, rather than let rich shorten a
    figure to "…".
    """

    optional: tuple[str, ...] = ()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from Table.__rich_console__(self.fitted(options.max_width), console, options)

    def fitted(self, width: int) -> Table:
        """This table without the optional columns it must drop to fit `width`."""
        fitted: Table = self
        for name in self.optional:
            if narrowest(fitted) <= width:
                break
            fitted = copy.copy(fitted)
            kept = [c for c in fitted.columns if c.header != name]
            # rich pads a column by its position: renumber the ones kept
            fitted.columns = [dataclasses.replace(c, _index=i) for i, c in enumerate(kept)]
        return fitted


def narrowest(t: Table) -> int:
    """The fewest columns `t` needs with its whole cells whole (headers included)."""
    total = t._extra_width + 2 * max(len(t.columns) - 1, 0)  # separators; padding (0, 1)
    for column in t.columns:
        texts = [_plain(column.header), *map(_plain, column._cells)]
        if column.no_wrap:
            total += max(cell_len(x) for x in texts)
        else:
            total += max((cell_len(word) for x in texts for word in x.split()), default=1)
    return total


def _plain(cell: object) -> str:
    """A cell's text as the terminal (`reports.terminal`) shows it: a string as it is."""
    if isinstance(cell, Text):
        return cell.plain
    return cell if isinstance(cell, str) else ""


def table(title: str | None, *columns: str, right: tuple[str, ...] = (),
          wrap: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> FitTable:
    """The one table style: compact, left-aligned title, fits an 80-column terminal.

    Only the `wrap` columns (free text) may wrap; `optional` ones may be left
    out on a narrow terminal, first named first.
    """
    t = FitTable(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    t.optional = optional
    for col in columns:
        t.add_column(col, justify="right" if col in right else "left",
                     no_wrap=col not in wrap, overflow="fold")
    return t


def money(x: float | None) -> str:
    return "–" if x is None else f"{x:,.2f}"


def exact(text: str) -> str:
    """An amount as the venue took it (a decimal string), without trailing zeros."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        return text
    return format(value.normalize(), "f")


def short(text: str | None) -> str:
    """A journaled figure (price, fee) to six significant digits for a table; JSON is exact."""
    if text is None:
        return "–"
    try:
        return f"{float(text):,.6g}"
    except ValueError:
        return text


def price(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:,.2f}" if abs(x) >= 1 else f"{x:.6g}"


def render_check(console: Console, analysis: Analysis, plan: Plan) -> None:
    console.print(allocation_table(analysis))
    if analysis.sleeves:
        console.print(sleeve_table(analysis))
    for part in futures_parts(analysis):
        console.print(part)
    console.print(triggers_text(analysis))
    if analysis.notes:
        console.print(notes_text(analysis))
    console.print(plan_group(plan, analysis.quote))
    if plan.tax is not None and not plan.refused:  # every command that plans shows its tax
        from trimtab.reports.tax import tax_group  # it builds on this module's tables

        console.print(tax_group(plan, plan.tax, analysis.quote))


def notes_text(analysis: Analysis) -> Text:
    """What the snapshot could not see or estimated: said once, under the triggers."""
    out = Text("Snapshot notes:\n", style="bold")
    for note in analysis.notes:
        out.append(f"  • {note}\n", style="yellow")
    return out


def allocation_table(analysis: Analysis) -> Table:
    t = table(f"Allocation — spot value {analysis.spot_value:,.2f} {analysis.quote}",
              "asset", "value", "weight", "target", "band", "alert low", "alert high",
              "status", right=("value", "weight", "target", "band", "alert low", "alert high"),
              optional=("value", "target"))
    for a in analysis.assets:
        status = Text("BREACH", style="bold red") if a.breached else Text("ok", style="green")
        marks = "".join(m for m, on in (("*", a.wallet_units > 0), ("!", a.frozen),
                                        ("?", a.asset in analysis.untargeted)) if on)
        t.add_row(a.asset + marks, f"{a.value:,.0f}", pct(a.weight), pct(a.target),
                  f"{a.band.low * 100:.1f}–{pct(a.band.high)}", price(a.alert_low),
                  price(a.alert_high), status)
    t.caption = "* partly in a wallet (never traded)  ! frozen  ? not in the targets"
    t.caption_justify = "left"
    return t


def sleeve_table(analysis: Analysis) -> Table:
    t = table("Sleeves", "sleeve", "members", "value", "weight", "target", "band", "status",
              optional=("value", "target"), wrap=("members",),
              right=("value", "weight", "target", "band"))
    for s in analysis.sleeves:
        t.add_row(s.name, ", ".join(s.members), f"{s.value:,.0f}", pct(s.weight),
                  pct(s.band.target), f"{pct(s.band.low)}–{pct(s.band.high)}",
                  Text("BREACHED", style="bold red") if s.breached else Text("ok", "green"))
    return t


def futures_parts(analysis: Analysis) -> Iterable[RenderableType]:
    f = analysis.futures
    if analysis.tactical:
        tac = ", ".join(f"{h.units:g} {h.asset} ({money(h.value)})" for h in analysis.tactical)
        yield Text(f"Tactical (outside the allocation): {tac}")
    if not f.positions:
        return
    style = "bold red" if f.breached else "green"
    yield Text.assemble("Futures: gross notional ", money(f.gross_notional), " = ",
                        (f"{f.multiple:.2f}×", style), f" spot value (cap {f.max_multiple:.2f}×);"
                        f" funding {money(f.funding_per_day)} {analysis.quote}/day"
                        + (f" ({unknown} unknown)" if (unknown := sum(
                            p.funding_rate is None for p in f.positions)) else ""))
    t = table("Positions", "venue", "symbol", "side", "contracts", "notional", "funding",
              "per day", "liquidation", right=("contracts", "notional", "funding", "per day",
                                               "liquidation"),
              optional=("venue", "funding", "side"))
    for p, m in zip(f.positions, analysis.margin, strict=True):
        liq = "–" if m.liquidation_price is None else (
            f"{price(m.liquidation_price)}{'~' if m.liquidation_estimated else ''}")
        t.add_row(p.position.venue, p.position.symbol, p.position.side,
                  f"{p.position.contracts:g}",
                  money(p.notional) + ("~" if p.position.mark_estimated else ""),
                  "n/a" if p.funding_rate is None else f"{p.funding_rate * 100:.4f}%",
                  "n/a" if p.funding_per_day is None else money(p.funding_per_day), liq)
    t.caption = ("~ estimated (notional: last price for a missing mark price; liquidation: "
                 "from margin and maintenance rate)  n/a: funding unknown")
    t.caption_justify = "left"
    yield t
    yield Text("Net exposure (spot + futures): " + ", ".join(
        f"{a} {money(v)}" for a, v in f.net_exposure.items()))


def triggers_text(analysis: Analysis) -> Text:
    if not analysis.triggers:
        return Text("No trigger fired: every weight is inside its band.", style="green")
    out = Text("Triggers fired:\n", style="bold")
    for t in analysis.triggers:
        out.append(f"  • [{t.kind}] {t.message}\n", style="yellow")
    return out


def plan_group(plan: Plan, quote: str) -> RenderableType:
    if plan.refused:
        return Text("Plan refused:\n" + "\n".join(f"  • {r}" for r in plan.refused),
                    style="bold red")
    parts: list[RenderableType] = []
    if plan.orders:
        parts.append(orders_table(plan, quote))
    elif not plan.skipped:
        parts.append(Text("Plan: nothing to trade."))
    if plan.skipped:
        t = table("Skipped", "asset", "side", "notional", "reason", "detail",
                  right=("notional",), wrap=("detail",))
        for s in plan.skipped:
            t.add_row(s.asset, s.side, money(s.notional), s.reason, s.detail)
        parts.append(t)
    if plan.hedges:
        parts.append(hedges_table(plan, quote))
    for r in plan.residual:
        parts.append(Text(f"Stays outside its band after the plan: {r.subject} at "
                          f"{r.weight:.4g} (band {r.low:.4g}–{r.high:.4g}): {r.reason}",
                          style="yellow"))
    return Group(*parts)


def orders_table(plan: Plan, quote: str) -> Table:
    t = table(f"Plan — {len(plan.orders)} orders, fees {money(plan.fees)} + slippage "
              f"{money(plan.slippage)} {quote} on turnover {money(plan.turnover)}",
              "venue", "symbol", "side", "amount", "notional", "fee", "slip", "reduce",
              right=("amount", "notional", "fee", "slip"),
              optional=("reduce", "venue", "slip"))
    for o in plan.orders:
        t.add_row(o.venue, o.symbol, Text(o.side, "red" if o.side == "sell" else "green"),
                  f"{o.amount:.6g}", money(o.notional), money(o.fee),
                  money(o.slippage), "yes" if o.reduce_only else "")
    return t


def hedges_table(plan: Plan, quote: str) -> Table:
    t = table("Hedge alternative: short a perpetual instead of selling", "asset", "symbol",
              "contracts", "notional", "open cost", "funding", "vs selling", "multiple",
              right=("contracts", "notional", "open cost", "funding", "vs selling", "multiple"),
              optional=("asset", "open cost"))
    for h in plan.hedges:
        funding = "n/a" if h.funding_cost is None else money(h.funding_cost)
        t.add_row(h.asset, h.symbol, f"{h.contracts:.6g}", money(h.notional),
                  money(h.open_cost), f"{funding} /{h.horizon_days:g}d", money(h.sell_cost),
                  Text(f"{h.multiple_after:.2f}×", "red" if h.exceeds_cap else ""))
    return t


def alert_table(analysis: Analysis) -> Table:
    """Alert Low / Alert High per asset, the prices to set on an exchange."""
    t = table(f"Alert prices ({analysis.quote}), all other prices held", "asset", "price",
              "weight", "band", "alert low", "alert high",
              right=("price", "weight", "band", "alert low", "alert high"))
    for a in analysis.assets:
        if a.asset == analysis.quote:
            continue
        t.add_row(a.asset, price(a.price), pct(a.weight),
                  f"{a.band.low * 100:.1f}–{pct(a.band.high)}", price(a.alert_low),
                  price(a.alert_high))
    return t
