"""Small builders for policies and snapshots used across the tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from trimtab.domain.policy import Policy, build_policy
from trimtab.domain.snapshot import Snapshot

AS_OF = "2026-01-31T00:00:00Z"


def policy(targets: dict[str, float], **extra: Any) -> Policy:
    """A policy with zero costs unless given, relative 10 % bands unless given."""
    raw: dict[str, Any] = {
        "targets": targets,
        "bands": {"kind": "relative", "width": 0.10},
        "costs": {"fee_rate": 0.0, "slippage_bps": 0.0, "min_trade": 0.0},
    }
    raw.update(extra)
    return build_policy(raw)


def snapshot(prices: dict[str, float], holdings: dict[str, float] | list[tuple[str, str, float]],
             **extra: Any) -> Snapshot:
    """A snapshot; holdings as {asset: units} (all on binance) or (venue, asset, units)."""
    rows = ([("binance", a, u) for a, u in holdings.items()]
            if isinstance(holdings, dict) else holdings)
    raw: dict[str, Any] = {
        "as_of": AS_OF, "prices": prices,
        "balances": [{"venue": v, "asset": a, "amount": u} for v, a, u in rows],
    }
    raw.update(extra)
    return Snapshot.model_validate(raw)


# Backtests: seeded synthetic closes and policies built in code.
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
