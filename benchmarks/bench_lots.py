"""What reading the lots costs each plan: `app.lots.planning_lots` on a grown journal.

Every command that plans (check, rebalance, watch at each plan, the dashboard at
each refresh) replays the policy's trade files and the journal's spot fills. This
builds a SQLite journal of PLANS plans of LEGS sell legs each (every leg filled
once, each plan record naming its lots) plus a trimtab trade file of ROWS buys, and
times `planning_lots` in CPU seconds (time.process_time), median of REPEAT.

    .venv/bin/python benchmarks/bench_lots.py [PLANS LEGS ROWS REPEAT]
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trimtab.app.inputs import parse_policy
from trimtab.app.lots import planning_lots
from trimtab.domain.planning.orders import Order
from trimtab.domain.planning.planner import Plan, with_tax
from trimtab.domain.snapshot import Snapshot
from trimtab.journal.models import OrderRow, PlanRow
from trimtab.journal.opening import open_journal
from trimtab.journal.plan_record import PlanRecord

START = datetime(2023, 1, 1, tzinfo=UTC)


def build(folder: Path, plans: int, legs: int, rows: int) -> tuple[object, object]:
    lines = ["time,type,asset,units,venue,to_venue,cost,proceeds,lot_id"]
    lines += [f"{(START + timedelta(hours=i)):%Y-%m-%d %H:%M:%S},buy,BTC,1,paper,,"
              f"{20_000 + i},,L{i}" for i in range(rows)]
    (folder / "lots.csv").write_text("\n".join(lines) + "\n")
    policy = parse_policy({"targets": {"BTC": 0.5, "USDT": 0.5},
                           "tax": {"short_term_rate": 0.3, "method": "hifo",
                                   "trades": [str(folder / "lots.csv")]}})
    journal = open_journal(f"sqlite:///{folder / 'j.sqlite'}")
    snap = Snapshot.model_validate({"as_of": "2025-01-31T00:00:00Z",
                                    "prices": {"BTC": 60_000.0, "USDT": 1.0}, "balances": []})
    ledger = planning_lots(policy, (), journal)
    sell = Order("paper", "BTC/USDT", "BTC", "sell", 0.01, 60_000.0, 600.0, 0.6, 0.0)
    record = PlanRecord.of(with_tax(Plan(orders=(sell,) * legs), snap, policy, ledger),
                           policy, ("paper",), None, {}).dumps()
    for p in range(plans):
        sid, _ = journal.record_document(snap.as_of, "paper", {}, {}, False)
        journal.add(PlanRow(id=f"p{p}", snapshot_id=sid, analysis_id=None, status="done",
                            reason=None, document=record))
        for leg in range(1, legs + 1):
            cid = f"tt{p}x{leg:03d}"
            journal.add(OrderRow(client_order_id=cid, plan_id=f"p{p}", leg=leg, venue="paper",
                                 symbol="BTC/USDT", side="sell", amount="0.01",
                                 plan_price="60000", state="pending-submit"))
            journal.update_order(cid, state="open")
            journal.update_order(cid, state="filled", filled="0.01", average="60000")
    return policy, journal


def main(plans: int = 200, legs: int = 5, rows: int = 1_000, repeat: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        policy, journal = build(Path(tmp), plans, legs, rows)
        times = []
        for _ in range(repeat):
            t0 = time.process_time()
            ledger = planning_lots(policy, (), journal)  # type: ignore[arg-type]
            times.append(time.process_time() - t0)
        assert ledger is not None
        print(json.dumps({"plans": plans, "fills": plans * legs, "file_rows": rows,
                          "open_lots": len(ledger.lots), "sales": len(ledger.disposals),
                          "cpu_s_median": round(statistics.median(times), 4),
                          "cpu_s": [round(t, 4) for t in times]}))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
