"""The lots ledger: what each unit cost, when it was bought, and what a sale realises.

A lot is units of one asset bought at one time for one cost (fees included)
on one venue. A disposal consumes lots in the order the method gives
(`selection.py`), splitting the last one it touches; its proceeds are shared
over the consumed units in proportion, so each piece carries its own gain and
holding class. A transfer between venues (or to the wallet) moves lots,
oldest first, keeping their cost and date: it realises nothing. Units a
disposal finds no lot for are `uncovered`: they count at zero cost basis and
short-term, the conservative reading, and are reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from trimtab.domain.tax.selection import order_lots
from trimtab.domain.tax.settings import TaxSettings

DUST = 1e-12  # units below which a lot remainder is rounding noise


@dataclass(frozen=True, slots=True)
class Lot:
    """Units of an asset acquired together, with their total cost in quote units."""

    lot_id: str
    asset: str
    venue: str
    units: float
    cost: float
    acquired: datetime

    @property
    def unit_cost(self) -> float:
        return self.cost / self.units if self.units else 0.0

    def split(self, units: float) -> tuple[Lot, Lot | None]:
        """The first `units` of the lot and the rest (None when nothing is left)."""
        if units >= self.units - DUST * max(1.0, self.units):
            return self, None
        taken = replace(self, units=units, cost=self.unit_cost * units)
        return taken, replace(self, units=self.units - units, cost=self.cost - taken.cost)


@dataclass(frozen=True, slots=True)
class Acquire:
    """A buy (or any receipt with a cost basis): opens a lot."""

    at: datetime
    asset: str
    venue: str
    units: float
    cost: float
    lot_id: str


@dataclass(frozen=True, slots=True)
class Dispose:
    """A sale for `proceeds` (quote units, after fees); `lot_ids` names specific lots.

    `planned` are the lots the plan behind one of trimtab's own sales chose: consumed
    first while they are open, then the method's order (the plan's tax is the tax
    the ledger records, and a lot sold since is no error).
    """

    at: datetime
    asset: str
    venue: str
    units: float
    proceeds: float
    lot_ids: tuple[str, ...] = ()
    planned: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Transfer:
    """Units moved between venues (or to the wallet): lots move, nothing is realised."""

    at: datetime
    asset: str
    from_venue: str
    to_venue: str
    units: float


Event = Acquire | Dispose | Transfer


@dataclass(frozen=True, slots=True)
class LotUse:
    """The part of one lot a disposal consumed, with its share of the proceeds."""

    lot_id: str
    units: float
    cost: float
    proceeds: float
    acquired: datetime
    long_term: bool

    @property
    def gain(self) -> float:
        return self.proceeds - self.cost


@dataclass(frozen=True, slots=True)
class Disposal:
    """What one sale realised: the lots it consumed and the units no lot covered."""

    asset: str
    venue: str
    at: datetime
    units: float
    proceeds: float
    uses: tuple[LotUse, ...]
    uncovered_units: float = 0.0

    @property
    def uncovered_proceeds(self) -> float:
        return self.proceeds * self.uncovered_units / self.units if self.units else 0.0

    @property
    def cost(self) -> float:
        return sum(u.cost for u in self.uses)

    @property
    def gain_short(self) -> float:
        """Short-term gain; uncovered units count as short-term at zero cost."""
        return sum(u.gain for u in self.uses if not u.long_term) + self.uncovered_proceeds

    @property
    def gain_long(self) -> float:
        return sum(u.gain for u in self.uses if u.long_term)


@dataclass(frozen=True, slots=True)
class Ledger:
    """Open lots (in acquisition order) and every disposal replayed so far."""

    lots: tuple[Lot, ...] = ()
    disposals: tuple[Disposal, ...] = ()

    def open_lots(self, asset: str, venue: str | None = None) -> tuple[Lot, ...]:
        return tuple(lot for lot in self.lots
                     if lot.asset == asset and (venue is None or lot.venue == venue))

    def assets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(lot.asset for lot in self.lots))


class LotError(ValueError):
    """A specific lot that does not exist, or an event that cannot apply."""


def replay(events: Iterable[Event], settings: TaxSettings) -> Ledger:
    """The ledger after every event, applied in time order (ties keep their order)."""
    ledger = Ledger()
    for event in sorted(events, key=lambda e: e.at):
        ledger = apply(ledger, event, settings)
    return ledger


def apply(ledger: Ledger, event: Event, settings: TaxSettings) -> Ledger:
    """The ledger after one event."""
    if isinstance(event, Acquire):
        lot = Lot(event.lot_id, event.asset, event.venue, event.units, event.cost, event.at)
        return replace(ledger, lots=(*ledger.lots, lot))
    if isinstance(event, Transfer):
        return transfer(ledger, event)
    after, disposal = dispose(ledger, event, settings)
    return replace(after, disposals=(*after.disposals, disposal))


def dispose(ledger: Ledger, sale: Dispose, settings: TaxSettings) -> tuple[Ledger, Disposal]:
    """Consume lots for a sale; the ledger after it (disposals unchanged) and what it realised."""
    pool = [lot for lot in ledger.lots if _in_pool(lot, sale, settings)]
    unit_proceeds = sale.proceeds / sale.units if sale.units else 0.0
    if sale.lot_ids:
        chosen = _named(pool, sale)
    else:
        chosen = order_lots(pool, settings, unit_proceeds, sale.at)
        if sale.planned:  # stable: the planned lots in the plan's order, then the rest
            rank = {lot_id: i for i, lot_id in enumerate(sale.planned)}
            chosen.sort(key=lambda lot: rank.get(lot.lot_id, len(rank)))
    remaining, uses, changed = sale.units, [], {}
    for lot in chosen:
        if remaining <= DUST * max(1.0, sale.units):
            break
        taken, rest = lot.split(remaining)
        remaining -= taken.units
        changed[id(lot)] = rest
        uses.append(LotUse(lot.lot_id, taken.units, taken.cost, unit_proceeds * taken.units,
                           lot.acquired, settings.is_long_term(lot.acquired, sale.at)))
    lots = tuple(changed.get(id(lot), lot) for lot in ledger.lots)
    uncovered = remaining if remaining > DUST * max(1.0, sale.units) else 0.0
    disposal = Disposal(sale.asset, sale.venue, sale.at, sale.units, sale.proceeds,
                        tuple(uses), uncovered)
    return replace(ledger, lots=tuple(lot for lot in lots if lot is not None)), disposal


def transfer(ledger: Ledger, move: Transfer) -> Ledger:
    """Move units between venues oldest lot first; cost and acquisition date travel along.

    Units the source venue holds no lot for are simply not moved: the
    ledger does not invent a basis for them (a later sale reports them
    uncovered).
    """
    remaining, out = move.units, []
    for lot in ledger.lots:
        if lot.asset != move.asset or lot.venue != move.from_venue or remaining <= DUST:
            out.append(lot)
            continue
        taken, rest = lot.split(remaining)
        remaining -= taken.units
        out.append(replace(taken, venue=move.to_venue))
        if rest is not None:
            out.append(rest)
    return replace(ledger, lots=tuple(out))


def _in_pool(lot: Lot, sale: Dispose, settings: TaxSettings) -> bool:
    if lot.asset != sale.asset or lot.acquired > sale.at:
        return False
    return settings.pool == "asset" or lot.venue == sale.venue


def _named(pool: Sequence[Lot], sale: Dispose) -> list[Lot]:
    """Specific identification: the named lots, in the order named."""
    by_id = {lot.lot_id: lot for lot in pool}
    missing = [i for i in sale.lot_ids if i not in by_id]
    if missing:
        raise LotError(f"lot {missing[0]}: no open {sale.asset} lot with that id on "
                       f"{sale.venue}; name one of {', '.join(by_id) or '(none)'}")
    return [by_id[i] for i in sale.lot_ids]
