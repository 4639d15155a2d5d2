"""`trimtab watch` with [[contributions]]: each due date is planned once, through the deposit
path, on a real SQLite journal; a deposit not on the venue yet waits and is said once."""

from __future__ import annotations

import json
import sqlite3
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.builders import policy, snapshot
from trimtab.app.journaling import journal_plan
from trimtab.cli.main import app
from trimtab.domain.analysis.drift import Analysis, analyse
from trimtab.domain.planning.planner import Plan
from trimtab.domain.snapshot import Snapshot
from trimtab.execution.states import PlanStatus
from trimtab.journal.opening import open_journal
from trimtab.journal.plan_record import PlanRecord
from trimtab.journal.store import ContributionDate, DateTaken, Journal
from trimtab.watch.history import WatchLog
from trimtab.watch.loop import ReplayClock, Watcher
from trimtab.watch.notify import Delivery, Message

POLICY = """
mode = "propose"
[targets]
BTC = 0.5
USDT = 0.5
[bands]
kind = "relative"
width = 0.5
[costs]
min_trade = 10
[[contributions]]
every = "monthly"
amount = 1000
"""


def replay(tmp: Path, span: str) -> str:
    result = CliRunner().invoke(app, [
        "watch", "-p", str(tmp / "policy.toml"), "--paper-start", str(tmp / "start.json"),
        "--journal", f"sqlite:///{tmp / 'j.sqlite'}", "--replay", span], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stdout
    return result.stdout


def rows(tmp: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp / "j.sqlite") as db:
        return db.execute(query).fetchall()


def test_a_monthly_contribution_is_planned_once_across_a_restart(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text(POLICY)
    (tmp_path / "start.json").write_text(json.dumps({"BTC": 0.1, "USDT": 4_000.0}))
    out = replay(tmp_path, "2024-01-25..2024-02-01")
    assert out.count("due 2024-01-01 00:00 UTC: skipped: it fell before this journal's first "
                     "check") == 1  # on the status line, once
    notes = [str(m) for (m,) in rows(tmp_path, "select message from notifications")]
    said = [n for n in notes if "contribution" in n]
    assert len(said) == 2  # January's date fell before the first check: skipped, said once
    assert "of 1,000.00 USDT due 2024-01-01 00:00 UTC: skipped: it fell before" in said[0]
    assert "contribution (deposit) of 1,000.00 USDT due 2024-02-01 00:00 UTC: planned" in said[1]
    plans = rows(tmp_path, "select id, status, document from plans")
    assert [(status) for _, status, _ in plans] == ["proposed"]
    orders = json.loads(str(plans[0][2]))["orders"]
    assert [(o["symbol"], o["side"]) for o in orders] == [("BTC/USDT", "buy")]
    # new money buys the underweight only: BTC up to its target of the new total
    assert 300 < sum(o["notional"] for o in orders) < 1_000
    contributions = rows(tmp_path, "select due_at, status, plan_id from contributions")
    assert contributions == [("2024-01-01 00:00:00.000000", "skipped", None),
                             ("2024-02-01 00:00:00.000000", "planned", plans[0][0])]
    usdt = "select amount from paper_balances where asset = 'USDT'"
    assert [float(str(a)) for (a,) in rows(tmp_path, usdt)] == [5_000.0]  # credited once

    out = replay(tmp_path, "2024-01-31..2024-02-03")  # a restart over the same date
    assert "skipped" not in out
    assert len(rows(tmp_path, "select id from plans")) == 1
    assert len(rows(tmp_path, "select id from contributions")) == 2
    assert [float(str(a)) for (a,) in rows(tmp_path, usdt)] == [5_000.0]


@dataclass
class Exchange:
    """A real venue's side as the loop sees it: deposits are real, so the cash may be late.
    Its proposals are journaled (with the dates they take) once `journal` is set."""

    clock: ReplayClock
    usdt: float = 5_000.0
    proposed: list[Plan] = field(default_factory=list)
    simulated_deposits: bool = False
    journal: Journal | None = None

    def snapshot(self) -> Snapshot:
        return snapshot({"BTC": 50_000.0}, {"BTC": 0.02, "USDT": self.usdt},
                        as_of=self.clock.now().isoformat())

    def markets(self) -> dict[tuple[str, str], object]:
        return {}

    def lots(self) -> None:
        return None

    def turn(self) -> nullcontext[None]:
        return nullcontext()

    def propose(self, snap: Snapshot, analysis: Analysis, plan: Plan,
                dates: tuple[ContributionDate, ...] = ()) -> str:
        plan_id = f"plan-{len(self.proposed) + 1}"
        if self.journal is not None:
            journal_plan(self.journal, plan_id, snap, analysis, PlanRecord(venues=("x",)),
                         PlanStatus.PROPOSED, [], dates=dates)
        self.proposed.append(plan)
        return plan_id

    def transfer(self, quote: str, amount: float, reference: str) -> None:
        raise AssertionError("a real venue's deposit is never simulated")


def test_a_deposit_not_on_the_venue_waits_is_said_once_then_planned(tmp_path: Path) -> None:
    start = datetime(2026, 1, 31, tzinfo=UTC)
    clock = ReplayClock(start)
    log = WatchLog(open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}"))
    exchange = Exchange(clock, journal=log.journal)
    sent: list[Message] = []
    pol = policy({"BTC": 0.5, "USDT": 0.5}, check_interval=3_600.0,
                 bands={"kind": "relative", "width": 0.8},
                 contributions=[{"every": "monthly", "amount": 2_000}])
    watcher = Watcher(pol, exchange, log, clock,  # type: ignore[arg-type]
                      send=lambda m: sent.append(m) or Delivery(True, 1, ("json://x",)),
                      contributions=log)
    exchange.usdt = 1_000.0  # the month's 2,000 has not arrived
    watcher.run(until=start + timedelta(days=1, hours=3))  # Feb 1 00:00, 01:00, 02:00, 03:00
    said = [m for m in sent if "contribution" in m.body]
    assert len(said) == 2 and "due 2026-01-01 00:00 UTC: skipped" in said[0].body
    waiting = said[1:]
    assert "not on a venue yet" in waiting[0].body
    assert "deposit it and the next check plans it" in waiting[0].body
    assert exchange.proposed == []

    exchange.usdt = 3_000.0  # it landed
    watcher.run(until=start + timedelta(days=1, hours=5))
    assert len(exchange.proposed) == 1
    assert [o.side for o in exchange.proposed[0].orders] == ["buy"]
    planned = [m for m in sent if "contribution" in m.body and "planned" in m.body]
    assert len(planned) == 1


def test_two_watchers_on_one_journal_plan_a_date_once(tmp_path: Path) -> None:
    """Both find the dates open and plan them; the plan journaled first takes them, the
    other is not journaled at all (nor does it supersede the first)."""
    from trimtab.domain.contributions import due_contributions

    url = f"sqlite:///{tmp_path / 'j.sqlite'}"
    first, second = WatchLog(open_journal(url)), WatchLog(open_journal(url))
    pol = policy({"BTC": 0.5, "USDT": 0.5}, contributions=[{"every": "monthly", "amount": 50}])
    dues = due_contributions(pol.contributions, datetime(2026, 1, 15, tzinfo=UTC),
                             datetime(2026, 3, 15, tzinfo=UTC))
    keys = {c.key for c in pol.contributions}
    seen_first, seen_second = first.pending(dues, keys), second.pending(dues, keys)
    assert [p.at.month for p in seen_first] == [2, 3] and seen_second == seen_first
    snap = snapshot({"BTC": 50_000.0}, {"BTC": 0.02, "USDT": 1_100.0})
    analysis = analyse(snap, pol)
    journal_plan(first.journal, "plan-1", snap, analysis, PlanRecord(venues=("x",)),
                 PlanStatus.PROPOSED, [], dates=tuple(p.date for p in seen_first))
    with pytest.raises(DateTaken):  # already taken: nothing journaled
        journal_plan(second.journal, "plan-2", snap, analysis, PlanRecord(venues=("x",)),
                     PlanStatus.PROPOSED, [], dates=tuple(p.date for p in seen_second))
    assert first.pending(dues, keys) == ()
    assert rows(tmp_path, "select id, status from plans") == [("plan-1", "proposed")]
    assert rows(tmp_path, "select plan_id from contributions") == [("plan-1",), ("plan-1",)]


@dataclass
class Flaky(Exchange):
    """An exchange whose first proposal (or first markets read) fails, on the paper side or not."""

    fail_propose: int = 0
    fail_markets: int = 0
    deposits: list[float] = field(default_factory=list)
    references: set[str] = field(default_factory=set)

    def propose(self, snap: Snapshot, analysis: Analysis, plan: Plan,
                dates: tuple[ContributionDate, ...] = ()) -> str:
        if self.fail_propose:
            self.fail_propose -= 1
            raise RuntimeError("database is locked")
        return super().propose(snap, analysis, plan, dates)

    def markets(self) -> dict[tuple[str, str], object]:
        if self.fail_markets:
            self.fail_markets -= 1
            raise ConnectionError("markets unreachable")
        return {}

    def transfer(self, quote: str, amount: float, reference: str) -> None:
        if reference not in self.references:  # credited once per date, as the paper does
            self.references.add(reference)
            self.deposits.append(amount)
            self.usdt += amount


def watch_flaky(tmp: Path, exchange: Flaky, sent: list[Message]) -> Watcher:
    log = WatchLog(open_journal(f"sqlite:///{tmp / 'j.sqlite'}"))
    exchange.journal = log.journal
    pol = policy({"BTC": 0.5, "USDT": 0.5}, check_interval=3_600.0,
                 bands={"kind": "relative", "width": 0.8},
                 contributions=[{"every": "monthly", "amount": 2_000}])
    return Watcher(pol, exchange, log, exchange.clock,  # type: ignore[arg-type]
                   send=lambda m: sent.append(m) or Delivery(True, 1, ("json://x",)),
                   contributions=log)


def feb_first(tmp: Path) -> list[tuple[object, ...]]:
    return rows(tmp, "select status, plan_id, detail from contributions "
                     "where due_at like '2026-02-01%'")


def test_a_proposal_that_fails_hands_the_date_back_and_the_next_check_plans_it_once(
        tmp_path: Path) -> None:
    start = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    exchange = Flaky(ReplayClock(start), usdt=3_000.0, fail_propose=1)
    sent: list[Message] = []
    watcher = watch_flaky(tmp_path, exchange, sent)
    watcher.run(until=start + timedelta(hours=1))  # Feb 1 00:00: claimed, the proposal fails
    assert exchange.proposed == []
    assert feb_first(tmp_path) == [("failed", None, "RuntimeError: database is locked")]
    assert any("database is locked" in m.body for m in sent)  # said, with the reason

    watcher.run(until=start + timedelta(hours=4))  # retried: planned once, then never again
    assert len(exchange.proposed) == 1
    assert [o.side for o in exchange.proposed[0].orders] == ["buy"]
    assert feb_first(tmp_path) == [("planned", "plan-1", "proposed plan-1")]


def test_a_paper_deposit_whose_plan_failed_is_retried_without_a_second_credit(
        tmp_path: Path) -> None:
    start = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    exchange = Flaky(ReplayClock(start), usdt=1_000.0, fail_markets=1, simulated_deposits=True)
    watcher = watch_flaky(tmp_path, exchange, [])
    watcher.run(until=start + timedelta(hours=1))  # credited, then planning fails
    assert exchange.deposits == [2_000.0]
    assert feb_first(tmp_path) == [("failed", None, "ConnectionError: markets unreachable")]

    watcher.run(until=start + timedelta(hours=4))
    assert exchange.deposits == [2_000.0]  # the retry plans the cash already credited
    assert len(exchange.proposed) == 1
    assert sum(o.notional for o in exchange.proposed[0].orders) <= 2_000.0
    assert feb_first(tmp_path)[0][:2] == ("planned", "plan-1")


@dataclass
class Stale(Exchange):
    """An exchange whose BTC price is a day old until `stale` is cleared."""

    stale: bool = True

    def snapshot(self) -> Snapshot:
        now = self.clock.now()
        seen = now - timedelta(days=1) if self.stale else now
        return snapshot({"BTC": {"price": 50_000.0, "timestamp": seen.isoformat()}},
                        {"BTC": 0.02, "USDT": self.usdt}, as_of=now.isoformat())


def test_a_refused_contribution_plan_is_retried_said_once_and_planned_when_prices_are_fresh(
        tmp_path: Path) -> None:
    start = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    exchange = Stale(ReplayClock(start), usdt=3_000.0)
    sent: list[Message] = []
    watcher = watch_flaky(tmp_path, exchange, sent)  # type: ignore[arg-type]
    watcher.run(until=start + timedelta(hours=3))  # Feb 1 00:00, 01:00, 02:00: all refused
    refused = [m for m in sent if "due 2026-02-01" in m.body]
    assert len(refused) == 1 and "stale" in refused[0].body  # said once, with the reason
    assert exchange.proposed == []
    ((status, plan_id, detail),) = feb_first(tmp_path)
    assert (status, plan_id) == ("failed", None) and "stale" in detail

    exchange.stale = False
    watcher.run(until=start + timedelta(hours=5))
    assert len(exchange.proposed) == 1
    assert feb_first(tmp_path)[0][:2] == ("planned", "plan-1")
