"""Inline SVG for the dashboard: no script or CDN needed to see a chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PALETTE = ("#2e90fa", "#f79009", "#12b76a", "#7a5af8", "#ee46bc", "#667085", "#d92d20")
WIDTH, HEIGHT, PAD = 600.0, 160.0, 8.0


@dataclass(frozen=True)
class Line:
    asset: str
    color: str
    points: str
    label_x: float
    label_y: float


def history_lines(history: list[tuple[datetime, dict[str, float]]]) -> list[Line]:
    """One polyline per asset of weight against time, scaled to the tallest weight."""
    if len(history) < 2:
        return []
    start, end = history[0][0], history[-1][0]
    span = max((end - start).total_seconds(), 1.0)
    top = max(max(w.values(), default=0.0) for _, w in history) or 1.0
    assets = sorted({a for _, w in history for a in w})
    lines = []
    for i, asset in enumerate(assets):
        coords = [(PAD + (WIDTH - 2 * PAD) * (t - start).total_seconds() / span,
                   HEIGHT - PAD - (HEIGHT - 2 * PAD) * w.get(asset, 0.0) / top)
                  for t, w in history]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        lines.append(Line(asset, PALETTE[i % len(PALETTE)], points,
                          min(coords[-1][0] + 2, WIDTH - 30), coords[-1][1]))
    return lines
