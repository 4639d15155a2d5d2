"""Charts of a backtest: equity against holding, weights in their bands, drawdown.

Two renderings of the same three panels: a PNG (matplotlib) for reports and
an interactive HTML page (plotly) for exploring. Plotting libraries are
imported inside the functions so that a backtest without charts does not pay
their import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from trimtab.backtest.engine import BacktestResult
from trimtab.backtest.kernel.layout import HIGH, LOW
from trimtab.backtest.metrics import drawdown


def weights(result: BacktestResult) -> pd.DataFrame:
    """Each asset's weight of the portfolio value at every bar."""
    units = result.policy.units
    if units is None:
        raise ValueError("charts need a recorded run (record=True)")
    values = units * result.inputs.full_close()
    return values.div(values.sum(axis=1), axis=0)


def band_edges(result: BacktestResult, asset: str) -> tuple[float, float]:
    i = result.inputs.assets.index(asset)
    return float(result.inputs.bands[LOW, i]), float(result.inputs.bands[HIGH, i])


def write_png(result: BacktestResult, path: Path, title: str) -> Path:
    """Three stacked panels in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, mid, low) = plt.subplots(3, 1, figsize=(11, 10), sharex=True,
                                        gridspec_kw={"height_ratios": [2, 2, 1]})
    top.plot(result.policy.equity, label="policy")
    top.plot(result.hold.equity, label="hold", alpha=0.8)
    top.set_yscale("log")
    top.set_ylabel("value (quote)")
    top.legend()
    top.set_title(title)
    for asset, series in weights(result).items():
        line = mid.plot(series, label=asset, linewidth=0.9)[0]
        lo, hi = band_edges(result, str(asset))
        for edge in (lo, hi):
            if 0.0 < edge < 1.0:
                mid.axhline(edge, color=line.get_color(), linestyle=":", linewidth=0.7)
    mid.set_ylabel("weight (dotted: band)")
    mid.legend(ncol=6, fontsize="small")
    low.fill_between(result.index, drawdown(result.policy.equity), 0, label="policy", alpha=0.5)
    low.plot(drawdown(result.hold.equity), label="hold", linewidth=0.8)
    low.set_ylabel("drawdown")
    low.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_html(result: BacktestResult, path: Path, title: str) -> Path:
    """The same panels as an interactive plotly page (plotly.js embedded: works offline)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, row_heights=[0.4, 0.4, 0.2],
                        subplot_titles=("equity vs hold", "weights and bands", "drawdown"))
    fig.add_scatter(x=result.index, y=result.policy.equity, name="policy", row=1, col=1)
    fig.add_scatter(x=result.index, y=result.hold.equity, name="hold", row=1, col=1)
    for asset, series in weights(result).items():
        fig.add_scatter(x=result.index, y=series, name=f"{asset} weight", row=2, col=1)
        for edge in band_edges(result, str(asset)):
            if 0.0 < edge < 1.0:
                fig.add_hline(y=edge, line_dash="dot", line_width=0.7, row=2, col=1)
    for name, run in (("policy", result.policy), ("hold", result.hold)):
        fig.add_scatter(x=result.index, y=drawdown(run.equity), name=f"{name} drawdown",
                        row=3, col=1)
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_layout(title=title, height=900)
    fig.write_html(path, include_plotlyjs=True)
    return path


def write_charts(result: BacktestResult, directory: Path, title: str) -> list[Path]:
    """backtest.png and backtest.html in `directory` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    return [write_png(result, directory / "backtest.png", title),
            write_html(result, directory / "backtest.html", title)]


def heatmap_png(table: pd.DataFrame, path: Path, metric: str) -> Path:
    """A sweep's metric over band width (rows) × schedule (columns)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.6 * len(table.columns) + 3, 0.35 * len(table) + 2))
    image = ax.imshow(table.to_numpy(dtype=float), aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns])
    ax.set_yticks(range(len(table.index)), [str(r) for r in table.index])
    _annotate(ax, table)
    fig.colorbar(image, ax=ax, label=metric)
    ax.set_title(f"{metric} by band × schedule")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _annotate(ax: Any, table: pd.DataFrame) -> None:
    for r in range(len(table.index)):
        for c in range(len(table.columns)):
            value = table.iat[r, c]
            ax.text(c, r, f"{value:.3g}", ha="center", va="center", fontsize=7, color="white")


def write_heatmap(table: pd.DataFrame, directory: Path, metric: str) -> list[Path]:
    """sweep.png and sweep.html (the metric over band × schedule) and sweep.csv (all figures)."""
    directory.mkdir(parents=True, exist_ok=True)
    grid = table.pivot(index="band", columns="schedule", values=metric)
    grid = grid.loc[list(dict.fromkeys(table["band"])), list(dict.fromkeys(table["schedule"]))]
    csv = directory / "sweep.csv"
    table.to_csv(csv, index=False)
    return [heatmap_png(grid, directory / "sweep.png", metric),
            heatmap_html(grid, directory / "sweep.html", metric), csv]


def heatmap_html(grid: pd.DataFrame, path: Path, metric: str) -> Path:
    """The same heatmap as an interactive plotly page."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Heatmap(z=grid.to_numpy(dtype=float), x=[str(c) for c in grid.columns],
                               y=[str(r) for r in grid.index], colorbar={"title": metric},
                               texttemplate="%{z:.3g}"))
    fig.update_layout(title=f"{metric} by band × schedule", yaxis={"autorange": "reversed"})
    fig.write_html(path, include_plotlyjs=True)
    return path
