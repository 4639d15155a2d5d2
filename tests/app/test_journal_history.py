"""The dashboard's history read from a journal: thinning, holding, rebalances, last seen."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from trimtab.app.heartbeat import watch_seen
from trimtab.app.journal_history import journal_history, thin
from trimtab.journal.models import PlanRow, WatchCheckRow
from trimtab.journal.opening import open_journal
from trimtab.journal.store import Journal

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def check(journal: Journal, day: int, units: dict[str, float], prices: dict[str, float],
          ok: bool = True) -> None:
    values = {a: u * prices[a] for a, u in units.items()}
    total = sum(values.values())
    journal.add(WatchCheckRow(
        at=T0 + timedelta(days=day), ok=ok, spot_value=str(total) if ok else None,
        weights=json.dumps({a: v / total for a, v in values.items()}) if ok else None,
        holdings=json.dumps({a: [units[a], prices[a]] for a in units}) if ok else None,
        fired="[]", notified="[]", decision="none" if ok else "outage"))


@given(st.integers(0, 3000), st.integers(2, 500))
def test_thinning_keeps_the_ends_in_order_and_at_most_the_asked_points(n: int, points: int):
    ids = list(range(10, 10 + n))
    kept = thin(ids, points)
    assert len(kept) == min(n, points) and kept == sorted(set(kept))
    if ids:
        assert kept[0] == ids[0] and kept[-1] == ids[-1]


def test_hold_is_the_first_units_at_later_prices_while_value_follows_the_trades(
        tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    check(journal, 0, {"BTC": 1.0, "USDT": 100.0}, {"BTC": 100.0, "USDT": 1.0})
    check(journal, 1, {"BTC": 1.0, "USDT": 100.0}, {"BTC": 200.0, "USDT": 1.0}, ok=False)
    check(journal, 2, {"BTC": 0.5, "USDT": 200.0}, {"BTC": 200.0, "USDT": 1.0})  # sold half
    check(journal, 3, {"BTC": 0.5, "USDT": 200.0}, {"BTC": 50.0, "USDT": 1.0})
    history = journal_history(journal)
    assert history.checks == 3  # the outage is not a point of the chart
    assert history.value == (200.0, 300.0, 225.0)
    assert history.hold == (200.0, 300.0, 150.0)
    assert history.weights["BTC"] == (0.5, 100 / 300, 25 / 225)
    seen = watch_seen(journal)
    assert seen is not None and seen.at == T0 + timedelta(days=3) and seen.ok


def test_executed_plans_are_rebalances_at_their_snapshot_time(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    for day in range(4):
        check(journal, day, {"BTC": 1.0}, {"BTC": 100.0 + day})
    for plan_id, day, status in (("a", 1, "done"), ("b", 2, "superseded"), ("c", 3, "stopped")):
        snapshot_id, _ = journal.record_document(T0 + timedelta(days=day), "paper", {}, {},
                                                 True)
        journal.add(PlanRow(id=plan_id, snapshot_id=snapshot_id, status=status, document="{}"))
    rebalances = journal_history(journal).rebalances
    assert [(r.plan_id, r.at.day) for r in rebalances] == [("a", 2), ("c", 4)]


def test_an_empty_journal_has_no_history_and_no_watch(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    assert journal_history(journal).empty and watch_seen(journal) is None
