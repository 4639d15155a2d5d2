"""Charts of a backtest: equity against holding (and a benchmark), weights in their bands,
drawdown.

Two renderings of the same three panels, in the one palette of `reports.palette`
(an asset has the same colour in the PNG, the HTML and the dashboard): a PNG
(matplotlib) for reports and an interactive HTML page (plotly) for exploring.
The HTML page is kept under 1 MB: its series are thinned to at most
`HTML_POINTS` bars, and plotly.js is written once beside it (`plotly.min.js`,
offline, shared by every page in the folder) instead of inside each page.
Plotting libraries are imported inside the functions so that a backtest
without charts does not pay their import time.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trimtab.backtest.engine import BacktestResult
from trimtab.backtest.kernel.layout import HIGH, LOW
from trimtab.backtest.metrics import drawdown
from trimtab.reports import palette

HTML_POINTS = 2_000


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


def curves(result: BacktestResult, benchmark: pd.Series | None) -> pd.DataFrame:
    """policy, hold and the benchmark bought for the same starting value."""
    table = pd.DataFrame({"policy": result.policy.equity, "hold": result.hold.equity})
    if benchmark is not None:
        closes = benchmark.reindex(result.index)
        table[str(benchmark.name)] = closes / closes.iloc[0] * table["hold"].iloc[0]
    return table


def thin(frame: pd.DataFrame, points: int = HTML_POINTS) -> pd.DataFrame:
    """At most `points` evenly spaced rows, the first and the last always among them."""
    if len(frame) <= points:
        return frame
    step = (len(frame) - 1) / (points - 1)
    return frame.iloc[sorted({round(i * step) for i in range(points)})]


def _line_colour(name: str) -> str:
    return {"policy": palette.POLICY, "hold": palette.HOLD}.get(name, palette.BENCHMARK)


def write_png(result: BacktestResult, path: Path, title: str,
              benchmark: pd.Series | None = None) -> Path:
    """Three stacked panels in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {"policy": "-", "hold": "--"}
    fig, (top, mid, low) = plt.subplots(3, 1, figsize=(11, 10), sharex=True,
                                        gridspec_kw={"height_ratios": [2, 2, 1]})
    table = curves(result, benchmark)
    for name, series in table.items():
        top.plot(series, label=str(name), color=_line_colour(str(name)),
                 linestyle=styles.get(str(name), ":"), linewidth=1.2)
    top.set_yscale("log")
    top.set_ylabel("value (quote, log scale)")
    top.legend()
    top.set_title(title)
    colours = palette.asset_colours(result.inputs.assets)
    for asset, series in weights(result).items():
        colour = colours[str(asset)]
        mid.plot(series, label=str(asset), linewidth=0.9, color=colour)
        lo, hi = band_edges(result, str(asset))
        mid.axhspan(max(lo, 0.0), min(hi, 1.0), color=colour, alpha=0.10, linewidth=0)
    mid.set_ylabel("weight (shaded: its band)")
    mid.legend(ncol=6, fontsize="small")
    for name in ("policy", "hold"):
        dd = drawdown(table[name])
        low.plot(dd, label=name, color=_line_colour(name), linewidth=0.9,
                 linestyle=styles[name])
    low.fill_between(table.index, drawdown(table["policy"]), 0, color=palette.POLICY,
                     alpha=0.25)
    low.set_ylabel("drawdown")
    low.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_html(result: BacktestResult, path: Path, title: str,
               benchmark: pd.Series | None = None) -> Path:
    """The same panels as an interactive plotly page (plotly.min.js beside it: offline)."""
    from plotly.subplots import make_subplots

    dashes = {"policy": "solid", "hold": "dash"}
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, row_heights=[0.4, 0.4, 0.2],
                        subplot_titles=("equity vs hold", "weights and bands", "drawdown"))
    table = thin(curves(result, benchmark))
    for name, series in table.items():
        fig.add_scatter(x=table.index, y=series.round(2), name=str(name), row=1, col=1,
                        line={"color": _line_colour(str(name)),
                              "dash": dashes.get(str(name), "dot")})
    colours = palette.asset_colours(result.inputs.assets)
    shares = thin(weights(result))
    for asset, series in shares.items():
        colour = colours[str(asset)]
        fig.add_scatter(x=shares.index, y=series.round(5), name=f"{asset} weight", row=2,
                        col=1, line={"color": colour}, legendgroup=str(asset))
        lo, hi = band_edges(result, str(asset))
        fig.add_hrect(y0=max(lo, 0.0), y1=min(hi, 1.0), fillcolor=colour, opacity=0.10,
                      line_width=0, row=2, col=1)
    for name in ("policy", "hold"):
        fig.add_scatter(x=table.index, y=drawdown(table[name]).round(5),
                        name=f"{name} drawdown", row=3, col=1,
                        line={"color": _line_colour(name), "dash": dashes[name]})
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_layout(title=title, height=900)
    fig.write_html(path, include_plotlyjs="directory")
    return path


def write_charts(result: BacktestResult, directory: Path, title: str,
                 benchmark: pd.Series | None = None) -> list[Path]:
    """backtest.png and backtest.html in `directory` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    return [write_png(result, directory / "backtest.png", title, benchmark),
            write_html(result, directory / "backtest.html", title, benchmark)]
