"""Small builders for policies and snapshots used across the tests."""

from __future__ import annotations

from typing import Any

from trimtab.domain.snapshot import Snapshot
from trimtab.policy import Policy, build_policy

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
