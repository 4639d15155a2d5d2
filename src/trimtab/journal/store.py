"""Opening the journal (any SQLAlchemy URL) and the writes execution makes.

The default is a SQLite file under the user's data directory; `--journal URL`
or `TRIMTAB_JOURNAL` choose another (e.g. `postgresql+psycopg://…`). Opening
checks the schema version: an older journal is upgraded in place (tables
are only ever added), a newer one is refused with what to do. Every write
commits at once, because an order's intent must be durable before it is sent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from trimtab.journal.models import (
    LIVE_STATES,
    SCHEMA_VERSION,
    AnalysisRow,
    Base,
    EventRow,
    FillRow,
    OrderRow,
    PlanRow,
    SchemaVersion,
    SnapshotRow,
)

ENV_JOURNAL = "TRIMTAB_JOURNAL"
# Upgrades from version N to N + 1 (tables new in N + 1 are created by create_all).
UPGRADES: dict[int, Callable[[Engine], None]] = {
    1: lambda _engine: None,  # 2 only adds paper_positions
}


class JournalError(Exception):
    """The journal cannot be opened or used; the message says what to do."""


def default_url() -> str:
    """SQLite under the user's data directory (created on first use)."""
    folder = Path(platformdirs.user_data_dir("trimtab", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'journal.sqlite'}"


def journal_url(url: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """`url`, else TRIMTAB_JOURNAL, else the default SQLite file."""
    environ = os.environ if environ is None else environ
    return url or environ.get(ENV_JOURNAL) or default_url()


@dataclass
class Journal:
    """An open journal: an engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends without error."""
        with self.sessions.begin() as session:
            yield session

    def add(self, row: Any) -> Any:
        """Insert one row, commit, and return it with its id."""
        with self.session() as session:
            session.add(row)
            session.flush()
            session.expunge(row)
        return row

    def event(self, kind: str, message: str, plan_id: str | None = None) -> None:
        self.add(EventRow(kind=kind, message=message, plan_id=plan_id))

    def record_document(self, as_of: Any, venues: str, snapshot: Any,
                        analysis: Any, triggered: bool) -> tuple[int, int]:
        """Journal a snapshot and its analysis; returns their ids."""
        snap = self.add(SnapshotRow(as_of=as_of, venues=venues, document=_json(snapshot)))
        ana = self.add(AnalysisRow(snapshot_id=snap.id, triggered=triggered,
                                   document=_json(analysis)))
        return snap.id, ana.id

    def update_order(self, client_order_id: str, **changes: Any) -> OrderRow:
        """Change an order row (state, fill, reason); records a fill when filled grows."""
        with self.session() as session:
            row = session.scalars(select(OrderRow).where(
                OrderRow.client_order_id == client_order_id)).one()
            before = float(row.filled or "0")
            for key, value in changes.items():
                setattr(row, key, value)
            grown = float(row.filled or "0") - before
            if grown > 0:
                session.add(FillRow(order_id=row.id, amount=_text(grown), price=row.average))
            session.flush()
            session.expunge(row)
        return row

    def order(self, client_order_id: str) -> OrderRow:
        """The journal row of one order, as it is now."""
        return self.update_order(client_order_id)

    def live_orders(self, venue: str | None = None) -> list[OrderRow]:
        """Orders not yet in a final state (pending-submit, unknown, open, partially filled)."""
        query = select(OrderRow).where(OrderRow.state.in_(LIVE_STATES))
        if venue is not None:
            query = query.where(OrderRow.venue == venue)
        with self.session() as session:
            rows = list(session.scalars(query.order_by(OrderRow.id)))
            session.expunge_all()
        return rows

    def known_client_ids(self) -> set[str]:
        with self.session() as session:
            return set(session.scalars(select(OrderRow.client_order_id)))

    def set_plan(self, plan_id: str, status: str, reason: str | None = None) -> None:
        with self.session() as session:
            row = session.get_one(PlanRow, plan_id)
            row.status = status
            if reason is not None:
                row.reason = reason

    def unfinished_plan(self) -> str | None:
        """The latest executed plan if it did not finish (crashed or stopped), else None.

        A plan left `executing` belongs to a process that died: it is marked
        `interrupted` here, so the journal says what happened to it.
        """
        with self.session() as session:
            latest = session.scalars(select(PlanRow).where(PlanRow.status.in_(
                ("executing", "stopped", "interrupted", "done", "nothing_to_do")))
                .order_by(PlanRow.created_at.desc()).limit(1)).first()
            if latest is None or latest.status in ("done", "nothing_to_do"):
                return None
            if latest.status == "executing":
                latest.status = "interrupted"
            return latest.id

    def recent(self, limit: int = 10) -> list[tuple[PlanRow, list[OrderRow], list[EventRow]]]:
        """The latest plans, newest first, each with its orders and events."""
        with self.session() as session:
            plans = list(session.scalars(
                select(PlanRow).order_by(PlanRow.created_at.desc(), PlanRow.id).limit(limit)))
            out = [(p, list(session.scalars(select(OrderRow).where(OrderRow.plan_id == p.id)
                                            .order_by(OrderRow.leg))),
                    list(session.scalars(select(EventRow).where(EventRow.plan_id == p.id)
                                         .order_by(EventRow.id))))
                   for p in plans]
            session.expunge_all()
        return out


def open_journal(url: str | None = None) -> Journal:
    """Open (creating or upgrading) the journal at `url` or the default location."""
    resolved = journal_url(url)
    try:
        engine = create_engine(resolved)
    except (ArgumentError, ValueError):
        raise JournalError("--journal: not a valid SQLAlchemy URL (e.g. sqlite:///path/"
                           "journal.sqlite or postgresql+psycopg://user@host/db)") from None
    except ImportError as exc:
        raise JournalError(f"--journal: the driver for '{_safe(resolved)}' is not "
                           f"installed ({exc.name})") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        _check_schema(engine)
    except OperationalError as exc:
        raise JournalError(f"--journal: cannot open '{_safe(resolved)}' "
                           f"({exc.orig})") from None
    return Journal(engine, sessionmaker(engine, expire_on_commit=False))


def _check_schema(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    if tables and "schema_version" not in tables:
        raise JournalError("--journal: the database has tables but no schema_version: it is "
                           "not a trimtab journal; give an empty database or another URL")
    version = 0
    if tables:
        with Session(engine) as session:
            version = max(session.scalars(select(SchemaVersion.version)), default=0)
    if version > SCHEMA_VERSION:
        raise JournalError(f"--journal: written by a newer trimtab (schema {version}; this "
                           f"trimtab knows {SCHEMA_VERSION}): upgrade trimtab")
    for step in range(max(version, 1), SCHEMA_VERSION):
        UPGRADES[step](engine)
    Base.metadata.create_all(engine)
    if version < SCHEMA_VERSION:
        with Session(engine) as session, session.begin():
            session.add(SchemaVersion(version=SCHEMA_VERSION))


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL keeps readers (trimtab journal) from blocking a running rebalance
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _safe(url: str) -> str:
    """A URL without its password, for messages."""
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(unparseable URL)"


def _json(document: Any) -> str:
    return json.dumps(document, default=str, sort_keys=True)


def _text(value: float) -> str:
    return format(value, ".12g")
