"""The live status line of `trimtab watch`: last check, weights vs bands, next review."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from trimtab.watch.tick import TickReport


def status_line(report: TickReport, next_review: datetime | None,
                prices: str | None = None) -> Text:
    """One line a person can read at a glance; breached assets in red.

    `prices` says where the prices come from when that is not the venues
    themselves (the paper exchange's bundled closes), so frozen prices are
    never mistaken for today's.
    """
    line = Text(f"{report.at:%Y-%m-%d %H:%M:%S} ", style="dim")
    if prices:
        line.append(f"[{prices}] ", style="dim")
    if report.analysis is None:
        line.append(f"no data ({report.error})", style="bold red")
    else:
        a = report.analysis
        line.append(f"{a.spot_value:,.0f} {a.quote}  ")
        for asset in a.assets:
            style = "bold red" if asset.breached else "green"
            mark = "!" if asset.breached else ""  # readable without colour too
            line.append(f"{asset.asset} {asset.weight:.1%}{mark}", style=style)
            line.append(f" [{asset.band.low:.0%}–{asset.band.high:.0%}]  ", style="dim")
        if a.futures.positions:
            style = "bold red" if a.futures.breached else "green"
            line.append(f"futures {a.futures.multiple:.2f}×/{a.futures.max_multiple:g}×  ",
                        style=style)
    if report.notified:
        line.append(f"notified {len(report.notified)}  ", style="yellow")
    if report.decision.acted:
        line.append(f"{report.decision}  ", style="cyan")
    for said in report.notified:  # a contribution skipped, waiting or planned: said in full
        if said.subject == "contribution":
            line.append(f"{said.message}  ", style="yellow")
    if next_review is not None:
        line.append(f"next review {next_review:%Y-%m-%d %H:%M}", style="dim")
    return line
