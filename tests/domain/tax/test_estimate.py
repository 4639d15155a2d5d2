"""The tax of a plan's sells, worked by hand.

Lots on binance: A 1.0 BTC bought 2024-01-10 for 60,000; B 0.5 BTC bought
2025-12-01 for 45,000 (90,000 a unit). Sold on 2026-01-31: A is long-term,
B short-term. Rates 30 % short, 15 % long.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trimtab.domain.planning.orders import Order
from trimtab.domain.tax.estimate import plan_tax
from trimtab.domain.tax.lots import Acquire, replay
from trimtab.domain.tax.settings import TaxSettings

AT = datetime(2026, 1, 31, tzinfo=UTC)
EVENTS = [Acquire(datetime(2024, 1, 10, tzinfo=UTC), "BTC", "binance", 1.0, 60_000.0, "A"),
          Acquire(datetime(2025, 12, 1, tzinfo=UTC), "BTC", "binance", 0.5, 45_000.0, "B")]


def sell(units: float, price: float = 80_000.0, fee: float = 0.0) -> Order:
    notional = units * price
    return Order("binance", "BTC/USDT", "BTC", "sell", units, price, notional, fee, 0.0)


def settings(**kw: object) -> TaxSettings:
    return TaxSettings.model_validate({"short_term_rate": 0.3, "long_term_rate": 0.15, **kw})


def test_two_sells_of_one_asset_never_count_a_lot_twice() -> None:
    # FIFO: the first 0.6 takes A (gain 48,000 − 36,000 = 12,000 long → 1,800);
    # the second 0.6 takes A's last 0.4 (32,000 − 24,000 = 8,000 long → 1,200) and
    # B's 0.2 (16,000 − 18,000 = −2,000 short → −600)
    rules = settings()
    tax = plan_tax([sell(0.6), sell(0.6)], [], replay(EVENTS, rules), rules, AT)
    first, second = tax.orders
    assert first is not None and second is not None
    assert first.tax == pytest.approx(1_800.0)
    assert [u.lot_id for u in second.disposal.uses] == ["A", "B"]
    assert second.tax_long == pytest.approx(1_200.0)
    assert second.tax_short == pytest.approx(-600.0)
    assert tax.total == pytest.approx(2_400.0)
    assert tax.gain_long == pytest.approx(20_000.0) and tax.gain_short == pytest.approx(-2_000.0)


def test_fees_come_off_the_proceeds_and_buys_realise_nothing() -> None:
    # 0.5 BTC for 40,000 less a 40 fee: 39,960 − 30,000 = 9,960 long → 1,494
    rules = settings()
    buy = Order("binance", "ETH/USDT", "ETH", "buy", 1.0, 3_000.0, 3_000.0, 3.0, 0.0)
    tax = plan_tax([sell(0.5, fee=40.0), buy], [], replay(EVENTS, rules), rules, AT)
    assert tax.orders[1] is None
    assert tax.total == pytest.approx(9_960.0 * 0.15)


def test_a_hedge_defers_the_tax_the_sells_of_its_asset_would_realise() -> None:
    rules = settings()
    tax = plan_tax([sell(0.5)], ["BTC", "ETH"], replay(EVENTS, rules), rules, AT)
    assert tax.deferred_for("BTC") == pytest.approx(10_000.0 * 0.15)
    assert tax.deferred_for("ETH") == 0.0


def test_a_plan_over_the_tax_budget_is_flagged_with_a_reason() -> None:
    rules = settings(budget=1_000.0)
    tax = plan_tax([sell(0.5)], [], replay(EVENTS, rules), rules, AT)  # 1,500 of tax
    assert tax.over_budget is not None and tax.over_budget.code == "over_tax_budget"
    within = settings(budget=1_500.0)
    assert plan_tax([sell(0.5)], [], replay(EVENTS, within), within, AT).over_budget is None
