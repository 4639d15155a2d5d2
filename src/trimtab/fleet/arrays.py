"""Portfolios and policies as the fleet kernel's arrays, and its results.

The kernel (kernel.py) sees numbers only; everything that is a rule about a
policy — band bounds, sleeves, tactical and excluded holdings, the quote's
cash-leg band — is taken here from the domain's own functions, once per
portfolio, not once per tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from trimtab.domain.analysis.drift import split_tactical, without_excluded
from trimtab.domain.bands import Band
from trimtab.domain.index import CASH_LEG
from trimtab.domain.policy import Policy
from trimtab.domain.snapshot import Snapshot
from trimtab.fleet.kernel import fleet_check

Array = npt.NDArray[Any]
NEVER = CASH_LEG  # an asset neither targeted nor held: a band that is never breached


@dataclass(frozen=True)
class Fleet:
    """P portfolios over one asset universe (`assets`, columns), S sleeves at most."""

    assets: tuple[str, ...]
    units: Array          # [P, A] core spot units
    low: Array            # [P, A] band bounds
    high: Array
    alertable: Array      # [P, A] False for the quote: it has no alert price
    sleeve_of: Array      # [P, A] sleeve column, -1 for none
    sleeve_low: Array     # [P, S]
    sleeve_high: Array
    futures_units: Array  # [P, A] gross notional of linear positions per unit of price
    futures_fixed: Array  # [P] quote value of inverse positions
    max_multiple: Array   # [P]


@dataclass(frozen=True)
class FleetCheck:
    """What one tick did to every portfolio: rows are portfolios."""

    breached: Array         # [P, A]
    sleeve_breached: Array  # [P, S]
    alert_low: Array        # [P, A], NaN: none
    alert_high: Array
    multiple: Array         # [P] exposure multiple
    over: Array             # [P] multiple above the cap: the leverage trigger

    @property
    def triggered(self) -> Array:
        """[P] whether any threshold or leverage trigger fired."""
        return self.breached.any(axis=1) | self.sleeve_breached.any(axis=1) | self.over


def check(fleet: Fleet, price: Array) -> FleetCheck:
    """Run the kernel at one tick (`price` in `fleet.assets` order)."""
    n_p, n_a = fleet.units.shape
    out = FleetCheck(np.zeros((n_p, n_a), np.bool_), np.zeros(fleet.sleeve_low.shape, np.bool_),
                     np.empty((n_p, n_a)), np.empty((n_p, n_a)), np.empty(n_p),
                     np.zeros(n_p, np.bool_))
    fleet_check(np.ascontiguousarray(price, dtype=np.float64), fleet.units, fleet.low,
                fleet.high, fleet.alertable, fleet.sleeve_of, fleet.sleeve_low,
                fleet.sleeve_high, fleet.futures_units, fleet.futures_fixed,
                fleet.max_multiple, out.breached, out.sleeve_breached, out.alert_low,
                out.alert_high, out.multiple, out.over)
    return out


def build_fleet(portfolios: Sequence[tuple[Snapshot, Policy]], assets: Sequence[str]) -> Fleet:
    """The arrays of every (snapshot, policy) pair over the columns `assets`."""
    n_p, n_a = len(portfolios), len(assets)
    n_s = max((len(p.sleeves) for _, p in portfolios), default=0)
    fleet = Fleet(tuple(assets), np.zeros((n_p, n_a)), np.zeros((n_p, n_a)),
                  np.ones((n_p, n_a)), np.zeros((n_p, n_a), np.bool_),
                  np.full((n_p, n_a), -1, np.int64), np.zeros((n_p, n_s)), np.ones((n_p, n_s)),
                  np.zeros((n_p, n_a)), np.zeros(n_p), np.zeros(n_p))
    column = {a: i for i, a in enumerate(assets)}
    for row, (snapshot, policy) in enumerate(portfolios):
        _fill_row(fleet, row, snapshot, policy, column)
    return fleet


def _fill_row(fleet: Fleet, row: int, snapshot: Snapshot, policy: Policy,
              column: dict[str, int]) -> None:
    snapshot, _ = without_excluded(snapshot, policy)
    core, _ = split_tactical(snapshot, policy)
    sleeve_col = {name: s for s, name in enumerate(policy.sleeves)}
    sleeve_of = policy.index.sleeve_of
    for asset, i in column.items():
        fleet.units[row, i] = sum(core.get(asset, {}).values())
        band = _band(asset, policy, fleet.units[row, i] > 0)
        fleet.low[row, i], fleet.high[row, i] = band.low, band.high
        fleet.alertable[row, i] = asset != policy.quote
        if asset in sleeve_of:
            fleet.sleeve_of[row, i] = sleeve_col[sleeve_of[asset]]
    for name, s in sleeve_col.items():
        band = policy.index.sleeve_bands[name]
        fleet.sleeve_low[row, s], fleet.sleeve_high[row, s] = band.low, band.high
    for position in snapshot.positions:
        if position.contracts <= 0:
            continue
        if position.inverse:  # a fixed value, converted from its own currency once
            fleet.futures_fixed[row] += snapshot.position_notional(position)
        else:  # the domain's notional per unit of price: the kernel multiplies by the tick
            rate = snapshot.quote_rate(position.quote)
            fleet.futures_units[row, column[position.base]] += position.contract.notional(
                position.contracts, 1.0, rate)
    fleet.max_multiple[row] = policy.futures.max_multiple


def _band(asset: str, policy: Policy, held: bool) -> Band:
    """The band `analyse` gives the asset: its policy band, or none that can be breached."""
    if asset not in policy.index.targets and not held:
        return NEVER  # not in the analysis at all
    return policy.index.asset_band(asset)
