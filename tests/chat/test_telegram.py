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
from trimtab.app.approvals import Approvals
from trimtab.app.chat import ChatApprovals, serve_chat
from trimtab.chat.telegram import TelegramDesk
from trimtab.execution.states import PlanStatus
from trimtab.journal import opening
from trimtab.venues.retry import Backoff

TOKEN = "123456:test-token"
OWNER, STRANGER = 42, 666


class Refused(Exception):
    """The Bot API answers the call with ok: false (its description is the message)."""

    def __init__(self, description: str, code: int = 400,
                 parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code, self.parameters = code, parameters


class BotApi:
    """The few Bot API methods the desk uses; records every call."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.polled = threading.Event()  # set at every getUpdates: one bot cycle is over
        self.refused: set[str] = set()  # methods answered with Telegram's 400
        # method -> the HTTP statuses of its next calls (502, 429, ...; 0: the connection
        # is closed without an answer), then served again
        self.outages: dict[str, list[int]] = {}
        self.failed: list[str] = []  # the calls an outage refused, by method
        self.retry_after = 7  # what a 429 asks for, in seconds

    def tap(self, chat_id: int, data: str) -> None:
        n = len(self.updates) + 1
        self.updates.append({"update_id": n, "callback_query": {
            "id": str(n), "chat_instance": "c", "data": data,
            "from": {"id": chat_id, "is_bot": False, "first_name": "u"},
            "message": {"message_id": 7, "date": 0, "chat": {"id": chat_id, "type": "private"},
                        "text": "plan"}}})

    def answer(self, method: str, params: dict[str, Any], path: str = "") -> Any:
        if self.outages.get(method):
            self.failed.append(method)
            code = self.outages[method].pop(0)
            if code == 429:
                raise Refused(f"Too Many Requests: retry after {self.retry_after}", 429,
                              {"retry_after": self.retry_after})
            # a proxy in front of the Bot API that echoes the URL, token included
            raise Refused(f"Bad Gateway: upstream timed out for {path}", code)
        self.calls.append((method, params))
        if method in self.refused:
            raise Refused("Bad Request: query is too old and response timeout expired or "
                          "query id is invalid")
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
def crash_log(isolated_settings: Path) -> Path:
    """Where the bot writes tracebacks in these tests (conftest: never the user's own)."""
    return isolated_settings / "state" / "trimtab" / "log" / "crash.log"


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
            try:
                answer, status = {"ok": True, "result": api.answer(method, params,
                                                                   self.path)}, 200
            except Refused as exc:
                if exc.code == 0:  # the network dropped the call
                    self.close_connection = True
                    return
                answer = {"ok": False, "error_code": exc.code, "description": str(exc)}
                if exc.parameters:
                    answer["parameters"] = exc.parameters
                status = exc.code
            data = json.dumps(answer).encode()
            self.send_response(status)
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


def test_an_approval_that_raises_answers_one_line_and_the_next_tap_still_works(
        bot_api: tuple[BotApi, str], tmp_path: Path, crash_log: Path) -> None:
    """An error no layer expected (a bug in one decision, an untranslated venue error) used
    to end the bot. Now the tap gets one line that says what failed and that nothing was
    decided, the traceback goes to the crash log (not to the chat: it may carry secrets),
    and the bot goes on: the next tap executes the plan."""
    api, base_url = bot_api
    journal, plan_id = proposed(tmp_path)
    working = approvals(journal)

    def broken_venues(record: Any, policy: Any) -> Any:
        raise RuntimeError("secret-in-the-url https://key:hunter2@venue")

    chat = ChatApprovals(Approvals(journal, broken_venues), frozenset({OWNER}))
    api.tap(OWNER, f"approve:{plan_id}")
    desk = TelegramDesk(TOKEN, chat.decide, base_url=base_url, poll_timeout=0)
    asyncio.run(serve_chat(desk, chat, api.polled))  # polls once, then stops
    replies = [str(p["text"]) for m, p in api.calls if m == "sendMessage"
               and "reply_markup" not in p]
    assert len(replies) == 1 and "\n" not in replies[0], replies
    assert replies[0].startswith(f"plan {plan_id}: approve failed: internal error (RuntimeError)")
    assert "nothing was decided" in replies[0] and "hunter2" not in replies[0]
    assert "Traceback" not in replies[0]
    assert "Traceback" in crash_log.read_text() and "secret-in-the-url" in crash_log.read_text()
    assert "hunter2" not in crash_log.read_text()  # masked there too, as in every log
    assert journal.plan(plan_id).status == PlanStatus.PROPOSED and sent(journal) == []
    chat.approvals.open_venues = working.open_venues  # the venue is fixed
    api.polled.clear()
    api.tap(OWNER, f"approve:{plan_id}")
    asyncio.run(serve_chat(desk, chat, api.polled))  # the same desk goes on polling
    assert journal.plan(plan_id).status == PlanStatus.DONE
    assert sent(journal) == [f"trimtab{plan_id}x001"]


def test_a_tap_the_desk_cannot_answer_does_not_end_the_bot(
        bot_api: tuple[BotApi, str], crash_log: Path) -> None:
    """Whatever a tap's handling raises in the adapter (here the decision callback itself)
    is answered in one line and logged to the crash log; the next update is handled."""
    api, base_url = bot_api
    seen: list[str] = []

    def decide(chat_id: int, action: str, plan_id: str) -> str | None:
        seen.append(plan_id)
        if plan_id == "bad":
            raise KeyError("internals")
        return f"plan {plan_id}: rejected"

    api.tap(OWNER, "reject:bad")
    api.tap(OWNER, "reject:good")
    desk = TelegramDesk(TOKEN, decide, base_url=base_url, poll_timeout=0)
    asyncio.run(one_cycle(desk))
    assert seen == ["bad", "good"] and desk.offset == 3
    replies = [str(p["text"]) for m, p in api.calls if m == "sendMessage"]
    assert len(replies) == 2 and replies[1] == "plan good: rejected"
    assert replies[0].startswith("the tap 'reject:bad' failed: internal error (KeyError)")
    assert "internals" not in replies[0] and "\n" not in replies[0]
    assert "internals" in crash_log.read_text()


def test_a_tap_whose_query_expired_during_the_execution_still_gets_the_reply(
        bot_api: tuple[BotApi, str], tmp_path: Path) -> None:
    """Telegram refuses to answer a callback query after some seconds; an execution can
    take longer. The refused toast used to end the bot before the reply was sent (the plan
    executed, the chat never told); now the reply follows in the chat."""
    api, base_url = bot_api
    journal, plan_id = proposed(tmp_path)
    chat = ChatApprovals(approvals(journal), frozenset({OWNER}))
    api.refused.add("answerCallbackQuery")
    api.tap(OWNER, f"approve:{plan_id}")
    asyncio.run(one_cycle(TelegramDesk(TOKEN, chat.decide, base_url=base_url, poll_timeout=0)))
    assert journal.plan(plan_id).status == PlanStatus.DONE
    replies = [str(p["text"]) for m, p in api.calls if m == "sendMessage"]
    assert len(replies) == 1 and replies[0].startswith(f"plan {plan_id}: executed: "), replies


def test_telegram_failing_for_a_while_is_waited_out_and_the_announcement_arrives_once(
        bot_api: tuple[BotApi, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Telegram answering 502 or 429 (to the announcement, then to getUpdates) used to end
    the bot. Now each failure is one log line without the token, the bot waits (the 429's
    retry_after as Telegram asked, the 502s with backoff) and carries on: the plan is
    announced once it can be, and the tap that waited in Telegram is answered."""
    from trimtab.cli.main import main as every_command

    api, base_url = bot_api
    monkeypatch.setenv("TRIMTAB_TELEGRAM_TOKEN", TOKEN)
    every_command(log_format="plain")  # the logging `trimtab bot` runs with, as any command
    journal, plan_id = proposed(tmp_path)
    chat = ChatApprovals(approvals(journal), frozenset({OWNER}))
    api.outages = {"sendMessage": [502, 429], "getUpdates": [502, 502, 429]}
    api.tap(OWNER, f"approve:{plan_id}")
    slept: list[float] = []
    pauses = Backoff(base_delay=0.5, max_delay=60.0, sleep=slept.append)  # no real waits
    desk = TelegramDesk(TOKEN, chat.decide, base_url=base_url, poll_timeout=0)
    asyncio.run(serve_chat(desk, chat, api.polled, pauses))  # stops after its first poll
    assert api.failed == ["sendMessage"] * 2 + ["getUpdates"] * 3
    assert announcements(api) == [(OWNER, plan_id)]  # sent once it could be, not twice
    assert chat.to_announce() == []
    assert journal.plan(plan_id).status == PlanStatus.DONE
    assert sent(journal) == [f"trimtab{plan_id}x001"]
    assert slept == pauses.waits and len(slept) == 5
    assert slept[1] == slept[4] == 7.0  # the 429s: what Telegram asked for
    # backoff, doubling while Telegram keeps failing: 0.5·2ⁿ plus jitter under 0.5
    assert 0.5 <= slept[0] <= 1.0 and 2.0 <= slept[2] <= 2.5 and 4.0 <= slept[3] <= 4.5
    lines = [line for line in capsys.readouterr().err.splitlines() if "trying again" in line]
    assert len(lines) == 5, lines
    assert "announcing plan" in lines[0] and "fetching the taps" in lines[2]
    assert "Bad Gateway" in lines[0] and "429" in lines[1]
    assert all(TOKEN not in line and "test-token" not in line for line in lines), lines
    assert "***" in lines[0]  # the URL the proxy echoed, its token masked


def test_a_telegram_429_asking_for_hours_is_waited_at_most_the_cap(
        bot_api: tuple[BotApi, str], tmp_path: Path) -> None:
    """retry_after is honoured within the backoff's cap: a bot never sleeps for hours."""
    api, base_url = bot_api
    api.outages = {"getUpdates": [429]}
    api.retry_after = 10_000
    slept: list[float] = []
    chat = ChatApprovals(approvals(proposed(tmp_path)[0]), frozenset({OWNER}))
    desk = TelegramDesk(TOKEN, chat.decide, base_url=base_url, poll_timeout=0)
    asyncio.run(serve_chat(desk, chat, api.polled, Backoff(max_delay=3.0, sleep=slept.append)))
    assert slept == [3.0]


def test_a_bot_started_while_telegram_fails_waits_for_it_and_then_answers(
        bot_api: tuple[BotApi, str], tmp_path: Path) -> None:
    """The bot's first call (getMe) failing used to end it at once: a bot started with
    the machine, before its network is up, never ran. Now it waits like any glitch: a
    connection dropped without an answer, a 503, a 429."""
    api, base_url = bot_api
    journal, plan_id = proposed(tmp_path)
    chat = ChatApprovals(approvals(journal), frozenset({OWNER}))
    chat.announced(plan_id, OWNER)
    api.outages = {"getMe": [0, 503, 429]}
    api.tap(OWNER, f"reject:{plan_id}")
    slept: list[float] = []
    desk = TelegramDesk(TOKEN, chat.decide, base_url=base_url, poll_timeout=0)
    asyncio.run(serve_chat(desk, chat, api.polled, Backoff(sleep=slept.append)))
    assert api.failed == ["getMe"] * 3 and len(slept) == 3 and slept[2] == 7.0
    assert journal.plan(plan_id).status == PlanStatus.REJECTED


def test_an_announcement_telegram_refuses_is_not_sent_again_and_the_bot_goes_on(
        bot_api: tuple[BotApi, str], tmp_path: Path) -> None:
    """Telegram answers 400 (a chat that does not exist, a message it refuses): it used
    to end the bot, at every start. Now the plan is not sent there again in this run (nor
    retried as a glitch: python-telegram-bot's 400 is a NetworkError), and the bot polls.
    Two runs of the loop: the refused announcement was tried once."""
    api, base_url = bot_api
    journal, plan_id = proposed(tmp_path)
    chat = ChatApprovals(approvals(journal), frozenset({OWNER}))
    api.refused.add("sendMessage")
    slept: list[float] = []
    desk = TelegramDesk(TOKEN, chat.decide, base_url=base_url, poll_timeout=0)
    asyncio.run(serve_chat(desk, chat, api.polled, Backoff(sleep=slept.append)))
    api.polled.clear()
    asyncio.run(serve_chat(desk, chat, api.polled, Backoff(sleep=slept.append)))
    assert [m for m, _ in api.calls].count("getUpdates") == 2 and slept == []
    assert len(announcements(api)) == 1  # refused once, not sent again in this run
    assert [p for p, _, _ in chat.to_announce()] == []
    assert journal.plan(plan_id).status == PlanStatus.PROPOSED  # still waits, for the CLI


def test_a_reply_telegram_fails_to_take_is_logged_not_called_a_failed_tap(
        bot_api: tuple[BotApi, str], tmp_path: Path, crash_log: Path) -> None:
    """The plan is executed, then Telegram answers the reply with a 502: that used to be
    handled as a tap that failed (an "internal error" line, a traceback in the crash log)
    although the decision was made. Now the reply is logged and the decision stands."""
    api, base_url = bot_api
    journal, plan_id = proposed(tmp_path)
    chat = ChatApprovals(approvals(journal), frozenset({OWNER}))
    api.outages = {"sendMessage": [502, 502]}
    api.tap(OWNER, f"approve:{plan_id}")
    asyncio.run(one_cycle(TelegramDesk(TOKEN, chat.decide, base_url=base_url, poll_timeout=0)))
    assert journal.plan(plan_id).status == PlanStatus.DONE
    assert api.failed == ["sendMessage"] and not crash_log.exists()
    toasts = [str(p["text"]) for m, p in api.calls if m == "answerCallbackQuery"]
    assert len(toasts) == 1 and toasts[0].startswith(f"plan {plan_id}: executed: ")


def test_a_rejected_token_ends_the_bot_in_one_line_that_does_not_show_it(
        bot_api: tuple[BotApi, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        crash_log: Path) -> None:
    """python-telegram-bot says "The token `123456:...` was rejected by the server": that
    line went to the terminal (stderr, a service's log) as an internal error. Now it is
    one line that names the variable, never the token, and exit status 2."""
    from typer.testing import CliRunner

    from trimtab.chat import telegram
    from trimtab.cli.main import app

    api, base_url = bot_api
    journal, _ = proposed(tmp_path)
    monkeypatch.setattr(telegram, "DEFAULT_BASE_URL", base_url)
    monkeypatch.setenv("TRIMTAB_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TRIMTAB_TELEGRAM_CHATS", str(OWNER))
    api.outages = {"getMe": [401]}
    result = CliRunner().invoke(app, ["bot", "--journal", str(journal.engine.url)])
    assert result.exit_code == 2, result.output
    assert "rejected the bot's token (TRIMTAB_TELEGRAM_TOKEN)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "test-token" not in result.output and not crash_log.exists()
