"""Proposing the present plan from the page, and the live sections, through FastAPI's client."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.web.dashboard_world import TOKEN, journal_with_plan
from trimtab.web.app import SECTIONS, create_app
from trimtab.web.auth import Access

HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}


def client(tmp_path: Path, read_only: bool = False) -> tuple[TestClient, object]:
    source = journal_with_plan(tmp_path / "journal.sqlite")
    app = create_app(source, Access(TOKEN, False), read_only=read_only)
    return TestClient(app, base_url="http://127.0.0.1"), source


def statuses(c: TestClient) -> dict[str, str]:
    return {p["id"]: p["status"] for p in c.get("/api/state", headers=HEADERS).json()["plans"]}


def test_propose_journals_the_present_plan_and_supersedes_the_waiting_one(
        tmp_path: Path) -> None:
    c, _ = client(tmp_path)
    csrf = Access(TOKEN, False).csrf
    assert c.post("/plans/propose", headers=HEADERS).status_code == 403  # no CSRF token
    answer = c.post("/plans/propose", data={"csrf": csrf}, headers=HEADERS)
    assert answer.status_code == 200
    plan_id = answer.json()["plan_id"]
    assert statuses(c) == {"plan-1": "superseded", plan_id: "proposed"}
    page = c.get("/", headers=HEADERS).text
    assert f'id="plan-{plan_id}"' in page and "Approve and execute" in page


def test_read_only_proposes_nothing_and_shows_no_button(tmp_path: Path) -> None:
    c, _ = client(tmp_path, read_only=True)
    csrf = Access(TOKEN, False).csrf
    assert "Propose this plan" not in c.get("/", headers=HEADERS).text
    assert c.post("/plans/propose", data={"csrf": csrf}, headers=HEADERS).status_code == 403
    assert statuses(c) == {"plan-1": "proposed"}


def test_nothing_to_propose_once_the_portfolio_is_back_in_its_bands(tmp_path: Path) -> None:
    c, _ = client(tmp_path)
    csrf = Access(TOKEN, False).csrf
    executed = c.post("/plans/plan-1/approve", data={"csrf": csrf}, headers=HEADERS)
    assert executed.json()["outcome"] == "executed"
    assert "Propose this plan" not in c.get("/", headers=HEADERS).text
    answer = c.post("/plans/propose", data={"csrf": csrf}, headers=HEADERS)
    assert answer.status_code == 409 and answer.json()["plan_id"] is None
    assert statuses(c) == {"plan-1": "done"}


def test_every_section_is_rendered_for_the_live_update_and_no_secret_is_in_it(
        tmp_path: Path) -> None:
    c, _ = client(tmp_path)
    state = c.get("/api/sections", headers=HEADERS).json()
    assert set(state["sections"]) == set(SECTIONS) and state["waiting"] == ["plan-1"]
    assert 'data-asset="BTC"' in state["sections"]["allocation"]
    assert "Propose this plan" in state["sections"]["present"]
    assert TOKEN not in str(state)
