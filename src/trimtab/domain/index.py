"""What every check reads from a policy per asset, built once per policy.

A live check looks up each asset's target, sleeve and band; rebuilt at every
check (and twice per plan: once more for the residuals), those lookups were
a third of a 50-asset check. `Policy.index` builds this table on first use
and keeps it for the policy's life (policies are frozen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trimtab.domain.bands import Band, band_for

if TYPE_CHECKING:
    from trimtab.domain.policy import Policy

CASH_LEG = Band(0.0, 0.0, 1.0)  # an untargeted quote is only the cash leg: never breached


@dataclass(frozen=True, slots=True)
class PolicyIndex:
    """Targets, sleeves and bands of one policy, by name."""

    policy: Policy
    targets: Mapping[str, float]
    sleeve_of: Mapping[str, str]
    asset_bands: Mapping[str, Band]
    sleeve_bands: Mapping[str, Band]
    # the same bands shrunk by the policy's rebalance fraction (`Band.inner`), where a
    # rebalance stops: built per plan, they were a tenth of its sizing
    inner_bands: Mapping[str, Band]
    inner_sleeve_bands: Mapping[str, Band]

    def asset_band(self, asset: str) -> Band:
        """The asset's band: its target's, the cash leg's for an untargeted quote, or target
        0's under its band rule for an asset held but not targeted."""
        band = self.asset_bands.get(asset)
        if band is not None:
            return band
        return band_for(0.0, self.policy.bands.for_subject(asset))


def index_policy(policy: Policy) -> PolicyIndex:
    """The policy's lookups; `Policy.index` caches it."""
    targets = policy.asset_targets()
    bands = {a: band_for(t, policy.bands.for_subject(a)) for a, t in targets.items()}
    if policy.quote not in targets:
        bands[policy.quote] = CASH_LEG
    sleeves = {name: band_for(s.weight, policy.bands.for_subject(name))
               for name, s in policy.sleeves.items()}
    fraction = policy.fraction
    return PolicyIndex(policy, targets, policy.sleeve_of(), bands, sleeves,
                       {a: b.inner(fraction) for a, b in bands.items()},
                       {name: b.inner(fraction) for name, b in sleeves.items()})
