"""From a policy and a price table to the kernel's arrays.

This is where the domain's rules enter the backtest: every band bound is
computed by `domain.bands.band_for` and `Band.inner`, never restated, so a
band means the same thing in a backtest as in `trimtab check`. Columns are
the policy's assets in the order of `Policy.asset_targets()` (the order the
domain sums weights in), with the quote currency priced at 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from trimtab.backtest.kernel.layout import (
    BT,
    HIGH,
    INNER_HIGH,
    INNER_LOW,
    LOW,
    N_BAND_ROWS,
    N_PARAMS,
    P_CAPITAL,
    P_FEE,
    P_FRACTION,
    P_MIN_TRADE,
    P_MODEL,
    P_QUOTE,
    P_SCOPE_ALL,
    P_SLIP,
    P_USE_BAND,
    TARGET,
    TRIMTAB,
    VECTORBT,
)
from trimtab.domain.bands import Band, band_for
from trimtab.domain.policy import Bands, BandSpec, Policy

Array = npt.NDArray[Any]
Convention = Literal["trimtab", "bt", "vectorbt"]
MODELS = {"trimtab": TRIMTAB, "bt": BT, "vectorbt": VECTORBT}


class BacktestError(ValueError):
    """The policy and the data do not fit together; the message says how."""


@dataclass(frozen=True, slots=True)
class KernelInputs:
    """Everything `kernel.loop.simulate` needs, in its array layout (kernel/layout.py)."""

    assets: tuple[str, ...]
    held: Array  # closes of the non-quote assets (bars × assets − 1), often a view of the data
    held_cols: Array  # position of each `held` column among `assets`
    bands: Array
    sleeve_of: Array
    sleeve_bands: Array
    tradable: Array
    params: Array

    def full_close(self) -> Array:
        """Closes of every asset in `assets` order, the quote at 1 (for charts and tests)."""
        close = np.ones((self.held.shape[0], len(self.assets)))
        close[:, self.held_cols] = self.held
        return close


def asset_order(policy: Policy) -> tuple[str, ...]:
    """The policy's assets in domain order, the quote last if it has no target."""
    names = list(policy.asset_targets())
    if policy.quote not in names:
        names.append(policy.quote)
    return tuple(names)


def held_closes(prices: pd.DataFrame, assets: tuple[str, ...], quote: str
                ) -> tuple[Array, Array]:
    """Closes of the non-quote assets and their positions; a missing asset is an error.

    No copy when the data's columns are already the policy's assets in order:
    the kernel reads the frame's own memory and prices the quote at 1 itself.
    The array is always column-major and read-only, whatever pandas hands out
    (copy-on-write frames give read-only views, others writable ones): numba
    compiles a kernel per argument type, read-only included, so a second kind
    would compile the loop again (~11 s) in a process that `backtest --warm`
    had already cached for the other.
    """
    missing = [a for a in assets if a != quote and a not in prices.columns]
    if missing:
        have = ", ".join(map(str, prices.columns))
        raise BacktestError(f"the price data has no column for {', '.join(missing)} "
                            f"(it has {have}); add it or remove it from the policy")
    names = [a for a in assets if a != quote]
    frame = prices if list(prices.columns) == names else prices[names]
    cols = np.array([assets.index(a) for a in names], dtype=np.int64)
    held = np.asfortranarray(frame.to_numpy(dtype=np.float64)).view()
    held.flags.writeable = False
    return held, cols


def band_rows(bands: list[Band], fraction: float) -> Array:
    """The layout's band rows (TARGET, LOW, HIGH, INNER_LOW, INNER_HIGH) of domain bands."""
    inner = [b.inner(fraction) for b in bands]
    rows = np.zeros((N_BAND_ROWS, len(bands)))
    rows[TARGET] = [b.target for b in bands]
    rows[LOW] = [b.low for b in bands]
    rows[HIGH] = [b.high for b in bands]
    rows[INNER_LOW] = [b.low for b in inner]
    rows[INNER_HIGH] = [b.high for b in inner]
    return rows


def policy_bands(policy: Policy, assets: tuple[str, ...], override: BandSpec | None = None
                 ) -> tuple[Array, Array]:
    """Asset and sleeve band rows; `override` replaces every band (a sweep's setting)."""
    targets = policy.asset_targets()
    rules: Bands | BandSpec = override or policy.bands

    def spec(subject: str) -> BandSpec:
        return rules.for_subject(subject) if isinstance(rules, Bands) else rules

    asset_bands = [band_for(targets.get(a, 0.0), spec(a)) for a in assets]
    sleeve_bands = [band_for(s.weight, spec(name)) for name, s in policy.sleeves.items()]
    rows = band_rows(asset_bands, policy.fraction)
    if policy.quote not in targets:
        # A quote without a target is only the cash leg: its rounding dust (1e-12 of
        # the value after a to-target trade) must not fire a trigger at every bar.
        rows[LOW, assets.index(policy.quote)] = -np.inf
        rows[HIGH, assets.index(policy.quote)] = np.inf
    return rows, band_rows(sleeve_bands, policy.fraction)


def build_inputs(prices: pd.DataFrame, policy: Policy, capital: float,
                 convention: Convention = "trimtab", use_band: bool = True,
                 override: BandSpec | None = None) -> KernelInputs:
    """Arrays for one policy on one price table."""
    assets = asset_order(policy)
    held, held_cols = held_closes(prices, assets, policy.quote)
    bands, sleeve_bands = policy_bands(policy, assets, override)
    sleeve_names = list(policy.sleeves)
    member_of = policy.sleeve_of()
    sleeve_of = np.array([sleeve_names.index(member_of[a]) if a in member_of else -1
                          for a in assets], dtype=np.int64)
    tradable = np.array([a != policy.quote and a not in policy.frozen for a in assets])
    params = np.zeros(N_PARAMS)
    params[P_FRACTION] = policy.fraction
    params[P_SCOPE_ALL] = policy.scope == "all"
    params[P_FEE] = policy.costs.fee_rate
    params[P_SLIP] = policy.costs.slippage_bps / 10_000
    params[P_MIN_TRADE] = policy.costs.min_trade
    params[P_QUOTE] = assets.index(policy.quote)
    params[P_MODEL] = MODELS[convention]
    params[P_CAPITAL] = capital
    params[P_USE_BAND] = use_band
    return KernelInputs(assets, held, held_cols, bands, sleeve_of, sleeve_bands, tradable,
                        params)
