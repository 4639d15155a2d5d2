"""The futures overlay (kernel/futures.py) equals the plain-Python reference to 1e-9."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.backtest.futures_reference import RefOverlay, random_funding, run_futures_reference
from tests.backtest.reference import RefPolicy, run_reference
from tests.builders import make_policy, synthetic_prices
from trimtab.backtest.engine import run_backtest
from trimtab.backtest.kernel import layout
from trimtab.backtest.overlay import Overlay
from trimtab.backtest.schedule import Schedule

CAPITAL = 10_000.0
TARGETS = {"BTC": 0.4, "ETH": 0.3, "USDT": 0.3}


def test_constant_prices_pay_notional_times_the_sum_of_rates() -> None:
    """Hand check: 10 days at constant prices, long BTC 1× spot value, 0.01 % per 8 h.

    No fees, so spot value stays 10,000 and the position stays 10,000 notional:
    9 days of 3 settlements each pay 10,000 × 0.0001 × 27 = 27.
    """
    index = pd.date_range("2024-01-01", periods=10, freq="D")
    prices = pd.DataFrame({"BTC": 40_000.0, "ETH": 2_000.0}, index=index)
    times = pd.date_range("2023-12-31", "2024-01-11", freq="8h")
    funding = pd.DataFrame({"BTC": 0.0001, "ETH": 0.0}, index=times)
    policy = make_policy(TARGETS)
    result = run_backtest(prices, policy, CAPITAL, overlay=Overlay.parse("BTC:1"),
                          funding=funding)
    f = result.policy.futures
    assert f is not None
    assert f[layout.FS_FUNDING] == pytest.approx(27.0, rel=1e-12)
    assert result.policy.stats[layout.S_FINAL] == pytest.approx(CAPITAL - 27.0, rel=1e-12)
    assert f[layout.FS_LEVERAGE] == 0


def _reference(prices: pd.DataFrame, funding: pd.DataFrame, targets: dict[str, float],
               fee: float, slip: float, every: int, overlay: RefOverlay) -> dict[str, object]:
    names = [a for a in targets if a != "USDT"]
    closes = [[*row, 1.0] for row in prices[names].itertuples(index=False)]
    spot = run_reference(closes, RefPolicy([targets[a] for a in names] + [targets["USDT"]],
                                           "relative", 0.1, fee, slip, every), CAPITAL)
    bars = list(prices.index.to_pydatetime())
    looks = [t % every == 0 for t in range(len(bars))]
    fut = [list(row) for row in prices[["BTC", "ETH"]].itertuples(index=False)]
    rates = [list(funding[c]) for c in ("BTC", "ETH")]
    return run_futures_reference(bars, fut, spot["values"], looks,
                                 list(funding.index.to_pydatetime()), rates, overlay)


CASES = [
    # (overlay, resize band, cap, fee, slippage bps, every N bars)
    ("BTC:1.5,ETH:-0.8", None, 2.5, 0.001, 5.0, 1),
    ("BTC:2.0,ETH:0.5", None, 2.5, 0.0, 0.0, 1),
    ("BTC:-1.0,ETH:1.0", 0.1, 2.2, 0.0005, 2.0, 7),
    ("BTC:0.5", 0.0, 1.5, 0.001, 0.0, 30),
]


@pytest.mark.parametrize(("spec", "band", "cap", "fee", "slip", "every"), CASES)
def test_overlay_matches_the_reference_loop(spec: str, band: float | None, cap: float,
                                            fee: float, slip: float, every: int) -> None:
    prices = synthetic_prices(600, seed=11, assets=("BTC", "ETH"))
    funding = random_funding(pd.DatetimeIndex(prices.index))
    policy = make_policy(TARGETS, fee=fee, slippage_bps=slip, futures={"max_multiple": cap})
    overlay = Overlay.parse(spec, band)
    result = run_backtest(prices, policy, CAPITAL, Schedule.parse(f"every:{every}"),
                          overlay=overlay, funding=funding)
    ref_overlay = RefOverlay([overlay.multiples.get(a, 0.0) for a in ("BTC", "ETH")], cap, band,
                             fee, slip / 10_000)
    ref = _reference(prices, funding, TARGETS, fee, slip / 10_000, every, ref_overlay)
    f = result.policy.futures
    assert f is not None
    assert result.policy.stats[layout.S_FINAL] == pytest.approx(ref["final_value"], rel=1e-9)
    assert f[layout.FS_FUNDING] == pytest.approx(ref["funding"], rel=1e-9)
    assert f[layout.FS_FEES] == pytest.approx(ref["fees"], rel=1e-9, abs=1e-12)
    assert f[layout.FS_SLIPPAGE] == pytest.approx(ref["slippage"], rel=1e-9, abs=1e-12)
    assert f[layout.FS_ACCOUNT] == pytest.approx(ref["account"], rel=1e-9)
    assert f[layout.FS_LEVERAGE] == ref["leverage"]


def test_the_cap_forces_reductions_that_never_raise_gross_notional() -> None:
    """A long BTC overlay near the cap: BTC's rallies push it over, the trigger cuts it back.

    After every leverage rebalance gross notional ≤ max_multiple × spot value
    and ≤ what it was before the cut (freed margin is not re-levered).
    """
    prices = synthetic_prices(600, seed=11, assets=("BTC", "ETH"))
    funding = random_funding(pd.DatetimeIndex(prices.index))
    policy = make_policy(TARGETS, fee=0.001, futures={"max_multiple": 2.5})
    result = run_backtest(prices, policy, CAPITAL, overlay=Overlay.parse("BTC:2.0,ETH:0.5"),
                          funding=funding)
    path = result.policy.exposure
    assert path is not None
    cuts = path[path["events"] == layout.EV_LEVERAGE]
    assert len(cuts) >= 3
    assert (cuts["gross_notional"] / cuts["spot_value"] <= 2.5).all()  # exactly, no tolerance
    assert result.policy.futures is not None
    assert result.policy.futures[layout.FS_MAX_MULTIPLE] <= 2.5
    ref = _reference(prices, funding, TARGETS, 0.001, 0.0, 1, RefOverlay([2.0, 0.5], 2.5,
                                                                          fee=0.001))
    assert ref["leverage"] == len(cuts)
    for before, after, cap in ref["cuts"]:
        assert after <= before
        assert after <= cap * (1 + 1e-12)


def test_the_overlay_leaves_the_spot_side_alone(prices: pd.DataFrame) -> None:
    """Same spot trades with and without futures: the overlay has its own account."""
    policy = make_policy({"BTC": 0.3, "ETH": 0.3, "SOL": 0.2, "USDT": 0.2}, fee=0.001)
    spot_only = run_backtest(prices, policy, CAPITAL, record=False)
    both = run_backtest(prices, policy, CAPITAL, record=False,
                        overlay=Overlay.parse("BTC:-0.5"), funding=random_funding(
                            pd.DatetimeIndex(prices.index)))
    assert both.policy.futures is not None
    assert both.policy.futures[layout.FS_SPOT] == spot_only.policy.stats[layout.S_FINAL]
    totals = [layout.S_REBALANCES, layout.S_FEES, layout.S_SLIP, layout.S_TURNOVER, layout.S_ORDERS]
    assert both.policy.stats[totals].tolist() == spot_only.policy.stats[totals].tolist()
