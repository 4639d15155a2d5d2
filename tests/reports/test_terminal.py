"""Every command prints through `reports.terminal`, which shows every string as it is."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.text import Text

from trimtab.app.results import OrderEntry, PlanEntry
from trimtab.reports.rebalance import render_journal
from trimtab.reports.tables import narrowest, table
from trimtab.reports.terminal import terminal

SRC = Path(__file__).resolve().parents[2] / "src" / "trimtab"
SAID = "kraken said [/0/private/AddOrder] :warning: [red]EOrder:Invalid arguments[/red] [b]"
# a console built anywhere else would read markup and emoji codes again
ELSEWHERE = re.compile(r"(?<![\w.])Console\(|from_markup|\[/\]|\[(bold|red|green|yellow|dim)\b")


def recorded() -> Console:
    """The commands' console, wide, recording what it prints."""
    console = terminal()
    console.file, console.record, console.width = io.StringIO(), True, 400
    return console


def test_a_string_with_brackets_and_emoji_codes_is_printed_as_it_is() -> None:
    console = recorded()
    console.print(f"  rejected: {SAID}")
    assert console.export_text().rstrip() == f"  rejected: {SAID}"


def test_the_journal_shows_a_stored_reason_and_event_as_they_were_journaled() -> None:
    console = recorded()
    entry = PlanEntry("p1", datetime(2025, 1, 31, tzinfo=UTC), "stopped", f"rejected: {SAID}",
                      (OrderEntry("c1", "[paper]", "sell", "[b]BTC/USDT", "0.1", "rejected"),),
                      (("rejected", SAID),))
    render_journal(console, [entry])
    shown = console.export_text()
    assert f"plan p1 2025-01-31 00:00:00 — stopped: rejected: {SAID}\n" in shown
    assert f"  rejected: {SAID}\n" in shown and "[paper]" in shown and "[b]BTC/USDT" in shown


def test_a_cell_with_brackets_is_measured_as_it_is_shown() -> None:
    """FitTable drops columns by the cells' width: a bracketed cell is as wide as shown."""
    widths = []
    for cell in ("[red]x[/red]", "x" * len("[red]x[/red]"), Text("[red]x[/red]")):
        t = table(None, "reason")
        t.add_row(cell)
        widths.append(narrowest(t))
    assert len(set(widths)) == 1


def test_no_module_builds_its_own_console_or_writes_markup() -> None:
    found = [f"{path.relative_to(SRC)}:{n}: {line.strip()}"
             for path in SRC.rglob("*.py") if path.name != "terminal.py"
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if ELSEWHERE.search(line)]
    assert found == []
