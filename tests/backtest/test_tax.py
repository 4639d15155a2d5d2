"""The backtest's tax model against a run worked by hand.

1,000 USDT, targets 50/50 BTC/USDT, relative band ±10 %, no costs, short-term
rate 30 %, long-term 15 %:
- 2024-01-01, BTC at 100: buy 5 BTC (500), keep 500 USDT.
- 2024-01-02, BTC at 200: 1,000 / 1,500 = 0.667 > 0.55: sell 1.25 BTC for 250; its
  basis is 125, a short-term gain of 125 → 2024's tax 37.50, due 2025-04-15.
- 2025-05-01, BTC at 200 (weight 0.5: no trade): the 2024 tax has been paid.
Final value 1,500; after tax 1,462.50. Selling the remaining 3.75 BTC (basis 375,
held 486 days: long-term) for 750 would owe 375 × 15 % = 56.25 → 1,406.25.
Holding keeps 5 BTC: nothing realised; liquidating owes 500 × 15 % = 75 → 1,425.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from tests.builders import make_policy
from trimtab.backtest.engine import run_backtest
from trimtab.backtest.tax import tax_figures, yearly_tax
from trimtab.domain.tax.lots import Acquire, Dispose, replay
from trimtab.domain.tax.settings import TaxSettings

PRICES = pd.DataFrame({"BTC": [100.0, 200.0, 200.0]},
                      index=pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2025-05-01"]))
SETTINGS = TaxSettings(short_term_rate=0.3, long_term_rate=0.15)


def test_after_tax_value_of_a_run_and_of_holding() -> None:
    policy = make_policy({"BTC": 0.5, "USDT": 0.5}, tax=SETTINGS.model_dump())
    result = run_backtest(PRICES, policy, capital=1_000.0)
    final = float(result.policy.equity.iloc[-1])
    assert final == pytest.approx(1_500.0)
    ours = tax_figures(result.policy.units, result.inputs, final, SETTINGS)
    assert ours is not None
    assert ours["realised_short"] == pytest.approx(125.0) and ours["realised_long"] == 0.0
    assert ours["years"] == [{"year": 2024, "gain_short": pytest.approx(125.0),
                              "gain_long": 0.0, "tax": pytest.approx(37.5),
                              "due": "2025-04-15", "paid": True}]
    assert ours["after_tax_final_value"] == pytest.approx(1_462.5)
    assert ours["tax_if_liquidated"] == pytest.approx(56.25)
    assert ours["after_tax_liquidation_value"] == pytest.approx(1_406.25)
    hold = tax_figures(result.hold.units, result.inputs, float(result.hold.equity.iloc[-1]),
                       SETTINGS)
    assert hold is not None and hold["tax"] == 0.0
    assert hold["after_tax_liquidation_value"] == pytest.approx(1_425.0)


def test_a_tax_due_after_the_run_is_accrued_not_paid() -> None:
    policy = make_policy({"BTC": 0.5, "USDT": 0.5})
    result = run_backtest(PRICES.iloc[:2], policy, capital=1_000.0)
    late = TaxSettings(short_term_rate=0.3, pay_date="12-31")
    figures = tax_figures(result.policy.units, result.inputs, 1_500.0, late)
    assert figures is not None
    assert (figures["tax_paid"], figures["tax_accrued"]) == (0.0, pytest.approx(37.5))
    assert figures["after_tax_final_value"] == pytest.approx(1_462.5)


def test_a_losing_year_carries_its_credit_into_the_next() -> None:
    # 2024: a short-term loss of 125 (credit 37.50); 2025: a short-term gain of 200 on a lot
    # bought that year (tax 60) → 60 − 37.50 = 22.50
    events = [Acquire(datetime(2024, 1, 1), "BTC", "x", 1.0, 200.0, "a"),
              Dispose(datetime(2024, 6, 1), "BTC", "x", 1.0, 75.0),
              Acquire(datetime(2025, 1, 1), "BTC", "x", 1.0, 200.0, "b"),
              Dispose(datetime(2025, 6, 1), "BTC", "x", 1.0, 400.0)]
    years = yearly_tax(replay(events, SETTINGS), SETTINGS, pd.Timestamp("2026-12-31"))
    assert [(y.year, y.tax) for y in years] == [(2024, 0.0), (2025, pytest.approx(22.5))]


def test_the_backtest_document_and_table_carry_the_tax_figures() -> None:
    from rich.console import Console

    from trimtab.backtest.service import document
    from trimtab.reports.backtest import render_backtest

    result = run_backtest(PRICES, make_policy({"BTC": 0.5, "USDT": 0.5}), capital=1_000.0)
    doc = document(result, 1_000.0, None, SETTINGS)
    assert doc["tax"]["after_tax_final_value"] == pytest.approx(1_462.5)
    assert doc["hold"]["tax"]["after_tax_final_value"] == pytest.approx(1_500.0)
    assert doc["premium"]["after_tax_final_value"] == pytest.approx(-37.5)
    assert "tax" not in document(result, 1_000.0, None)
    console = Console(record=True, width=120)
    render_backtest(console, doc)
    assert "after-tax final value" in console.export_text()
