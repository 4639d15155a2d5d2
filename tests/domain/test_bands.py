from __future__ import annotations

import pytest

from trimtab.domain.bands import band_for
from trimtab.domain.policy import BandSpec


def test_absolute_band_is_plus_minus_points_of_portfolio():
    band = band_for(0.40, BandSpec(kind="absolute", width=0.15))
    assert (band.low, band.high) == pytest.approx((0.25, 0.55))


def test_relative_band_is_a_fraction_of_the_target():
    band = band_for(0.50, BandSpec(kind="relative", width=0.10))
    assert (band.low, band.high) == pytest.approx((0.45, 0.55))


def test_either_keeps_the_narrower_range_the_5_25_rule():
    spec = BandSpec(kind="either", absolute_width=0.05, relative_width=0.25)
    small = band_for(0.10, spec)   # relative ±2.5 pp is narrower than ±5 pp
    large = band_for(0.60, spec)   # absolute ±5 pp is narrower than ±15 pp
    assert (small.low, small.high) == pytest.approx((0.075, 0.125))
    assert (large.low, large.high) == pytest.approx((0.55, 0.65))


def test_bounds_are_clipped_to_zero_and_one():
    band = band_for(0.95, BandSpec(kind="absolute", width=0.10))
    assert band.high == 1.0
    assert band_for(0.05, BandSpec(kind="absolute", width=0.10)).low == 0.0


def test_breach_is_strictly_outside_the_band():
    band = band_for(0.5, BandSpec(kind="absolute", width=0.25))
    assert not band.breached(0.25) and not band.breached(0.75)
    assert band.breached(0.2499) and band.breached(0.7501)


def test_inner_band_shrinks_toward_the_target_daryanani():
    band = band_for(0.60, BandSpec(kind="relative", width=0.20))  # 48–72 %
    assert band.inner(0.5).clip(0.75) == pytest.approx(0.66)
    assert band.inner(1.0).clip(0.75) == pytest.approx(0.72)
    assert band.inner(0.0).clip(0.75) == pytest.approx(0.60)
