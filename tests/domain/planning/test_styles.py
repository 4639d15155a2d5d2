"""Execution styles: where a child is priced, how a leg is sliced, which fee it expects."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from trimtab.domain.planning.orders import CostModel, MarketRule, Skipped
from trimtab.domain.planning.routing import OrderFactory
from trimtab.domain.planning.styles import child_count, fee_rate, limit_price, pause
from trimtab.domain.policy import Execution


def test_a_market_style_has_no_limit_price() -> None:
    assert limit_price(Execution(), "buy", 99.0, 101.0) is None


@pytest.mark.parametrize(("where", "side", "price"), [
    ("touch", "buy", 99.0), ("touch", "sell", 101.0), ("mid", "buy", 100.0),
    ("mid", "sell", 100.0)])
def test_limit_prices_at_the_touch_and_the_mid(where: str, side: str, price: float) -> None:
    execution = Execution(style="limit", limit_price=where)  # type: ignore[arg-type]
    assert limit_price(execution, side, 99.0, 101.0) == price  # type: ignore[arg-type]


def test_an_offset_is_measured_from_the_mid_away_from_the_book() -> None:
    execution = Execution(style="post-only", limit_price="offset", offset_bps=10)
    assert limit_price(execution, "buy", 99.0, 101.0) == pytest.approx(99.9)
    assert limit_price(execution, "sell", 99.0, 101.0) == pytest.approx(100.1)


def test_a_crossed_or_empty_quote_gives_no_price() -> None:
    with pytest.raises(ValueError, match="no usable quote"):
        limit_price(Execution(style="limit"), "buy", 101.0, 99.0)
    with pytest.raises(ValueError, match="no usable quote"):
        limit_price(Execution(style="limit"), "buy", 0.0, 99.0)


def test_a_leg_is_sliced_into_children_of_at_most_max_slice() -> None:
    execution = Execution(max_slice=1_000, twap_window=600)
    assert child_count(execution, 2_500) == 3
    assert child_count(execution, 1_000) == 1
    assert child_count(Execution(), 1e9) == 1
    assert pause(execution, 3) == 300.0 and pause(execution, 1) == 0.0


def test_post_only_expects_the_maker_fee_and_the_rest_the_taker_fee() -> None:
    assert fee_rate(Execution(style="post-only"), 0.0002, 0.0004, 0.001) == 0.0002
    assert fee_rate(Execution(style="limit"), 0.0002, 0.0004, 0.001) == 0.0004
    assert fee_rate(Execution(style="post-only"), None, None, 0.001) == 0.001


def test_an_unknown_style_is_refused() -> None:
    with pytest.raises(ValidationError):
        Execution(style="iceberg")  # type: ignore[arg-type]


def test_a_plan_estimates_each_order_at_its_markets_rate_for_the_style() -> None:
    rule = {("binance", "BTC/USDT:USDT"): MarketRule(maker=0.0002, taker=0.0004)}
    costs = CostModel(0.001, 0.0005)
    for style, rate in (("market", 0.0004), ("post-only", 0.0002)):
        execution = Execution(style=style)  # type: ignore[arg-type]
        factory = OrderFactory("USDT", costs, 10.0, rule, execution)
        order = factory.make("binance", "BTC/USDT:USDT", "BTC", "sell", 0.1, 100_000.0)
        assert not isinstance(order, Skipped) and order.fee == pytest.approx(10_000 * rate)
    unknown = OrderFactory("USDT", costs, 10.0, {}, Execution(style="post-only"))
    order = unknown.make("binance", "ETH/USDT", "ETH", "buy", 1.0, 3_000.0)
    assert not isinstance(order, Skipped) and order.fee == pytest.approx(3.0)  # policy's
