"""The journal and a whole rebalance on a real PostgreSQL server.

Runs when TRIMTAB_TEST_POSTGRES_URL names a server where the user may create
databases (e.g. postgresql+psycopg://postgres@localhost/postgres); each test
gets a database of its own, dropped afterwards by the test, not by trimtab.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from trimtab.cli.main import app
from trimtab.journal.models import SchemaVersion
from trimtab.journal.opening import open_journal
from trimtab.journal.tables import SCHEMA_VERSION

ADMIN_URL = os.environ.get("TRIMTAB_TEST_POSTGRES_URL")
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="TRIMTAB_TEST_POSTGRES_URL not set")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    assert ADMIN_URL is not None
    name = f"trimtab_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_postgres_journal_is_created_with_its_schema_version(postgres_url: str) -> None:
    journal = open_journal(postgres_url)
    with journal.session() as session:
        assert session.get(SchemaVersion, SCHEMA_VERSION) is not None
    journal.engine.dispose()


def test_the_rebalance_loop_runs_on_postgres(postgres_url: str) -> None:
    argv = ["rebalance", "--policy", str(ROOT / "examples" / "moderate.toml"),
            "--paper-prices", "history:2025-01-31", "--paper-start",
            str(ROOT / "examples" / "paper-start.json"), "--journal", postgres_url,
            "--yes", "--json"]
    first = CliRunner().invoke(app, argv)
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["status"] == "done"
    second = CliRunner().invoke(app, argv)
    assert json.loads(second.stdout)["status"] == "nothing_to_do"
    _read_back_through_core(postgres_url, json.loads(first.stdout))


def _read_back_through_core(url: str, done: dict[str, Any]) -> None:
    """The read-only commands (Core selects on the tables) see the plan the ORM wrote."""
    listed = json.loads(CliRunner().invoke(app, ["journal", "--journal", url, "--json"]).stdout)
    [plan] = [p for p in listed if p["plan_id"] == done["plan_id"]]
    assert plan["status"] == "done" and plan["created_at"].endswith("+00:00") and done["orders"]
    assert [o["client_order_id"] for o in plan["orders"]] == \
        [o["client_order_id"] for o in done["orders"]]
    shown = CliRunner().invoke(app, ["plan", "show", done["plan_id"], "--journal", url,
                                     "--json"])
    assert shown.exit_code == 0 and done["plan_id"] in shown.stdout
    checked = CliRunner().invoke(app, ["journal", "check", "--journal", url])
    assert checked.exit_code == 0, checked.stdout


def test_times_read_back_in_utc_when_the_server_is_not_on_utc(postgres_url: str) -> None:
    from datetime import UTC, datetime

    from trimtab.journal.models import WatchCheckRow
    from trimtab.watch.history import WatchLog

    name = make_url(postgres_url).database
    admin = create_engine(ADMIN_URL or "", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO 'America/New_York'"))
    admin.dispose()
    journal = open_journal(postgres_url)
    midnight = datetime(2025, 1, 1, tzinfo=UTC)
    journal.add(WatchCheckRow(at=midnight, ok=True, fired="[]", notified="[]", decision="none"))
    assert WatchLog(journal).last_check() == midnight  # was 19:00 the day before
    with journal.engine.connect() as conn:
        assert conn.execute(text("show timezone")).scalar() == "America/New_York"
        assert conn.execute(text("select at::text from watch_checks")).scalar() \
            == "2025-01-01 00:00:00"
    journal.engine.dispose()
