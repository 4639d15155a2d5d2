"""The SVG charts' axes: date ticks on round dates, labels that never overlap."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from trimtab.web.svg import date_ticks, nice_step, spread_labels, value_ticks

T0 = datetime(2024, 1, 17, 9, 30, tzinfo=UTC)


def test_months_are_ticked_at_their_starts_with_the_year_first_and_on_january() -> None:
    ticks = date_ticks(T0, datetime(2024, 7, 3, tzinfo=UTC))
    assert [label for _, label in ticks] == ["Feb 2024", "Mar", "Apr", "May", "Jun", "Jul"]
    ticks = date_ticks(datetime(2023, 11, 5, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC))
    assert [label for _, label in ticks] == ["Dec 2023", "Jan 2024", "Feb", "Mar"]


@given(st.floats(3600, 4000 * 86400))
def test_ticks_fall_inside_the_span_at_most_six_and_in_order(seconds: float) -> None:
    t1 = T0 + timedelta(seconds=seconds)
    ticks = date_ticks(T0, t1)
    times = [t for t, _ in ticks]
    assert times == sorted(times) and len(times) <= 6
    assert all(T0 <= t <= t1 for t in times)


@given(st.floats(1e-2, 1e9), st.floats(0, 1e6))
def test_value_ticks_are_round_steps_inside_the_range(span: float, lo: float) -> None:
    ticks = value_ticks(lo, lo + span)
    step = nice_step(span)
    assert 1 <= len(ticks) <= 11
    assert all(lo - 1e-9 * step <= v <= lo + span + 1e-6 * span for v in ticks)


@given(st.lists(st.floats(0, 200), min_size=1, max_size=8))
def test_end_labels_are_spread_apart_and_kept_in_the_chart(ys: list[float]) -> None:
    placed = spread_labels([(y, f"a{i}") for i, y in enumerate(ys)], 12.0, 10.0, 200.0)
    heights = [y for y, _ in placed]
    assert all(b - a >= 12.0 - 1e-9 for a, b in itertools.pairwise(heights))
    assert heights[-1] <= 200.0 + 1e-9
