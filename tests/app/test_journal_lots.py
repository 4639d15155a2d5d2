"""The journal's own fills become lots: costs with the fee, partial fills, futures left out.

Hand-worked: a buy of 0.1 BTC filled in two halves at 50,000 with a 5 USDT fee
→ two lots of 0.05 BTC costing 2,500 + 2.50 each; a sale of 0.04 BTC at 60,000
with a 2.40 USDT fee → proceeds 2,397.60; FIFO: 0.04 of the first lot cost
2,002, gain 395.60.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from trimtab.app.journal_lots import journal_events
from trimtab.domain.tax.lots import Acquire, Dispose, replay
from trimtab.domain.tax.settings import TaxSettings
from trimtab.journal.models import OrderRow, PlanRow
from trimtab.journal.opening import open_journal
from trimtab.journal.store import Journal


def order(journal: Journal, cid: str, symbol: str, side: str, amount: str) -> None:
    journal.add(OrderRow(client_order_id=cid, plan_id="p1", leg=int(cid[-1]), venue="paper",
                         symbol=symbol, side=side, amount=amount, plan_price="1",
                         state="pending-submit"))
    journal.update_order(cid, state="open")


def test_fills_become_lots_and_sales(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    snap, _ = journal.record_document(datetime(2025, 1, 31, tzinfo=UTC), "paper", {}, {}, False)
    journal.add(PlanRow(id="p1", snapshot_id=snap, analysis_id=None, status="planned",
                        reason=None, document="{}"))
    order(journal, "ttp1x1", "BTC/USDT", "buy", "0.1")
    journal.update_order("ttp1x1", state="partially-filled", filled="0.05", average="50000")
    journal.update_order("ttp1x1", state="filled", filled="0.1", average="50000", fee="5",
                         fee_currency="USDT")
    order(journal, "ttp1x2", "BTC/USDT:USDT", "sell", "1")
    journal.update_order("ttp1x2", state="filled", filled="1", average="60000")
    order(journal, "ttp1x3", "BTC/USDT", "sell", "0.04")
    journal.update_order("ttp1x3", state="filled", filled="0.04", average="60000", fee="2.4",
                         fee_currency="USDT")
    events = journal_events(journal)
    assert [type(e).__name__ for e in events] == ["Acquire", "Acquire", "Dispose"]
    first, second, sale = events
    assert isinstance(first, Acquire) and isinstance(second, Acquire)
    assert isinstance(sale, Dispose)
    assert (first.units, first.cost) == (0.05, pytest.approx(2_502.5))
    assert first.lot_id.startswith("ttp1x1/") and first.lot_id != second.lot_id
    assert (sale.units, sale.proceeds) == (0.04, pytest.approx(2_397.6))
    (d,) = replay(events, TaxSettings()).disposals
    assert d.gain_short == pytest.approx(2_397.6 - 0.04 * 2_502.5 / 0.05)
