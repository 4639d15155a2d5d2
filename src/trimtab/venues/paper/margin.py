"""Margin of paper perpetuals: isolated margin per position, and liquidation.

Each position holds initial margin = entry notional / leverage, the venue's
`leverage` (10× unless configured; ccxt's Binance markets carry no leverage
limit to cap it). Its maintenance margin rate is the documented default of
`domain.analysis.margin` (0.5 %, Binance's lowest USDT-M tier), since
ccxt's market structure carries none. The liquidation price is the domain's
own rule (`estimate_liquidation_price`: equity = maintenance margin), so
the figure `check` and `watch` show is the one the paper venue acts on.

When the mark reaches it the position is closed and its whole margin is
lost, as on Binance (what is left above maintenance goes to the insurance
fund); the liquidation is written to the journal's events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trimtab.domain.analysis.margin import DEFAULT_MAINTENANCE_RATE, estimate_liquidation_price
from trimtab.domain.snapshot import Position
from trimtab.journal.models import EventRow, PaperPositionRow
from trimtab.venues.paper.book import adjust

DEFAULT_LEVERAGE = 10.0


@dataclass(frozen=True, slots=True)
class MarginModel:
    """Leverage of every paper position and its maintenance margin rate."""

    leverage: float = DEFAULT_LEVERAGE
    maintenance_rate: float = DEFAULT_MAINTENANCE_RATE

    def initial_margin(self, contracts: float, size: float, entry: float) -> float:
        return abs(contracts) * size * entry / self.leverage

    def position(self, venue: str, symbol: str, contracts: float, size: float, entry: float,
                 mark: float) -> Position:
        """The position as a venue reports it: margin, liquidation price, margin ratio."""
        margin = self.initial_margin(contracts, size, entry)
        upnl = contracts * size * (mark - entry)
        maintenance = abs(contracts) * size * mark * self.maintenance_rate
        equity = margin + upnl
        raw = {"venue": venue, "symbol": symbol, "side": "long" if contracts > 0 else "short",
               "contracts": abs(contracts), "contractSize": size, "markPrice": mark,
               "entryPrice": entry, "leverage": self.leverage, "marginMode": "isolated",
               "initialMargin": margin, "collateral": margin,
               "maintenanceMargin": maintenance,
               "maintenanceMarginPercentage": self.maintenance_rate,
               "marginRatio": maintenance / equity if equity > 0 else None}
        liquidation = estimate_liquidation_price(Position.model_validate(raw))
        return Position.model_validate({**raw, "liquidationPrice": liquidation})

    def liquidated(self, position: Position) -> bool:
        """Has the mark reached the liquidation price?"""
        price = position.liquidation_price
        if price is None:
            return False
        mark = position.mark_price
        return mark <= price if position.side == "long" else mark >= price


def liquidate(session: Session, account: str, model: MarginModel,
              market_of: Callable[[str], Any], mark_of: Callable[[str], float | None]
              ) -> list[str]:
    """Close every position of `account` at or past its liquidation price; their messages."""
    messages = []
    rows = session.scalars(select(PaperPositionRow).where(PaperPositionRow.account == account))
    for row in list(rows):
        contracts, market = float(row.contracts), market_of(row.symbol)
        mark = mark_of(market["base"]) if market is not None and contracts else None
        if mark is None or market is None:
            continue
        size = float(market.get("contractSize") or 1)
        entry = float(row.entry_price)
        report = model.position(account, row.symbol, contracts, size, entry, mark)
        if not model.liquidated(report):
            continue
        margin = model.initial_margin(contracts, size, entry)
        adjust(session, account, market["settle"], -Decimal(repr(margin)))
        row.contracts, row.entry_price = "0", "0"
        message = (f"{account}: {row.symbol} {report.side} of {abs(contracts):g} liquidated at "
                   f"mark {mark:,.2f} (liquidation price {report.liquidation_price:,.2f}); "
                   f"margin lost {margin:,.2f} {market['settle']}")
        session.add(EventRow(kind="liquidation", message=message))
        messages.append(message)
    return messages
