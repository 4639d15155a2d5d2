"""SQLAlchemy models of the journal.

Amounts that went to or came from a venue are stored as the exact decimal
strings that were sent or reported, never as floats: a journal must be able
to say precisely what was ordered. Documents (snapshot, analysis, plan) are
JSON text, because their shape follows the domain and is read back whole.
Rows are added and updated, never deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Dialect, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# 2: paper_positions; 3: account_leases; 4: paper_limits, paper_funding; 5: watch_checks.holdings;
# 6: contributions, watch_heartbeats, chat_announcements; 7: watch_checks.policy,
# alert_memory.policy; 8: paper_transfers
SCHEMA_VERSION = 8
WATCHED = "the watched policy's name when one process watches several ('' for one)"

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


class Base(DeclarativeBase):
    """Declarative base of every journal table (paper exchange tables included)."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class SchemaVersion(Base):
    """One row per schema version the journal was upgraded to."""

    __tablename__ = "schema_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)


class SnapshotRow(Base):
    __tablename__ = "snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    as_of: Mapped[datetime]
    venues: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)


class AnalysisRow(Base):
    __tablename__ = "analyses"
    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"))
    triggered: Mapped[bool]
    document: Mapped[str] = mapped_column(Text)


class PlanRow(Base):
    """A plan (its stored record, `plan_record.PlanRecord`) and what became of it.

    `status` holds an `execution.states.PlanStatus`; only the store changes it.
    """

    __tablename__ = "plans"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"))
    analysis_id: Mapped[int | None] = mapped_column(ForeignKey("analyses.id"))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text, doc="the plan record (JSON, versioned)")


class OrderRow(Base):
    """One order leg: written as an intent (pending-submit) before it is sent."""

    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_order_id: Mapped[str] = mapped_column(String(64), unique=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"))
    leg: Mapped[int]
    venue: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(4))
    amount: Mapped[str] = mapped_column(String(40), doc="exactly as sent")
    reduce_only: Mapped[bool] = mapped_column(default=False)
    plan_price: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), doc="an execution.states.OrderState")
    venue_order_id: Mapped[str | None] = mapped_column(String(64))
    filled: Mapped[str] = mapped_column(String(40), default="0")
    average: Mapped[str | None] = mapped_column(String(40))
    fee: Mapped[str | None] = mapped_column(String(40))
    fee_currency: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FillRow(Base):
    """An increase of an order's filled amount, as the venue reported it."""

    __tablename__ = "fills"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    amount: Mapped[str] = mapped_column(String(40))
    price: Mapped[str | None] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventRow(Base):
    """Something execution decided or noticed: a refusal, a stop, a foreign order."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    plan_id: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)


class NotificationRow(Base):
    """A notification sent (or attempted) to the user."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    delivered: Mapped[bool] = mapped_column(default=False)


class PaperBalanceRow(Base):
    """Units of one asset held on one paper account."""

    __tablename__ = "paper_balances"
    __table_args__ = (UniqueConstraint("account", "asset"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    asset: Mapped[str] = mapped_column(String(16))
    amount: Mapped[str] = mapped_column(String(40))


class PaperTransferRow(Base):
    """Money moved in or out of a paper account for a reason (a contribution's date, a plan's
    withdrawal): applied once per reference, whoever asks again after a crash."""

    __tablename__ = "paper_transfers"
    __table_args__ = (UniqueConstraint("account", "reference"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(300), doc="what the money moved for")
    asset: Mapped[str] = mapped_column(String(16))
    amount: Mapped[str] = mapped_column(String(40), doc="units, negative when paid out")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PaperOrderRow(Base):
    """An order the paper exchange accepted, as a real venue would keep it."""

    __tablename__ = "paper_orders"
    __table_args__ = (UniqueConstraint("account", "client_order_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    client_order_id: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(4))
    amount: Mapped[str] = mapped_column(String(40))
    filled: Mapped[str] = mapped_column(String(40))
    average: Mapped[str | None] = mapped_column(String(40))
    fee: Mapped[str] = mapped_column(String(40))
    fee_currency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WatchCheckRow(Base):
    """One check of `trimtab watch`: what fired, what was notified, what was decided."""

    __tablename__ = "watch_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(doc="False when no snapshot could be taken")
    spot_value: Mapped[str | None] = mapped_column(String(40))
    weights: Mapped[str | None] = mapped_column(Text, doc="JSON {asset: weight}")
    holdings: Mapped[str | None] = mapped_column(
        Text, doc="JSON {asset: [units, price]}: what the value and hold charts are made of")
    fired: Mapped[str] = mapped_column(Text, doc="JSON list of triggers")
    notified: Mapped[str] = mapped_column(Text, doc="JSON list of 'kind:subject'")
    decision: Mapped[str] = mapped_column(Text)
    policy: Mapped[str] = mapped_column(String(200), default="", server_default="", doc=WATCHED)


class AlertMemoryRow(Base):
    """The last notification of a trigger that is still fired (hysteresis state)."""

    __tablename__ = "alert_memory"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    severity: Mapped[float]
    active: Mapped[bool] = mapped_column(default=True, doc="False once the condition cleared")
    policy: Mapped[str] = mapped_column(String(200), default="", server_default="", doc=WATCHED)


class PaperPositionRow(Base):
    """A paper perpetual position: signed contracts (negative: short) and entry price."""

    __tablename__ = "paper_positions"
    __table_args__ = (UniqueConstraint("account", "symbol"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(64))
    contracts: Mapped[str] = mapped_column(String(40))
    entry_price: Mapped[str] = mapped_column(String(40))


class PaperLimitRow(Base):
    """The limit price of a paper order that may rest on the book (its `paper_orders` row).

    A separate table so that a version-2 journal is upgraded by adding a
    table, never by altering one.
    """

    __tablename__ = "paper_limits"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("paper_orders.id"), unique=True)
    price: Mapped[str] = mapped_column(String(40))
    placed_mid: Mapped[str] = mapped_column(String(40), doc="the paper price when it was placed")
    post_only: Mapped[bool] = mapped_column(default=False)
    reduce_only: Mapped[bool] = mapped_column(default=False)


class PaperFundingRow(Base):
    """One funding settlement applied to a paper perpetual position.

    `rate` is None on the row that starts a position's funding clock (the
    first time the venue saw it open): settlements before it are not owed.
    `amount` is what the account paid (negative: received), in the settle
    currency.
    """

    __tablename__ = "paper_funding"
    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(64))
    settled_at: Mapped[datetime]
    rate: Mapped[str | None] = mapped_column(String(40))
    contracts: Mapped[str] = mapped_column(String(40))
    mark: Mapped[str] = mapped_column(String(40))
    amount: Mapped[str] = mapped_column(String(40))
class LeaseRow(Base):
    """Who may trade on one venue account now (see `execution.lease`).

    `holder` is None when released; a holder that stops renewing loses the
    lease at `expires_at`.
    """

    __tablename__ = "account_leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True, doc="the venue name")
    holder: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(200), default="")
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ContributionRow(Base):
    """One date of one recurring contribution: planned at most once (the unique key)."""

    __tablename__ = "contributions"
    __table_args__ = (UniqueConstraint("key", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), doc="the contribution's timing and amount")
    due_at: Mapped[datetime]
    amount: Mapped[str] = mapped_column(String(40), doc="quote units, negative to withdraw")
    status: Mapped[str] = mapped_column(String(20), doc="execution.states.ContributionStatus")
    plan_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class HeartbeatRow(Base):
    """What a `trimtab watch` process is doing now, written at every turn of its loop."""

    __tablename__ = "watch_heartbeats"
    holder: Mapped[str] = mapped_column(String(200), primary_key=True, doc="host/pid")
    at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), doc="execution.states.WatchState")
    detail: Mapped[str] = mapped_column(Text, default="")
    next_check: Mapped[datetime | None]


class AnnouncementRow(Base):
    """A plan the chat bot announced to one chat: never announced there again."""

    __tablename__ = "chat_announcements"
    __table_args__ = (UniqueConstraint("plan_id", "chat_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(40))
    chat_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)
