"""The paper exchange's order book: a parametric spread-and-depth model per market.

Why parametric and not recorded books: the order books ccxt records for its
own tests (`ts/src/test/static/response/binance.json`, `fetchOrderBook`)
are two to five levels from a test network (a 0.5 % spread on the BTC
perpetual), far too thin and too odd to stand for a real market. So every
market gets a book built around the paper price (the mid):

- the touch (best ask for a buy, best bid for a sell) lies `half_spread`
  away from the mid;
- behind it, `levels` price levels `step` apart (fractions of the mid), each
  holding `level_notional` quote units.

A market order walks the levels, so its average price (its slippage) grows
with its size; a limit order walks only the levels at or better than its
price. The half-spread is the policy's `slippage_bps` (what a trader
expects to pay to cross), so a small order costs exactly that, as before
books existed. Depth per market is the table `DEPTHS` (a documented
default for every other market); a deep book for BTC and ETH, thinner for
alts, in the order of magnitude of Binance's top-of-book depth in 2024.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.planning.orders import Side


@dataclass(frozen=True, slots=True)
class Depth:
    """Quote units resting at each level, and the distance (fraction of mid) between levels."""

    level_notional: float
    step: float
    levels: int = 200


# Base asset -> depth. Anything else gets DEFAULT_DEPTH.
DEPTHS: Mapping[str, Depth] = {
    "BTC": Depth(level_notional=250_000.0, step=0.0001),
    "ETH": Depth(level_notional=150_000.0, step=0.0001),
}
DEFAULT_DEPTH = Depth(level_notional=20_000.0, step=0.0002)


@dataclass(frozen=True, slots=True)
class Book:
    """One market's book around `mid`: half-spread and depth."""

    mid: float
    half_spread: float
    depth: Depth

    def touch(self, side: Side) -> Decimal:
        """The best price a taker `side` order gets: the ask for a buy, the bid for a sell."""
        return self.level_price(side, 0)

    def level_price(self, side: Side, level: int) -> Decimal:
        offset = self.half_spread + level * self.depth.step
        return Decimal(repr(self.mid * (1.0 + offset if side == "buy" else 1.0 - offset)))

    def crosses(self, side: Side, price: Decimal) -> bool:
        """Would a limit `side` order at `price` take liquidity (meet the other side)?"""
        touch = self.touch(side)
        return price >= touch if side == "buy" else price <= touch

    def walk(self, side: Side, units: Decimal, limit: Decimal | None = None
             ) -> tuple[Decimal, Decimal]:
        """Units filled and their cost (quote) taking the book, up to `limit` if given.

        Fills level by level; stops when `units` are filled, the next level
        is worse than `limit`, or the book's levels run out.
        """
        filled, cost = Decimal(0), Decimal(0)
        for level in range(self.depth.levels):
            price = self.level_price(side, level)
            if limit is not None and (price > limit if side == "buy" else price < limit):
                break
            take = min(units - filled, Decimal(repr(self.depth.level_notional)) / price)
            filled += take
            cost += take * price
            if filled >= units:
                break
        return filled, cost


def depth_for(base: str, table: Mapping[str, Depth] = DEPTHS) -> Depth:
    """The depth of `base`'s markets (spot and perpetual share it)."""
    return table.get(base, DEFAULT_DEPTH)
