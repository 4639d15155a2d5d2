"""trimtab equals bt and vectorbt: exactly without fees, and under each one's fee convention.

With fees the three conventions land on slightly different post-trade
weights (see kernel/conventions.py), so trimtab's own result is compared with
each library only after the library's convention is selected.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pandas as pd
import pytest

from tests.backtest.libraries import run_bt, run_vectorbt
from tests.builders import EQUAL, make_policy, synthetic_prices
from trimtab.backtest.engine import run_backtest
from trimtab.backtest.inputs import Convention
from trimtab.backtest.kernel import layout

CAPITAL = 1_000_000.0
BANDS = [("relative", 0.10), ("absolute", 0.03)]
Library = Callable[..., dict[str, float]]


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    return synthetic_prices(n_bars=600, seed=11)


def _trimtab(prices: pd.DataFrame, kind: str, width: float, fee: float,
             convention: Convention) -> dict[str, float]:
    policy = make_policy(EQUAL, {"kind": kind, "width": width}, fee=fee)
    stats = run_backtest(prices, policy, CAPITAL, convention=convention, record=False).policy.stats
    return {"final_value": stats[layout.S_FINAL], "rebalances": stats[layout.S_REBALANCES],
            "fees": stats[layout.S_FEES]}


def _library(run: Library, prices: pd.DataFrame, kind: str, width: float,
             fee: float) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(prices, EQUAL, kind, width, fee, CAPITAL)


@pytest.mark.parametrize(("kind", "width"), BANDS)
@pytest.mark.parametrize("library", [run_bt, run_vectorbt], ids=["bt", "vectorbt"])
def test_without_fees_every_engine_agrees(closes: pd.DataFrame, library: Library, kind: str,
                                          width: float) -> None:
    ours = _trimtab(closes, kind, width, 0.0, "trimtab")
    theirs = _library(library, closes, kind, width, 0.0)
    assert ours["rebalances"] > 5
    assert ours["rebalances"] == theirs["rebalances"]
    assert ours["final_value"] == pytest.approx(theirs["final_value"], rel=1e-9)


@pytest.mark.parametrize(("kind", "width"), BANDS)
@pytest.mark.parametrize(("library", "convention"),
                         [(run_bt, "bt"), (run_vectorbt, "vectorbt")], ids=["bt", "vectorbt"])
def test_with_fees_each_library_matches_its_own_convention(
        closes: pd.DataFrame, library: Library, convention: Convention, kind: str,
        width: float) -> None:
    ours = _trimtab(closes, kind, width, 0.002, convention)
    theirs = _library(library, closes, kind, width, 0.002)
    assert ours["rebalances"] == theirs["rebalances"]
    assert ours["final_value"] == pytest.approx(theirs["final_value"], rel=1e-9)
    assert ours["fees"] == pytest.approx(theirs["fees"], rel=1e-9)


def test_with_fees_the_conventions_really_differ(closes: pd.DataFrame) -> None:
    """Guards the test above: if the conventions coincided it would prove nothing."""
    exact = _trimtab(closes, "relative", 0.10, 0.002, "trimtab")
    bt_like = _trimtab(closes, "relative", 0.10, 0.002, "bt")
    assert abs(exact["final_value"] / bt_like["final_value"] - 1) > 1e-7
