"""A dashboard on loopback over a real SQLite journal holding one proposed plan."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn

from builders import policy, snapshot
from trimtab.domain.analysis import analyse
from trimtab.domain.orders import Order
from trimtab.domain.planner import make_plan
from trimtab.journal.models import PlanRow, SnapshotRow
from trimtab.journal.store import open_journal
from trimtab.report_json import plan_document
from trimtab.web.app import create_app
from trimtab.web.auth import Access
from trimtab.web.journal_source import JournalSource

TOKEN = "test-token-0123456789"
POLICY = policy({"BTC": 0.5, "ETH": 0.3, "USDT": 0.2})
SNAP = snapshot({"BTC": 58_000.0, "ETH": 2_700.0}, {"BTC": 0.1, "ETH": 1.0, "USDT": 1_500.0})


@dataclass
class Dashboard:
    url: str
    source: JournalSource
    executed: list[tuple[str, tuple[Order, ...]]] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def journal_with_plan(path: Path) -> JournalSource:
    journal = open_journal(f"sqlite:///{path}")
    snap = journal.add(SnapshotRow(as_of=datetime(2026, 1, 31, tzinfo=UTC), venues="paper",
                                   document="{}"))
    plan = make_plan(SNAP, POLICY, analyse(SNAP, POLICY))
    journal.add(PlanRow(id="plan-1", snapshot_id=snap.id, status="proposed",
                        document=json.dumps(plan_document(plan))))
    return JournalSource(POLICY, journal, lambda: SNAP, lambda pid, orders: "")


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[Dashboard]:
    source = journal_with_plan(tmp_path / "journal.sqlite")
    board = Dashboard("", source)

    def execute(plan_id: str, orders: tuple[Order, ...]) -> str:
        board.executed.append((plan_id, orders))
        time.sleep(0.3)  # a real execution takes a moment: a second click lands meanwhile
        return f"{len(orders)} orders filled"

    source.execute = execute
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(source, Access(TOKEN, False)),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    board.url = f"http://127.0.0.1:{port}"
    try:
        yield board
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def artifacts() -> Path:
    folder = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
