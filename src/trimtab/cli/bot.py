"""`trimtab bot`: approve and reject proposed plans from Telegram."""

from __future__ import annotations

import os
import signal
import threading

import typer

from trimtab.cli.options import JournalOption, SandboxOption, fail, require_extra, settings
from trimtab.reports.terminal import terminal

app = typer.Typer()


@app.command()
def bot(journal: JournalOption = None, sandbox: SandboxOption = False) -> None:
    """Send plans waiting for approval to Telegram with Approve / Reject buttons.

    The token comes from TRIMTAB_TELEGRAM_TOKEN and the chats that may decide
    from TRIMTAB_TELEGRAM_CHATS; taps from any other chat are ignored. A tap
    goes through the same approvals path as `trimtab approve` and the
    dashboard: two taps, or a tap and a click, execute a plan once.
    """
    require_extra("bot", ("telegram",), "telegram")
    from trimtab.app.approvals import Approvals, venues_from_record
    from trimtab.app.chat import ChatApprovals, run_chat
    from trimtab.app.inputs import InputError
    from trimtab.app.rebalance import open_or_fail
    from trimtab.chat.telegram import TelegramDesk, TokenRejected

    current = settings()
    if current.telegram_token is None or not current.telegram_chats:
        fail("TRIMTAB_TELEGRAM_TOKEN and TRIMTAB_TELEGRAM_CHATS: set the bot's token and the "
             "chat ids that may approve (comma-separated)")
    console = terminal()
    try:
        opened = open_or_fail(journal or current.journal)
    except InputError as exc:
        fail(str(exc))
    opener = venues_from_record(opened, os.environ, console.print, sandbox=sandbox)
    chat = ChatApprovals(Approvals(opened, opener),
                         frozenset(current.telegram_chats))
    desk = TelegramDesk(current.telegram_token.get_secret_value(), chat.decide)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    console.print(f"trimtab bot: answering chats {', '.join(map(str, current.telegram_chats))}")
    try:
        run_chat(desk, chat, stop)
    except TokenRejected as exc:
        fail(str(exc))
