"""The paper exchange's books: balances and perpetual positions, in exact decimals.

Kept apart from the venue so that the accounting (what a fill does to
balances and positions) reads on its own. A linear perpetual settles in the
quote: closing contracts realises (fill − entry) × contracts × contract size,
and fees are paid in the quote. The paper account's quote balance carries
fees, realised P/L and funding; margin and liquidation are `margin.py`'s.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trimtab.domain.planning.orders import Side
from trimtab.journal.models import PaperBalanceRow, PaperOrderRow, PaperPositionRow
from trimtab.venues.errors import InsufficientFunds, Rejected


def balance(session: Session, account: str, asset: str) -> Decimal:
    row = session.scalars(select(PaperBalanceRow).where(
        PaperBalanceRow.account == account, PaperBalanceRow.asset == asset)).first()
    return Decimal(row.amount) if row else Decimal(0)


def adjust(session: Session, account: str, asset: str, delta: Decimal) -> None:
    row = session.scalars(select(PaperBalanceRow).where(
        PaperBalanceRow.account == account, PaperBalanceRow.asset == asset)).first()
    if row is None:
        session.add(PaperBalanceRow(account=account, asset=asset, amount=str(delta)))
    else:
        row.amount = str(Decimal(row.amount) + delta)


def position(session: Session, account: str, symbol: str) -> PaperPositionRow:
    row = session.scalars(select(PaperPositionRow).where(
        PaperPositionRow.account == account, PaperPositionRow.symbol == symbol)).first()
    if row is None:
        row = PaperPositionRow(account=account, symbol=symbol, contracts="0", entry_price="0")
        session.add(row)
    return row


def settle_spot(session: Session, account: str, market: Any, side: Side, units: Decimal,
                cost: Decimal, fee: Decimal) -> None:
    """Move base and quote for a spot fill, refusing an overdraft."""
    base, quote = market["base"], market["quote"]
    if side == "buy":
        need = cost + fee
        if balance(session, account, quote) < need:
            raise InsufficientFunds(account, "create_order", f"needs {need:.2f} {quote}")
        adjust(session, account, quote, -need)
        adjust(session, account, base, units)
        return
    if balance(session, account, base) < units:
        raise InsufficientFunds(account, "create_order", f"needs {units} {base}")
    adjust(session, account, base, -units)
    adjust(session, account, quote, cost - fee)


def settle_contract(session: Session, account: str, market: Any, side: Side, units: Decimal,
                    price: Decimal, fee: Decimal, reduce_only: bool) -> None:
    """Change a perpetual position by a fill; realise P/L on the contracts closed."""
    row = position(session, account, market["symbol"])
    old = Decimal(row.contracts)
    delta = units if side == "buy" else -units
    new = old + delta
    if reduce_only and (old == 0 or abs(new) > abs(old) or new * old < 0):
        raise Rejected(account, "create_order", f"{market['symbol']}: a reduce-only order "
                       f"of {delta} would not reduce the position of {old}")
    size = Decimal(repr(float(market.get("contractSize") or 1)))
    entry = Decimal(row.entry_price)
    closed = min(abs(delta), abs(old)) if old * delta < 0 else Decimal(0)
    pnl = closed * (price - entry) * size * (1 if old > 0 else -1)
    if balance(session, account, market["settle"]) + pnl < fee:
        raise InsufficientFunds(account, "create_order", f"needs {fee:.2f} {market['settle']}")
    adjust(session, account, market["settle"], pnl - fee)
    if new == 0:
        row.entry_price = "0"
    elif old == 0 or new * old < 0:
        row.entry_price = str(price)
    elif abs(new) > abs(old):
        row.entry_price = str((entry * abs(old) + price * abs(delta)) / abs(new))
    row.contracts = str(new)


def record_fill(session: Session, account: str, market: Any, row: PaperOrderRow,
                units: Decimal, cost: Decimal, fee_rate: Decimal, reduce_only: bool) -> None:
    """Settle `units` of order `row` that cost `cost` (price × units) and add them to the row.

    The row keeps the running average price and the fees paid, as ccxt's
    order structure does, so a partly filled order reads like a real one.
    """
    size = Decimal(repr(float(market.get("contractSize") or 1)))
    notional = cost * (size if market.get("contract") else 1)
    fee = notional * fee_rate
    side: Side = "buy" if row.side == "buy" else "sell"
    if market.get("contract"):
        settle_contract(session, account, market, side, units, cost / units, fee, reduce_only)
    else:
        settle_spot(session, account, market, side, units, notional, fee)
    before = Decimal(row.filled)
    paid = before * Decimal(row.average or 0) + cost
    row.filled = str(before + units)
    row.average = str(paid / (before + units))
    row.fee = str(Decimal(row.fee) + fee)
