"""A sweep's metric over band width × schedule, as PNG, HTML and CSV.

Readable first: axis titles, each cell's value in a colour that contrasts
with the cell, the colour scale turned so that the better end is always the
bright one (fees: lowest; Sharpe: highest), and holding's figure in the
title as the reference every cell is read against.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from trimtab.backtest.ranking import lower_is_better
from trimtab.reports import palette


def write_heatmap(table: pd.DataFrame, directory: Path, metric: str,
                  hold: dict[str, Any] | None = None) -> list[Path]:
    """sweep.png and sweep.html (the metric over band × schedule) and sweep.csv (all figures)."""
    directory.mkdir(parents=True, exist_ok=True)
    grid = table.pivot(index="band", columns="schedule", values=metric)
    grid = grid.loc[list(dict.fromkeys(table["band"])), list(dict.fromkeys(table["schedule"]))]
    csv = directory / "sweep.csv"
    table.to_csv(csv, index=False)
    title = _title(metric, hold)
    return [heatmap_png(grid, directory / "sweep.png", metric, title),
            heatmap_html(grid, directory / "sweep.html", metric, title), csv]


def _title(metric: str, hold: dict[str, Any] | None) -> str:
    way = "lower is better" if lower_is_better(metric) else "higher is better"
    reference = ""
    if hold is not None and isinstance(hold.get(metric), int | float):
        reference = f"; holding: {hold[metric]:.4g}"
    return f"{metric} by band × schedule ({way}{reference})"


def _cmap(metric: str) -> str:
    return palette.SEQUENTIAL + ("_r" if lower_is_better(metric) else "")


def heatmap_png(grid: pd.DataFrame, path: Path, metric: str, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.4 * len(grid.columns) + 3.5, 0.42 * len(grid) + 2.2))
    image = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap=_cmap(metric))
    ax.set_xticks(range(len(grid.columns)), [str(c) for c in grid.columns])
    ax.set_yticks(range(len(grid.index)), [str(r) for r in grid.index])
    ax.set_xlabel("schedule (when the rule looks)")
    ax.set_ylabel("band")
    for r in range(len(grid.index)):
        for c in range(len(grid.columns)):
            value = grid.iat[r, c]
            rgba = image.cmap(image.norm(value))
            light = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] > 0.55
            ax.text(c, r, f"{value:.3g}", ha="center", va="center", fontsize=9,
                    color="black" if light else "white")
    fig.colorbar(image, ax=ax, label=metric)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def heatmap_html(grid: pd.DataFrame, path: Path, metric: str, title: str) -> Path:
    """The same heatmap as an interactive plotly page (plotly.min.js beside it)."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Heatmap(z=grid.to_numpy(dtype=float), x=[str(c) for c in grid.columns],
                               y=[str(r) for r in grid.index], colorbar={"title": metric},
                               colorscale=palette.SEQUENTIAL.capitalize(),
                               reversescale=lower_is_better(metric),
                               texttemplate="%{z:.3g}", textfont={"size": 13}))
    fig.update_layout(title=title, xaxis_title="schedule (when the rule looks)",
                      yaxis={"title": "band", "autorange": "reversed"})
    fig.write_html(path, include_plotlyjs="directory")
    return path
