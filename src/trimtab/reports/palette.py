"""One palette for every chart trimtab draws: dashboard SVG, backtest PNG and HTML.

Okabe and Ito's colour-blind-safe set, in a fixed order, so that an asset
has the same colour in every panel and every rendering: colours are given
by the asset's place in the sorted list of the portfolio's assets, never by
the order a library happens to draw them in.
"""

from __future__ import annotations

from collections.abc import Iterable

ASSET_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                 "#F0E442", "#000000")
POLICY = "#0072B2"      # the policy's equity line
HOLD = "#7F7F7F"        # holding, drawn dashed
BENCHMARK = "#E69F00"   # a benchmark column (BTC, ...), drawn dotted
REBALANCE = "#D55E00"   # rebalance markers
UNDER = "#0072B2"       # drift below target (heat strips, heatmaps' low end)
OVER = "#D55E00"        # drift above target
SEQUENTIAL = "cividis"  # heatmaps: readable in grey and by colour-blind readers


def asset_colours(assets: Iterable[str]) -> dict[str, str]:
    """Each asset's colour: by its place in the sorted list, the same everywhere."""
    return {a: ASSET_COLOURS[i % len(ASSET_COLOURS)] for i, a in enumerate(sorted(assets))}
