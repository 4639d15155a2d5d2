"""What an execution style costs: a year of monthly rebalances on the paper book.

Replays 2024 (the bundled daily closes) on the paper exchange, one rebalance
on the first day of every month, twice: every leg at market, and every leg
as a limit order at the touch that rests until the next day's close and is
then sent at market for whatever did not fill (`fallback = "market"`). The
price path a resting order sees is one close a day (the paper price source
has no intraday path), so a limit that has not filled by the next close
falls back at that close. Costs are fees plus slippage against the mid when
each child was sent (negative slippage: filled better than the mid).

    .venv/bin/python benchmarks/bench_execution.py

A benchmark, never a test assertion. `max_price_move` is widened to 20 %:
the day a resting order waits may move the price past the default 2 %
guard, which would stop the run instead of measuring it.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from trimtab.app.inputs import parse_policy
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan
from trimtab.execution.executor import Executor
from trimtab.journal.models import OrderRow, PlanRow
from trimtab.journal.opening import open_journal
from trimtab.venues.paper.venue import PaperCosts, PaperVenue
from trimtab.venues.prices import BUNDLED_PRICES, HistoryPrices
from trimtab.venues.retry import Backoff
from trimtab.venues.snapshots import market_rules, take_snapshot

ROOT = Path(__file__).resolve().parents[1]
START = json.loads((ROOT / "examples" / "paper-start.json").read_text())
DAYS = sorted(r["date"] for r in csv.DictReader(BUNDLED_PRICES.open(encoding="utf-8")))
STYLES = {"market": {"style": "market"},
          "limit + fallback market": {"style": "limit", "limit_price": "touch",
                                      "timeout": 1, "poll_interval": 1}}


class PathPrices(HistoryPrices):
    """Daily closes that move to the next day each time a resting order is looked at."""

    def next_day(self) -> None:
        self.__init__(date.fromisoformat(DAYS[DAYS.index(self.day.isoformat()) + 1]))  # type: ignore[misc]


class DayClock:
    """The executor's clock: every wait on a resting order is a move to the next close."""

    def __init__(self, source: PathPrices) -> None:
        self.source = source
        self.waited = 0.0

    def wait(self, seconds: float) -> None:
        self.waited += seconds
        self.source.next_day()

    def now(self) -> float:
        return self.waited


class Recording(PaperVenue):
    """The paper venue, noting the mid when each child is sent (the slippage reference)."""

    mids: dict[str, float]

    def create_order(self, symbol: str, side: Any, amount: str, client_order_id: str,
                     **kw: Any) -> Any:
        self.mids[client_order_id] = self.prices.price(symbol.split("/")[0])[0]  # type: ignore[index]
        return super().create_order(symbol, side, amount, client_order_id, **kw)


def run_year(name: str, execution: dict[str, Any], folder: Path) -> dict[str, float]:
    policy = parse_policy({"profile": "moderate", "max_price_move": 0.2,
                           "execution": execution})
    journal = open_journal(f"sqlite:///{folder / (name.split()[0] + '.sqlite')}")
    source = PathPrices(date(2024, 1, 1))
    venue = Recording(journal, source, PaperCosts(0.001, 0.0005),
                      assets=("BTC", "ETH", "SOL", "AVAX", "LINK"))
    venue.mids = {}
    venue.fund(START)
    backoff = Backoff(sleep=lambda _: None)
    for month in range(1, 13):
        source.__init__(date(2024, month, 1))  # type: ignore[misc]
        snapshot = take_snapshot([venue], "USDT", set(policy.asset_targets()), backoff)
        plan = make_plan(snapshot, policy, analyse(snapshot, policy),
                         markets=market_rules([venue], backoff))
        plan_id = f"m{month:02d}"
        snap, ana = journal.record_document(snapshot.as_of, "paper", {}, {}, True)
        journal.add(PlanRow(id=plan_id, snapshot_id=snap, analysis_id=ana, status="planned",
                            reason=None, document="{}"))
        clock = DayClock(source)
        Executor(journal, {"paper": venue}, policy, backoff, environ={}, sleep=clock.wait,
                 clock=clock.now).run(plan_id, plan.orders)
    return costs(journal, venue.mids)


def costs(journal: Any, mids: dict[str, float]) -> dict[str, float]:
    """Fees, slippage against the mid, and notional over every filled child."""
    fees = slippage = notional = 0.0
    with journal.session() as session:
        for row in session.query(OrderRow):
            filled = float(row.filled or 0)
            if not filled or row.average is None:
                continue
            mid, average = mids[row.client_order_id], float(row.average)
            sign = 1.0 if row.side == "buy" else -1.0
            fees += float(row.fee or 0)
            slippage += sign * (average - mid) * filled
            notional += average * filled
    return {"notional": notional, "fees": fees, "slippage": slippage,
            "fees_plus_slippage": fees + slippage,
            "bps_of_notional": (fees + slippage) / notional * 10_000 if notional else 0.0}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        results = {name: run_year(name, ex, Path(tmp)) for name, ex in STYLES.items()}
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
