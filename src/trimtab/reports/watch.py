"""The watch history from the journal: `trimtab journal --watch`."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from trimtab.app.results import CheckEntry
from trimtab.reports.tables import table


def watch_document(checks: list[CheckEntry]) -> list[dict[str, Any]]:
    return [{"at": c.at.isoformat(), "ok": c.ok,
             "spot_value": None if c.spot_value is None else format(c.spot_value, ".12g"),
             "weights": c.weights, "fired": list(c.fired), "notified": list(c.notified),
             "decision": c.decision} for c in checks]


def render_watch_history(console: Console, checks: list[CheckEntry]) -> None:
    if not checks:
        console.print("The journal has no watch checks yet (run trimtab watch).")
        return
    t = table("Watch history, newest first", "at", "spot value", "fired", "notified",
              "decision", right=("spot value",), wrap=("fired", "notified"))
    for c in checks:
        fired = ", ".join(_short(f"{f['kind']}:{f['subject']}") for f in c.fired)
        value = f"{c.spot_value:,.2f}" if c.spot_value is not None else "–"
        t.add_row(f"{c.at:%Y-%m-%d %H:%M}", value, fired or "–",
                  ", ".join(_short(n) for n in c.notified) or "–", c.decision)
    console.print(t)


def _short(key: str) -> str:
    """'threshold:BTC' reads as 'BTC'; other kinds keep their name."""
    return key.removeprefix("threshold:")
