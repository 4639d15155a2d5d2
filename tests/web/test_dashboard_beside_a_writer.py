"""The dashboard's pages read the journal beside a trading writer; its approvals still write.

`trimtab serve` used to read the journal through its writer engine, whose
every transaction begins with BEGIN IMMEDIATE: while a rebalance or watch
held the write lock, a page load waited the busy timeout (10 s) and then
failed with "database is locked". The tests set the busy timeout to 0, so a
read that asks for the lock fails at once instead of waiting.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.journal.test_readers_beside_a_writer import write_lock_held
from tests.web.dashboard_world import POLICY, PRICES, TOKEN, journal_with_plan
from trimtab.app.dashboard import JournalSource, open_dashboard
from trimtab.app.wiring import Options
from trimtab.journal import opening
from trimtab.journal.opening import open_journal
from trimtab.venues.prices import FixedPrices
from trimtab.web.app import create_app
from trimtab.web.auth import Access

BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, JournalSource]:
    """`trimtab serve`'s source over a journal holding plan-1, proposed and waiting."""
    path = tmp_path / "journal.sqlite"
    journal_with_plan(path).journal.engine.dispose()
    url = f"sqlite:///{path}"
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    prices = FixedPrices(PRICES, datetime(2025, 1, 31, tzinfo=UTC))  # those plan-1 was sized on
    source = open_dashboard(Options(None, ("paper",), url, prices=prices), POLICY,
                            open_journal(url), lambda _message: None)
    # The paper exchange keeps its book in the journal, so its reads are the writer's;
    # an exchange's snapshot never touches the journal: this one was taken before the lock.
    taken = source.snapshot()
    return url, replace(source, snapshot=lambda: taken)


def test_the_pages_answer_while_another_process_holds_the_write_lock(
        served: tuple[str, JournalSource]) -> None:
    url, source = served
    client = TestClient(create_app(source, Access(TOKEN, False)), base_url="http://127.0.0.1")
    with write_lock_held(url):
        state = client.get("/api/state", headers=BEARER)
        assert state.status_code == 200, state.text
        assert [p["id"] for p in state.json()["plans"] if p["waiting"]] == ["plan-1"]
        sections = client.get("/api/sections", headers=BEARER)
        assert sections.status_code == 200 and sections.json()["waiting"] == ["plan-1"]
        assert client.get("/", headers=BEARER).status_code == 200
        assert client.get("/healthz").status_code == 200


def test_an_approval_while_another_process_holds_the_write_lock_is_busy_and_decides_nothing(
        served: tuple[str, JournalSource]) -> None:
    """Two processes never both trade: the approval asks for the lock first (with no busy
    timeout here, it is refused at once). It used to answer 500 with "database is locked";
    now 409 with the one line that says what to do, the plan still waiting, and it executes
    once the lock is free."""
    url, source = served
    client = TestClient(create_app(source, Access(TOKEN, False)), base_url="http://127.0.0.1")
    form = {"csrf": Access(TOKEN, False).csrf}
    json_ = {**BEARER, "Accept": "application/json"}
    with write_lock_held(url):
        for action in ("approve", "reject"):
            answer = client.post(f"/plans/plan-1/{action}", data=form, headers=json_)
            assert answer.status_code == 409, answer.text
            decision = answer.json()
            assert decision["outcome"] == "busy", decision
            assert "another trimtab process" in decision["message"], decision
            assert "try again in a moment" in decision["message"], decision
            assert "\n" not in decision["message"]
    assert [p.status for p in source.plans() if p.id == "plan-1"] == ["proposed"]
    assert source.approvals.journal.has_orders("plan-1") is False  # nothing was sent
    answer = client.post("/plans/plan-1/approve", data=form, headers=json_)
    assert answer.json()["outcome"] == "executed", answer.text
    state = client.get("/api/state", headers=BEARER).json()  # the reader sees the writer's commit
    assert [(p["id"], p["status"]) for p in state["plans"]] == [("plan-1", "done")]


def test_a_paper_snapshot_that_meets_the_lock_answers_503_with_one_line_not_500(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The paper exchange keeps its book in the journal: its snapshot reads (and lets time
    act) through the writer. A lock held past the busy timeout used to answer 500; a JSON
    endpoint answers 503 with the line that says to try again, the page 503 with it in a
    page, Propose answers it as its refusal (409), and the lock let go, all answer again."""
    path = tmp_path / "journal.sqlite"
    journal_with_plan(path).journal.engine.dispose()
    url = f"sqlite:///{path}"
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    prices = FixedPrices(PRICES, datetime(2025, 1, 31, tzinfo=UTC))
    source = open_dashboard(Options(None, ("paper",), url, prices=prices), POLICY,
                            open_journal(url), lambda _message: None)
    client = TestClient(create_app(source, Access(TOKEN, False)), base_url="http://127.0.0.1",
                        raise_server_exceptions=False)
    form = {"csrf": Access(TOKEN, False).csrf}
    json_ = {**BEARER, "Accept": "application/json"}
    with write_lock_held(url):
        for endpoint in ("/api/state", "/api/sections"):
            answer = client.get(endpoint, headers=BEARER)
            assert answer.status_code == 503, answer.text
            line = answer.json()["detail"]
            assert "another trimtab process" in line and "try again in a moment" in line
            assert "\n" not in line
        page = client.get("/", headers=BEARER)
        assert page.status_code == 503 and "text/html" in page.headers["content-type"]
        assert "another trimtab process" in page.text and "Traceback" not in page.text
        proposal = client.post("/plans/propose", data=form, headers=json_)
        assert proposal.status_code == 409, proposal.text
        assert proposal.json()["plan_id"] is None
        assert "another trimtab process" in proposal.json()["message"]
    assert client.get("/api/state", headers=BEARER).status_code == 200
    assert client.get("/", headers=BEARER).status_code == 200
