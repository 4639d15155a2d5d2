"""Opening the journal at any SQLAlchemy URL, checking and upgrading its schema.

The default is a SQLite file under the user's data directory; `--journal URL`
or `TRIMTAB_JOURNAL` choose another (e.g. `postgresql+psycopg://…`). Opening
checks the schema version: an older journal is upgraded in place (tables
are only ever added), a newer one is refused with what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, inspect, select
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError

from trimtab.config.settings import load_settings
from trimtab.journal.store import Journal, JournalBusy, JournalError
from trimtab.journal.tables import SCHEMA_VERSION, metadata, schema_version

ENV_JOURNAL = "TRIMTAB_JOURNAL"
# how long a connection waits for a lock another process holds (a writer for the write
# lock) before "database is locked", which its engine raises as JournalBusy
BUSY_TIMEOUT_MS = 10_000
# SQLite's primary result codes for a lock another connection holds (extended codes add
# high bits): SQLITE_BUSY, SQLITE_LOCKED
SQLITE_BUSY_CODES = frozenset({5, 6})
SQLITE_HEADER = b"SQLite format 3\x00"
# Upgrades from version N to N + 1 (tables new in N + 1 are created by create_all).
UPGRADES: dict[int, Callable[[Engine], None]] = {
    1: lambda _engine: None,  # 2 only adds paper_positions
    2: lambda _engine: None,  # 3 only adds account_leases
    3: lambda _engine: None,  # 4 only adds paper_limits and paper_funding
    4: lambda engine: _add_column(engine, "watch_checks", "holdings", "TEXT"),
    5: lambda _engine: None,  # 6 only adds contributions, watch_heartbeats, chat_announcements
    6: lambda engine: _add_policy_columns(engine),
    7: lambda _engine: None,  # 8 only adds paper_transfers
}


def journal_url(url: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """`url`, else TRIMTAB_JOURNAL, else the default SQLite file under the user's data
    directory (the directory is created on first use)."""
    if url:
        return url
    current = load_settings(environ)
    if current.journal is None:
        current.data_dir.mkdir(parents=True, exist_ok=True)
    return current.journal_url


class NoJournal(JournalError):
    """A command that only reads found no journal: nothing has been journaled there yet."""


def open_journal(url: str | None = None, *, create: bool = True) -> Journal:
    """Open (creating or upgrading) the journal at `url` or the default location; with
    `create=False` (the commands that only read) a missing SQLite file is NoJournal, not
    a new empty journal written on disk by a read, and the journal is opened read-only:
    its reads never wait behind a writer (`_sqlite_reader`)."""
    resolved = journal_url(url)
    path = _sqlite_file(resolved)
    if not create and path is not None and not path.exists():
        raise NoJournal(f"no journal yet at {path}: nothing has been journaled there "
                        "(rebalance, watch and approve create it); --journal or "
                        "TRIMTAB_JOURNAL name another")
    problem = _not_a_journal_file(resolved)
    if problem is not None:
        raise JournalError(problem)
    engine = _engine(resolved, writes=create)
    try:
        _check_schema(engine, lambda: engine if create else _engine(resolved, writes=True))
    except JournalBusy:
        engine.dispose()
        raise
    except DatabaseError as exc:  # unreadable, corrupted, or a disk that is full
        engine.dispose()
        raise JournalError(f"--journal: cannot open '{_safe(resolved)}' ({exc.orig}); if it "
                           "is damaged, restore it from a backup: trimtab will not overwrite "
                           "it") from None
    return Journal(engine)


def open_reader(writer: Journal) -> Journal:
    """The journal `writer` has open, read-only beside it: for a process that both reads
    and writes (the dashboard), so that its reads never wait behind another process's
    write lock while its writes still take it.

    `writer` was opened (checked and upgraded) already. Only a SQLite file needs a
    second engine: elsewhere (another database, or SQLite in memory, which a second
    engine would not even see) the writer's reads take no write lock and it is returned.
    """
    url = writer.engine.url.render_as_string(hide_password=False)
    if _sqlite_file(url) is None:
        return writer
    return Journal(_engine(url, writes=False))


def _engine(url: str, *, writes: bool) -> Engine:
    """An engine on `url`; on SQLite, a writer's transactions take the write lock as they
    begin and a reader's are read-only snapshots (the two listeners below)."""
    try:
        engine = create_engine(url)
    except (ArgumentError, ValueError):
        raise JournalError("--journal: not a valid SQLAlchemy URL (e.g. sqlite:///path/"
                           "journal.sqlite or postgresql+psycopg://user@host/db)") from None
    except ImportError as exc:
        raise JournalError(f"--journal: the driver for '{_safe(url)}' is not "
                           f"installed ({exc.name})") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_writer if writes else _sqlite_reader)
        event.listen(engine, "begin", _begin_immediate if writes else _begin_deferred)
        event.listen(engine, "handle_error", _busy_as_journal_busy)
    return engine


def _not_a_journal_file(url: str) -> str | None:
    """Why an existing SQLite file cannot be a journal (read before SQLite touches it), or None.

    An empty file used to be taken as a new journal (history gone, the
    paper account funded again), and a file of another kind gave a raw
    traceback; neither is ever written to.
    """
    path = _sqlite_file(url)
    if path is None or not path.exists():
        return None
    if path.is_dir():
        return f"--journal: {path} is a directory; give a file path"
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"--journal: cannot read {path} ({exc.strerror})"
    if not header:
        return (f"--journal: {path} is an empty file, not a trimtab journal; trimtab will not "
                "overwrite it: restore the journal from a backup, or move the file away to "
                "start a new one")
    if header != SQLITE_HEADER:
        return (f"--journal: {path} is not a SQLite database (a damaged journal or another "
                "file); trimtab will not overwrite it: restore it from a backup or give "
                "another path")
    return None


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite journal URL; None for another database or a bad URL."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None  # create_engine says so
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database or "")


def _check_schema(engine: Engine, writer: Callable[[], Engine]) -> None:
    """Refuse what is not a journal or is newer than this trimtab; bring an older or
    incomplete one up to SCHEMA_VERSION through `writer()`.

    A current journal is only read here, so a read-only open stays read-only;
    an older journal that a reader finds first (no writing command of this
    trimtab has opened it yet) is upgraded through a writer engine opened
    for that, with the write lock.
    """
    tables = set(inspect(engine).get_table_names())
    if tables and "schema_version" not in tables:
        raise JournalError("--journal: the database has tables but no schema_version: it is "
                           "not a trimtab journal; give an empty database or another URL")
    version = 0
    if tables:
        with engine.begin() as connection:
            version = connection.scalar(select(func.max(schema_version.c.version))) or 0
    if version > SCHEMA_VERSION:
        raise JournalError(f"--journal: written by a newer trimtab (schema {version}; this "
                           f"trimtab knows {SCHEMA_VERSION}): upgrade trimtab")
    if version == SCHEMA_VERSION and tables >= set(metadata.tables):
        return
    upgrading = writer()
    try:
        _upgrade(upgrading, version)
    finally:
        if upgrading is not engine:
            upgrading.dispose()


def _upgrade(engine: Engine, version: int) -> None:
    """The steps from `version` to SCHEMA_VERSION, the tables missing, and the new version."""
    for step in range(max(version, 1), SCHEMA_VERSION):
        UPGRADES[step](engine)
    metadata.create_all(engine)
    if version < SCHEMA_VERSION:
        try:
            with engine.begin() as connection:
                connection.execute(insert(schema_version).values(version=SCHEMA_VERSION))
        except IntegrityError:
            pass  # another process opening the same new journal recorded it first


def _add_column(engine: Engine, table: str, column: str, sql_type: str) -> None:
    """ALTER TABLE … ADD COLUMN, unless the table is new or has it already."""
    inspector = inspect(engine)
    if table not in inspector.get_table_names():
        return  # create_all makes it whole
    if column in {c["name"] for c in inspector.get_columns(table)}:
        return
    with engine.begin() as connection:
        connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


def _add_policy_columns(engine: Engine) -> None:
    """Version 7: which watched policy a check and an alert belong to ('' for older rows)."""
    for table in ("watch_checks", "alert_memory"):
        _add_column(engine, table, "policy", "VARCHAR(200) NOT NULL DEFAULT ''")


def _sqlite_writer(connection: Any, _record: Any) -> None:
    # WAL keeps readers (trimtab journal) from blocking a running rebalance
    connection.isolation_level = None  # transactions begin in the "begin" listener
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_reader(connection: Any, _record: Any) -> None:
    """A read-only command's connection: `query_only`, so that a write slipping into a read
    path fails at once instead of writing without the write lock (`_begin_deferred`)."""
    _sqlite_writer(connection, _record)
    cursor = connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    """Every transaction of a writer takes SQLite's write lock when it begins.

    Several processes share one journal (watch, the dashboard, a rebalance):
    a transaction that read first and then wrote could fail at once with
    "database is locked" when another process had written in between;
    taking the lock up front makes it wait (busy_timeout) instead.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(connection: Any) -> None:
    """A reader's transaction: a snapshot of the journal, no lock taken.

    In WAL mode a reader and a writer do not wait for each other, so
    `trimtab journal` shows the last committed state at once while a
    rebalance or watch holds the write lock (with BEGIN IMMEDIATE it waited
    up to busy_timeout, then failed). The connection is query-only, so
    this never stands in for the writer's lock.
    """
    connection.exec_driver_sql("BEGIN")


def _busy_as_journal_busy(context: ExceptionContext) -> JournalBusy | None:
    """SQLite's "database is locked" (a lock held past the busy timeout) as JournalBusy.

    It used to reach the front ends raw: the dashboard answered 500 and the
    bot ended. SQLAlchemy has rolled the transaction back by the time this
    is raised, so nothing of it was written.
    """
    original = context.original_exception
    code = getattr(original, "sqlite_errorcode", None)
    text = str(original).lower()
    if not ((code is not None and code & 0xFF in SQLITE_BUSY_CODES)
            or "database is locked" in text or "database table is locked" in text):
        return None
    return JournalBusy(busy_message())


def busy_message() -> str:
    """What JournalBusy says: who holds the journal, that nothing was written, what to do."""
    return (f"the journal is busy: another trimtab process (a rebalance, watch, the dashboard "
            f"or the bot) kept it locked for writing past {BUSY_TIMEOUT_MS / 1000:g} s; "
            "nothing of this step was written: try again in a moment")


def _safe(url: str) -> str:
    """A URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(unparseable URL)"
