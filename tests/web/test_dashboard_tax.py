"""The dashboard plans with the lots `check` and `rebalance` plan with, and shows the tax.

A paper account with 0.1 BTC at 58,000, 1 ETH at 2,700 and 1,500 USDT against
50/30/20: BTC is over its band and the plan sells BTC. The policy's `[tax] trades`
file holds lot A, 0.1 BTC bought on paper for 3,000 on 2024-01-10 (30,000 a unit,
long-term on 2025-01-31); long-term rate 15 %: the sale's tax is 15 % of its proceeds
less 30,000 a unit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.builders import policy
from tests.web.dashboard_world import TOKEN, paper_source
from trimtab.app.dashboard import JournalSource
from trimtab.journal.plan_record import load_record
from trimtab.web.app import create_app
from trimtab.web.auth import Access

LOTS = """time,type,asset,units,venue,to_venue,cost,proceeds,lot_id
2024-01-10 00:00:00,buy,BTC,0.1,paper,,3000,,A
"""


def taxed_source(tmp: Path) -> JournalSource:
    (tmp / "lots.csv").write_text(LOTS)
    return paper_source(tmp / "journal.sqlite", policy(
        {"BTC": 0.5, "ETH": 0.3, "USDT": 0.2},
        costs={"fee_rate": 0.001, "slippage_bps": 5, "min_trade": 10},
        tax={"short_term_rate": 0.3, "long_term_rate": 0.15,
             "trades": [str(tmp / "lots.csv")]}))


def test_the_page_shows_each_sells_tax_from_the_policys_lots(tmp_path: Path) -> None:
    source = taxed_source(tmp_path)
    plan = source.current().plan
    (sell,) = [o for o in plan.orders if o.side == "sell"]
    expected = 0.15 * (sell.notional - sell.fee - sell.slippage - 30_000 * sell.amount)
    assert plan.tax is not None and plan.tax.total == pytest.approx(expected)
    page = TestClient(create_app(source, Access(TOKEN, False)), base_url="http://127.0.0.1")
    html = page.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert "est. tax" in html and f"{expected:,.2f}" in html


def test_a_plan_proposed_from_the_page_keeps_its_tax(tmp_path: Path) -> None:
    source = taxed_source(tmp_path)
    proposal = source.propose()
    assert proposal.plan_id is not None, proposal.message
    record = load_record(proposal.plan_id, source.journal.plan(proposal.plan_id).document)
    (sell,) = [o for o in record.orders if o.side == "sell"]
    assert sell.tax is not None and [u.lot_id for u in sell.tax.lots] == ["A"]
    assert record.totals["tax"] == pytest.approx(sell.tax.tax)
    page = TestClient(create_app(source, Access(TOKEN, False)), base_url="http://127.0.0.1")
    sections = page.get("/api/sections", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    plans = sections["sections"]["plans"]
    assert "est. tax" in plans and f"{sell.tax.tax:,.2f}" in plans
