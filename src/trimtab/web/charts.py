"""The dashboard's history charts, as inline SVG (see `web.svg` for why SVG).

Value against holding, weights with their bands, and drift as a heat strip,
all on one time axis with the rebalances marked at the date of the snapshot
they were planned on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from markupsafe import Markup, escape

from trimtab.app.journal_history import History
from trimtab.reports import palette
from trimtab.web.svg import (
    WIDTH,
    Frame,
    axes,
    polyline,
    short_number,
    spread_labels,
    svg,
    value_ticks,
)

# asset → (band low, target, band high), from the current analysis
Bands = Mapping[str, tuple[float, float, float]]


def value_chart(history: History, quote: str) -> Markup:
    """Portfolio value (solid) against holding the first check's units (dashed)."""
    held = [h for h in history.hold if h is not None]
    lo, hi = min([*history.value, *held]), max([*history.value, *held])
    pad = (hi - lo) * 0.08 or hi * 0.05 or 1.0
    frame = Frame(history.times[0], history.times[-1], lo - pad, hi + pad)
    body = axes(frame, value_ticks(lo - pad, hi + pad))
    body += markers(frame, history)
    body.append(polyline([(frame.x(t), frame.y(v)) for t, v in zip(history.times,
                                                                     history.value, strict=True)],
                         palette.POLICY, 'class="value"'))
    hold = [(frame.x(t), frame.y(h)) for t, h in zip(history.times, history.hold, strict=True)
            if h is not None]
    if len(hold) > 1:
        body.append(polyline(hold, palette.HOLD, 'class="hold" stroke-dasharray="5 4"'))
    ends = [(frame.y(history.value[-1]), f"value {short_number(history.value[-1])}")]
    if history.hold[-1] is not None:
        ends.append((frame.y(history.hold[-1]), f"hold {short_number(history.hold[-1])}"))
    body += _end_labels(frame, ends, {"value": palette.POLICY, "hold": palette.HOLD})
    return svg(body, frame.height, f"portfolio value in {quote} against holding", "value")


def weights_chart(history: History, bands: Bands) -> Markup:
    """Each asset's weight over time, its band shaded in its own colour."""
    colours = palette.asset_colours(history.weights)
    top = max([*(max(w) for w in history.weights.values()),
               *(b[2] for a, b in bands.items() if a in history.weights), 0.05]) * 1.05
    frame = Frame(history.times[0], history.times[-1], 0.0, min(top, 1.0))
    body = axes(frame, value_ticks(0.0, frame.y1), percent=True)
    for asset, (low, _target, high) in bands.items():
        if asset in colours:
            y_hi, y_lo = frame.y(min(high, frame.y1)), frame.y(max(low, 0.0))
            body.append(f'<rect class="band" x="{frame.left:.1f}" y="{y_hi:.1f}" '
                        f'width="{frame.x_end - frame.left:.1f}" height="{y_lo - y_hi:.1f}" '
                        f'fill="{colours[asset]}" fill-opacity="0.12">'
                        f'<title>{escape(asset)} band {low:.1%}–{high:.1%}</title></rect>')
    body += markers(frame, history)
    for asset, series in history.weights.items():
        points = [(frame.x(t), frame.y(w)) for t, w in zip(history.times, series, strict=True)]
        body.append(polyline(points, colours[asset], f'data-asset="{escape(asset)}"'))
    ends = [(frame.y(s[-1]), f"{a} {s[-1]:.0%}") for a, s in history.weights.items()]
    body += _end_labels(frame, ends, colours)
    return svg(body, frame.height, "weights over time with their bands", "weights")


def drift_strip(history: History, bands: Bands) -> Markup:
    """One row per asset, a cell per check: blue under target, red over, full at the edge."""
    assets = [a for a in history.weights if a in bands]
    row, left = 18.0, 58.0
    frame = Frame(history.times[0], history.times[-1], 0.0, 1.0, left=left,
                  height=row * len(assets) + 26.0, top=4.0, bottom=22.0)
    body = axes(frame, [])
    width = (frame.x_end - left) / max(len(history.times), 1)
    for r, asset in enumerate(assets):
        low, target, high = bands[asset]
        y = frame.top + r * row
        body.append(f'<text class="tick" x="{left - 6:.1f}" y="{y + row * 0.7:.1f}" '
                    f'text-anchor="end">{escape(asset)}</text>')
        for i, (t, w) in enumerate(zip(history.times, history.weights[asset], strict=True)):
            edge = (high - target) if w >= target else (target - low)
            share = abs(w - target) / edge if edge > 0 else 0.0
            colour = palette.OVER if w >= target else palette.UNDER
            breached = ' stroke="currentColor" stroke-width="0.6"' if share > 1 else ""
            body.append(f'<rect x="{left + i * width:.2f}" y="{y + 1:.1f}" '
                        f'width="{width + 0.3:.2f}" height="{row - 2:.1f}" fill="{colour}" '
                        f'fill-opacity="{min(share, 1.0) * 0.85:.2f}"{breached}>'
                        f'<title>{escape(asset)} {t:%Y-%m-%d %H:%M}: {w:.1%} '
                        f'(target {target:.1%})</title></rect>')
    body += markers(frame, history)
    return svg(body, frame.height, "drift from target per asset over time", "drift")


def markers(frame: Frame, history: History) -> list[str]:
    """A dashed vertical line at each rebalance, with its date and plan in a tooltip."""
    out = []
    base = frame.height - frame.bottom
    for r in history.rebalances:
        if not history.times[0] <= r.at <= history.times[-1]:
            continue
        x = frame.x(r.at)
        out.append(f'<g class="rebalance" data-date="{r.at:%Y-%m-%d}" '
                   f'data-plan="{escape(r.plan_id)}"><line x1="{x:.1f}" x2="{x:.1f}" '
                   f'y1="{frame.top:.1f}" y2="{base:.1f}" '
                   f'stroke="{palette.REBALANCE}" stroke-dasharray="2 3"/>'
                   f'<path d="M{x - 4:.1f},{frame.top - 1:.1f}h8l-4,6z" '
                   f'fill="{palette.REBALANCE}"/>'
                   f'<title>rebalance {r.at:%Y-%m-%d %H:%M} (plan {escape(r.plan_id)}, '
                   f'{escape(r.status)})</title></g>')
    return out


def _end_labels(frame: Frame, wanted: list[tuple[float, str]],
                colours: Mapping[str, str]) -> list[str]:
    placed = spread_labels(wanted, 12.0, frame.top + 4, frame.height - frame.bottom)
    return [f'<text class="label" x="{frame.x_end + 4:.1f}" y="{y + 4:.1f}" '
            f'fill="{colours.get(text.split(" ")[0], "currentColor")}">{escape(text)}</text>'
            for y, text in placed]


def span_text(times: tuple[datetime, ...], checks: int) -> str:
    """'1,234 checks from 2024-01-01 to 2024-06-30 (400 shown)'."""
    shown = "" if len(times) == checks else f" ({len(times)} shown)"
    return f"{checks:,} checks from {times[0]:%Y-%m-%d} to {times[-1]:%Y-%m-%d}{shown}"


__all__ = ["WIDTH", "drift_strip", "markers", "span_text", "value_chart", "weights_chart"]
