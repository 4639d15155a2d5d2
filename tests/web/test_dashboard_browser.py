"""The dashboard in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.journal.test_readers_beside_a_writer import write_lock_held
from tests.web.dashboard_world import TOKEN, Dashboard
from trimtab.app.wiring import VenueActions
from trimtab.domain.policy import Policy
from trimtab.journal import opening
from trimtab.journal.plan_record import PlanRecord
from trimtab.venues.errors import Retryable


def test_the_page_shows_the_breached_asset(browser: Any, dashboard: Dashboard,
                                           artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{dashboard.url}/?token={TOKEN}")
    btc = page.locator('tr[data-asset="BTC"]')
    assert "breached" in (btc.get_attribute("class") or "")
    assert "58.0%" in btc.inner_text()
    assert "breached" not in (page.locator('tr[data-asset="ETH"]').get_attribute("class") or "")
    assert page.locator("#plan-plan-1 button.approve").is_visible()
    page.screenshot(path=str(artifacts / "dashboard-1400.png"), full_page=True)


def test_a_double_click_on_approve_executes_the_plan_once(browser: Any,
                                                          dashboard: Dashboard,
                                                          artifacts: Path) -> None:
    page, other = browser.new_page(), browser.new_page()
    for tab in (page, other):  # two tabs show the plan waiting
        tab.goto(f"{dashboard.url}/?token={TOKEN}")
    other.route("**/api/sections", lambda route: route.abort())  # stale: it stops refreshing
    outcome = "#plan-plan-1[data-outcome]"  # a selector: the page's CSP forbids eval
    page.dblclick("#plan-plan-1 button.approve")
    page.wait_for_selector(outcome, state="attached")  # it may move to the collapsed list
    assert page.locator("#plan-plan-1").get_attribute("data-outcome") == "executed"
    other.click("#plan-plan-1 button.approve")  # the stale tab: refused by the database
    other.wait_for_selector(outcome, state="attached")
    assert other.locator("#plan-plan-1").get_attribute("data-outcome") == "already-decided"
    assert [pid for pid, _ in dashboard.executed] == ["plan-1"]
    with dashboard.source.journal.engine.connect() as db:  # each order once, all filled
        orders = db.exec_driver_sql("select client_order_id, state from orders").all()
        fills = db.exec_driver_sql("select count(*) from paper_orders").scalar_one()
    assert len(orders) == fills == 2 and {s for _, s in orders} == {"filled"}
    page.reload()
    assert "breached" not in (page.locator('tr[data-asset="BTC"]').get_attribute("class") or "")
    page.screenshot(path=str(artifacts / "dashboard-approved.png"), full_page=True)


def test_a_request_without_the_token_is_refused(browser: Any, dashboard: Dashboard) -> None:
    assert httpx.get(dashboard.url).status_code == 401
    assert httpx.post(f"{dashboard.url}/plans/plan-1/approve",
                      data={"csrf": "x"}).status_code == 401
    page = browser.new_page()
    response = page.goto(dashboard.url)
    assert response.status == 401 and "token" in page.content()
    assert dashboard.executed == []


def test_the_page_updates_itself_and_announces_a_new_plan(browser: Any,
                                                          dashboard: Dashboard) -> None:
    import json

    from trimtab.journal.models import PlanRow

    page = browser.new_page()
    page.goto(f"{dashboard.url}/?token={TOKEN}")
    page.wait_for_selector("body[data-refreshed]", state="attached")
    assert page.locator("#new-plan").is_hidden()
    with dashboard.source.journal.session() as session:  # watch proposes another plan
        first = session.get_one(PlanRow, "plan-1")
        session.add(PlanRow(id="plan-2", snapshot_id=first.snapshot_id, status="proposed",
                            document=json.dumps({"orders": []})))
    page.wait_for_selector("#new-plan:not([hidden])", timeout=10_000)
    assert "plan-2" in page.inner_text("#new-plan")


def test_the_page_shows_the_watch_heartbeat_and_follows_it(browser: Any,
                                                           dashboard: Dashboard) -> None:
    """What the loop's heartbeat writer put in the journal, on the page, and then its change."""
    from datetime import UTC, datetime

    from trimtab.execution.states import WatchState
    from trimtab.watch.history import WatchLog

    log = WatchLog(dashboard.source.journal)
    log.beat(WatchState.WAITING, "none", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
    page = browser.new_page()
    page.goto(f"{dashboard.url}/?token={TOKEN}")
    shown = page.inner_text("#watch-seen")
    assert shown.startswith("watch waiting (heartbeat ") and " s ago" in shown
    assert "next check 2030-01-02 03:04:05 UTC" in shown
    log.beat(WatchState.ERROR, "outage: ConnectionError", None)
    page.wait_for_selector("#watch-seen:has-text('watch error (heartbeat')", timeout=10_000)


def test_an_approval_refused_as_busy_leaves_the_plan_to_approve_again(
        browser: Any, dashboard: Dashboard, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process holds the journal's write lock (no busy timeout here): the click
    used to get a 500; then the page marked the plan decided and disabled its buttons. Now
    it says the one line, the buttons stay, and the next click executes the plan."""
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    dashboard.source.approvals.journal.engine.dispose()  # opened with the 10 s timeout
    page = browser.new_page()
    page.goto(f"{dashboard.url}/?token={TOKEN}")
    url = dashboard.source.approvals.journal.engine.url.render_as_string(hide_password=False)
    with write_lock_held(url):
        page.click("#plan-plan-1 button.approve")
        page.wait_for_selector("#notice:not([hidden])")
    assert "another trimtab process" in page.locator("#notice").inner_text()
    assert page.locator("#plan-plan-1").get_attribute("data-outcome") is None
    assert page.locator("#plan-plan-1 button.approve").is_enabled()
    assert dashboard.executed == []
    page.click("#plan-plan-1 button.approve")
    page.wait_for_selector("#plan-plan-1[data-outcome]", state="attached")
    assert page.locator("#plan-plan-1").get_attribute("data-outcome") == "executed"
    assert [pid for pid, _ in dashboard.executed] == ["plan-1"]


def test_an_approval_that_failed_to_start_leaves_the_plan_to_approve_again(
        browser: Any, dashboard: Dashboard) -> None:
    """The venues could not be opened: the plan ends `failed`, which an approval may claim
    again. The page used to mark it decided and disable Approve/Reject until a reload. Now
    it follows the answer's `approvable`: it says the line, and the buttons stay."""
    working = dashboard.source.approvals.open_venues

    def unreachable(record: PlanRecord, pol: Policy) -> VenueActions:
        raise Retryable("paper", "load_markets", "the exchange is unreachable")

    dashboard.source.approvals.open_venues = unreachable
    page = browser.new_page()
    page.goto(f"{dashboard.url}/?token={TOKEN}")
    page.click("#plan-plan-1 button.approve")
    page.wait_for_selector("#notice:not([hidden])")
    assert "failed" in page.locator("#notice").inner_text()
    assert "the exchange is unreachable" in page.locator("#notice").inner_text()
    assert page.locator("#plan-plan-1").get_attribute("data-outcome") is None
    assert page.locator("#plan-plan-1 button.approve").is_enabled()
    assert page.locator("#plan-plan-1 button.reject").is_enabled()
    dashboard.source.approvals.open_venues = working
    page.click("#plan-plan-1 button.approve")
    page.wait_for_selector("#plan-plan-1[data-outcome]", state="attached")
    assert page.locator("#plan-plan-1").get_attribute("data-outcome") == "executed"
    assert [pid for pid, _ in dashboard.executed] == ["plan-1"]
