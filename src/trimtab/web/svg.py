"""Axes for the dashboard's server-side SVG charts: scales, date ticks, number ticks.

Server-side SVG rather than a JavaScript chart library: the page shows its
charts without running a script, nothing has to be vendored or updated, a
live update is one HTML fragment, and a test can read a marker's date from
the markup. Colours that must follow the light or dark theme use
`currentColor` or CSS classes; data colours come from `reports.palette`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from markupsafe import Markup, escape

WIDTH = 640.0
DAY = 86_400.0


@dataclass(frozen=True)
class Frame:
    """A plot area inside a viewBox WIDTH wide, mapping time and value to coordinates."""

    t0: datetime
    t1: datetime
    y0: float
    y1: float
    height: float = 200.0
    left: float = 58.0
    right: float = 92.0
    top: float = 12.0
    bottom: float = 24.0

    def x(self, t: datetime) -> float:
        span = max((self.t1 - self.t0).total_seconds(), 1.0)
        return self.left + (WIDTH - self.left - self.right) * (t - self.t0).total_seconds() / span

    def y(self, v: float) -> float:
        span = (self.y1 - self.y0) or 1.0
        inner = self.height - self.top - self.bottom
        return self.top + inner * (1.0 - (v - self.y0) / span)

    @property
    def x_end(self) -> float:
        return WIDTH - self.right


def svg(body: list[str], height: float, label: str, css: str) -> Markup:
    """The chart's outer element; `label` is what a screen reader announces."""
    return Markup(f'<svg viewBox="0 0 {WIDTH:.0f} {height:.0f}" class="chart {css}" role="img" '
                  f'aria-label="{escape(label)}">{"".join(body)}</svg>')


def polyline(points: list[tuple[float, float]], colour: str, extra: str = "") -> str:
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" '
            f'stroke-linejoin="round" points="{coords}" {extra}/>')


def nice_step(span: float, ticks: int = 4) -> float:
    """A 1, 2 or 5 × 10^n step that cuts `span` into about `ticks` parts."""
    raw = max(span, 1e-12) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def value_ticks(lo: float, hi: float) -> list[float]:
    step = nice_step(hi - lo)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def short_number(v: float, percent: bool = False) -> str:
    """12.3k, 1.2M, or 45% for fractions."""
    if percent:
        return f"{v * 100:.0f}%"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= size:
            return f"{v / size:.3g}{suffix}"
    return f"{v:.3g}"


def date_ticks(t0: datetime, t1: datetime, most: int = 6) -> list[tuple[datetime, str]]:
    """Round dates inside [t0, t1]: month starts, days or hours, by the span."""
    span = (t1 - t0).total_seconds()
    if span > 60 * DAY:
        stamps = next(m for m in (_months(t0, t1, k) for k in (1, 2, 3, 6, 12, 24, 60, 120))
                      if len(m) <= most)
        return [(t, f"{t:%b %Y}" if t.month == 1 or i == 0 else f"{t:%b}")
                for i, t in enumerate(stamps)]
    hours, stamps = next((k, h) for k, h in ((k, _hours(t0, t1, k)) for k in
                                             (1, 2, 3, 6, 12, 24, 48, 168, 336, 720))
                         if len(h) <= most)
    return [(t, f"{t:%d %b}" if hours >= 24 else f"{t:%d %b %H:%M}") for t in stamps]


def _hours(t0: datetime, t1: datetime, every: int) -> list[datetime]:
    start = t0.replace(minute=0, second=0, microsecond=0)
    if every >= 24:
        start = start.replace(hour=0)
    stamps, t = [], start
    while t <= t1:
        if t >= t0:
            stamps.append(t)
        t += timedelta(hours=every)
    return stamps


def _months(t0: datetime, t1: datetime, every: int) -> list[datetime]:
    year, month = t0.year, t0.month
    out: list[datetime] = []
    while True:
        t = datetime(year, month, 1, tzinfo=t0.tzinfo or UTC)
        if t > t1:
            return out
        if t >= t0 and (year * 12 + month - 1) % every == 0:
            out.append(t)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def axes(frame: Frame, y_ticks: list[float], percent: bool = False) -> list[str]:
    """Grid lines with value labels on the left, dates along the bottom."""
    out = []
    for v in y_ticks:
        y = frame.y(v)
        out.append(f'<line class="grid" x1="{frame.left:.1f}" x2="{frame.x_end:.1f}" '
                   f'y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text class="tick" x="{frame.left - 6:.1f}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{short_number(v, percent)}</text>')
    base = frame.height - frame.bottom
    for t, label in date_ticks(frame.t0, frame.t1):
        x = frame.x(t)
        out.append(f'<line class="axis" x1="{x:.1f}" x2="{x:.1f}" y1="{base:.1f}" '
                   f'y2="{base + 4:.1f}"/><text class="tick" x="{x:.1f}" y="{base + 16:.1f}" '
                   f'text-anchor="middle">{escape(label)}</text>')
    out.append(f'<line class="axis" x1="{frame.left:.1f}" x2="{frame.x_end:.1f}" '
               f'y1="{base:.1f}" y2="{base:.1f}"/>')
    return out


def spread_labels(wanted: list[tuple[float, str]], gap: float, lo: float,
                  hi: float) -> list[tuple[float, str]]:
    """Label heights moved apart by at least `gap`, kept inside [lo, hi]: no overlaps."""
    placed: list[tuple[float, str]] = []
    for y, text in sorted(wanted):
        y = max(y, lo, placed[-1][0] + gap if placed else lo)
        placed.append((y, text))
    overflow = (placed[-1][0] - hi) if placed else 0.0
    if overflow > 0:  # pushed past the bottom: shift the stack up as far as needed
        placed = [(y - overflow, text) for y, text in placed]
    return placed
