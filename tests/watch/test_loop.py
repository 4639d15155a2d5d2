"""The watch loop's decisions on a replay clock, with a hand-written in-memory journal."""

from __future__ import annotations

import itertools
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tests.builders import policy, snapshot
from trimtab.domain.analysis.alerting import Key, Notified
from trimtab.domain.analysis.drift import Analysis
from trimtab.domain.analysis.triggers import Trigger
from trimtab.domain.planning.orders import MarketRule
from trimtab.domain.planning.planner import Plan
from trimtab.domain.snapshot import Snapshot
from trimtab.watch.loop import ReplayClock, Watcher
from trimtab.watch.notify import Delivery, Message

START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class MemoryJournal:
    checks: list[tuple[datetime, str, tuple[str, ...]]] = field(default_factory=list)
    notes: list[tuple[datetime, Message, Delivery]] = field(default_factory=list)
    memory: dict[Key, Notified] = field(default_factory=dict)
    last: datetime | None = None
    traded: frozenset[tuple[str, str]] = frozenset()  # markets trimtab sent orders to

    def order_mark(self) -> int:
        return 0

    def traded_since(self, mark: int) -> frozenset[tuple[str, str]]:
        return self.traded

    def last_check(self) -> datetime | None:
        return self.last

    def alert_memory(self) -> dict[Key, Notified]:
        return dict(self.memory)

    def record_check(self, at: datetime, analysis: Analysis | None, fired: tuple[Trigger, ...],
                     notified: tuple[Trigger, ...], decision: str,
                     memory: dict[Key, Notified]) -> None:
        self.checks.append((at, decision, tuple(f"{t.kind}:{t.subject}" for t in notified)))
        self.memory = memory
        if analysis is not None:
            self.last = at

    def record_notification(self, at: datetime, message: Message, delivery: Delivery) -> None:
        self.notes.append((at, message, delivery))


@dataclass
class Market:
    """Prices that move with the replay clock; the holdings never change."""

    clock: ReplayClock
    btc: dict[datetime, float]
    fail_between: tuple[datetime, datetime] | None = None
    proposed: list[Plan] = field(default_factory=list)
    failure: Exception = field(default_factory=lambda: ConnectionError("venue unreachable"))
    unpriced_between: tuple[datetime, datetime] | None = None
    position_until: datetime | None = None  # a BTC perpetual held until then, gone after

    def snapshot(self) -> Snapshot:
        now = self.clock.now()
        if self.position_until is not None:
            return self._with_position(now)
        if self.fail_between and self.fail_between[0] <= now < self.fail_between[1]:
            raise self.failure
        price = [p for t, p in sorted(self.btc.items()) if t <= now][-1]
        if self.unpriced_between and self.unpriced_between[0] <= now < self.unpriced_between[1]:
            return snapshot({}, {"BTC": 0.1, "USDT": 5_000.0}, as_of=now.isoformat())
        return snapshot({"BTC": price}, {"BTC": 0.1, "USDT": 5_000.0},
                        as_of=now.isoformat())

    def _with_position(self, now: datetime) -> Snapshot:
        price = [p for t, p in sorted(self.btc.items()) if t <= now][-1]
        held = now < self.position_until if self.position_until else False
        positions = [{"venue": "binance", "symbol": "BTC/USDT:USDT", "side": "long",
                      "contracts": 0.01, "markPrice": price}] if held else []
        return snapshot({"BTC": price}, {"BTC": 0.1, "USDT": 5_000.0},
                        as_of=now.isoformat(), positions=positions)

    def markets(self) -> dict[tuple[str, str], MarketRule]:
        return {}

    def lots(self) -> None:
        return None

    def turn(self) -> AbstractContextManager[None]:
        return nullcontext()

    def propose(self, snap: Snapshot, analysis: Analysis, plan: Plan,
                dates: tuple[object, ...] = ()) -> str:
        self.proposed.append(plan)
        return f"plan-{len(self.proposed)}"

    def execute(self, snap: Snapshot, analysis: Analysis, plan: Plan,
                dates: tuple[object, ...] = ()) -> tuple[str, str]:
        raise AssertionError("mode propose never executes")


def run(prices: dict[datetime, float], days: int, journal: MemoryJournal | None = None,
        **extra: object):
    clock = ReplayClock(START)
    market = Market(clock, prices, **extra)  # type: ignore[arg-type]
    journal = journal or MemoryJournal()
    pol = policy({"BTC": 0.5, "USDT": 0.5}, check_interval=3_600.0,
                 schedules=[{"every": "weekly"}], alerts={"cooldown": 86_400 * 30})
    sent: list[Message] = []
    watcher = Watcher(pol, market, journal, clock,
                      send=lambda m: sent.append(m) or Delivery(True, 1, ("json://x",)))
    watcher.run(until=START + timedelta(days=days))
    return journal, market, sent


def test_a_breach_that_persists_notifies_once_and_proposes_one_plan():
    # BTC jumps on day 2 from 50,000 (in band) to 70,000 (58 %) and stays there
    prices = {START: 50_000.0, START + timedelta(days=2): 70_000.0}
    journal, market, sent = run(prices, days=5)
    breaches = [c for c in journal.checks if "threshold:BTC" in c[2]]
    assert len(breaches) == 1
    assert breaches[0][0] == START + timedelta(days=2)
    assert breaches[0][1] == "proposed plan-1"
    assert len(market.proposed) == 1
    assert any("trimtab approve plan-1" in m.body for m in sent)
    assert len(journal.checks) == 5 * 24 + 1  # hourly checks, the last at the end


def test_weekly_review_is_recorded_on_mondays():
    journal, _, _ = run({START: 50_000.0}, days=14)
    reviews = [c for c in journal.checks if any(n.startswith("calendar:") for n in c[2])]
    assert [c[0] for c in reviews] == [datetime(2026, 1, 5, tzinfo=UTC),
                                       datetime(2026, 1, 12, tzinfo=UTC)]
    assert all(c[1] == "review" for c in reviews)


def test_an_outage_backs_off_notifies_once_when_stale_and_recovers_without_restart():
    outage = (START + timedelta(hours=2), START + timedelta(hours=5))
    journal, _, sent = run({START: 50_000.0}, days=1, fail_between=outage)
    failed = [c for c in journal.checks if c[1].startswith("outage")]
    gaps = [(b[0] - a[0]).total_seconds() for a, b in itertools.pairwise(failed)]
    assert gaps[:4] == [5.0, 10.0, 20.0, 40.0]
    assert [m.title for m in sent] == ["trimtab: market data stale", "trimtab: market data back"]
    assert journal.checks[-1][1] == "none"


def test_a_venue_answering_garbage_is_an_outage_and_the_loop_goes_on():
    # ccxt raises AttributeError on a non-JSON answer: it used to end the watch
    prices = {START: 50_000.0}
    journal, _, _ = run(prices, days=2, fail_between=(START, START + timedelta(hours=3)),
                        failure=AttributeError("'str' object has no attribute 'get'"))
    assert journal.checks[0][1].startswith("outage: AttributeError")
    assert journal.checks[-1][1] == "none" and journal.checks[-1][0] > START + timedelta(days=1)


def test_an_asset_without_a_price_is_notified_once_and_the_loop_goes_on():
    prices = {START: 50_000.0}
    journal, _, sent = run(prices, days=2, unpriced_between=(START, START + timedelta(hours=5)))
    errors = [c for c in journal.checks if c[1].startswith("snapshot problem:")]
    assert len(errors) > 1 and "BTC" in errors[0][1]
    assert [m.title for m in sent] == ["trimtab: snapshot cannot be analysed",
                                       "trimtab watch: checks work again"]
    assert journal.checks[-1][1] == "none"


def test_the_status_line_shows_weights_against_bands_and_the_next_review():
    from trimtab.domain.analysis.drift import analyse
    from trimtab.execution.states import WatchDecision
    from trimtab.reports.status_line import status_line
    from trimtab.watch.tick import Decision, TickReport

    pol = policy({"BTC": 0.5, "USDT": 0.5})
    analysis = analyse(snapshot({"BTC": 70_000.0}, {"BTC": 0.1, "USDT": 5_000.0}), pol)
    proposed = Decision(WatchDecision.PROPOSED, "p1")
    text = status_line(TickReport(START, analysis, decision=proposed),
                       datetime(2026, 2, 1, tzinfo=UTC)).plain
    assert "BTC 58.3%! [45%–55%]" in text and "USDT 41.7%! [45%–55%]" in text
    assert "proposed p1" in text and "next review 2026-02-01 00:00" in text
    down = Decision(WatchDecision.OUTAGE, detail="timeout")
    outage = status_line(TickReport(START, None, decision=down, error="timeout"), None)
    assert "no data (timeout)" in outage.plain


@dataclass
class UnpricedMarket(Market):
    """An account holding coins no venue prices (as an OKX account with seven of them)."""

    def snapshot(self) -> Snapshot:
        now = self.clock.now()
        return snapshot({"BTC": 50_000.0}, {"BTC": 0.1, "USDT": 5_000.0, "JFI": 100.0,
                                            "TUSD": 3_000.0}, as_of=now.isoformat())


def test_unpriced_coins_are_named_at_once_notified_once_and_the_loop_keeps_running():
    clock = ReplayClock(START)
    market = UnpricedMarket(clock, {START: 50_000.0})
    journal = MemoryJournal()
    pol = policy({"BTC": 0.5, "USDT": 0.5}, check_interval=3_600.0)
    sent: list[Message] = []
    watcher = Watcher(pol, market, journal, clock,
                      send=lambda m: sent.append(m) or Delivery(True, 1, ("json://x",)))
    watcher.run(until=START + timedelta(hours=5))
    assert len(journal.checks) == 6
    assert all(c[1].startswith("snapshot problem: prices.JFI, prices.TUSD") for c in journal.checks)
    [message] = sent
    assert "JFI, TUSD" in message.body and "exclude" in message.body


def test_a_position_closed_by_the_venue_is_notified_at_the_next_check_once():
    # a liquidation (or a close by hand) between two checks: no order of trimtab's did it
    gone = START + timedelta(hours=5, minutes=30)
    journal, _, sent = run({START: 50_000.0}, days=1, position_until=gone)
    closed = [c for c in journal.checks if "position:binance BTC/USDT:USDT long" in c[2]]
    assert [c[0] for c in closed] == [START + timedelta(hours=6)]
    [message] = [m for m in sent if "BTC/USDT:USDT long on binance" in m.body]
    assert "0.01 contracts at the last check, closed now" in message.body
    assert "liquidated" in message.body


def test_a_position_trimtab_itself_traded_is_not_reported_as_closed_outside():
    gone = START + timedelta(hours=5, minutes=30)
    journal = MemoryJournal(traded=frozenset({("binance", "BTC/USDT:USDT")}))
    journal, _, sent = run({START: 50_000.0}, days=1, journal=journal, position_until=gone)
    assert not [c for c in journal.checks if any(n.startswith("position:") for n in c[2])]
    assert not [m for m in sent if "closed now" in m.body]
