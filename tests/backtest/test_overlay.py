"""The futures overlay's inputs: positions, the funding history, and what is refused."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.backtest.futures_reference import random_funding
from tests.builders import make_policy, synthetic_prices
from trimtab.backtest.engine import run_backtest
from trimtab.backtest.inputs import BacktestError
from trimtab.backtest.kernel import layout
from trimtab.backtest.overlay import Overlay, bundled_funding

CAPITAL = 10_000.0
TARGETS = {"BTC": 0.4, "ETH": 0.3, "USDT": 0.3}


def test_holding_opens_the_overlay_once_and_never_cuts_it() -> None:
    prices = synthetic_prices(600, seed=11, assets=("BTC", "ETH"))
    funding = random_funding(pd.DatetimeIndex(prices.index))
    policy = make_policy(TARGETS, futures={"max_multiple": 2.5})
    result = run_backtest(prices, policy, CAPITAL, record=False,
                          overlay=Overlay.parse("BTC:2.0,ETH:0.5"), funding=funding)
    assert result.hold.futures is not None
    assert result.hold.futures[layout.FS_LEVERAGE] == 0
    assert result.hold.futures[layout.FS_MAX_MULTIPLE] > 2.5


def test_bundled_funding_covers_the_bundled_prices_and_refuses_other_years() -> None:
    funding = bundled_funding()
    assert list(funding.columns) == ["BTC", "ETH"]
    assert (funding.index.to_series().diff().dropna() == pd.Timedelta(hours=8)).all()
    old = pd.DataFrame({"BTC": [1.0, 2.0], "ETH": [1.0, 2.0]},
                       index=pd.date_range("2019-01-01", periods=2, freq="D"))
    with pytest.raises(BacktestError, match="funding history of BTC covers"):
        run_backtest(old, make_policy(TARGETS), CAPITAL, overlay=Overlay.parse("BTC:1"))


@pytest.mark.parametrize(("spec", "message"), [
    ("BTC", "is not ASSET:MULTIPLE"), ("BTC:inf", "finite"), ("", "names no"),
])
def test_bad_overlay_specs_are_refused(spec: str, message: str) -> None:
    with pytest.raises(BacktestError, match=message):
        Overlay.parse(spec)


def test_an_overlay_above_the_cap_or_on_an_unpriced_asset_is_refused() -> None:
    prices = synthetic_prices(50, assets=("BTC", "ETH"))
    funding = random_funding(pd.DatetimeIndex(prices.index))
    policy = make_policy(TARGETS, futures={"max_multiple": 1.5})
    for spec, message in (("BTC:1,ETH:-1", "above the policy's"), ("SOL:1", "priced assets")):
        with pytest.raises(BacktestError, match=message):
            run_backtest(prices, policy, CAPITAL, overlay=Overlay.parse(spec), funding=funding)
