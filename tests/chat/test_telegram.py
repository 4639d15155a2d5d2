"""Approving from Telegram, against a local server that speaks the Bot API on 127.0.0.1.

python-telegram-bot's base URL points at the server; two taps on Approve
(and one from a chat that is not configured) execute the plan exactly once.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.app.test_approvals import approvals, proposed, sent
from tests.journal.test_readers_beside_a_writer import write_lock_held
from trimtab.app.chat import ChatApprovals, serve_chat
from trimtab.chat.telegram import TelegramDesk
from trimtab.execution.states import PlanStatus
from trimtab.journal import opening

TOKEN = "123456:test-token"
OWNER, STRANGER = 42, 666


class BotApi:
    """The few Bot API methods the desk uses; records every call."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.polled = threading.Event()  # set at every getUpdates: one bot cycle is over

    def tap(self, chat_id: int, data: str) -> None:
        n = len(self.updates) + 1
        self.updates.append({"update_id": n, "callback_query": {
            "id": str(n), "chat_instance": "c", "data": data,
            "from": {"id": chat_id, "is_bot": False, "first_name": "u"},
            "message": {"message_id": 7, "date": 0, "chat": {"id": chat_id, "type": "private"},
                        "text": "plan"}}})

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        self.calls.append((method, params))
        if method == "getMe":
            return {"id": 1, "is_bot": True, "first_name": "trimtab", "username": "trimtab_bot"}
        if method == "getUpdates":
            self.polled.set()
            offset = int(params.get("offset") or 0)
            return [u for u in self.updates if u["update_id"] >= offset]
        if method == "sendMessage":
            return {"message_id": 8, "date": 0, "text": params.get("text", ""),
                    "chat": {"id": int(params["chat_id"]), "type": "private"}}
        return True


@pytest.fixture
def bot_api() -> Iterator[tuple[BotApi, str]]:
    api = BotApi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            kind = self.headers.get("Content-Type", "")
            params = (json.loads(body) if "json" in kind and body else
                      {k: v[0] for k, v in parse_qs(body).items()})
            token, _, method = self.path.removeprefix("/bot").partition("/")
            assert token == TOKEN
            data = json.dumps({"ok": True, "result": api.answer(method, params)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield api, f"http://127.0.0.1:{server.server_address[1]}/bot"
    server.shutdown()


async def one_cycle(desk: TelegramDesk) -> None:
    async with desk.bot:
        await desk.poll_once()


def test_two_taps_on_approve_execute_the_plan_once(bot_api: tuple[BotApi, str],
                                                   tmp_path: Path) -> None:
    api, base_url = bot_api
    journal, plan_id = proposed(tmp_path)
    chat = ChatApprovals(approvals(journal), frozenset({OWNER}))
    api.tap(OWNER, f"approve:{plan_id}")
    api.tap(OWNER, f"approve:{plan_id}")
    api.tap(STRANGER, f"approve:{plan_id}")
    desk = TelegramDesk(TOKEN, chat.decide, base_url=base_url, poll_timeout=0)
    asyncio.run(one_cycle(desk))
    assert sent(journal) == [f"trimtab{plan_id}x001"]
    assert journal.plan(plan_id).status == PlanStatus.DONE
    assert "Telegram" in (journal.plan(plan_id).reason or "")
    answers = [p["text"] for m, p in api.calls if m == "answerCallbackQuery"]
    assert len(answers) == 2  # the stranger gets no answer at all
    assert "executed" in answers[0] and "already-decided" in answers[1]
    replies = [p for m, p in api.calls if m == "sendMessage"]
    assert {int(p["chat_id"]) for p in replies} == {OWNER}
    assert desk.offset == 4  # every update consumed: a restart does not tap again


def test_reject_from_the_chat_and_announce_waiting_plans(bot_api: tuple[BotApi, str],
                                                         tmp_path: Path) -> None:
    api, base_url = bot_api
    journal, plan_id = proposed(tmp_path)
    chat = ChatApprovals(approvals(journal), frozenset({OWNER}))
    assert [(p, chats) for p, _, chats in chat.to_announce()] == [(plan_id, [OWNER])]
    chat.announced(plan_id, OWNER)
    assert chat.to_announce() == []  # announced once
    api.tap(OWNER, f"reject:{plan_id}")
    asyncio.run(one_cycle(TelegramDesk(TOKEN, chat.decide, base_url=base_url, poll_timeout=0)))
    assert journal.plan(plan_id).status == PlanStatus.REJECTED and sent(journal) == []


def test_the_bot_without_a_token_says_which_variables_to_set() -> None:
    from typer.testing import CliRunner

    from trimtab.cli.main import app

    result = CliRunner().invoke(app, ["bot"])
    assert result.exit_code == 2
    assert "TRIMTAB_TELEGRAM_TOKEN" in result.stderr and "TRIMTAB_TELEGRAM_CHATS" in result.stderr


def announcements(api: BotApi) -> list[tuple[int, str]]:
    return [(int(p["chat_id"]), str(p["text"]).split()[2]) for m, p in api.calls
            if m == "sendMessage" and "reply_markup" in p]


def test_a_restarted_bot_does_not_announce_the_same_plan_again(bot_api: tuple[BotApi, str],
                                                              tmp_path: Path) -> None:
    api, base_url = bot_api
    journal, plan_id = proposed(tmp_path)
    for _ in range(2):  # two processes, one after the other, on the same journal
        chat = ChatApprovals(approvals(journal), frozenset({OWNER, 43}))
        desk = TelegramDesk(TOKEN, chat.decide, base_url=base_url, poll_timeout=0)
        asyncio.run(serve_chat(desk, chat, api.polled))  # stops after its first poll
        api.polled.clear()
    assert sorted(announcements(api)) == [(OWNER, plan_id), (43, plan_id)]


def test_an_approval_runs_off_the_event_loop(bot_api: tuple[BotApi, str],
                                            tmp_path: Path) -> None:
    """The decision waits for a task of the event loop: run on the loop, it never would."""
    api, base_url = bot_api
    journal, plan_id = proposed(tmp_path)
    chat = ChatApprovals(approvals(journal), frozenset({OWNER}))
    released = threading.Event()

    def decide(chat_id: int, action: str, plan: str) -> str | None:
        assert released.wait(10), "the event loop was blocked by the approval"
        return chat.decide(chat_id, action, plan)

    async def cycle(desk: TelegramDesk) -> None:
        async def release() -> None:
            await asyncio.sleep(0.05)
            released.set()
        async with desk.bot:
            task = asyncio.create_task(release())
            await desk.poll_once()
            await task

    api.tap(OWNER, f"approve:{plan_id}")
    asyncio.run(cycle(TelegramDesk(TOKEN, decide, base_url=base_url, poll_timeout=0)))
    assert journal.plan(plan_id).status == PlanStatus.DONE
    assert sent(journal) == [f"trimtab{plan_id}x001"]


def test_an_approval_while_another_process_holds_the_journal_replies_busy_and_the_bot_goes_on(
        bot_api: tuple[BotApi, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tap while another process keeps the journal locked for writing used to end the bot
    with "database is locked" (the announcement it records, then the approval). Now the
    chat gets the one line that says what to do, the plan waits as it was, and the next
    tap, once the lock is gone, executes it. The busy timeout is 0: refused at once."""
    api, base_url = bot_api
    journal, plan_id = proposed(tmp_path)
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    journal.engine.dispose()  # its connections were opened with the 10 s timeout
    chat = ChatApprovals(approvals(journal), frozenset({OWNER}))
    api.tap(OWNER, f"approve:{plan_id}")
    with write_lock_held(journal.engine.url.render_as_string(hide_password=False)):
        desk = TelegramDesk(TOKEN, chat.decide, base_url=base_url, poll_timeout=0)
        asyncio.run(serve_chat(desk, chat, api.polled))  # announces, polls once, stops
    replies = [p["text"] for m, p in api.calls if m == "answerCallbackQuery"]
    assert len(replies) == 1 and replies[0].startswith(f"plan {plan_id}: busy: "), replies
    assert "another trimtab process" in replies[0] and "\n" not in replies[0]
    assert journal.plan(plan_id).status == PlanStatus.PROPOSED and sent(journal) == []
    assert [p for p, _, _ in chat.to_announce()] == [plan_id]  # not recorded: sent again
    api.polled.clear()
    api.tap(OWNER, f"approve:{plan_id}")
    asyncio.run(serve_chat(desk, chat, api.polled))  # the same desk goes on polling
    assert journal.plan(plan_id).status == PlanStatus.DONE
    assert sent(journal) == [f"trimtab{plan_id}x001"]
    assert chat.to_announce() == []
