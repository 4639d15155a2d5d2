"""Margin health: margin ratio and distance to liquidation, and the margin trigger.

Venues report `liquidationPrice` and `marginRatio` on most positions; where
one is missing it is estimated from the margin the position holds and its
maintenance margin rate, and the estimate says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from trimtab.domain.analysis.triggers import Trigger
from trimtab.domain.snapshot import Position

DEFAULT_MAINTENANCE_RATE = 0.005  # Binance's lowest USDT-M tier; used only to estimate


@dataclass(frozen=True, slots=True)
class MarginHealth:
    """How close one position is to liquidation."""

    position: Position
    margin_ratio: float | None
    liquidation_price: float | None
    liquidation_estimated: bool

    @property
    def liquidation_distance(self) -> float | None:
        """|mark − liquidation| / mark, or None when no liquidation price is known."""
        if self.liquidation_price is None or self.liquidation_price <= 0:
            return None
        return abs(self.position.mark_price - self.liquidation_price) / self.position.mark_price


def margin_health(position: Position) -> MarginHealth:
    """The reported figures, or estimates where the venue left them out."""
    ratio = position.margin_ratio
    if ratio is None and position.maintenance_margin is not None and position.collateral:
        ratio = position.maintenance_margin / position.collateral
    if position.liquidation_price:
        return MarginHealth(position, ratio, position.liquidation_price, False)
    return MarginHealth(position, ratio, estimate_liquidation_price(position), True)


def estimate_liquidation_price(position: Position) -> float | None:
    """Liquidation price of a linear position from its margin and maintenance rate.

    The position is liquidated when equity (margin + unrealised P/L) falls
    to the maintenance margin, mmr × q × p: for a long, m + q(p − e) =
    mmr·q·p gives p = (q·e − m) / (q(1 − mmr)); for a short, m + q(e − p) =
    mmr·q·p gives p = (q·e + m) / (q(1 + mmr)). The margin m is the reported
    collateral, else the initial margin, else entry notional / leverage.
    """
    p = position
    if p.inverse or p.entry_price is None or p.contracts <= 0:
        return None
    qty = p.contracts * p.contract_size
    margin = p.collateral or p.initial_margin
    if margin is None:
        if p.leverage is None:
            return None
        margin = qty * p.entry_price / p.leverage
    mmr = p.maintenance_margin_rate if p.maintenance_margin_rate is not None \
        else DEFAULT_MAINTENANCE_RATE
    if p.side == "long":
        price = (qty * p.entry_price - margin) / (qty * (1.0 - mmr))
    else:
        price = (qty * p.entry_price + margin) / (qty * (1.0 + mmr))
    return max(price, 0.0)


def margin_triggers(health: tuple[MarginHealth, ...], max_ratio: float,
                    min_distance: float) -> tuple[Trigger, ...]:
    """A margin trigger per position over its ratio limit or too near liquidation."""
    fired = []
    for h in health:
        p = h.position
        subject = f"{p.venue}:{p.symbol}"
        if h.margin_ratio is not None and h.margin_ratio > max_ratio:
            fired.append(Trigger("margin", subject,
                                 f"{subject} margin ratio {h.margin_ratio:.1%} is above "
                                 f"{max_ratio:.1%}",
                                 {"margin_ratio": h.margin_ratio, "max_margin_ratio": max_ratio}))
        distance = h.liquidation_distance
        if distance is not None and distance < min_distance:
            estimate = " (estimated)" if h.liquidation_estimated else ""
            fired.append(Trigger("margin", subject,
                                 f"{subject} is {distance:.1%} from its liquidation price "
                                 f"{h.liquidation_price:,.2f}{estimate}, under "
                                 f"{min_distance:.1%}",
                                 {"liquidation_distance": distance,
                                  "liquidation_price": h.liquidation_price or 0.0,
                                  "min_liquidation_distance": min_distance,
                                  "estimated": float(h.liquidation_estimated)}))
    return tuple(fired)
