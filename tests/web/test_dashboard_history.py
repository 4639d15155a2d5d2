"""The history charts over a journal that `trimtab watch --replay` wrote, in Chromium.

The policy rebalances on the first of every month (mode auto) and its bands
are too wide to breach, so the rebalances are exactly the first days of the
months after the start: the chart's markers must sit on those dates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.web.dashboard_world import TOKEN, serving
from trimtab.app.dashboard import open_dashboard
from trimtab.app.wiring import Options
from trimtab.domain.policy import Policy
from trimtab.journal.opening import open_journal

START, END = date(2024, 1, 1), date(2024, 3, 12)
UNITS = {"BTC": 0.25, "ETH": 4.0, "USDT": 6_000.0}  # 41 / 36 / 23 %: far from target
POLICY = """
mode = "auto"
[targets]
BTC = 0.5
ETH = 0.3
USDT = 0.2
[bands]
kind = "absolute"
width = 0.45
[costs]
fee_rate = 0.001
slippage_bps = 5
min_trade = 10
[[schedules]]
every = "monthly"
action = "rebalance"
"""


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("replay")
    policy, start = folder / "policy.toml", folder / "start.json"
    policy.write_text(POLICY)
    start.write_text(json.dumps(UNITS))
    url = f"sqlite:///{folder / 'journal.sqlite'}"
    result = subprocess.run(
        [sys.executable, "-m", "trimtab", "watch", "-p", str(policy), "--paper-start",
         str(start), "--journal", url, "--replay", f"{START}..{END}"],
        capture_output=True, text=True, timeout=300, env={"PATH": "", "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    return policy, url


def month_starts() -> list[str]:
    return [f"2024-{m:02d}-01" for m in range(START.month + 1, END.month + 1)]


def test_the_rebalances_are_marked_on_their_dates(browser: Any, replayed: tuple[Path, str],
                                                  artifacts: Path) -> None:
    policy_path, url = replayed
    from trimtab.app.inputs import load_policy
    policy: Policy = load_policy(policy_path)
    options = Options(policy_path, ("paper",), url, f"history:{END}")
    source = open_dashboard(options, policy, open_journal(url), lambda _m: None)
    with serving(source) as base:
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(f"{base}/?token={TOKEN}")
        for chart in ("value", "weights", "drift"):
            dates = page.eval_on_selector_all(f"svg.{chart} g.rebalance",
                                              "gs => gs.map((g) => g.dataset.date)")
            assert dates == month_starts(), chart
        ticks = dict(page.eval_on_selector_all(
            "svg.value text.tick", "ts => ts.map(t => [t.textContent, t.getAttribute('x')])"))
        lines = page.eval_on_selector_all("svg.value g.rebalance line",
                                          "ls => ls.map(l => l.getAttribute('x1'))")
        assert lines == [ticks["Feb"], ticks["Mar"]]  # on the axis's own month ticks
        assert page.locator("svg.value polyline.hold").count() == 1
        assert page.locator('svg.weights rect.band').count() == 3
        page.locator("#history").screenshot(path=str(artifacts / "dashboard-history.png"))

