"""One writer per venue account: an exclusive lease, kept in the journal, for a whole execution.

Two processes that trade on one account from one journal both sent the
same legs, and one's start-up reconciliation closed the other's in-flight
order as "never placed". So whatever reconciles, plans to trade or sends
orders on a venue first takes that venue's lease: a row in the journal
(`account_leases`, so it works the same on SQLite and PostgreSQL) naming
its holder, renewed by a heartbeat, and taken only in one conditional
UPDATE. A holder that dies stops renewing and its lease expires after
`ttl` seconds; one on this host whose process is gone is taken at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError

from trimtab.journal.models import LeaseRow
from trimtab.journal.store import Journal, JournalBusy

LEASE_TTL = 30.0  # seconds a lease outlives its holder's last heartbeat
LEASE_WAIT = 60.0  # seconds a second process waits for the account before it refuses
POLL = 0.2

log = logging.getLogger(__name__)


class LeaseBusy(Exception):
    """Another live process holds the account; the message says which and what to do."""


class LeaseLost(Exception):
    """This process no longer holds the account (it stalled past the lease's expiry)."""


def new_holder_id() -> str:
    """host/pid/nonce: unique per lease, and says where the holder runs."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


def holder_is_dead(holder: str) -> bool:
    """True only when the holder ran on this host and its process is gone (or a zombie)."""
    host, _, rest = holder.partition("/")
    pid_text = rest.partition("/")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another host: only expiry can tell
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AccountLease:
    """The lease of the venue accounts `names` for one holder (one execution)."""

    journal: Journal
    names: tuple[str, ...]
    purpose: str
    ttl: float = LEASE_TTL
    clock: Callable[[], datetime] = _now
    holder: str = field(default_factory=new_holder_id)
    held: bool = False
    _beat: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.names = tuple(sorted(set(self.names)))

    def acquire(self, wait: float = LEASE_WAIT, sleep: Callable[[float], None] = time.sleep
                ) -> None:
        """Take every named account, waiting up to `wait` seconds; LeaseBusy if not.

        All or nothing: a lease taken while another is refused is given
        back, so two processes never hold half of each other's accounts.
        """
        deadline = time.monotonic() + wait
        while True:
            busy = self._take_all()
            if busy is None:
                self.held = True
                self._start_heartbeat()
                return
            if time.monotonic() >= deadline:
                raise LeaseBusy(busy)
            sleep(POLL)

    def renew(self) -> None:
        """Push the expiry on; LeaseLost when another holder has taken an account."""
        if not self.held:
            raise LeaseLost(f"the lease of {', '.join(self.names)} is not held")
        values = {"expires_at": self.clock() + timedelta(seconds=self.ttl)}
        with self.journal.session() as session:
            result = cast(CursorResult[Any], session.execute(update(LeaseRow).where(
                LeaseRow.name.in_(self.names), LeaseRow.holder == self.holder).values(**values)))
            renewed = result.rowcount
        if renewed != len(self.names):
            self.held = False
            self._beat.set()
            raise LeaseLost(f"the lease of {', '.join(self.names)} was taken by another "
                            "process while this one stalled: nothing more is sent")

    def release(self) -> None:
        """Give the accounts back (only those this holder still holds).

        A journal another process keeps locked (JournalBusy) leaves the lease
        to expire by itself within `ttl`, its heartbeat stopped: raised from
        a `finally`, it would turn a finished execution into an error, or
        hide the error that ended one.
        """
        self._beat.set()
        self.held = False
        try:
            with self.journal.session() as session:
                session.execute(update(LeaseRow).where(
                    LeaseRow.name.in_(self.names), LeaseRow.holder == self.holder).values(
                    holder=None))
        except JournalBusy as exc:
            log.warning("the lease of %s expires by itself within %g s: %s",
                        ", ".join(self.names), self.ttl, exc)

    def _take_all(self) -> str | None:
        """Take every account or none; None when taken, else why not."""
        taken: list[str] = []
        for name in self.names:
            busy = self._take(name)
            if busy is not None:
                self._give_back(taken)
                return busy
            taken.append(name)
        return None

    def _take(self, name: str) -> str | None:
        now = self.clock()
        values = {"holder": self.holder, "purpose": self.purpose[:200], "acquired_at": now,
                  "expires_at": now + timedelta(seconds=self.ttl)}
        if self._claim(name, values, (LeaseRow.holder.is_(None)) | (LeaseRow.holder == self.holder)
                       | (LeaseRow.expires_at < now)):
            return None
        current = self._row(name)
        if current is None:
            try:
                self.journal.add(LeaseRow(name=name, **values))
                return None
            except IntegrityError:
                return f"the {name} account is being taken by another process; try again"
        if current.holder is not None and holder_is_dead(current.holder) and self._claim(
                name, values, LeaseRow.holder == current.holder):
            return None
        return (f"the {name} account is in use by another trimtab process ({current.holder}, "
                f"{current.purpose}, since {current.acquired_at:%Y-%m-%d %H:%M:%S} UTC): wait "
                "for it to finish, or stop it; a dead holder's lease expires by "
                f"{current.expires_at:%H:%M:%S} UTC")

    def _claim(self, name: str, values: dict[str, Any], condition: Any) -> bool:
        """One conditional UPDATE: a single statement, so two takers cannot both win."""
        with self.journal.session() as session:
            result = cast(CursorResult[Any], session.execute(update(LeaseRow).where(
                LeaseRow.name == name, condition).values(**values)))
            return result.rowcount == 1

    def _row(self, name: str) -> LeaseRow | None:
        with self.journal.session() as session:
            row = session.scalars(select(LeaseRow).where(LeaseRow.name == name)).first()
            if row is not None:
                session.expunge(row)
        return row

    def _give_back(self, names: Collection[str]) -> None:
        with self.journal.session() as session:
            session.execute(update(LeaseRow).where(
                LeaseRow.name.in_(list(names)), LeaseRow.holder == self.holder).values(
                holder=None))

    def _start_heartbeat(self) -> None:
        """Renew every third of the ttl from a daemon thread until released or lost."""
        self._beat = threading.Event()
        beat = self._beat

        def loop() -> None:
            while not beat.wait(self.ttl / 3):
                try:
                    self.renew()
                except LeaseLost:
                    return
                except Exception:
                    continue
        threading.Thread(target=loop, name="trimtab-lease", daemon=True).start()
