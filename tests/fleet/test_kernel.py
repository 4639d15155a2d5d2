"""The fleet kernel restates part of `analyse`: it must agree with it on every portfolio."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.builders import policy as make_policy
from tests.builders import snapshot as make_snapshot
from trimtab.domain.analysis.drift import Analysis, analyse
from trimtab.domain.bands import BREACH_EPSILON
from trimtab.domain.policy import Policy, build_policy
from trimtab.domain.snapshot import Snapshot
from trimtab.fleet.arrays import build_fleet, check

ASSETS = ("BTC", "ETH", "SOL", "AVAX", "LINK", "DOGE", "USDT")
PRICE = st.floats(0.01, 100_000.0, allow_nan=False)
UNITS = st.one_of(st.just(0.0), st.floats(1e-4, 1_000.0))
BANDS = st.one_of(
    st.builds(lambda w: {"kind": "absolute", "width": w}, st.floats(0.0, 0.3)),
    st.builds(lambda w: {"kind": "relative", "width": w}, st.floats(0.0, 1.5)),
    st.builds(lambda a, r: {"kind": "either", "absolute_width": a, "relative_width": r},
              st.floats(0.0, 0.3), st.floats(0.0, 1.5)))


@st.composite
def policies(draw: Any) -> Policy:
    """A preset (with sleeves) or random targets over some of ASSETS, random bands."""
    extra = {"futures": {"max_multiple": draw(st.floats(0.5, 4.0))},
             "bands": draw(BANDS), "tactical": draw(st.dictionaries(
                 st.sampled_from(ASSETS[:3]), st.floats(0.0, 50.0), max_size=2))}
    if draw(st.booleans()):
        raw = {"profile": draw(st.sampled_from(["conservative", "moderate", "aggressive"])),
               **extra}
        return build_policy(raw)
    chosen = draw(st.lists(st.sampled_from(ASSETS), min_size=1, max_size=6, unique=True))
    parts = [draw(st.integers(1, 9)) for _ in chosen]
    targets = {a: n / sum(parts) for a, n in zip(chosen, parts, strict=True)}
    return make_policy(targets, **extra)


@st.composite
def snapshots(draw: Any, prices: dict[str, float]) -> Snapshot:
    """Random holdings on an exchange and a wallet, and linear and inverse positions."""
    rows = [(draw(st.sampled_from(["binance", "wallet"])), a, draw(UNITS)) for a in ASSETS]
    positions = [{"venue": "binance", "symbol": f"{a}/USDT:USDT",
                  "side": draw(st.sampled_from(["long", "short"])),
                  "contracts": draw(st.floats(0.0, 20.0)), "contractSize": 1.0,
                  "markPrice": prices[a]} for a in draw(st.lists(st.sampled_from(ASSETS[:6]),
                                                                 max_size=3, unique=True))]
    if draw(st.booleans()):
        positions.append({"venue": "bybit", "symbol": "BTC/USD:BTC", "side": "short",
                          "contracts": draw(st.floats(1.0, 100.0)), "contractSize": 100.0,
                          "markPrice": prices["BTC"]})
    quoted = {a: p for a, p in prices.items() if a != "USDT"}
    if draw(st.booleans()):  # the inverse contract's USD priced in the quote, as venues do
        quoted["USD"] = draw(st.floats(0.9, 1.1))
    return make_snapshot(quoted, rows, positions=positions)


def _on_a_threshold(analysis: Analysis) -> bool:
    """A weight within 1e-14 of where a breach starts (a bound ± BREACH_EPSILON): the two
    sum the portfolio in different orders, so the flag there is rounding, not rule."""
    items = [*analysis.assets, *analysis.sleeves]
    return any(min(abs(i.weight - (i.band.low - BREACH_EPSILON)),
                   abs(i.weight - (i.band.high + BREACH_EPSILON))) < 1e-14 for i in items)


def _same(kernel: float, domain: float | None) -> bool:
    if domain is None:
        return bool(np.isnan(kernel))
    return math.isclose(kernel, domain, rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 4))
def test_the_fleet_check_agrees_with_analyse_on_random_portfolios(data: Any, n: int) -> None:
    prices = {a: data.draw(PRICE) for a in ASSETS if a != "USDT"} | {"USDT": 1.0}
    pairs = [(data.draw(snapshots(prices)), data.draw(policies())) for _ in range(n)]
    analyses = [analyse(s, p) for s, p in pairs]
    assume(not any(_on_a_threshold(a) for a in analyses))
    result = check(build_fleet(pairs, ASSETS), np.array([prices[a] for a in ASSETS]))
    for row, analysis in enumerate(analyses):
        for state in analysis.assets:
            col = ASSETS.index(state.asset)
            assert result.breached[row, col] == state.breached, state
            assert _same(result.alert_low[row, col], state.alert_low), state
            assert _same(result.alert_high[row, col], state.alert_high), state
        for s, sleeve in enumerate(analysis.sleeves):
            assert result.sleeve_breached[row, s] == sleeve.breached, sleeve
        assert _same(result.multiple[row], analysis.futures.multiple)
        assert result.over[row] == analysis.futures.breached
        fired = any(t.kind in ("threshold", "leverage") for t in analysis.triggers)
        assert result.triggered[row] == fired


def test_an_asset_that_is_most_of_the_portfolio_keeps_an_exact_alert_price() -> None:
    pol = make_policy({"BTC": 0.5, "USDT": 0.5})
    snap = make_snapshot({"BTC": 1e6}, {"BTC": 1e3, "USDT": 1e-3})
    state = analyse(snap, pol).asset("BTC")
    result = check(build_fleet([(snap, pol)], ("BTC", "USDT")), np.array([1e6, 1.0]))
    assert result.alert_low[0, 0] == state.alert_low
    assert result.alert_high[0, 0] == state.alert_high


def test_a_fleet_cut_into_chunks_on_a_local_dask_cluster_gives_the_same_check() -> None:
    from dask.distributed import Client, LocalCluster

    from trimtab.fleet.distributed import check_on, chunks

    pol = make_policy({"BTC": 0.4, "ETH": 0.3, "USDT": 0.3}, futures={"max_multiple": 1.0})
    rng = np.random.default_rng(2)
    pairs = [(make_snapshot({"BTC": 60_000.0, "ETH": 3_000.0},
                            {a: float(u) for a, u in zip(("BTC", "ETH", "USDT"),
                                                          rng.uniform(0, 3, 3) * [1, 10, 5e4],
                                                          strict=True)}), pol)
             for _ in range(7)]
    fleet = build_fleet(pairs, ("BTC", "ETH", "USDT"))
    price = np.array([55_000.0, 3_300.0, 1.0])
    local = check(fleet, price)
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:
        spread = check_on(client, client.scatter(chunks(fleet, 3)), price)
    for name in ("breached", "sleeve_breached", "alert_low", "alert_high", "multiple", "over"):
        np.testing.assert_array_equal(getattr(spread, name), getattr(local, name))
