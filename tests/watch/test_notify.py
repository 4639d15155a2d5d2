"""Real deliveries over loopback: an SMTP server and an HTTP webhook receiver."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.builders import policy, snapshot
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan
from trimtab.watch.notify import SMS_LENGTH, Notifier, compose, mask


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd checks its port by connecting: port 0 won't do
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()


@pytest.fixture
def breached():
    pol = policy({"BTC": 0.5, "ETH": 0.3, "USDT": 0.2})
    snap = snapshot({"BTC": 58_000.0, "ETH": 2_700.0}, {"BTC": 0.1, "ETH": 1.0, "USDT": 1_500.0})
    analysis = analyse(snap, pol)
    return analysis, make_plan(snap, pol, analysis)


def test_an_email_reaches_a_real_smtp_server_with_what_fired(smtp, breached):
    port, inbox = smtp
    analysis, plan = breached
    notifier = Notifier([f"mailto://127.0.0.1:{port}?from=trimtab@localhost"
                         "&to=me@localhost&secure=no"], retries=1)
    delivery = notifier.send(compose(analysis.triggers, analysis, plan,
                                     "Confirm with: trimtab rebalance --policy p.toml"))
    assert delivery.ok, delivery.error
    [mail] = inbox.messages
    assert "BTC" in mail["Subject"] and "USDT" in mail["Subject"]
    body = mail.get_payload(decode=True).decode() if not mail.is_multipart() else \
        mail.get_payload(0).get_payload(decode=True).decode()
    assert "58.00%" in body and "sell" in body and "BTC/USDT" in body
    assert "Alert prices" in body and "trimtab rebalance" in body


def test_a_json_webhook_receives_title_and_body(webhook, breached):
    port, received = webhook
    analysis, plan = breached
    delivery = Notifier([f"json://127.0.0.1:{port}/hook"], retries=1).send(
        compose(analysis.triggers, analysis, plan))
    assert delivery.ok, delivery.error
    [payload] = received
    assert payload["title"].startswith("trimtab: 2 triggers")
    assert "ETH/USDT" in payload["message"]


def test_the_first_line_fits_an_sms(breached):
    analysis, plan = breached
    many = analysis.triggers * 20
    assert len(compose(many, analysis, plan).title) <= SMS_LENGTH


def test_a_failing_target_is_retried_with_backoff_and_never_raises(breached):
    analysis, _ = breached
    waits: list[float] = []
    # port 9 on loopback: nothing listens, the connection is refused at once
    notifier = Notifier(["json://127.0.0.1:9/hook"], retries=3, backoff=0.5, sleep=waits.append)
    delivery = notifier.send(compose(analysis.triggers, analysis))
    assert not delivery.ok and delivery.attempts == 3
    assert waits == [0.5, 1.0]


def test_credentials_in_urls_are_masked():
    notifier = Notifier(["mailto://alice:hunter2@127.0.0.1:2525?from=bot@example.com&to=me@example.com&secure=no"])
    assert all("hunter2" not in t for t in notifier.targets())
    assert "hunter2" not in mask("json://user:hunter2@host/x")


def test_targets_come_from_the_environment_only():
    notifier = Notifier.from_env({"TRIMTAB_NOTIFY": "json://127.0.0.1:1/a, json://127.0.0.1:2/b"})
    assert len(notifier.targets()) == 2
    assert not Notifier.from_env({}).configured
    with pytest.raises(ValueError, match="TRIMTAB_NOTIFY"):
        Notifier.from_env({"TRIMTAB_NOTIFY": "nonsense://x"})
