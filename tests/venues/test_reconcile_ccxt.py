"""Start-up reconciliation against the recorded Binance server."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.venues.executing import plan_journal
from tests.venues.recorded_binance import binance_venue
from trimtab.execution.reconcile import Reconciler
from trimtab.journal.models import EventRow, OrderRow
from trimtab.journal.store import Journal
from trimtab.venues.retry import Backoff


def journal(tmp_path: Path) -> Journal:
    return plan_journal(tmp_path, "binance", "abc123", "executing")


def test_an_open_trimtab_order_unknown_to_the_journal_is_reported(tmp_path: Path) -> None:
    venue, fake = binance_venue()
    fake.open_client_id = "trimtabfeedface0000x001"
    j = journal(tmp_path)
    problems = Reconciler(j, {"binance": venue}, Backoff(sleep=lambda _: None)).unresolved(
        at_start=True)
    assert len(problems) == 1 and "trimtabfeedface0000x001" in problems[0]
    with j.session() as session:
        assert session.scalars(select(EventRow.kind)).all() == ["foreign_order"]


def test_other_tools_open_orders_are_left_alone(tmp_path: Path) -> None:
    venue, _ = binance_venue()  # the recorded order carries ccxt's broker prefix
    problems = Reconciler(journal(tmp_path), {"binance": venue},
                          Backoff(sleep=lambda _: None)).unresolved(at_start=True)
    assert problems == []


def test_a_dangling_intent_the_venue_never_saw_is_closed_at_start_up(tmp_path: Path) -> None:
    venue, fake = binance_venue()
    j = journal(tmp_path)
    j.add(OrderRow(client_order_id="trimtababc123x001", plan_id="abc123", leg=1,
                   venue="binance", symbol="LTC/USDT", side="sell", amount="0.5",
                   plan_price="90.8", state="pending-submit"))
    problems = Reconciler(j, {"binance": venue}, Backoff(sleep=lambda _: None)).unresolved(
        at_start=True)
    assert problems == []
    with j.session() as session:
        row = session.scalars(select(OrderRow)).one()
        assert row.state == "cancelled" and "never placed" in (row.reason or "")
    assert fake.posts() == 0


def test_an_intent_the_venue_did_accept_is_adopted_at_start_up(tmp_path: Path) -> None:
    venue, fake = binance_venue()
    venue.create_order("LTC/USDT", "sell", "0.5", "trimtababc123x001")  # accepted, then crash
    j = journal(tmp_path)
    j.add(OrderRow(client_order_id="trimtababc123x001", plan_id="abc123", leg=1,
                   venue="binance", symbol="LTC/USDT", side="sell", amount="0.5",
                   plan_price="90.8", state="pending-submit"))
    Reconciler(j, {"binance": venue}, Backoff(sleep=lambda _: None)).unresolved(at_start=True)
    with j.session() as session:
        assert session.scalars(select(OrderRow.state)).one() == "filled"
    assert fake.posts() == 1
