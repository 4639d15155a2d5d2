"""The dashboard's routes through FastAPI's test client."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.dashboard_world import TOKEN, journal_with_plan, watch_executions
from trimtab.app.wiring import VenueActions
from trimtab.domain.planning.orders import Order
from trimtab.domain.policy import Policy
from trimtab.journal.plan_record import PlanRecord
from trimtab.venues.errors import Retryable
from trimtab.web.app import create_app
from trimtab.web.auth import Access, AuthConfigError

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def client(tmp_path: Path, read_only: bool = False) -> tuple[TestClient, PlanIds]:
    source = journal_with_plan(tmp_path / "journal.sqlite")
    runs: list[tuple[str, tuple[Order, ...]]] = []
    watch_executions(source, runs)
    app = create_app(source, Access(TOKEN, False), read_only=read_only)
    return TestClient(app, base_url="http://127.0.0.1"), PlanIds(runs)


class PlanIds:
    """The ids of the plans executed so far, compared as a list."""

    def __init__(self, runs: list[tuple[str, tuple[Order, ...]]]) -> None:
        self.runs = runs

    def __eq__(self, other: object) -> bool:
        return [plan_id for plan_id, _ in self.runs] == other

    def __repr__(self) -> str:
        return repr([plan_id for plan_id, _ in self.runs])


def test_every_route_needs_the_token(tmp_path: Path) -> None:
    c, _ = client(tmp_path)
    for path in ("/", "/api/state", "/static/dashboard.css", "/reports/x.html"):
        assert c.get(path).status_code == 401, path
    assert c.get("/api/state", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/api/state", headers=BEARER).status_code == 200


def test_the_token_in_the_url_becomes_a_strict_httponly_cookie(tmp_path: Path) -> None:
    c, _ = client(tmp_path)
    response = c.get(f"/?token={TOKEN}")
    assert response.status_code == 200 and response.url.query == b""  # dropped from the URL
    [exchange] = response.history
    assert exchange.status_code == 303
    cookie = exchange.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert c.get("/api/state").status_code == 200  # the cookie carries on


def test_the_token_is_refused_in_any_other_url(tmp_path: Path) -> None:
    c, _ = client(tmp_path)
    assert c.get(f"/api/state?token={TOKEN}").status_code == 401
    assert c.get(f"/static/dashboard.css?token={TOKEN}").status_code == 401


def test_a_non_ascii_token_is_a_401_not_a_500(tmp_path: Path) -> None:
    c, _ = client(tmp_path)
    assert c.get("/?token=tök€n").status_code == 401
    bearer = {"Authorization": "Bearer t\u00f6ken".encode("latin-1")}
    assert c.get("/api/state", headers=bearer).status_code == 401  # type: ignore[dict-item]


def test_every_answer_carries_the_security_headers(tmp_path: Path) -> None:
    c, _ = client(tmp_path)
    for response in (c.get("/", headers=BEARER), c.get("/api/state"), c.get("/nope")):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_state_json_has_the_analysis_and_the_waiting_plan(tmp_path: Path) -> None:
    c, _ = client(tmp_path)
    state = c.get("/api/state", headers=BEARER).json()
    assert state["triggered"] is True
    assert {a["asset"] for a in state["assets"] if a["breached"]} == {"BTC", "USDT"}
    assert [p["id"] for p in state["plans"] if p["waiting"]] == ["plan-1"]


def test_approve_needs_csrf_and_same_origin(tmp_path: Path) -> None:
    c, executed = client(tmp_path)
    csrf = Access(TOKEN, False).csrf
    json_ = {**BEARER, "Accept": "application/json"}
    assert c.post("/plans/plan-1/approve", headers=json_).status_code == 403
    assert c.post("/plans/plan-1/approve", data={"csrf": "forged"},
                  headers=json_).status_code == 403
    evil = {**json_, "Origin": "http://evil.example"}
    assert c.post("/plans/plan-1/approve", data={"csrf": csrf}, headers=evil).status_code == 403
    assert executed == []
    answer = c.post("/plans/plan-1/approve", data={"csrf": csrf}, headers=json_)
    assert answer.json()["outcome"] == "executed" and executed == ["plan-1"]
    again = c.post("/plans/plan-1/approve", data={"csrf": csrf}, headers=json_)
    assert again.json()["outcome"] == "already-decided" and executed == ["plan-1"]
    assert c.post("/plans/nope/approve", data={"csrf": csrf}, headers=json_).status_code == 404


def test_read_only_mode_approves_nothing(tmp_path: Path) -> None:
    c, executed = client(tmp_path, read_only=True)
    csrf = Access(TOKEN, False).csrf
    page = c.get("/", headers=BEARER).text
    assert "read-only" in page and "Approve and execute" not in page
    response = c.post("/plans/plan-1/approve", data={"csrf": csrf}, headers=BEARER)
    assert response.status_code == 403 and executed == []


def test_binding_beyond_loopback_needs_a_configured_token() -> None:
    with pytest.raises(AuthConfigError, match="TRIMTAB_WEB_TOKEN"):
        Access.for_host("0.0.0.0", None)
    assert Access.for_host("127.0.0.1", None).generated
    with pytest.raises(AuthConfigError, match="at least 32 characters"):
        Access.for_host("0.0.0.0", "s")
    assert Access.for_host("127.0.0.1", "s").token == "s"  # loopback: the user's choice
    long = "x" * 32
    assert Access.for_host("0.0.0.0", long).token == long


def test_backtest_reports_in_the_folder_open_from_the_page(tmp_path: Path) -> None:
    source = journal_with_plan(tmp_path / "journal.sqlite")
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "backtest.html").write_text("<html>equity vs hold</html>")
    (reports / "notes.txt").write_text("not a report")
    (reports / "plotly.min.js").write_text("/* plotly */")  # the HTML reports load it
    source.reports_dir = reports
    c = TestClient(create_app(source, Access(TOKEN, False)), base_url="http://127.0.0.1")
    page = c.get("/", headers=BEARER).text
    assert 'href="/reports/backtest.html"' in page and "notes.txt" not in page
    assert "equity vs hold" in c.get("/reports/backtest.html", headers=BEARER).text
    assert c.get("/reports/notes.txt", headers=BEARER).status_code == 404
    assert "plotly.min.js" not in page  # served, not listed
    assert c.get("/reports/plotly.min.js", headers=BEARER).text == "/* plotly */"
    assert c.get("/reports/..%2Fjournal.sqlite", headers=BEARER).status_code == 404


def test_healthz_answers_without_the_token_and_shows_the_watch_heartbeat(tmp_path: Path
                                                                           ) -> None:
    c, _ = client(tmp_path)
    health = c.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert set(health.json()) == {"status", "last_watch_check", "last_watch_check_ok",
                                  "watch_state", "watch_heartbeat", "watch_age_s"}
    assert c.get("/api/state").status_code in (401, 403)  # everything else still needs it


def test_the_page_shows_what_the_venues_could_not_tell(tmp_path: Path) -> None:
    # issue 10: a snapshot's notes (funding unknown, an estimated mark price, an asset left
    # out) are shown by check and the tables; the page showed none of them
    source = journal_with_plan(tmp_path / "journal.sqlite")
    taken = source.snapshot
    note = "kraken: funding unknown (the venue has no funding API): shown as n/a"
    source.snapshot = lambda: taken().model_copy(update={"notes": (note,)})
    c = TestClient(create_app(source, Access(TOKEN, False)), base_url="http://127.0.0.1")
    page = c.get("/", headers=BEARER)
    assert page.status_code == 200
    assert 'id="snapshot-notes"' in page.text and note in page.text
    plain = journal_with_plan(tmp_path / "other.sqlite")
    quiet = TestClient(create_app(plain, Access(TOKEN, False)), base_url="http://127.0.0.1")
    assert 'id="snapshot-notes"' not in quiet.get("/", headers=BEARER).text


def test_a_decision_answers_whether_the_plan_may_be_approved_again(tmp_path: Path) -> None:
    """The page keeps Approve/Reject by the answer's `approvable` (the plan's status after
    the decision is one an approval may claim): true after `failed`, false once decided."""
    source = journal_with_plan(tmp_path / "journal.sqlite")
    working = source.approvals.open_venues

    def unreachable(record: PlanRecord, pol: Policy) -> VenueActions:
        raise Retryable("paper", "load_markets", "the exchange is unreachable")

    source.approvals.open_venues = unreachable
    c = TestClient(create_app(source, Access(TOKEN, False)), base_url="http://127.0.0.1")
    form, json_ = {"csrf": Access(TOKEN, False).csrf}, {**BEARER, "Accept": "application/json"}

    def approve(plan_id: str = "plan-1") -> dict[str, object]:
        return dict(c.post(f"/plans/{plan_id}/approve", data=form, headers=json_).json())

    failed = approve()
    assert (failed["outcome"], failed["approvable"]) == ("failed", True)
    source.approvals.open_venues = working
    done = approve()
    assert (done["outcome"], done["approvable"]) == ("executed", False)
    again = approve()
    assert (again["outcome"], again["approvable"]) == ("already-decided", False)
    assert approve("nope")["approvable"] is False
