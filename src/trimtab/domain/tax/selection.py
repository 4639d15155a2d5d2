"""Lot-selection methods: the order in which a sale consumes open lots.

fifo: oldest first. lifo: newest first. hifo: highest unit cost first (the
smallest gain, the classic tax-aware rule). min_tax: the least estimated tax
per unit at this sale's proceeds first, which puts losses (negative tax)
before long-term gains taxed at a low rate before short-term gains; with
`avoid_short_term_gains` a lot with a short-term gain goes last whatever the
rates. Ties break toward the older lot, so every method is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from trimtab.domain.tax.settings import TaxSettings

if TYPE_CHECKING:
    from trimtab.domain.tax.lots import Lot


def order_lots(lots: Sequence[Lot], settings: TaxSettings, unit_proceeds: float,
               at: datetime) -> list[Lot]:
    """The lots in the order the policy's method consumes them."""
    oldest = sorted(lots, key=lambda lot: lot.acquired)  # stable: ties keep ledger order
    if settings.method == "fifo":
        return oldest
    if settings.method == "lifo":
        return sorted(lots, key=lambda lot: lot.acquired, reverse=True)
    if settings.method == "hifo":
        return sorted(oldest, key=lambda lot: -lot.unit_cost)
    return sorted(oldest, key=lambda lot: _tax_key(lot, settings, unit_proceeds, at))


def tax_per_unit(lot: Lot, settings: TaxSettings, unit_proceeds: float, at: datetime) -> float:
    """Estimated tax of selling one unit of the lot (negative for a loss)."""
    long_term = settings.is_long_term(lot.acquired, at)
    return (unit_proceeds - lot.unit_cost) * settings.rate(long_term)


def _tax_key(lot: Lot, settings: TaxSettings, unit_proceeds: float,
             at: datetime) -> tuple[bool, float, float]:
    long_term = settings.is_long_term(lot.acquired, at)
    gain = unit_proceeds - lot.unit_cost
    short_gain = settings.avoid_short_term_gains and not long_term and gain > 0
    # equal tax (zero rates, say): the smaller gain first, as hifo would
    return short_gain, tax_per_unit(lot, settings, unit_proceeds, at), gain
