"""A deliberately simple futures overlay in plain Python, to check kernel/futures.py against.

The reference uses no numpy and no code of trimtab.backtest (random_funding,
which only draws its input, uses numpy and pandas). The spot side is given (the
spot value after each bar's trades, from reference.run_reference: the
overlay never touches spot). Per bar: mark to market, funding on every
settlement in (previous bar, this bar] valued at this bar's close, then on
the first bar open the targets, at a look resize to target when a multiple
left its band, then the leverage trigger cuts every position in proportion
to gross = cap × spot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RefOverlay:
    targets: Sequence[float]  # signed multiple of spot value, one per futures asset
    cap: float
    band: float | None = None  # None: never resize
    fee: float = 0.0
    slippage: float = 0.0
    trigger: bool = True


def settled(times: Sequence[datetime], rates: Sequence[float], after: datetime,
            until: datetime) -> float:
    """Sum of the rates whose settlement time is in (after, until]."""
    return sum(r for s, r in zip(times, rates, strict=True) if after < s <= until)


def run_futures_reference(bars: Sequence[datetime], closes: Sequence[Sequence[float]],
                          spot: Sequence[float], looks: Sequence[bool],
                          settlements: Sequence[datetime], rates: Sequence[Sequence[float]],
                          overlay: RefOverlay) -> dict[str, Any]:
    """`closes[t][j]` and `rates[j][k]` are per futures asset j; returns totals and events."""
    n = len(overlay.targets)
    contracts = [0.0] * n
    account = funding = fees = slippage = 0.0
    leverage = 0
    after_cuts: list[tuple[float, float, float]] = []  # (gross before, gross after, cap × spot)

    def trade(wanted: list[float], prices: Sequence[float]) -> None:
        nonlocal account, fees, slippage
        for j in range(n):
            notional = abs(wanted[j] - contracts[j]) * prices[j]
            fees += notional * overlay.fee
            slippage += notional * overlay.slippage
            account -= notional * (overlay.fee + overlay.slippage)
            contracts[j] = wanted[j]

    for t, prices in enumerate(closes):
        if t > 0:
            for j in range(n):
                paid = contracts[j] * prices[j] * settled(settlements, rates[j], bars[t - 1],
                                                          bars[t])
                account += contracts[j] * (prices[j] - closes[t - 1][j]) - paid
                funding += paid
        value = spot[t]
        resize = t == 0 or (looks[t] and overlay.band is not None and any(
            abs(contracts[j] * prices[j] / value - overlay.targets[j])
            > overlay.band * abs(overlay.targets[j]) for j in range(n)))
        if resize:
            trade([overlay.targets[j] * value / prices[j] for j in range(n)], prices)
        gross = sum(abs(c * p) for c, p in zip(contracts, prices, strict=True))
        if overlay.trigger and gross / value > overlay.cap:
            keep = overlay.cap * value / gross
            trade([c * keep for c in contracts], prices)
            leverage += 1
            after = sum(abs(c * p) for c, p in zip(contracts, prices, strict=True))
            after_cuts.append((gross, after, overlay.cap * value))
    return {"final_value": spot[-1] + account, "account": account, "funding": funding,
            "fees": fees, "slippage": slippage, "leverage": leverage, "cuts": after_cuts}


def random_funding(index: pd.DatetimeIndex, seed: int = 3) -> pd.DataFrame:
    """8-hourly rates around Binance's 0.01 %, both signs, covering the bars and more."""
    times = pd.date_range(index[0] - pd.Timedelta(days=1), index[-1] + pd.Timedelta(days=1),
                          freq="8h")
    rng = np.random.default_rng(seed)
    rates = rng.normal(0.0001, 0.0004, (len(times), 2))
    return pd.DataFrame(rates, index=times, columns=["BTC", "ETH"])
