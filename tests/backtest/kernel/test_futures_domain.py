"""The overlay's futures maths (kernel/futures.py) equals the domain's on random books.

The kernel restates in numba what `domain.analysis.futures` and the live
planner do with futures: notional (linear: contracts × price), gross
notional, the exposure multiple (infinite with futures but no spot), the
leverage trigger (multiple > max_multiple, strictly) and the cut that
`domain.planning.routing.futures_reductions` plans when it fires. The
kernel pays the cut's costs from the futures account, never from spot, so it
is the domain's cut with no cost term: the domain is run with zero costs.
Each case runs one bar of `futures_step` (no price move, no funding, no
look) on a random book, and the same book as a snapshot through `analyse`,
`make_plan` and `apply_orders`. The kernel also lands exactly at or under
the cap (it nudges its factor down a rounding step when needed); the domain
lands within a rounding error of the gross before the cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.builders import make_policy, snapshot
from trimtab.backtest.kernel import futures as kf
from trimtab.backtest.kernel import layout
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.analysis.futures import exposure_multiple
from trimtab.domain.planning.apply import apply_orders
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.snapshot import Snapshot

NAMES = ("BTC", "ETH", "SOL")


@dataclass(frozen=True)
class Book:
    """Signed contracts (base units) per asset, their prices, the spot value and the cap."""

    contracts: list[float]
    prices: list[float]
    spot: float
    cap: float

    def snapshot(self) -> Snapshot:
        positions = [{"venue": "binance", "symbol": f"{a}/USDT:USDT",
                      "side": "long" if c > 0 else "short", "contracts": abs(c),
                      "contractSize": 1.0, "markPrice": p}
                     for a, c, p in zip(NAMES, self.contracts, self.prices, strict=False) if c]
        prices = dict(zip(NAMES, self.prices, strict=False))
        return snapshot(prices, {"USDT": self.spot}, positions=positions)


@st.composite
def books(draw: st.DrawFn, spot: st.SearchStrategy[float] = st.floats(1.0, 1e7)) -> Book:
    n = draw(st.integers(1, len(NAMES)))
    size = st.one_of(st.just(0.0), st.floats(1e-4, 1e3), st.floats(-1e3, -1e-4))
    return Book(draw(st.lists(size, min_size=n, max_size=n)),
                draw(st.lists(st.floats(0.01, 100_000.0), min_size=n, max_size=n)),
                draw(spot), draw(st.floats(0.1, 5.0)))


def kernel_bar(book: Book) -> tuple[np.ndarray, np.ndarray, int]:
    """One bar of futures_step: contracts after it, the overlay's stats and the events."""
    n = len(book.contracts)
    contracts = np.array(book.contracts)
    price = np.array(book.prices)
    fparams = np.zeros(layout.N_FPARAMS)
    fparams[layout.FP_CAP], fparams[layout.FP_BAND] = book.cap, layout.NO_RESIZE
    fparams[layout.FP_TRIGGER] = 1.0
    fstats = np.zeros(layout.N_FSTATS)
    events = kf.futures_step(1, contracts, price, price.copy(), np.arange(n), np.zeros(n),
                             np.zeros((2, n)), book.spot, False, fparams, fstats, np.zeros(n))
    return contracts, fstats, events


@settings(max_examples=300, deadline=None)
@given(book=books(spot=st.one_of(st.just(0.0), st.floats(1.0, 1e7))))
def test_gross_notional_and_multiple_are_the_domains(book: Book) -> None:
    exposure = analyse(book.snapshot(), make_policy({"USDT": 1.0})).futures
    cols = np.arange(len(book.contracts))
    gross = kf.gross_notional(np.array(book.contracts), np.array(book.prices), cols)
    assert gross == exposure.gross_notional
    assert kf.multiple(gross, book.spot) == exposure_multiple(gross, book.spot)
    assert kf.multiple(gross, book.spot) == exposure.multiple


@settings(max_examples=300, deadline=None)
@given(book=books())
def test_the_trigger_fires_and_cuts_as_the_live_planner_does(book: Book) -> None:
    snap = book.snapshot()
    policy = make_policy({"USDT": 1.0}, futures={"max_multiple": book.cap})
    before = analyse(snap, policy).futures
    after, fstats, events = kernel_bar(book)
    fired = bool(events & layout.EV_LEVERAGE)
    event("leverage trigger fired" if fired else "within the cap")

    assert fired == before.breached
    assert fstats[layout.FS_LEVERAGE] == fired
    if not fired:
        assert after.tolist() == book.contracts
        return
    plan = make_plan(snap, policy, rebalance=False)
    planned = analyse(apply_orders(snap, plan.orders, "USDT"), policy).futures
    left = {p.position.base: p.position.signed_notional / p.position.mark_price
            for p in planned.positions}
    for asset, units, price in zip(NAMES, after, book.prices, strict=False):
        assert abs(units - left.get(asset, 0.0)) * price <= 1e-9 * before.gross_notional, asset
    gross_after = kf.gross_notional(after, np.array(book.prices), np.arange(after.size))
    assert gross_after <= before.gross_notional  # freed margin is never re-levered
    assert kf.multiple(gross_after, book.spot) <= book.cap  # exactly: no rounding step above
    # the domain keeps c − c·cut, which cancels when the cut is deep: it may land an
    # ulp of the gross before above the cap (5054× cut to 0.125×: 1.9e-13 over)
    assert planned.multiple <= book.cap + 1e-12 * before.multiple
