"""A policy's lookups are built once and always describe the policy they belong to."""

from __future__ import annotations

import pytest

from trimtab.domain.bands import Band, band_for
from trimtab.domain.policy import build_policy


def test_index_bands_are_band_for_of_every_target_and_sleeve() -> None:
    policy = build_policy({"profile": "moderate", "quote": "USDC",
                           "bands": {"kind": "relative", "width": 0.2,
                                     "overrides": {"BTC": {"kind": "absolute", "width": 0.05},
                                                   "alts": {"kind": "absolute",
                                                            "width": 0.02}}}})
    index = policy.index
    for asset, target in policy.asset_targets().items():
        assert index.asset_band(asset) == band_for(target, policy.bands.for_subject(asset))
    for name, sleeve in policy.sleeves.items():
        assert index.sleeve_bands[name] == band_for(sleeve.weight, policy.bands.for_subject(name))
    assert index.asset_band("USDC") == Band(0.0, 0.0, 1.0)  # an untargeted quote: the cash leg
    assert index.asset_band("DOGE") == band_for(0.0, policy.bands)  # held, not targeted
    assert index.sleeve_of["SOL"] == "alts" and index.targets == policy.asset_targets()
    assert policy.index is index  # built once


def test_a_copy_with_new_targets_gets_its_own_index() -> None:
    """pydantic's model_copy(update=...) skips validation and copies cached values: a copy
    would have kept the old bands."""
    policy = build_policy({"targets": {"BTC": 0.5, "USDT": 0.5},
                           "bands": {"kind": "absolute", "width": 0.1}})
    assert policy.index.asset_band("BTC") == Band(0.5, 0.4, 0.6)
    copy = policy.model_copy(update={"targets": {"BTC": 0.2, "USDT": 0.8}})
    assert copy.index.asset_band("BTC") == Band(0.2, 0.1, 0.30000000000000004)
    assert policy.model_copy(update={"check_interval": 60.0}).check_interval == 60.0


def test_a_copy_with_an_invalid_update_is_refused() -> None:
    policy = build_policy({"targets": {"BTC": 0.5, "USDT": 0.5}})
    with pytest.raises(ValueError, match=r"sum to 0\.9"):
        policy.model_copy(update={"targets": {"BTC": 0.9}})


@pytest.mark.parametrize("rebalance_to", ["target", "band-edge", 0.5])
def test_inner_bands_are_each_band_shrunk_by_the_rebalance_fraction(rebalance_to: object
                                                                    ) -> None:
    """Where a rebalance stops, built once per policy instead of once per plan."""
    policy = build_policy({"profile": "moderate", "rebalance_to": rebalance_to})
    index = policy.index
    assert index.inner_bands == {a: b.inner(policy.fraction)
                                 for a, b in index.asset_bands.items()}
    assert index.inner_sleeve_bands == {s: b.inner(policy.fraction)
                                        for s, b in index.sleeve_bands.items()}
