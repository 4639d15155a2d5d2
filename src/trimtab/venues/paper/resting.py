"""Paper limit orders that rest on the book, and how the price path fills them.

A resting order fills in full, at its own price and at the maker fee, once
the price has moved its way since it was placed and the other side of the
paper book reaches it: a buy when the ask (mid plus the half-spread) is at
or below its limit, a sell when the bid is at or above. (The move is what
brings new liquidity: the rest of a limit order that took the touch does
not fill again against the same, already taken, level.) That is the
cautious reading: a bid at the touch fills only after the mid has fallen by
the whole spread, so paper never flatters a limit order.
The paper price source gives one price per instant, so "the path crossed
it" is read at each call the venue answers, not between them. A resting buy that the account can no
longer pay for when it fills is cancelled, as a venue cancels an order whose
locked funds are gone.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trimtab.domain.planning.orders import Side
from trimtab.journal.models import PaperLimitRow, PaperOrderRow
from trimtab.venues.errors import VenueError
from trimtab.venues.paper.book import record_fill
from trimtab.venues.paper.depth import Book


def resting(session: Session, account: str) -> list[tuple[PaperOrderRow, PaperLimitRow]]:
    """The account's open orders with their limits, oldest first."""
    rows = session.execute(select(PaperOrderRow, PaperLimitRow)
                           .join(PaperLimitRow, PaperLimitRow.order_id == PaperOrderRow.id)
                           .where(PaperOrderRow.account == account,
                                  PaperOrderRow.status == "open")
                           .order_by(PaperOrderRow.id))
    return [(order, limit) for order, limit in rows.all()]


def fill_resting(session: Session, account: str, market_of: Callable[[str], Any],
                 book_of: Callable[[Any], Book | None],
                 maker_rate: Callable[[Any], Decimal]) -> None:
    """Fill every resting order of `account` that the other side of the book has reached."""
    for order, limit in resting(session, account):
        market = market_of(order.symbol)
        book = book_of(market) if market is not None else None
        price = Decimal(limit.price)
        side: Side = "buy" if order.side == "buy" else "sell"
        if book is None or not _reached(book, side, price, Decimal(limit.placed_mid)):
            continue
        rest = Decimal(order.amount) - Decimal(order.filled)
        try:
            with session.begin_nested():
                record_fill(session, account, market, order, rest, rest * price,
                            maker_rate(market), limit.reduce_only)
        except VenueError:  # funds or position gone: the venue cancels the order
            order.status = "canceled"
            continue
        order.status = "closed"


def _reached(book: Book, side: Side, price: Decimal, placed_mid: Decimal) -> bool:
    """Has the price moved `side`'s way since placement, far enough to meet `price`?"""
    mid = Decimal(repr(book.mid))
    moved = mid < placed_mid if side == "buy" else mid > placed_mid
    return moved and book.crosses(side, price)


def locked(session: Session, account: str, market_of: Callable[[str], Any]
           ) -> dict[str, Decimal]:
    """Units held by open orders: the quote of resting spot buys, the base of spot sells."""
    out: dict[str, Decimal] = {}
    for order, limit in resting(session, account):
        market = market_of(order.symbol)
        if market is None or market.get("contract"):
            continue
        rest = Decimal(order.amount) - Decimal(order.filled)
        asset, units = (market["quote"], rest * Decimal(limit.price)) if order.side == "buy" \
            else (market["base"], rest)
        out[asset] = out.get(asset, Decimal(0)) + units
    return out
