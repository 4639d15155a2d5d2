"""The bot finds the plans to announce beside a trading writer; what it records still writes.

`trimtab bot` read the waiting plans through its writer engine (BEGIN
IMMEDIATE) at every poll: while a rebalance or watch held the write lock it
waited the busy timeout, and then "database is locked" ended the bot with a
traceback. The busy timeout is 0 here: a read that asks for the lock fails at once.
Recording an announcement still takes the lock: refused, it is not recorded (the plan
is announced again at the next poll) and the bot goes on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.test_approvals import approvals, proposed
from tests.journal.test_readers_beside_a_writer import write_lock_held
from trimtab.app.chat import ChatApprovals
from trimtab.journal import opening

OWNER = 42


def test_the_plans_to_announce_are_read_while_another_process_holds_the_write_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal, plan_id = proposed(tmp_path)
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 0)
    journal.engine.dispose()  # its connections were opened with the 10 s timeout
    chat = ChatApprovals(approvals(journal), frozenset({OWNER}))
    url = journal.engine.url.render_as_string(hide_password=False)
    with write_lock_held(url):
        assert [(p, chats) for p, _, chats in chat.to_announce()] == [(plan_id, [OWNER])]
        chat.announced(plan_id, OWNER)  # a write still asks for the lock: refused, not raised
        assert [p for p, _, _ in chat.to_announce()] == [plan_id]
    chat.announced(plan_id, OWNER)
    assert chat.to_announce() == []
