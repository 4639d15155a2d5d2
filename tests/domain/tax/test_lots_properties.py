"""Invariants of the lots ledger on generated histories, for every method.

Whatever the method and however lots are split, moved or sold: units and cost
are conserved (open + consumed = acquired, no lot is sold twice), a
disposal's gains add up to its proceeds less the cost it consumed, and
transfers realise nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from trimtab.domain.tax.lots import Acquire, Dispose, Event, Transfer, replay
from trimtab.domain.tax.settings import TaxSettings

START = datetime(2023, 1, 1, tzinfo=UTC)
VENUES = ("binance", "kraken", "wallet")

units = st.floats(0.001, 10.0)
money = st.floats(1.0, 100_000.0)
day = st.integers(0, 900).map(lambda d: START + timedelta(days=d))
acquire = st.builds(lambda at, v, u, c, i: Acquire(at, "BTC", v, u, c, f"lot{i}"),
                    day, st.sampled_from(VENUES), units, money, st.integers(0, 10**6))
sale = st.builds(lambda at, v, u, p: Dispose(at, "BTC", v, u, p),
                 day, st.sampled_from(VENUES), units, money)
move = st.builds(lambda at, a, b, u: Transfer(at, "BTC", a, b, u),
                 day, st.sampled_from(VENUES), st.sampled_from(VENUES), units)
histories = st.lists(st.one_of(acquire, acquire, sale, move), min_size=1, max_size=25)
rules = st.builds(lambda m, p: TaxSettings(method=m, pool=p, short_term_rate=0.3,
                                           long_term_rate=0.1),
                  st.sampled_from(["fifo", "lifo", "hifo", "min_tax"]),
                  st.sampled_from(["venue", "asset"]))


@settings(max_examples=200, deadline=None)
@given(histories, rules)
def test_units_and_cost_are_conserved(events: list[Event], rules: TaxSettings) -> None:
    ledger = replay(events, rules)
    bought = [e for e in events if isinstance(e, Acquire)]
    consumed_units = sum(u.units for d in ledger.disposals for u in d.uses)
    consumed_cost = sum(u.cost for d in ledger.disposals for u in d.uses)
    open_units = sum(lot.units for lot in ledger.lots)
    open_cost = sum(lot.cost for lot in ledger.lots)
    assert abs(open_units + consumed_units - sum(e.units for e in bought)) < 1e-9 * 250
    assert abs(open_cost + consumed_cost - sum(e.cost for e in bought)) < 1e-6 * 2.5e6
    assert all(lot.units > 0 for lot in ledger.lots)


@settings(max_examples=200, deadline=None)
@given(histories, rules)
def test_a_disposal_realises_its_proceeds_less_the_cost_it_consumed(
        events: list[Event], rules: TaxSettings) -> None:
    for d in replay(events, rules).disposals:
        covered = sum(u.units for u in d.uses)
        assert abs(covered + d.uncovered_units - d.units) < 1e-9 * max(1.0, d.units)
        assert abs(d.gain_short + d.gain_long - (d.proceeds - d.cost)) < 1e-6 * 1e5
        assert all(u.acquired <= d.at for u in d.uses)


@settings(max_examples=100, deadline=None)
@given(histories, rules)
def test_transfers_realise_nothing(events: list[Event], rules: TaxSettings) -> None:
    without = [e for e in events if not isinstance(e, Dispose)]
    ledger = replay(without, rules)
    assert ledger.disposals == ()
    bought = sum(e.cost for e in without if isinstance(e, Acquire))
    assert abs(sum(lot.cost for lot in ledger.lots) - bought) < 1e-6 * 2.5e6
