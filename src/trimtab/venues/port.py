"""The one interface every venue implements, and the values it returns.

A venue is where balances, prices and positions come from and where orders
go: the ccxt adapter for real exchanges and the paper exchange for dry runs
both implement `Venue`, so execution and snapshots never know which is which.
Amounts sent are strings already cut to the market's precision, because what
is journaled must be exactly what was sent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from trimtab.domain.planning.orders import MarketRule, Side
from trimtab.domain.snapshot import FundingRate, Holding, Position

OrderStatus = Literal["open", "closed", "canceled", "expired", "rejected"]

# every client order id trimtab sends starts so, in trimtab's form (a venue may take it in
# another: prefixed, or a number; its adapter translates both ways)
CLIENT_ID_PREFIX = "trimtab"


def is_trimtab_id(client_order_id: str | None) -> bool:
    """Whether a client order id in trimtab's form is one trimtab made (any journal's)."""
    return client_order_id is not None and client_order_id.startswith(CLIENT_ID_PREFIX)


@dataclass(frozen=True, slots=True)
class Market:
    """What trimtab needs of a ccxt market: its symbol, currencies and rule."""

    symbol: str
    base: str
    quote: str
    rule: MarketRule
    contract: bool = False


@dataclass(frozen=True, slots=True)
class Balances:
    """Units per asset: total held and free to trade (spot), and units held otherwise.

    `held` is keyed by (asset, how it is held: collateral, staked, funding): units the
    venue holds for the user that count in weights but are never sold as spot.
    """

    total: Mapping[str, float]
    free: Mapping[str, float]
    held: Mapping[tuple[str, Holding], float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ticker:
    """Last price of a market and when the venue observed it."""

    symbol: str
    last: float
    timestamp: datetime | None
    bid: float | None = None
    ask: float | None = None
    time_estimated: bool = False  # the venue sent no time: `timestamp` is when it was fetched


@dataclass(frozen=True, slots=True)
class PositionsRead:
    """The contract positions a venue holds, and the ones left out with the reason."""

    positions: tuple[Position, ...] = ()
    notes: tuple[str, ...] = ()
    # the contract account each position was read from (see capabilities.position_account);
    # empty: each venue's own
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenOrdersRead:
    """Open orders of every family an account trades, and the families left unread."""

    orders: tuple[VenueOrder, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VenueOrder:
    """An order as the venue reports it (ccxt's order structure, trimmed)."""

    id: str
    client_order_id: str | None
    symbol: str
    side: Side
    amount: float
    filled: float
    average: float | None
    status: OrderStatus
    fee: float | None = None
    fee_currency: str | None = None
    price: float | None = None  # the limit price; None for a market order
    # the venue's client id carries trimtab's marker: placed by a trimtab, whichever journal
    # wrote it (`client_order_id` is then trimtab's id, where the adapter can tell it)
    by_trimtab: bool = False

    @property
    def remaining(self) -> float:
        return max(0.0, self.amount - self.filled)


class Venue(Protocol):
    """What trimtab asks of an exchange (real or paper)."""

    name: str

    def now(self) -> datetime:
        """The venue's clock: wall time, or the replay's date on a replayed paper venue."""
        ...

    def load_markets(self) -> Mapping[str, Market]: ...

    def amount_to_precision(self, symbol: str, amount: float) -> str:
        """The amount cut (never rounded up) to the market's lot size, as a string."""
        ...

    def price_to_precision(self, symbol: str, price: float) -> str:
        """A limit price on the market's tick size, as a string (ccxt's rule)."""
        ...

    def fetch_balances(self) -> Balances: ...

    def fetch_tickers(self, symbols: list[str]) -> Mapping[str, Ticker]: ...

    def fetch_positions(self) -> PositionsRead:
        """Every contract family the account holds; never raises for one it cannot read."""
        ...

    def fetch_funding_rates(self, symbols: list[str]) -> Mapping[str, FundingRate]: ...

    def create_order(self, symbol: str, side: Side, amount: str, client_order_id: str, *,
                     reduce_only: bool = False, price: float | None = None,
                     limit: str | None = None, post_only: bool = False,
                     hedged: bool = False, margin_mode: str | None = None) -> VenueOrder:
        """Place a market order, or a limit order at `limit` (post-only: maker or rejected).

        Raises OutcomeUnknown when it may have been accepted. `price` is the
        price the amount was sized at: a venue that buys at market by the
        cost to spend is sent amount × price. `hedged` and `margin_mode` are
        those of the position a reduce-only order reduces.
        """
        ...

    def fetch_order(self, symbol: str, *, order_id: str | None = None,
                    client_order_id: str | None = None) -> VenueOrder | None:
        """An order by venue id (first) or client order id; None when the venue does not
        know it. Given both, it is reported under `client_order_id`."""
        ...

    def fetch_open_orders(self, symbol: str | None = None, known: Collection[str] = ()
                          ) -> list[VenueOrder]:
        """Open orders; one whose client id is trimtab's is reported under trimtab's id:
        read back from the venue's form where it can be, else found among `known`."""
        ...

    def fetch_closed_orders(self, symbol: str | None = None, known: Collection[str] = ()
                            ) -> list[VenueOrder]:
        """Recent closed orders, reported as `fetch_open_orders` reports them."""
        ...

    def scan_open_orders(self, known: Collection[str] = ()) -> OpenOrdersRead:
        """Open orders of every family (spot, each contract family) the account trades, as
        `fetch_open_orders` reports them: a stray trimtab order rests on any of them."""
        ...

    def cancel_order(self, order_id: str, symbol: str) -> VenueOrder | None: ...
