"""Shared fixtures: seeded synthetic closes and policies built in code."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from trimtab.policy import Policy, build_policy

ASSETS = ("BTC", "ETH", "SOL", "AVAX", "LINK")


def synthetic_prices(n_bars: int = 800, seed: int = 7, assets: tuple[str, ...] = ASSETS
                     ) -> pd.DataFrame:
    """Daily closes from a seeded GBM with fat tails: volatile enough to breach bands often."""
    rng = np.random.default_rng(seed)
    vol = rng.uniform(0.03, 0.07, len(assets))
    shocks = rng.standard_t(4, (n_bars, len(assets))) / np.sqrt(2.0)
    market = rng.standard_t(4, (n_bars, 1)) / np.sqrt(2.0)
    log_r = vol * (0.7 * market + 0.7 * shocks) - 0.5 * vol**2
    start = rng.uniform(1.0, 30_000.0, len(assets))
    closes = start * np.exp(np.cumsum(log_r, axis=0))
    index = pd.date_range("2021-01-01", periods=n_bars, freq="D")
    return pd.DataFrame(closes, index=index, columns=list(assets))


def make_policy(targets: dict[str, float], band: dict[str, Any] | None = None,
                fee: float = 0.0, slippage_bps: float = 0.0, min_trade: float = 0.0,
                **more: Any) -> Policy:
    """A policy without a profile; costs default to zero so tests state what they charge."""
    raw: dict[str, Any] = {
        "targets": targets,
        "bands": band or {"kind": "relative", "width": 0.10},
        "costs": {"fee_rate": fee, "slippage_bps": slippage_bps, "min_trade": min_trade},
        **more,
    }
    return build_policy(raw)


EQUAL = {a: 0.2 for a in ASSETS}
WITH_QUOTE = {"BTC": 0.3, "ETH": 0.2, "SOL": 0.15, "AVAX": 0.1, "LINK": 0.1, "USDT": 0.15}


@pytest.fixture(scope="session")
def prices() -> pd.DataFrame:
    return synthetic_prices()
