"""Lot sizes: rounding up lands on a whole lot that truncation keeps."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from trimtab.domain.planning.orders import MarketRule, _lots


def test_a_round_up_to_five_micro_lots_is_not_truncated_to_four() -> None:
    """Finding 12: 5 × 1e-6 in floats is 4.9999999999999996e-06, which floors to 4 lots."""
    rule = MarketRule(amount_step=1e-6)
    assert rule.floor(rule.ceil(4.9999995e-06)) == 5e-06


def test_a_round_up_to_three_lots_of_0_3_stays_three_lots() -> None:
    rule = MarketRule(amount_step=0.3)
    assert rule.floor(rule.ceil(0.89999991)) == 0.9


@given(step=st.sampled_from([1.0, 0.5, 0.3, 0.1, 0.05, 0.01, 1e-3, 1e-5, 1e-6, 1e-8]),
       amount=st.floats(1e-8, 1e4))
def test_ceil_is_a_whole_number_of_lots_that_floor_keeps(step: float, amount: float) -> None:
    rule = MarketRule(amount_step=step)
    up = rule.ceil(amount)
    assert rule.floor(up) == up
    assert up >= amount or abs(up - amount) < step * 1e-9


def test_significant_digits_keep_that_many_digits_down_and_up() -> None:
    rule = MarketRule(significant_digits=5)
    assert rule.floor(123.456789) == 123.45 and rule.ceil(123.451) == 123.46
    assert rule.floor(0.000123456) == 0.00012345


def _decimal_floor(amount: float, step: float) -> float:
    """The rule `floor` held before its float fast path: ccxt's truncation of the decimal text."""
    from decimal import ROUND_FLOOR, Decimal

    lots = (Decimal(repr(amount)) / Decimal(repr(step))).to_integral_value(rounding=ROUND_FLOOR)
    return float(lots * Decimal(repr(step)))


STEPS = st.sampled_from([1.0, 0.5, 0.3, 0.1, 0.05, 0.01, 1e-3, 7e-4, 1e-5, 1e-6, 1e-8, 25.0])


@given(step=STEPS, amount=st.floats(0.0, 1e7) | st.floats(0.0, 1e-3),
       lots=st.integers(0, 10**9), nudge=st.sampled_from([0.0, 1e-16, -1e-16, 1e-12, -1e-12,
                                                          2e-6, -2e-6]))
def test_floor_fast_path_equals_the_decimal_rule(step: float, amount: float, lots: int,
                                                 nudge: float) -> None:
    """Far from a tick the float quotient floors like the decimal one; near one, or past
    1e9 lots, the decimal rule runs: either way the lot count is ccxt's."""
    rule = MarketRule(amount_step=step)
    near_tick = lots * step * (1.0 + nudge)
    for value in (amount, near_tick):
        assert rule.floor(value) == _decimal_floor(value, step)


@given(units=st.integers(1, 10**7), power=st.integers(-4, 24), count=st.integers(0, 10**12))
def test_a_lot_count_times_a_decimal_step_is_the_decimal_product(units: int, power: int,
                                                                 count: int) -> None:
    """`_lots` divides by 10^k in floats instead of multiplying Decimals: the same float
    (both round the exact product once), or the Decimal product where floats are not exact."""
    step = float(f"{units}e{-power}")
    rule = MarketRule(amount_step=step)
    assert rule._step is not None
    assert _lots(count, rule._step) == float(count * Decimal(repr(step)))


@given(step=st.floats(1e-12, 1e6), count=st.integers(0, 10**9))
def test_a_lot_count_times_any_float_step_is_the_decimal_product(step: float, count: int
                                                                ) -> None:
    rule = MarketRule(amount_step=step)
    assert rule._step is not None
    assert _lots(count, rule._step) == float(count * Decimal(repr(step)))


@given(step=st.floats(-1e3, -1e-9) | st.sampled_from([1e-30, 3e-25, 1e25]),
       count=st.integers(0, 10**6))
def test_a_step_without_an_exact_float_division_takes_the_decimal_product(step: float,
                                                                         count: int) -> None:
    rule = MarketRule(amount_step=step)
    assert rule._step is not None
    assert _lots(count, rule._step) == float(count * Decimal(repr(step)))
