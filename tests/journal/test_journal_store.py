"""The journal on a real SQLite file: schema version, exact amounts, nothing deleted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from trimtab.journal.models import OrderRow, PlanRow, SchemaVersion
from trimtab.journal.opening import journal_url, open_journal
from trimtab.journal.store import JournalError
from trimtab.journal.tables import SCHEMA_VERSION
from trimtab.watch.history import WatchLog


def test_a_new_journal_records_its_schema_version(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    with journal.session() as session:
        assert list(session.scalars(select(SchemaVersion.version))) == [SCHEMA_VERSION]


def test_reopening_keeps_one_version_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.sqlite'}"
    open_journal(url)
    journal = open_journal(url)
    with journal.session() as session:
        assert len(list(session.scalars(select(SchemaVersion)))) == 1


def test_a_newer_journal_is_refused_with_what_to_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.sqlite'}"
    journal = open_journal(url)
    journal.add(SchemaVersion(version=SCHEMA_VERSION + 1))
    with pytest.raises(JournalError, match=r"newer trimtab.*upgrade trimtab"):
        open_journal(url)


def test_a_foreign_database_is_not_taken_for_a_journal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    with create_engine(url).begin() as conn:
        conn.execute(text("CREATE TABLE customers (id INTEGER)"))
    with pytest.raises(JournalError, match="not a trimtab journal"):
        open_journal(url)


def test_the_url_comes_from_the_option_then_the_environment() -> None:
    env = {"TRIMTAB_JOURNAL": "sqlite:///from-env.sqlite"}
    assert journal_url("sqlite:///opt.sqlite", env) == "sqlite:///opt.sqlite"
    assert journal_url(None, env) == "sqlite:///from-env.sqlite"


def test_a_bad_url_is_a_one_line_error_without_the_password() -> None:
    with pytest.raises(JournalError) as info:
        open_journal("nodriver+x://user:hunter2@host/db")
    assert "hunter2" not in str(info.value)


def test_order_amounts_are_kept_exactly_as_sent(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    snapshot_id, _ = journal.record_document(datetime(2025, 1, 31, tzinfo=UTC), "paper",
                                             {}, {}, False)
    journal.add(PlanRow(id="p1", snapshot_id=snapshot_id, analysis_id=None, status="planned",
                        reason=None, document="{}"))
    journal.add(OrderRow(client_order_id="ttp1x001", plan_id="p1", leg=1, venue="paper",
                         symbol="BTC/USDT", side="buy", amount="0.10000001",
                         plan_price="102405.02", state="pending-submit"))
    journal.update_order("ttp1x001", state="filled", filled="0.10000001", average="102456.2")
    [(plan, orders, _)] = journal.recent()
    assert plan.id == "p1" and orders[0].amount == "0.10000001"
    assert orders[0].filled == "0.10000001" and orders[0].state == "filled"


def test_a_version_1_journal_is_upgraded_in_place(tmp_path: Path) -> None:
    from trimtab.journal.models import Base
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine, tables=[t for t in Base.metadata.sorted_tables
                                             if t.name != "paper_positions"])
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version (version, applied_at) "
                          "VALUES (1, '2026-01-01 00:00:00')"))
    journal = open_journal(url)
    with journal.session() as session:
        assert list(session.scalars(select(SchemaVersion.version))) == [1, SCHEMA_VERSION]
    assert "paper_positions" in inspect(journal.engine).get_table_names()


def test_a_time_in_another_zone_is_stored_as_utc_and_read_back_aware(tmp_path: Path) -> None:
    from datetime import timedelta, timezone

    from trimtab.journal.models import WatchCheckRow

    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    new_york = datetime(2024, 12, 31, 19, tzinfo=timezone(timedelta(hours=-5)))
    journal.add(WatchCheckRow(at=new_york, ok=True, fired="[]", notified="[]", decision="none"))
    with journal.session() as session:
        at = session.scalars(select(WatchCheckRow.at)).one()
    assert at == datetime(2025, 1, 1, tzinfo=UTC) and at.tzinfo is UTC


def damaged(path: Path, kind: str) -> bytes:
    """A journal file as a crash, a bad copy or a wrong path leaves it."""
    if kind == "empty":
        data = b""
    elif kind == "text":
        data = b"not a database\n" * 100
    else:  # a real journal whose pages after the header were overwritten
        open_journal(f"sqlite:///{path}").engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        good = path.read_bytes()
        data = good[:100] + bytes(range(256)) * ((len(good) - 100) // 256 + 1)
    path.write_bytes(data)
    return data


@pytest.mark.parametrize("kind", ["empty", "text", "garbled pages"])
def test_a_damaged_journal_is_refused_in_one_line_and_never_overwritten(
        tmp_path: Path, kind: str) -> None:
    path = tmp_path / "journal.sqlite"
    data = damaged(path, kind)
    with pytest.raises(JournalError) as info:
        open_journal(f"sqlite:///{path}")
    message = str(info.value)
    assert "\n" not in message and "will not overwrite" in message
    assert path.read_bytes() == data


def test_figures_a_venue_reports_are_journaled_to_the_last_digit(tmp_path: Path) -> None:
    from trimtab.execution.reconcile import order_changes
    from trimtab.journal.models import FillRow
    from trimtab.venues.port import VenueOrder

    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    snapshot_id, _ = journal.record_document(datetime(2025, 1, 31, tzinfo=UTC), "paper",
                                             {}, {}, False)
    journal.add(PlanRow(id="p1", snapshot_id=snapshot_id, analysis_id=None, status="planned",
                        reason=None, document="{}"))
    journal.add(OrderRow(client_order_id="ttp1x001", plan_id="p1", leg=1, venue="binance",
                         symbol="BTC/USDT", side="buy", amount="0.123456789012345",
                         plan_price="102405.02", state="pending-submit"))
    reported = VenueOrder("1", "ttp1x001", "BTC/USDT", "buy", 0.123456789012345,
                          0.123456789012345, 102405.123456789, "closed", 0.0000123456789012,
                          "BNB")
    row = journal.update_order("ttp1x001", **order_changes(reported))
    assert (row.filled, row.average, row.fee) == (
        "0.123456789012345", "102405.123456789", "0.0000123456789012")  # were 12 digits
    with journal.session() as session:
        assert session.scalars(select(FillRow.amount)).one() == "0.123456789012345"
def test_a_version_2_journal_gains_the_holdings_of_each_watch_check(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v2.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as conn:  # watch_checks as version 2 wrote it, with one check
        conn.execute(text("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                          "applied_at DATETIME)"))
        conn.execute(text("INSERT INTO schema_version VALUES (2, '2026-01-01 00:00:00')"))
        conn.execute(text("CREATE TABLE watch_checks (id INTEGER PRIMARY KEY, at DATETIME, "
                          "ok BOOLEAN, spot_value VARCHAR(40), weights TEXT, fired TEXT, "
                          "notified TEXT, decision TEXT)"))
        conn.execute(text("INSERT INTO watch_checks VALUES (1, '2024-01-01 00:00:00', 1, "
                          "'100', '{}', '[]', '[]', 'none')"))
    journal = open_journal(url)
    columns = {c["name"] for c in inspect(journal.engine).get_columns("watch_checks")}
    assert "holdings" in columns
    with journal.engine.connect() as conn:
        assert conn.execute(text("select spot_value, holdings from watch_checks")).all() == [
            ("100", None)]


def test_a_version_5_journal_gains_the_watched_policy_of_each_check_and_alert(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v5.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as conn:  # the two tables as version 5 wrote them, a row in each
        conn.execute(text("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                          "applied_at DATETIME)"))
        conn.execute(text("INSERT INTO schema_version VALUES (5, '2026-01-01 00:00:00')"))
        conn.execute(text("CREATE TABLE watch_checks (id INTEGER PRIMARY KEY, at DATETIME, "
                          "ok BOOLEAN, spot_value VARCHAR(40), weights TEXT, holdings TEXT, "
                          "fired TEXT, notified TEXT, decision TEXT)"))
        conn.execute(text("INSERT INTO watch_checks VALUES (1, '2024-01-01 00:00:00', 1, "
                          "'100', '{}', '{}', '[]', '[]', 'none')"))
        conn.execute(text("CREATE TABLE alert_memory (id INTEGER PRIMARY KEY, kind VARCHAR(20), "
                          "subject VARCHAR(100), at DATETIME, severity FLOAT, active BOOLEAN)"))
        conn.execute(text("INSERT INTO alert_memory VALUES (1, 'threshold', 'BTC', "
                          "'2024-01-01 00:00:00', 0.1, 1)"))
    journal = open_journal(url)
    lone = WatchLog(journal)  # the rows of a watch of one policy stay its own
    assert lone.last_check() is not None and set(lone.alert_memory()) == {("threshold", "BTC")}
    assert WatchLog(journal, "bold").last_check() is None


def test_a_contribution_plan_an_approval_claims_first_keeps_its_dates(tmp_path: Path) -> None:
    """Releasing a plan that sent nothing and claiming it for approval are both one
    conditional UPDATE of the plan: whichever comes first wins, and the dates follow it."""
    from trimtab.execution.states import PlanStatus
    from trimtab.journal.models import ContributionRow

    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    due = datetime(2026, 2, 1, tzinfo=UTC)
    for plan_id, key in (("approved-first", "a"), ("released", "b")):
        journal.add(ContributionRow(key=key, due_at=due, amount="100", status="due"))
        journal.add_plan(PlanRow(id=plan_id, snapshot_id=0, status="planned", document="{}"),
                         [(key, due)])
        journal.set_plan(plan_id, PlanStatus.FAILED, "venue down before any order")
    assert journal.claim_plan("approved-first", PlanStatus.APPROVED) is None
    assert journal.release_stranded(["a", "b"], "sent nothing") == ["released"]
    with journal.session() as session:
        held = {r.key: (r.status, r.plan_id) for r in session.scalars(select(ContributionRow))}
    assert held == {"a": ("planned", "approved-first"), "b": ("failed", None)}
    assert journal.plan("released").status == PlanStatus.SUPERSEDED


def test_a_proposal_supersedes_the_waiting_plans_of_its_own_venues_only(tmp_path: Path) -> None:
    """Two accounts on one journal (two watched paper policies, or two processes on two
    exchange accounts): a proposal on one superseded the other's waiting plan too, so the
    other could no longer be approved."""
    from trimtab.execution.states import PlanStatus

    journal = open_journal(f"sqlite:///{tmp_path / 'j.sqlite'}")

    def propose(plan_id: str, *venues: str) -> None:
        journal.add_plan(PlanRow(id=plan_id, snapshot_id=0, status="proposed",
                                 document=json.dumps({"venues": list(venues)})))

    propose("steady-1", "paper-steady")
    propose("bold-1", "paper-bold")
    propose("steady-2", "paper-steady")
    propose("both-1", "paper-bold", "binance")
    assert journal.plan("steady-1").status == PlanStatus.SUPERSEDED
    assert journal.plan("steady-1").reason == "superseded by plan steady-2"
    assert journal.plan("bold-1").status == PlanStatus.SUPERSEDED  # shares paper-bold
    assert journal.plan("steady-2").status == PlanStatus.PROPOSED
    assert journal.plan("both-1").status == PlanStatus.PROPOSED
