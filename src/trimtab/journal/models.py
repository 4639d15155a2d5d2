"""The journal's ORM classes, for the code that writes: mapped onto `journal.tables`.

The schema (types, sizes, keys, defaults) is `journal.tables`, written once;
each class here only says what Python type its columns read as, for the
type checker (a test holds them equal to the tables). Reading the journal
needs none of this: importing and mapping the ORM costs more than a read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import DeclarativeBase, Mapped

from trimtab.journal import tables


class Base(DeclarativeBase):
    """Declarative base of every journal class (paper exchange tables included)."""

    metadata = tables.metadata


class SchemaVersion(Base):
    """One row per schema version the journal was upgraded to."""

    __table__ = tables.schema_version
    version: Mapped[int]
    applied_at: Mapped[datetime]


class SnapshotRow(Base):
    __table__ = tables.snapshots
    id: Mapped[int]
    taken_at: Mapped[datetime]
    as_of: Mapped[datetime]
    venues: Mapped[str]
    document: Mapped[str]


class AnalysisRow(Base):
    __table__ = tables.analyses
    id: Mapped[int]
    snapshot_id: Mapped[int]
    triggered: Mapped[bool]
    document: Mapped[str]


class PlanRow(Base):
    """A plan (its stored record, `plan_record.PlanRecord`) and what became of it.

    `status` holds an `execution.states.PlanStatus`; only the store changes it.
    """

    __table__ = tables.plans
    id: Mapped[str]
    created_at: Mapped[datetime]
    snapshot_id: Mapped[int]
    analysis_id: Mapped[int | None]
    status: Mapped[str]
    reason: Mapped[str | None]
    document: Mapped[str]


class OrderRow(Base):
    """One order leg: written as an intent (pending-submit) before it is sent."""

    __table__ = tables.orders
    id: Mapped[int]
    client_order_id: Mapped[str]
    plan_id: Mapped[str]
    leg: Mapped[int]
    venue: Mapped[str]
    symbol: Mapped[str]
    side: Mapped[str]
    amount: Mapped[str]
    reduce_only: Mapped[bool]
    plan_price: Mapped[str]
    state: Mapped[str]
    venue_order_id: Mapped[str | None]
    filled: Mapped[str]
    average: Mapped[str | None]
    fee: Mapped[str | None]
    fee_currency: Mapped[str | None]
    reason: Mapped[str | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FillRow(Base):
    """An increase of an order's filled amount, as the venue reported it."""

    __table__ = tables.fills
    id: Mapped[int]
    order_id: Mapped[int]
    amount: Mapped[str]
    price: Mapped[str | None]
    recorded_at: Mapped[datetime]


class EventRow(Base):
    """Something execution decided or noticed: a refusal, a stop, a foreign order."""

    __table__ = tables.events
    id: Mapped[int]
    at: Mapped[datetime]
    plan_id: Mapped[str | None]
    kind: Mapped[str]
    message: Mapped[str]


class NotificationRow(Base):
    """A notification sent (or attempted) to the user."""

    __table__ = tables.notifications
    id: Mapped[int]
    at: Mapped[datetime]
    channel: Mapped[str]
    message: Mapped[str]
    delivered: Mapped[bool]


class PaperBalanceRow(Base):
    """Units of one asset held on one paper account."""

    __table__ = tables.paper_balances
    id: Mapped[int]
    account: Mapped[str]
    asset: Mapped[str]
    amount: Mapped[str]


class PaperTransferRow(Base):
    """Money moved in or out of a paper account for a reason (a contribution's date, a plan's
    withdrawal): applied once per reference, whoever asks again after a crash."""

    __table__ = tables.paper_transfers
    id: Mapped[int]
    account: Mapped[str]
    reference: Mapped[str]
    asset: Mapped[str]
    amount: Mapped[str]
    at: Mapped[datetime]


class PaperOrderRow(Base):
    """An order the paper exchange accepted, as a real venue would keep it."""

    __table__ = tables.paper_orders
    id: Mapped[int]
    account: Mapped[str]
    client_order_id: Mapped[str]
    symbol: Mapped[str]
    side: Mapped[str]
    amount: Mapped[str]
    filled: Mapped[str]
    average: Mapped[str | None]
    fee: Mapped[str]
    fee_currency: Mapped[str]
    status: Mapped[str]
    created_at: Mapped[datetime]


class WatchCheckRow(Base):
    """One check of `trimtab watch`: what fired, what was notified, what was decided."""

    __table__ = tables.watch_checks
    id: Mapped[int]
    at: Mapped[datetime]
    ok: Mapped[bool]
    spot_value: Mapped[str | None]
    weights: Mapped[str | None]
    holdings: Mapped[str | None]
    fired: Mapped[str]
    notified: Mapped[str]
    decision: Mapped[str]
    policy: Mapped[str]


class AlertMemoryRow(Base):
    """The last notification of a trigger that is still fired (hysteresis state)."""

    __table__ = tables.alert_memory
    id: Mapped[int]
    kind: Mapped[str]
    subject: Mapped[str]
    at: Mapped[datetime]
    severity: Mapped[float]
    active: Mapped[bool]
    policy: Mapped[str]


class PaperPositionRow(Base):
    """A paper perpetual position: signed contracts (negative: short) and entry price."""

    __table__ = tables.paper_positions
    id: Mapped[int]
    account: Mapped[str]
    symbol: Mapped[str]
    contracts: Mapped[str]
    entry_price: Mapped[str]


class PaperLimitRow(Base):
    """The limit price of a paper order that may rest on the book (its `paper_orders` row).

    A separate table so that a version-2 journal is upgraded by adding a
    table, never by altering one.
    """

    __table__ = tables.paper_limits
    id: Mapped[int]
    order_id: Mapped[int]
    price: Mapped[str]
    placed_mid: Mapped[str]
    post_only: Mapped[bool]
    reduce_only: Mapped[bool]


class PaperFundingRow(Base):
    """One funding settlement applied to a paper perpetual position.

    `rate` is None on the row that starts a position's funding clock (the
    first time the venue saw it open): settlements before it are not owed.
    `amount` is what the account paid (negative: received), in the settle
    currency.
    """

    __table__ = tables.paper_funding
    id: Mapped[int]
    account: Mapped[str]
    symbol: Mapped[str]
    settled_at: Mapped[datetime]
    rate: Mapped[str | None]
    contracts: Mapped[str]
    mark: Mapped[str]
    amount: Mapped[str]


class LeaseRow(Base):
    """Who may trade on one venue account now (see `execution.lease`).

    `holder` is None when released; a holder that stops renewing loses the
    lease at `expires_at`.
    """

    __table__ = tables.account_leases
    name: Mapped[str]
    holder: Mapped[str | None]
    purpose: Mapped[str]
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ContributionRow(Base):
    """One date of one recurring contribution: planned at most once (the unique key)."""

    __table__ = tables.contributions
    id: Mapped[int]
    key: Mapped[str]
    due_at: Mapped[datetime]
    amount: Mapped[str]
    status: Mapped[str]
    plan_id: Mapped[str | None]
    detail: Mapped[str]
    updated_at: Mapped[datetime]


class HeartbeatRow(Base):
    """What a `trimtab watch` process is doing now, written at every turn of its loop."""

    __table__ = tables.watch_heartbeats
    holder: Mapped[str]
    at: Mapped[datetime]
    state: Mapped[str]
    detail: Mapped[str]
    next_check: Mapped[datetime | None]


class AnnouncementRow(Base):
    """A plan the chat bot announced to one chat: never announced there again."""

    __table__ = tables.chat_announcements
    id: Mapped[int]
    plan_id: Mapped[str]
    chat_id: Mapped[str]
    at: Mapped[datetime]
