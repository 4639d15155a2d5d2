"""`trimtab check --trades` and `trimtab lots` end to end, figures worked by hand.

1.5 BTC at 80,000 and 40,000 USDT against 50/50 targets, no costs: BTC weighs
0.75, the plan sells 0.5 BTC for 40,000. Lots: A 1.0 BTC bought 2024-01-10 for
60,000 (long-term on 2026-01-31), B 0.5 BTC bought 2025-12-01 for 45,000
(short-term, 90,000 a unit). Rates 30 % short, 15 % long.
- fifo sells 0.5 of A: 40,000 − 30,000 = 10,000 long → tax 1,500.
- min_tax sells B (a loss): 40,000 − 45,000 = −5,000 short → tax −1,500.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_check import trimtab

LOTS = """time,type,asset,units,venue,to_venue,cost,proceeds,lot_id
2024-01-10 00:00:00,buy,BTC,1.0,binance,,60000,,A
2025-12-01 00:00:00,buy,BTC,0.5,binance,,45000,,B
"""
SNAPSHOT = {"as_of": "2026-01-31T00:00:00Z", "prices": {"BTC": 80_000.0, "USDT": 1.0},
            "balances": [{"venue": "binance", "asset": "BTC", "amount": 1.5},
                         {"venue": "binance", "asset": "USDT", "amount": 40_000.0}]}
POLICY = """targets = {BTC = 0.5, USDT = 0.5}
[bands]
kind = "relative"
width = 0.1
[costs]
fee_rate = 0
slippage_bps = 0
min_trade = 0
"""
TAX = """[tax]
method = "{method}"
short_term_rate = 0.30
long_term_rate = 0.15
"""


def files(tmp: Path, tax: str | None, top: str = "") -> list[str]:
    (tmp / "p.toml").write_text(top + POLICY + (tax or ""))
    (tmp / "s.json").write_text(json.dumps(SNAPSHOT))
    (tmp / "lots.csv").write_text(LOTS)
    return ["-p", str(tmp / "p.toml"), "-s", str(tmp / "s.json")]


@pytest.mark.parametrize(("method", "lots", "tax"), [
    ("fifo", [("A", 0.5, "long")], 1_500.0),
    ("min_tax", [("B", 0.5, "short")], -1_500.0),
])
def test_every_sell_carries_its_lots_gain_and_tax(tmp_path: Path, method: str,
                                                  lots: list[tuple[str, float, str]],
                                                  tax: float) -> None:
    args = files(tmp_path, TAX.replace("{method}", method))
    result = trimtab("check", *args, "--trades", str(tmp_path / "lots.csv"), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    (order,) = doc["orders"]
    assert (order["side"], order["amount"]) == ("sell", pytest.approx(0.5))
    assert [(u["lot_id"], u["units"], u["term"]) for u in order["tax"]["lots"]] == lots
    assert order["tax"]["tax"] == pytest.approx(tax)
    assert doc["totals"]["tax"]["total"] == pytest.approx(tax)
    assert doc["totals"]["tax"]["method"] == method
    (hedge,) = doc["hedges"]
    assert hedge["deferred_tax"] == pytest.approx(tax)


def test_a_tax_section_without_lots_counts_every_unit_uncovered(tmp_path: Path) -> None:
    # no lots: 0.5 BTC at zero basis, short-term: 40,000 × 30 % = 12,000
    args = files(tmp_path, TAX.replace("{method}", "fifo"))
    doc = json.loads(trimtab("check", *args, "--json").stdout)
    assert doc["orders"][0]["tax"]["uncovered_units"] == pytest.approx(0.5)
    assert doc["totals"]["tax"]["total"] == pytest.approx(12_000.0)


def test_without_tax_or_lots_the_document_is_unchanged(tmp_path: Path) -> None:
    doc = json.loads(trimtab("check", *files(tmp_path, None), "--json").stdout)
    assert "tax" not in doc["orders"][0] and "tax" not in doc["totals"]


def test_the_table_shows_the_estimate(tmp_path: Path) -> None:
    args = files(tmp_path, TAX.replace("{method}", "fifo"))
    result = trimtab("check", *args, "--trades", str(tmp_path / "lots.csv"))
    assert result.returncode == 0, result.stderr
    assert "Estimated tax 1,500.00 USDT" in result.stdout
    assert "defers 1,500.00 USDT" in result.stdout
    # min_tax sells lot B at a 5,000 loss: a hedge would give up 1,500 of tax saved
    args = files(tmp_path, TAX.replace("{method}", "min_tax"))
    result = trimtab("check", *args, "--trades", str(tmp_path / "lots.csv"))
    assert "forgoes a tax saving of 1,500.00 USDT" in result.stdout


def test_lots_lists_cost_basis_and_unrealised_gain(tmp_path: Path) -> None:
    args = files(tmp_path, None)
    result = trimtab("lots", "-p", args[1], "-s", args[3], "--trades",
                     str(tmp_path / "lots.csv"), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    # A: 80,000 − 60,000 = 20,000; B: 40,000 − 45,000 = −5,000
    assert [(r["lot_id"], r["unrealised"]) for r in doc["lots"]] == [("A", 20_000.0),
                                                                     ("B", -5_000.0)]
    assert doc["assets"]["BTC"] == {"units": 1.5, "cost": 105_000.0, "unrealised": 15_000.0}


def test_a_bad_trade_row_exits_2_naming_the_row(tmp_path: Path) -> None:
    args = files(tmp_path, None)
    (tmp_path / "lots.csv").write_text(LOTS + "2025-12-02,buy,BTC,-1,binance,,1,,C\n")
    result = trimtab("lots", "-p", args[1], "--trades", str(tmp_path / "lots.csv"))
    assert result.returncode == 2
    assert "lots.csv row 4: column 'units': -1 must be positive" in result.stderr


def test_the_optimal_planner_sells_the_loss_lot_down_to_target(tmp_path: Path) -> None:
    # per unit of value sold: lot B −0.0375 (a loss at 30 %), lot A +0.0375 (a gain at 15 %).
    # Selling s of V costs 2(0.25 − s)² + tax: its slope is −4(0.25 − s) ∓ 0.0375, negative
    # up to s = 0.25 on B and positive just past it on A: the optimum sells exactly B's
    # 0.5 BTC (40,000), back on target, tax −1,500
    tax = TAX.replace("{method}", "fifo")
    args = files(tmp_path, tax, top='planner = "optimal"\n')
    result = trimtab("check", *args, "--trades", str(tmp_path / "lots.csv"), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    (order,) = doc["orders"]
    assert order["amount"] == pytest.approx(0.5, abs=1e-9)
    assert [u["lot_id"] for u in order["tax"]["lots"]] == ["B"]
    assert doc["totals"]["tax"]["total"] == pytest.approx(-1_500.0, abs=1e-4)
    assert doc["totals"]["tax"]["method"] == "min_tax"


def test_an_infeasible_optimisation_is_a_refusal_not_a_traceback(tmp_path: Path) -> None:
    # only lot A (a gain) and a budget of 0: no sale can bring BTC back inside its band
    tax = TAX.replace("{method}", "fifo") + "budget = 0\n"
    args = files(tmp_path, tax, top='planner = "optimal"\n')
    (tmp_path / "lots.csv").write_text(LOTS.splitlines()[0] + "\n" + LOTS.splitlines()[1]
                                       + "\n2025-12-01,buy,BTC,0.5,binance,,1000,,B\n")
    result = trimtab("check", *args, "--trades", str(tmp_path / "lots.csv"), "--json")
    assert result.returncode == 0, result.stderr
    (refused,) = json.loads(result.stdout)["refused"]
    assert refused.startswith("optimiser_infeasible: no plan brings every tradable asset")
    assert "Traceback" not in result.stderr


def test_the_example_policy_and_lots_price_the_sol_sale_by_hand() -> None:
    # sol-2024: 47.49 SOL for 12,200 (256.896 a unit, short-term on 2025-01-31); each unit
    # sells for 231.64 less 0.1 % fee and 5 bps slippage
    from tests.cli.test_check import EXAMPLES

    result = trimtab("check", "-p", str(EXAMPLES / "tax.toml"), "-s",
                     str(EXAMPLES / "snapshot-spot.json"), "--trades",
                     str(EXAMPLES / "lots.csv"), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    sol = next(o for o in doc["orders"] if o["asset"] == "SOL")
    gain = sol["amount"] * (231.64 * (1 - 0.0015) - 12_200 / 47.49)
    assert [u["lot_id"] for u in sol["tax"]["lots"]] == ["sol-2024"]
    assert sol["tax"]["gain_short"] == pytest.approx(gain)
    assert sol["tax"]["tax"] == pytest.approx(gain * 0.30)
    # BTC on binance: after 0.15 BTC went to the wallet, btc-2022 keeps 0.05 there
    btc = next(o for o in doc["orders"] if o["asset"] == "BTC" and o["side"] == "sell")
    assert btc["tax"]["lots"][0]["lot_id"] == "btc-2022"
    assert btc["tax"]["lots"][0]["units"] == pytest.approx(0.05)
