"""The lots ledger, checked against gains and taxes worked out by hand.

Three BTC lots on binance, sold on 2025-04-01 at 80,000 a unit (net of fees),
short-term rate 30 %, long-term 15 %, long-term after 365 days:

  A 2024-01-10  1.0 BTC  cost 60,000 (60k a unit)  long-term at the sale (447 days)
  B 2024-06-01  0.5 BTC  cost 20,000 (40k a unit)  short-term (304 days)
  C 2025-03-01  0.5 BTC  cost 45,000 (90k a unit)  short-term (31 days)
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trimtab.domain.tax.lots import (
    Acquire,
    Disposal,
    Dispose,
    Ledger,
    LotError,
    Transfer,
    apply,
    dispose,
    replay,
)
from trimtab.domain.tax.settings import TaxSettings


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


SALE_DAY = day("2025-04-01")
LOTS = [
    Acquire(day("2024-01-10"), "BTC", "binance", 1.0, 60_000.0, "A"),
    Acquire(day("2024-06-01"), "BTC", "binance", 0.5, 20_000.0, "B"),
    Acquire(day("2025-03-01"), "BTC", "binance", 0.5, 45_000.0, "C"),
]


def settings(**kw: object) -> TaxSettings:
    return TaxSettings.model_validate({"short_term_rate": 0.30, "long_term_rate": 0.15, **kw})


def sell(method: str, units: float = 1.2, lot_ids: tuple[str, ...] = ()) -> tuple[Ledger, Disposal]:
    rules = settings(method=method)
    return dispose(replay(LOTS, rules), Dispose(SALE_DAY, "BTC", "binance", units,
                                                units * 80_000.0, lot_ids), rules)


def tax(d: Disposal, rules: TaxSettings) -> float:
    return d.gain_short * rules.short_term_rate + d.gain_long * rules.long_term_rate


def test_fifo_sells_the_oldest_lot_and_splits_the_next() -> None:
    # A 1.0: 80,000 − 60,000 = 20,000 long; B 0.2: 16,000 − 8,000 = 8,000 short
    ledger, d = sell("fifo")
    assert [(u.lot_id, u.units) for u in d.uses] == [("A", 1.0), ("B", pytest.approx(0.2))]
    assert d.gain_long == pytest.approx(20_000.0)
    assert d.gain_short == pytest.approx(8_000.0)
    assert tax(d, settings()) == pytest.approx(3_000.0 + 2_400.0)
    # the partial lot B stays open with 0.3 units at its own unit cost: 12,000
    left = {lot.lot_id: (lot.units, lot.cost) for lot in ledger.open_lots("BTC")}
    assert left == {"B": (pytest.approx(0.3), pytest.approx(12_000.0)), "C": (0.5, 45_000.0)}


def test_lifo_sells_the_newest_lots_first() -> None:
    # C 0.5: 40,000 − 45,000 = −5,000 short; B 0.5: 40,000 − 20,000 = 20,000 short;
    # A 0.2: 16,000 − 12,000 = 4,000 long → tax 15,000 × 0.3 + 4,000 × 0.15 = 5,100
    _, d = sell("lifo")
    assert [u.lot_id for u in d.uses] == ["C", "B", "A"]
    assert d.gain_short == pytest.approx(15_000.0)
    assert d.gain_long == pytest.approx(4_000.0)
    assert tax(d, settings()) == pytest.approx(5_100.0)


def test_hifo_sells_the_highest_cost_first() -> None:
    # C (90k) 0.5: −5,000 short; A (60k) 0.7: 56,000 − 42,000 = 14,000 long → tax 600
    _, d = sell("hifo")
    assert [(u.lot_id, u.units) for u in d.uses] == [("C", 0.5), ("A", pytest.approx(0.7))]
    assert d.gain_short == pytest.approx(-5_000.0)
    assert d.gain_long == pytest.approx(14_000.0)
    assert tax(d, settings()) == pytest.approx(600.0)


def test_min_tax_prefers_a_cheaper_long_term_lot_to_a_dearer_short_term_one() -> None:
    # A long 60k: 20,000 gain × 15 % = 3,000; E short 65k: 15,000 × 30 % = 4,500.
    # hifo sells E (the higher cost), min_tax sells A and saves 1,500.
    events = [LOTS[0], Acquire(day("2025-02-01"), "BTC", "binance", 1.0, 65_000.0, "E")]
    sale = Dispose(SALE_DAY, "BTC", "binance", 1.0, 80_000.0)
    taxes = {}
    for method in ("hifo", "min_tax"):
        rules = settings(method=method)
        _, d = dispose(replay(events, rules), sale, rules)
        taxes[method] = (d.uses[0].lot_id, tax(d, rules))
    assert taxes == {"hifo": ("E", pytest.approx(4_500.0)),
                     "min_tax": ("A", pytest.approx(3_000.0))}


def test_avoiding_short_term_gains_overrides_equal_rates() -> None:
    # equal 20 % rates: E's 15,000 gain costs less tax than A's 20,000, but E is short-term
    events = [LOTS[0], Acquire(day("2025-02-01"), "BTC", "binance", 1.0, 65_000.0, "E")]
    sale = Dispose(SALE_DAY, "BTC", "binance", 1.0, 80_000.0)
    picks = []
    for avoid in (False, True):
        rules = settings(method="min_tax", short_term_rate=0.2, long_term_rate=0.2,
                         avoid_short_term_gains=avoid)
        picks.append(dispose(replay(events, rules), sale, rules)[1].uses[0].lot_id)
    assert picks == ["E", "A"]


def test_specific_identification_sells_the_named_lot() -> None:
    _, d = sell("fifo", units=0.5, lot_ids=("B",))
    assert [(u.lot_id, u.units) for u in d.uses] == [("B", 0.5)]
    assert d.gain_short == pytest.approx(20_000.0) and d.gain_long == 0.0


def test_an_unknown_specific_lot_is_named_in_the_error() -> None:
    with pytest.raises(LotError, match="lot Z: no open BTC lot"):
        sell("fifo", units=0.5, lot_ids=("Z",))


def test_a_transfer_moves_the_lot_without_realising_a_gain() -> None:
    rules = settings()
    moved = replay([LOTS[0], Transfer(day("2024-05-01"), "BTC", "binance", "kraken", 0.4)], rules)
    assert moved.disposals == ()
    kraken = moved.open_lots("BTC", "kraken")
    assert [(lot.units, lot.cost, lot.acquired) for lot in kraken] == [
        (pytest.approx(0.4), pytest.approx(24_000.0), day("2024-01-10"))]
    assert sum(lot.cost for lot in moved.lots) == pytest.approx(60_000.0)
    # sold on kraken: the basis (24,000) and the date (long-term) came with it
    after = apply(moved, Dispose(SALE_DAY, "BTC", "kraken", 0.4, 32_000.0), rules)
    (d,) = after.disposals
    assert d.gain_long == pytest.approx(8_000.0) and d.gain_short == 0.0
    assert after.open_lots("BTC", "binance")[0].units == pytest.approx(0.6)


def test_units_without_a_lot_count_at_zero_basis_short_term() -> None:
    # kraken holds 0.4 from lot A; selling 0.5 there leaves 0.1 uncovered: 8,000 of proceeds
    rules = settings()
    ledger = replay([LOTS[0], Transfer(day("2024-05-01"), "BTC", "binance", "kraken", 0.4)],
                    rules)
    _, d = dispose(ledger, Dispose(SALE_DAY, "BTC", "kraken", 0.5, 40_000.0), rules)
    assert d.uncovered_units == pytest.approx(0.1)
    assert d.gain_long == pytest.approx(32_000.0 - 24_000.0)
    assert d.gain_short == pytest.approx(8_000.0)


def test_pooling_by_asset_sells_lots_held_on_another_venue() -> None:
    rules = settings(pool="asset")
    _, d = dispose(replay(LOTS, rules), Dispose(SALE_DAY, "BTC", "kraken", 1.0, 80_000.0), rules)
    assert d.uncovered_units == 0.0 and [u.lot_id for u in d.uses] == ["A"]


def test_a_lot_bought_after_the_sale_is_not_sold() -> None:
    rules = settings(method="lifo")
    ledger = replay(LOTS, rules)
    _, d = dispose(ledger, Dispose(day("2024-07-01"), "BTC", "binance", 0.5, 30_000.0), rules)
    assert [u.lot_id for u in d.uses] == ["B"]  # C was bought in 2025


def test_a_sale_consumes_its_plans_lots_first_then_the_method() -> None:
    # trimtab's own sale of 0.8 BTC whose plan chose C then (gone by now) X: FIFO would take
    # A; the sale takes C's 0.5 (cost 45,000) and then FIFO's A for 0.3 (cost 18,000)
    sale = Dispose(SALE_DAY, "BTC", "binance", 0.8, 64_000.0, planned=("C", "X"))
    rules = settings(method="fifo")
    ledger, disposal = dispose(replay(LOTS, rules), sale, rules)
    assert [(u.lot_id, u.units, u.cost) for u in disposal.uses] == [
        ("C", 0.5, 45_000.0), ("A", pytest.approx(0.3), pytest.approx(18_000.0))]
    assert disposal.uncovered_units == 0.0
    assert {lot.lot_id: lot.units for lot in ledger.lots} == {"A": pytest.approx(0.7),
                                                              "B": 0.5}
