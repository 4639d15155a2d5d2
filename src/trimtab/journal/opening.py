"""Opening the journal at any SQLAlchemy URL, checking and upgrading its schema.

The default is a SQLite file under the user's data directory; `--journal URL`
or `TRIMTAB_JOURNAL` choose another (e.g. `postgresql+psycopg://…`). Opening
checks the schema version: an older journal is upgraded in place (tables
are only ever added), a newer one is refused with what to do.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from trimtab.journal.models import SCHEMA_VERSION, Base, SchemaVersion
from trimtab.journal.store import Journal, JournalError

ENV_JOURNAL = "TRIMTAB_JOURNAL"
# Upgrades from version N to N + 1 (tables new in N + 1 are created by create_all).
UPGRADES: dict[int, Callable[[Engine], None]] = {
    1: lambda _engine: None,  # 2 only adds paper_positions
    2: lambda engine: _add_column(engine, "watch_checks", "holdings", "TEXT"),
}


def default_url() -> str:
    """SQLite under the user's data directory (created on first use)."""
    folder = Path(platformdirs.user_data_dir("trimtab", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'journal.sqlite'}"


def journal_url(url: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """`url`, else TRIMTAB_JOURNAL, else the default SQLite file."""
    environ = os.environ if environ is None else environ
    return url or environ.get(ENV_JOURNAL) or default_url()


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


def _add_column(engine: Engine, table: str, column: str, sql_type: str) -> None:
    """ALTER TABLE … ADD COLUMN, unless the table is new or has it already."""
    inspector = inspect(engine)
    if table not in inspector.get_table_names():
        return  # create_all makes it whole
    if column in {c["name"] for c in inspector.get_columns(table)}:
        return
    with engine.begin() as connection:
        connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


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
