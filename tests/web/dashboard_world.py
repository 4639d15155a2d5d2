"""A dashboard on loopback over a real SQLite journal holding one proposed plan."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import update

from tests.builders import policy
from trimtab.app.approvals import Approvals, propose
from trimtab.app.dashboard import JournalSource
from trimtab.app.wiring import VenueActions
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.orders import Order
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.policy import Policy
from trimtab.execution.outcome import Execution
from trimtab.journal.models import PlanRow
from trimtab.journal.opening import open_journal
from trimtab.journal.plan_record import PlanRecord
from trimtab.venues.paper.venue import PaperCosts, PaperVenue
from trimtab.venues.prices import FixedPrices
from trimtab.venues.retry import Backoff
from trimtab.web.app import create_app
from trimtab.web.auth import Access

TOKEN = "test-token-0123456789"
POLICY = policy({"BTC": 0.5, "ETH": 0.3, "USDT": 0.2},
                costs={"fee_rate": 0.001, "slippage_bps": 5, "min_trade": 10})
PRICES = {"BTC": 58_000.0, "ETH": 2_700.0}
START = {"BTC": 0.1, "ETH": 1.0, "USDT": 1_500.0}  # BTC 58 %, ETH 27 %, USDT 15 %


@dataclass
class Dashboard:
    url: str
    source: JournalSource
    executed: list[tuple[str, tuple[Order, ...]]] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def paper_source(path: Path, pol: Policy = POLICY) -> JournalSource:
    """The dashboard's source over a paper account whose BTC is over its band."""
    journal = open_journal(f"sqlite:///{path}")
    venue = PaperVenue(journal, FixedPrices(PRICES, datetime(2025, 1, 31, tzinfo=UTC)),
                       PaperCosts(0.001, 0.0005), assets=("BTC", "ETH"))
    venue.fund(START)
    actions = VenueActions(pol, journal, {"paper": venue}, Backoff(sleep=lambda _: None))
    return JournalSource(pol, journal, actions.snapshot,
                         Approvals(journal, lambda record, policy: actions), actions=actions)


def journal_with_plan(path: Path) -> JournalSource:
    """A paper account whose BTC is over its band, and the plan watch proposed for it."""
    source = paper_source(path)
    actions = source.actions
    assert actions is not None
    snap = actions.snapshot()
    analysis = analyse(snap, POLICY)
    plan = make_plan(snap, POLICY, analysis, markets=actions.markets())
    plan_id = propose(actions, snap, analysis, plan)
    with source.journal.session() as session:  # a readable id for the tests
        session.execute(update(PlanRow).where(PlanRow.id == plan_id).values(id="plan-1"))
    return source


def watch_executions(source: JournalSource, executed: list[tuple[str, tuple[Order, ...]]],
                     pause: float = 0.0) -> None:
    """Record every execution the source's approvals start (after `pause` seconds)."""
    real = source.approvals.open_venues

    def open_venues(record: PlanRecord, pol: Policy) -> VenueActions:
        actions = real(record, pol)
        execute = actions.execute

        def recorded(plan_id: str, orders: tuple[Order, ...]) -> Execution:
            executed.append((plan_id, orders))
            time.sleep(pause)
            return execute(plan_id, orders)
        actions.execute = recorded  # type: ignore[method-assign]
        return actions

    source.approvals.open_venues = open_venues


@contextmanager
def serving(source: JournalSource, refresh_ms: int = 300) -> Iterator[str]:
    """The dashboard over `source` on a free loopback port; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(source, Access(TOKEN, False),
                                                      refresh_ms=refresh_ms),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[Dashboard]:
    source = journal_with_plan(tmp_path / "journal.sqlite")
    board = Dashboard("", source)
    # give a second click the time to land while the first executes
    watch_executions(source, board.executed, pause=0.3)
    with serving(source) as url:
        board.url = url
        yield board


@pytest.fixture
def artifacts() -> Path:
    folder = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (its own download is not used)."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
