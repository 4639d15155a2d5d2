"""The dashboard on a phone, in dark mode, updating itself, and proposing a plan.

Each test drives the real Chromium against a server on loopback; screenshots
go to build/test-artifacts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.dashboard_world import TOKEN, Dashboard

PHONE = {"width": 390, "height": 844}


def test_on_a_390_px_phone_nothing_runs_off_the_screen(browser: Any, dashboard: Dashboard,
                                                       artifacts: Path) -> None:
    page = browser.new_page(viewport=PHONE, device_scale_factor=2)
    page.goto(f"{dashboard.url}/?token={TOKEN}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    btc = page.locator('tr[data-asset="BTC"]')
    assert btc.locator(".weight-value").is_visible() and "58.0%" in btc.inner_text()
    approve = page.locator("#plan-plan-1 button.approve")
    # one atomic read: the page re-renders its sections live, so a handle taken by
    # is_visible() can be gone by the time a second call measures it
    width = approve.evaluate("(e) => e.checkVisibility() ? e.getBoundingClientRect().width : 0")
    assert width > 300  # visible, and a thumb's target
    page.screenshot(path=str(artifacts / "dashboard-390.png"), full_page=True)


def test_dark_mode_follows_the_system_setting(browser: Any, dashboard: Dashboard,
                                              artifacts: Path) -> None:
    colours = {}
    for scheme in ("light", "dark"):
        page = browser.new_page(viewport={"width": 1400, "height": 1400}, color_scheme=scheme)
        page.goto(f"{dashboard.url}/?token={TOKEN}")
        colours[scheme] = page.evaluate("""() => [document.body, document.querySelector('h1')]
            .map((e) => getComputedStyle(e)[e.tagName === 'BODY' ? 'backgroundColor' : 'color'])
            .map((c) => c.match(/\\d+/g).slice(0, 3).map(Number)
                         .reduce((s, v) => s + v, 0) / 765)""")
        if scheme == "dark":
            page.screenshot(path=str(artifacts / "dashboard-dark.png"), full_page=True)
    light_bg, light_text = colours["light"]
    dark_bg, dark_text = colours["dark"]
    assert light_bg > 0.9 and light_text < 0.3  # dark text on white
    assert dark_bg < 0.15 and dark_text > 0.8  # light text on near black


def test_a_breach_appears_without_reloading_the_page(browser: Any, dashboard: Dashboard,
                                                     artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(f"{dashboard.url}/?token={TOKEN}")
    eth = 'tr[data-asset="ETH"]'
    assert "breached" not in (page.locator(eth).get_attribute("class") or "")
    assert "[threshold] ETH" not in page.inner_text("#present")
    page.evaluate("window.sameDocument = true")
    venue = dashboard.source.actions.venues["paper"]  # ETH triples: its weight leaves the band
    venue.prices.prices["ETH"] = 8_100.0
    page.wait_for_selector(f"{eth}.breached", timeout=10_000)
    assert page.evaluate("window.sameDocument") is True  # updated in place, not reloaded
    assert "ETH" in page.inner_text("#present .triggers")
    page.screenshot(path=str(artifacts / "dashboard-live-breach.png"), full_page=True)


def test_a_plan_proposed_from_the_page_is_approved_and_executed_once(
        browser: Any, dashboard: Dashboard, artifacts: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(f"{dashboard.url}/?token={TOKEN}")
    page.click("#present button.propose")
    page.wait_for_selector("#notice:not([hidden])")
    assert "proposed" in page.inner_text("#notice")
    fresh = page.locator("article.plan").first
    page.wait_for_selector("article.plan:not([data-plan='plan-1'])")  # the CSP forbids eval
    plan_id = fresh.get_attribute("data-plan")
    assert plan_id in page.inner_text("#notice")
    assert page.locator("article.plan").count() == 1  # plan-1 was superseded by it
    assert "superseded" in (page.text_content("#plan-plan-1 summary") or "")
    assert "1 superseded" in (page.text_content("#past-plans > summary") or "")
    page.dblclick(f"#plan-{plan_id} button.approve")
    page.wait_for_selector(f"#plan-{plan_id}[data-outcome]", state="attached")
    assert page.locator(f"#plan-{plan_id}").get_attribute("data-outcome") == "executed"
    assert [pid for pid, _ in dashboard.executed] == [plan_id]
    with dashboard.source.journal.engine.connect() as db:
        orders = db.exec_driver_sql("select plan_id, state from orders").all()
    assert orders and {p for p, _ in orders} == {plan_id}
    assert {s for _, s in orders} == {"filled"}
    page.wait_for_selector('tr[data-asset="BTC"].ok')
    page.screenshot(path=str(artifacts / "dashboard-proposed-approved.png"), full_page=True)
