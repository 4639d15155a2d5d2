"""The futures overlay: what the user asks for, the funding history, the kernel's arrays.

An overlay is a set of linear perpetual positions, each a signed multiple
of spot value (`BTC:1.0,ETH:-0.5`: long BTC for 1× spot value, short ETH
for 0.5×), opened at the first bar and then either held (capped: only the
leverage trigger changes them) or resized to target when a multiple leaves
its band. The policy's `futures.max_multiple` is the leverage trigger's cap.
Funding comes from the bundled Binance 8-hourly history
(data/funding_8h.csv, see data/SOURCES.md) or from a table the caller gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from trimtab.backtest.inputs import BacktestError
from trimtab.backtest.kernel.layout import (
    FP_BAND,
    FP_CAP,
    FP_FEE,
    FP_SLIP,
    FP_TRIGGER,
    N_FPARAMS,
    NO_RESIZE,
)
from trimtab.domain.policy import Policy

Array = npt.NDArray[Any]
BUNDLED_FUNDING = "funding_8h.csv"


@dataclass(frozen=True, slots=True)
class Overlay:
    """Perpetual positions as signed multiples of spot value, and when they are resized."""

    multiples: dict[str, float]
    resize_band: float | None = None  # None: hold the contracts (capped by the trigger only)

    @property
    def gross(self) -> float:
        return sum(abs(m) for m in self.multiples.values())

    @classmethod
    def parse(cls, text: str, resize_band: float | None = None) -> Overlay:
        """`ASSET:MULTIPLE,...` (a negative multiple is a short)."""
        multiples: dict[str, float] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            asset, _, number = item.partition(":")
            try:
                multiples[asset.strip()] = float(number)
            except ValueError:
                raise BacktestError(f"--futures: '{item}' is not ASSET:MULTIPLE "
                                    "(e.g. BTC:1.0,ETH:-0.5)") from None
        if not multiples or any(not np.isfinite(m) for m in multiples.values()):
            raise BacktestError(f"--futures: '{text}' names no ASSET:MULTIPLE with a finite "
                                "multiple (e.g. BTC:1.0,ETH:-0.5)")
        if resize_band is not None and resize_band < 0:
            raise BacktestError(f"--futures-band: {resize_band:g} must be ≥ 0")
        return cls(multiples, resize_band)


@dataclass(frozen=True, slots=True)
class OverlayInputs:
    """The overlay in the kernel's layout (see kernel.loop.simulate)."""

    assets: tuple[str, ...]
    cols: Array
    target: Array
    funding: Array  # bars × futures assets: rates settled during each bar
    fparams: Array


def bundled_funding() -> pd.DataFrame:
    """Binance 8-hourly funding rates of BTC and ETH (UTC settlement times × assets)."""
    with resources.as_file(resources.files("trimtab") / "data" / BUNDLED_FUNDING) as path:
        frame = pd.read_csv(path, index_col="timestamp", parse_dates=True)
    return frame.astype(np.float64)


def funding_per_bar(rates: pd.Series, index: pd.DatetimeIndex) -> Array:
    """Sum of the rates settled in (bar t−1, bar t] for every bar; nothing at bar 0.

    Refuses bars outside the history: a backtest must not invent funding.
    """
    known = rates.dropna()
    first, last = known.index[0], known.index[-1]
    if index[0] < first - pd.Timedelta(hours=8) or index[-1] > last + pd.Timedelta(hours=8):
        raise BacktestError(f"the funding history of {rates.name} covers {first} → {last}; "
                            f"the data runs {index[0]} → {index[-1]}: cut --data to it")
    cumulative = np.concatenate([[0.0], known.to_numpy().cumsum()])
    upto = np.searchsorted(known.index.to_numpy(), index.to_numpy(), side="right")
    out: Array = np.diff(cumulative[upto], prepend=0.0)
    out[0] = 0.0
    return out


def overlay_inputs(overlay: Overlay, policy: Policy, assets: tuple[str, ...],
                   index: pd.DatetimeIndex, funding: pd.DataFrame | None = None,
                   trigger: bool = True) -> OverlayInputs:
    """Arrays for the overlay; an asset without a price or a funding history is an error."""
    funding = bundled_funding() if funding is None else funding
    cap = policy.futures.max_multiple
    if overlay.gross > cap:
        raise BacktestError(f"--futures: gross multiple {overlay.gross:g} is above the "
                            f"policy's futures.max_multiple {cap:g}; the leverage trigger "
                            "would cut it at once")
    names = tuple(overlay.multiples)
    for name in names:
        if name not in assets or name == policy.quote:
            raise BacktestError(f"--futures: {name} is not one of the policy's priced assets "
                                f"({', '.join(a for a in assets if a != policy.quote)})")
        if name not in funding.columns:
            raise BacktestError(f"--futures: no funding history for {name} (have "
                                f"{', '.join(map(str, funding.columns))})")
    rates = np.column_stack([funding_per_bar(funding[n], index) for n in names])
    fparams = np.zeros(N_FPARAMS)
    fparams[FP_CAP] = cap
    fparams[FP_BAND] = NO_RESIZE if overlay.resize_band is None else overlay.resize_band
    fparams[FP_FEE] = policy.costs.fee_rate
    fparams[FP_SLIP] = policy.costs.slippage_bps / 10_000
    fparams[FP_TRIGGER] = trigger
    return OverlayInputs(names, np.array([assets.index(n) for n in names], dtype=np.int64),
                         np.array([overlay.multiples[n] for n in names], dtype=np.float64),
                         np.ascontiguousarray(rates, dtype=np.float64), fparams)
