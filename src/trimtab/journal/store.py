"""The journal's writes and reads; the only writer of plan and order statuses.

Every write commits at once, because an order's intent must be durable
before it is sent. A status changes only as `execution.states` allows, in
one conditional UPDATE. Opening a journal is `journal.opening`.

Reads and status changes go through SQLAlchemy Core on `journal.tables`, so
that reading the journal never imports the ORM (a tenth of a second of a
command's start); rows built as ORM objects (`journal.models`) are written
through `session()`, which imports the ORM on first use.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Row,
    func,
    insert,
    literal,
    select,
    update,
)

from trimtab.execution.states import (
    CONTRIBUTION_OPEN,
    EXECUTED,
    LIVE_ORDERS,
    PLAN_START,
    RELEASABLE,
    RUNNING,
    WAITING,
    ContributionStatus,
    IllegalTransition,
    OrderState,
    PlanStatus,
    check_order_move,
    plan_sources,
)
from trimtab.journal.tables import (
    analyses,
    contributions,
    events,
    orders,
    paper_transfers,
    plans,
    snapshots,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from trimtab.journal.models import OrderRow, PlanRow


class JournalError(Exception):
    """The journal cannot be opened or used; the message says what to do."""


class JournalBusy(JournalError):
    """Another process held the journal's write lock past the busy timeout.

    The transaction that met it was rolled back whole: nothing of it was
    written. The message says what to do (try again in a moment); raised by
    the engines `journal.opening` makes, in place of SQLite's "database is
    locked", so that front ends can answer it in one line.
    """


class UnknownPlan(JournalError):
    """No plan with that id in the journal."""


class DateTaken(JournalError):
    """A contribution date was no longer open: another process planned it first, and the plan
    that was to take it is not journaled."""


# One date of a recurring contribution, as the journal keys it: (key, due at).
ContributionDate = tuple[str, datetime]


@dataclass
class Journal:
    """An open journal: an engine, and ORM sessions for the writers that use them."""

    engine: Engine
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """An ORM session that commits when the block ends without error."""
        if self._sessions is None:
            from sqlalchemy.orm import sessionmaker

            import trimtab.journal.models  # noqa: F401  # the classes are mapped on import

            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A Core connection in a transaction that commits when the block ends without error."""
        with self.engine.begin() as connection:
            yield connection

    def add(self, row: Any) -> Any:
        """Insert one row, commit, and return it with its id."""
        with self.session() as session:
            session.add(row)
            session.flush()
            session.expunge(row)
        return row

    def event(self, kind: str, message: str, plan_id: str | None = None) -> None:
        with self.connection() as connection:
            connection.execute(insert(events).values(kind=kind, message=message,
                                                     plan_id=plan_id))

    def record_document(self, as_of: Any, venues: str, snapshot: Any,
                        analysis: Any, triggered: bool) -> tuple[int, int]:
        """Journal a snapshot and its analysis; returns their ids."""
        with self.connection() as connection:
            snap = _inserted(connection.execute(insert(snapshots).values(
                as_of=as_of, venues=venues, document=_json(snapshot))))
            ana = _inserted(connection.execute(insert(analyses).values(
                snapshot_id=snap, triggered=triggered, document=_json(analysis))))
        return snap, ana

    def add_plan(self, row: PlanRow, dates: Sequence[ContributionDate] = (),
                 also: Callable[[Session], None] | None = None) -> PlanRow:
        """Journal a new plan; it must start in one of the start statuses.

        A proposed plan supersedes every plan still waiting for approval on any of its
        venues: only the newest may be approved, an older one was sized on older prices
        and balances. A plan on other venues (another policy's paper account, another
        process's exchange account sharing this journal) waits on. `dates` are the
        contribution dates the plan invests: each is taken (open -> planned, with the
        plan's id). All of it is one transaction, so a crash leaves either the plan with
        its dates or neither; DateTaken, and nothing journaled or superseded, when a date
        is no longer open. `also` writes, in that same transaction, what must be journaled
        with the plan or not at all (a paper deposit's credit).
        """
        if PlanStatus(row.status) not in PLAN_START:
            raise IllegalTransition(f"a plan cannot start as {row.status}")
        with self.session() as session:
            if row.status == PlanStatus.PROPOSED.value:
                mine = frozenset(_record_venues(row.document))
                older = [i for i, document in session.execute(
                    select(plans.c.id, plans.c.document).where(
                        plans.c.status.in_([s.value for s in WAITING])))
                    if not mine or set(_record_venues(document)) & mine]
                if older:
                    session.execute(update(plans).where(plans.c.id.in_(older)).values(
                        status=PlanStatus.SUPERSEDED.value,
                        reason=f"superseded by plan {row.id}"))
            session.add(row)
            session.flush()
            for key, at in dates:
                if not _take(session, key, at, row.id):
                    raise DateTaken(f"the contribution due {at:%Y-%m-%d %H:%M} UTC was "
                                    "planned by another process")
            if also is not None:
                also(session)
            session.expunge(row)
        return row

    def add_order(self, row: OrderRow) -> OrderRow:
        """Journal an order's intent (pending-submit) before it is sent."""
        if OrderState(row.state) is not OrderState.PENDING_SUBMIT:
            raise IllegalTransition(f"an order cannot start as {row.state}")
        return self.add(row)  # type: ignore[no-any-return]

    def update_order(self, client_order_id: str, **changes: Any) -> OrderRow:
        """Change an order row (state, fill, reason); records a fill when filled grows."""
        from trimtab.journal.models import FillRow, OrderRow

        with self.session() as session:
            row = session.scalars(select(OrderRow).where(
                OrderRow.client_order_id == client_order_id)).one()
            if "state" in changes:
                changes["state"] = OrderState(changes["state"])
                check_order_move(OrderState(row.state), changes["state"])
                changes["state"] = changes["state"].value
            before = Decimal(row.filled or "0")
            for key, value in changes.items():
                setattr(row, key, value)
            grown = Decimal(row.filled or "0") - before
            if grown > 0:
                session.add(FillRow(order_id=row.id, amount=format(grown, "f"),
                                    price=row.average))
            session.flush()
            session.expunge(row)
        return row

    def order(self, client_order_id: str) -> OrderRow:
        """The journal row of one order, as it is now."""
        from trimtab.journal.models import OrderRow

        with self.session() as session:
            row = session.scalars(select(OrderRow).where(
                OrderRow.client_order_id == client_order_id)).one()
            session.expunge(row)
        return row

    def live_orders(self, venue: str | None = None) -> list[OrderRow]:
        """Orders not yet in a final state (pending-submit, unknown, open, partially filled)."""
        from trimtab.journal.models import OrderRow

        query = select(OrderRow).where(OrderRow.state.in_([s.value for s in LIVE_ORDERS]))
        if venue is not None:
            query = query.where(OrderRow.venue == venue)
        with self.session() as session:
            rows = list(session.scalars(query.order_by(OrderRow.id)))
            session.expunge_all()
        return rows

    def has_orders(self, plan_id: str) -> bool:
        """Whether an order of the plan was journaled: its placement was at least tried."""
        query = select(orders.c.id).where(orders.c.plan_id == plan_id).limit(1)
        with self.connection() as connection:
            return connection.scalars(query).first() is not None

    def order_mark(self) -> int:
        """The newest order's row id (0 for none): `markets_traded_since` starts after it."""
        with self.connection() as connection:
            return connection.scalar(select(func.max(orders.c.id))) or 0

    def markets_traded_since(self, mark: int) -> frozenset[tuple[str, str]]:
        """(venue, symbol) of every order journaled after `mark`, by any process, and of
        every order still live (a resting order that fills later moves its position)."""
        live = [s.value for s in LIVE_ORDERS]
        with self.connection() as connection:
            rows = connection.execute(select(orders.c.venue, orders.c.symbol).where(
                (orders.c.id > mark) | orders.c.state.in_(live)))
            return frozenset((venue, symbol) for venue, symbol in rows)

    def known_client_ids(self) -> set[str]:
        with self.connection() as connection:
            return set(connection.scalars(select(orders.c.client_order_id)))

    def claim_plan(self, plan_id: str, target: PlanStatus, reason: str | None = None
                   ) -> PlanStatus | None:
        """Move a plan to `target` if its status allows it, in one conditional UPDATE.

        Returns None when this call moved it, else the status that kept it
        where it is (another process got there first, or it was decided):
        two approvals racing on one plan cannot both claim it.
        """
        values: dict[str, Any] = {"status": target.value}
        if reason is not None:
            values["reason"] = reason
        sources = [s.value for s in plan_sources(target)]
        with self.connection() as connection:
            result = connection.execute(update(plans).where(
                plans.c.id == plan_id, plans.c.status.in_(sources)).values(**values))
            if result.rowcount == 1:
                return None
            current = connection.scalar(select(plans.c.status).where(plans.c.id == plan_id))
        if current is None:
            raise UnknownPlan(f"no plan {plan_id} in the journal")
        return PlanStatus(current)

    def set_plan(self, plan_id: str, target: PlanStatus, reason: str | None = None) -> None:
        """Move a plan to `target`; a move its status does not allow is a bug and raises."""
        current = self.claim_plan(plan_id, target, reason)
        if current is not None:
            raise IllegalTransition(f"plan {plan_id} cannot go from {current} to {target}")

    def untransferred(self, statuses: Collection[PlanStatus], accounts: Collection[str],
                      prefix: str) -> list[tuple[str, str]]:
        """(id, stored record) of each plan in `statuses` whose record moves cash (a deposit or
        a withdrawal) and that no paper transfer on `accounts` names yet (reference
        `prefix` + id), oldest first.

        The record is matched as text (no JSON column is portable between SQLite and
        PostgreSQL): the caller reads it, and a deposit's plan is found every time.
        """
        transferred = select(paper_transfers.c.id).where(
            paper_transfers.c.account.in_(list(accounts)),
            paper_transfers.c.reference == literal(prefix) + plans.c.id)
        query = select(plans.c.id, plans.c.document).where(
            plans.c.status.in_([s.value for s in statuses]),
            plans.c.document.contains('"cash_flows": [['), ~transferred.exists()
        ).order_by(plans.c.created_at, plans.c.id)
        with self.connection() as connection:
            return [(str(i), str(document)) for i, document in connection.execute(query)]

    def plan(self, plan_id: str) -> Row[Any]:
        """One plan's row (its status and its stored record), as `tables.plans` holds it."""
        with self.connection() as connection:
            row = connection.execute(select(plans).where(plans.c.id == plan_id)).first()
        if row is None:
            raise UnknownPlan(f"no plan {plan_id} in the journal")
        return row

    def plan_history(self, plan_id: str) -> tuple[list[Row[Any]], list[Row[Any]]]:
        """A plan's journaled orders (by leg) and events (in order)."""
        with self.connection() as connection:
            return _orders_of(connection, plan_id), _events_of(connection, plan_id)

    def release_stranded(self, keys: Collection[str], reason: str) -> list[str]:
        """Plans holding dates of the contributions `keys` that sent nothing and can no longer
        run (execution.states.RELEASABLE): each superseded, its dates handed back as failed
        with `reason`, in one transaction; the plans released.

        A plan is released only by the conditional UPDATE that moves it, so one that an
        approval claims at the same moment keeps its dates.
        """
        movable = [s.value for s in plan_sources(PlanStatus.SUPERSEDED) & RELEASABLE]
        with self.connection() as connection:
            ids = set(connection.scalars(select(contributions.c.plan_id).join(
                plans, plans.c.id == contributions.c.plan_id).where(
                contributions.c.key.in_(list(keys)),
                contributions.c.status == ContributionStatus.PLANNED.value,
                plans.c.status.in_([s.value for s in RELEASABLE]))))
            released = []
            for plan_id in sorted(i for i in ids if i is not None):
                moved = connection.execute(update(plans).where(
                    plans.c.id == plan_id, plans.c.status.in_(movable))
                    .values(status=PlanStatus.SUPERSEDED.value, reason=reason))
                if moved.rowcount != 1:
                    continue
                connection.execute(update(contributions).where(
                    contributions.c.plan_id == plan_id,
                    contributions.c.status == ContributionStatus.PLANNED.value).values(
                    status=ContributionStatus.FAILED.value, plan_id=None,
                    detail=f"plan {plan_id} {reason}"[:500], updated_at=datetime.now(UTC)))
                released.append(plan_id)
            return released

    def interrupt_running(self, venues: Collection[str]) -> list[str]:
        """Plans left approved or executing on `venues` by a process that is gone: interrupted.

        Only the holder of these venues' lease calls this (`execution.lease`),
        and a live executor holds its venues' lease for its whole run, so a
        plan still running on one of them has lost its process. Plans on
        other venues are left alone: their process may be alive.
        """
        running = [s.value for s in RUNNING]
        with self.connection() as connection:
            rows = connection.execute(select(plans.c.id, plans.c.document).where(
                plans.c.status.in_(running)))
            ids = [r.id for r in rows if set(_record_venues(r.document)) & set(venues)]
            if ids:
                connection.execute(update(plans).where(
                    plans.c.id.in_(ids), plans.c.status.in_(running)).values(
                    status=PlanStatus.INTERRUPTED.value,
                    reason="its process ended before execution finished; orders reconciled"))
            return ids

    def unfinished_plan(self) -> str | None:
        """The latest executed plan if it did not finish (interrupted or stopped), else None."""
        with self.connection() as connection:
            latest = connection.execute(select(plans.c.id, plans.c.status).where(
                plans.c.status.in_([s.value for s in EXECUTED])).order_by(
                plans.c.created_at.desc()).limit(1)).first()
        if latest is None or PlanStatus(latest.status) in (PlanStatus.DONE,
                                                            PlanStatus.NOTHING_TO_DO):
            return None
        return str(latest.id)

    def recent(self, limit: int = 10
               ) -> list[tuple[Row[Any], list[Row[Any]], list[Row[Any]]]]:
        """The latest plans, newest first, each with its orders and events."""
        with self.connection() as connection:
            latest = connection.execute(
                select(plans).order_by(plans.c.created_at.desc(), plans.c.id).limit(limit))
            return [(p, _orders_of(connection, p.id), _events_of(connection, p.id))
                    for p in latest.all()]


def _take(session: Session, key: str, at: datetime, plan_id: str) -> bool:
    """One open contribution date taken for plan `plan_id` (one conditional UPDATE)."""
    result = cast(CursorResult[Any], session.execute(update(contributions).where(
        contributions.c.key == key, contributions.c.due_at == at,
        contributions.c.status.in_([s.value for s in CONTRIBUTION_OPEN])).values(
        status=ContributionStatus.PLANNED.value, plan_id=plan_id, detail="",
        updated_at=datetime.now(UTC))))
    return result.rowcount == 1


def _inserted(result: CursorResult[Any]) -> int:
    """The id the database gave the row an INSERT wrote."""
    key = result.inserted_primary_key
    assert key is not None, "an INSERT of one row has a primary key"
    return int(key[0])


def _orders_of(connection: Connection, plan_id: str) -> list[Row[Any]]:
    return list(connection.execute(select(orders).where(orders.c.plan_id == plan_id)
                                   .order_by(orders.c.leg)))


def _events_of(connection: Connection, plan_id: str) -> list[Row[Any]]:
    return list(connection.execute(select(events).where(events.c.plan_id == plan_id)
                                   .order_by(events.c.id)))


def _json(document: Any) -> str:
    return json.dumps(document, default=str, sort_keys=True)


def _record_venues(document: str) -> list[str]:
    """The venues a stored plan names (its record, or an older report's orders)."""
    try:
        raw = json.loads(document)
    except ValueError:
        return []
    if not isinstance(raw, dict):
        return []
    venues = raw.get("venues") or [o.get("venue") for o in raw.get("orders", [])
                                   if isinstance(o, dict)]
    return [v for v in venues if isinstance(v, str)]
