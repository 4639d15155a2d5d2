"""The watch history from the journal: `trimtab journal --watch`."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from trimtab.journal.models import WatchCheckRow


def watch_document(checks: list[WatchCheckRow]) -> list[dict[str, Any]]:
    return [{"at": c.at.isoformat(), "ok": c.ok, "spot_value": c.spot_value,
             "weights": json.loads(c.weights) if c.weights else None,
             "fired": json.loads(c.fired), "notified": json.loads(c.notified),
             "decision": c.decision} for c in checks]


def render_watch_history(console: Console, checks: list[WatchCheckRow]) -> None:
    if not checks:
        console.print("The journal has no watch checks yet (run trimtab watch).")
        return
    t = Table(title="Watch history, newest first", title_justify="left", show_edge=False)
    for col in ("at", "spot value", "fired", "notified", "decision"):
        t.add_column(col)
    for c in checks:
        fired = ", ".join(_short(f"{f['kind']}:{f['subject']}") for f in json.loads(c.fired))
        value = f"{float(c.spot_value):,.2f}" if c.spot_value else "–"
        t.add_row(f"{c.at:%Y-%m-%d %H:%M}", value, fired or "–",
                  ", ".join(_short(n) for n in json.loads(c.notified)) or "–", c.decision)
    console.print(t)


def _short(key: str) -> str:
    """'threshold:BTC' reads as 'BTC'; other kinds keep their name."""
    return key.removeprefix("threshold:")
