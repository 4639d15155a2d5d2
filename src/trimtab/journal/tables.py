"""The journal's schema: every table, written once, in SQLAlchemy Core.

Reading the journal (`trimtab journal`, `plans`, `plan show`, `journal check`)
needs only these tables and `select()`: SQLAlchemy's ORM costs a tenth of a
second to import and map, more than a read takes. The ORM classes that
writers use (`journal.models`) are mapped onto these same tables.

Amounts that went to or came from a venue are stored as the exact decimal
strings that were sent or reported, never as floats: a journal must be able
to say precisely what was ordered. Documents (snapshot, analysis, plan) are
JSON text, because their shape follows the domain and is read back whole.
Rows are added and updated, never deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

# 2: paper_positions; 3: account_leases; 4: paper_limits, paper_funding; 5: watch_checks.holdings;
# 6: contributions, watch_heartbeats, chat_announcements; 7: watch_checks.policy,
# alert_memory.policy; 8: paper_transfers
SCHEMA_VERSION = 8
WATCHED = "the watched policy's name when one process watches several ('' for one)"

metadata = MetaData()


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time written as UTC and read back timezone-aware, on every backend.

    SQLite keeps no zone, and PostgreSQL turns an aware value written to a
    `timestamp` column into the session's local time, so a server that is
    not on UTC shifted every time (and re-ran schedules). Values are
    converted to UTC and stored without a zone; reads mark them UTC.
    """

    impl = DateTime
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value  # naive values are UTC already (SQLite's defaults, older rows)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _at(name: str, nullable: bool = False, **kwargs: Any) -> Column[datetime]:
    """A point in time (UTC); `default=utcnow` where the row's writing is that time."""
    return Column(name, UTCDateTime(), nullable=nullable, **kwargs)


def _text(name: str, size: int | None = None, nullable: bool = False,
          **kwargs: Any) -> Column[str]:
    """A string column: VARCHAR(size), or TEXT without a size."""
    return Column(name, Text if size is None else String(size), nullable=nullable, **kwargs)


def _flag(name: str, **kwargs: Any) -> Column[bool]:
    return Column(name, Boolean, nullable=False, **kwargs)


def _amount(name: str, nullable: bool = False, **kwargs: Any) -> Column[str]:
    """An exact decimal string, as sent to or reported by a venue."""
    return _text(name, 40, nullable, **kwargs)


def _refers(name: str, target: str, type_: Any = Integer, nullable: bool = False,
            **kwargs: Any) -> Column[Any]:
    return Column(name, type_, ForeignKey(target), nullable=nullable, **kwargs)


schema_version = Table(  # one row per schema version the journal was upgraded to
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
    _at("applied_at", default=utcnow))

snapshots = Table(
    "snapshots", metadata, _id(),
    _at("taken_at", default=utcnow), _at("as_of"),
    _text("venues", 200), _text("document"))

analyses = Table(
    "analyses", metadata, _id(),
    _refers("snapshot_id", "snapshots.id"), _flag("triggered"), _text("document"))

plans = Table(  # a plan (its stored record, `plan_record.PlanRecord`) and what became of it
    "plans", metadata,
    _text("id", 32, primary_key=True),
    _at("created_at", default=utcnow),
    _refers("snapshot_id", "snapshots.id"),
    _refers("analysis_id", "analyses.id", nullable=True),
    _text("status", 20, doc="an execution.states.PlanStatus; only the store changes it"),
    _text("reason", nullable=True),
    _text("document", doc="the plan record (JSON, versioned)"))

orders = Table(  # one order leg: written as an intent (pending-submit) before it is sent
    "orders", metadata, _id(),
    _text("client_order_id", 64, unique=True),
    _refers("plan_id", "plans.id", String(32)),
    Column("leg", Integer, nullable=False),
    _text("venue", 64), _text("symbol", 64), _text("side", 4),
    _amount("amount", doc="exactly as sent"),
    _flag("reduce_only", default=False),
    _amount("plan_price"),
    _text("state", 20, doc="an execution.states.OrderState"),
    _text("venue_order_id", 64, nullable=True),
    _amount("filled", default="0"),
    _amount("average", nullable=True), _amount("fee", nullable=True),
    _text("fee_currency", 16, nullable=True),
    _text("reason", nullable=True),
    _at("created_at", default=utcnow),
    _at("updated_at", default=utcnow, onupdate=utcnow))

fills = Table(  # an increase of an order's filled amount, as the venue reported it
    "fills", metadata, _id(),
    _refers("order_id", "orders.id"),
    _amount("amount"), _amount("price", nullable=True),
    _at("recorded_at", default=utcnow))

events = Table(  # something execution decided or noticed: a refusal, a stop, a foreign order
    "events", metadata, _id(),
    _at("at", default=utcnow),
    _text("plan_id", 32, nullable=True), _text("kind", 40), _text("message"))

notifications = Table(  # a notification sent (or attempted) to the user
    "notifications", metadata, _id(),
    _at("at", default=utcnow),
    _text("channel", 100), _text("message"), _flag("delivered", default=False))

paper_balances = Table(  # units of one asset held on one paper account
    "paper_balances", metadata, _id(),
    _text("account", 64), _text("asset", 16), _amount("amount"),
    UniqueConstraint("account", "asset"))

# Money moved in or out of a paper account for a reason (a contribution's date, a plan's
# withdrawal): applied once per reference, whoever asks again after a crash.
paper_transfers = Table(
    "paper_transfers", metadata, _id(),
    _text("account", 64),
    _text("reference", 300, doc="what the money moved for"),
    _text("asset", 16),
    _amount("amount", doc="units, negative when paid out"),
    _at("at", default=utcnow),
    UniqueConstraint("account", "reference"))

paper_orders = Table(  # an order the paper exchange accepted, as a real venue would keep it
    "paper_orders", metadata, _id(),
    _text("account", 64), _text("client_order_id", 64), _text("symbol", 64),
    _text("side", 4), _amount("amount"), _amount("filled"),
    _amount("average", nullable=True), _amount("fee"), _text("fee_currency", 16),
    _text("status", 16), _at("created_at", default=utcnow),
    UniqueConstraint("account", "client_order_id"))

watch_checks = Table(  # one check of `trimtab watch`: what fired, was notified, was decided
    "watch_checks", metadata, _id(),
    _at("at"),
    _flag("ok", doc="False when no snapshot could be taken"),
    _amount("spot_value", nullable=True),
    _text("weights", nullable=True, doc="JSON {asset: weight}"),
    _text("holdings", nullable=True, doc="JSON {asset: [units, price]}: what the value and "
          "hold charts are made of"),
    _text("fired", doc="JSON list of triggers"),
    _text("notified", doc="JSON list of 'kind:subject'"),
    _text("decision"),
    _text("policy", 200, default="", server_default="", doc=WATCHED))

alert_memory = Table(  # the last notification of a trigger still fired (hysteresis state)
    "alert_memory", metadata, _id(),
    _text("kind", 20), _text("subject", 100), _at("at"),
    Column("severity", Double, nullable=False),
    _flag("active", default=True, doc="False once the condition cleared"),
    _text("policy", 200, default="", server_default="", doc=WATCHED))

paper_positions = Table(  # a paper perpetual: signed contracts (negative: short), entry price
    "paper_positions", metadata, _id(),
    _text("account", 64), _text("symbol", 64),
    _amount("contracts"), _amount("entry_price"),
    UniqueConstraint("account", "symbol"))

# The limit price of a paper order that may rest on the book (its `paper_orders` row): a
# table of its own so that a version-2 journal is upgraded by adding a table, never by
# altering one.
paper_limits = Table(
    "paper_limits", metadata, _id(),
    _refers("order_id", "paper_orders.id", unique=True),
    _amount("price"),
    _amount("placed_mid", doc="the paper price when it was placed"),
    _flag("post_only", default=False), _flag("reduce_only", default=False))

# One funding settlement applied to a paper perpetual position. `rate` is None on the row
# that starts a position's funding clock (the first time the venue saw it open):
# settlements before it are not owed. `amount` is what the account paid (negative:
# received), in the settle currency.
paper_funding = Table(
    "paper_funding", metadata, _id(),
    _text("account", 64), _text("symbol", 64), _at("settled_at"),
    _amount("rate", nullable=True), _amount("contracts"), _amount("mark"), _amount("amount"))

# Who may trade on one venue account now (see `execution.lease`): `holder` is None when
# released; a holder that stops renewing loses the lease at `expires_at`.
account_leases = Table(
    "account_leases", metadata,
    _text("name", 64, primary_key=True, doc="the venue name"),
    _text("holder", 200, nullable=True),
    _text("purpose", 200, default=""),
    _at("acquired_at"), _at("expires_at"))

contributions = Table(  # one date of one recurring contribution: planned at most once
    "contributions", metadata, _id(),
    _text("key", 200, doc="the contribution's timing and amount"),
    _at("due_at"),
    _amount("amount", doc="quote units, negative to withdraw"),
    _text("status", 20, doc="execution.states.ContributionStatus"),
    _text("plan_id", 40, nullable=True),
    _text("detail", default=""),
    _at("updated_at", default=utcnow),
    UniqueConstraint("key", "due_at"))

watch_heartbeats = Table(  # what a `trimtab watch` process is doing, at every turn
    "watch_heartbeats", metadata,
    _text("holder", 200, primary_key=True, doc="host/pid"),
    _at("at"),
    _text("state", 20, doc="execution.states.WatchState"),
    _text("detail", default=""),
    _at("next_check", nullable=True))

chat_announcements = Table(  # a plan the chat bot announced to one chat, never again there
    "chat_announcements", metadata, _id(),
    _text("plan_id", 40), _text("chat_id", 40), _at("at", default=utcnow),
    UniqueConstraint("plan_id", "chat_id"))
