"""The paper exchange: a dry-run venue that behaves like the real market it imitates.

Balances, orders, positions and funding live in the journal database, so a
paper account survives restarts and a crash can be reconciled exactly as on
a real venue. Market orders walk a parametric order book (`depth.py`): the
touch is the price ± the policy's slippage, and size moves the average price
further. Limit and post-only orders rest and fill when the price reaches
them (`resting.py`); a post-only order that would cross is rejected. Takers
pay the policy's fee rate, makers that rate scaled by the market's
maker/taker ratio (ccxt market data). Perpetuals pay funding at every
settlement (`funding.py`) and are liquidated when the mark reaches their
liquidation price (`margin.py`); all of it happens when the venue is next
asked anything, as time has then moved on.

Precision and minimums are ccxt's own, from the bundled market file of the
imitated exchange; markets for assets that file lacks are `listing.py`'s.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trimtab.domain.planning.orders import Side
from trimtab.domain.snapshot import FundingRate, Position
from trimtab.journal.models import (
    PaperBalanceRow,
    PaperLimitRow,
    PaperOrderRow,
    PaperPositionRow,
    PaperTransferRow,
)
from trimtab.journal.store import Journal
from trimtab.venues.errors import InsufficientFunds, Rejected
from trimtab.venues.markets import BUNDLED_MARKETS, markets_of, offline_exchange, read_market_file
from trimtab.venues.paper.book import adjust, position, record_fill
from trimtab.venues.paper.depth import DEPTHS, Book, Depth, depth_for
from trimtab.venues.paper.funding import FundingRates, settle_funding
from trimtab.venues.paper.listing import check_limits, report, synthetic_markets
from trimtab.venues.paper.margin import MarginModel, liquidate
from trimtab.venues.paper.resting import fill_resting, locked
from trimtab.venues.port import (
    Balances,
    Market,
    OpenOrdersRead,
    PositionsRead,
    Ticker,
    VenueOrder,
)
from trimtab.venues.prices import PriceSource


@dataclass(frozen=True, slots=True)
class PaperCosts:
    """Taker fee rate and half-spread (fractions of notional) of the paper book."""

    fee_rate: float
    slippage: float


@dataclass(frozen=True, slots=True)
class PaperRules:
    """How the paper exchange models depth, margin and funding (documented defaults)."""

    depths: Mapping[str, Depth] = field(default_factory=lambda: dict(DEPTHS))
    margin: MarginModel = field(default_factory=MarginModel)
    funding_rate: float | None = None  # used where the bundled history has no rate


class PaperVenue:
    """A paper account named `name`, implementing `Venue` over the journal database."""

    def __init__(self, journal: Journal, prices: PriceSource, costs: PaperCosts, *,
                 name: str = "paper", quote: str = "USDT", imitates: str = "binance",
                 assets: tuple[str, ...] = (), rules: PaperRules | None = None) -> None:
        self.journal = journal
        self.prices = prices
        self.costs = costs
        self.name = name
        self.quote = quote
        self.rules = rules or PaperRules()
        self.funding = FundingRates(self.rules.funding_rate)
        recorded = read_market_file(BUNDLED_MARKETS / f"{imitates}.json")
        spot = {s: m for s, m in recorded.items() if m.get("type") == "spot"}
        perps = {s: m for s, m in recorded.items() if m.get("swap") and m.get("linear")}
        self.exchange = offline_exchange(imitates, {**spot, **perps,
                                                    **synthetic_markets(spot, assets, quote)})

    def now(self) -> datetime:
        return self.prices.now()

    def load_markets(self) -> Mapping[str, Market]:
        return markets_of(self.exchange)

    def amount_to_precision(self, symbol: str, amount: float) -> str:
        return str(self.exchange.amount_to_precision(symbol, amount))

    def price_to_precision(self, symbol: str, price: float) -> str:
        return str(self.exchange.price_to_precision(symbol, price))

    def is_empty(self) -> bool:
        with self.journal.session() as session:
            return session.scalars(select(PaperBalanceRow.id).where(
                PaperBalanceRow.account == self.name).limit(1)).first() is None

    def fund(self, amounts: Mapping[str, float]) -> None:
        """Deposit starting balances; a perpetual symbol opens a position at today's price.

        `{"USDT": 10000, "BTC/USDT:USDT": -0.5}` deposits 10,000 USDT and
        opens a 0.5-contract short, as if it had been traded before.
        """
        with self.journal.session() as session:
            self._deposit(session, amounts)

    def fund_if_empty(self, amounts: Mapping[str, float]) -> bool:
        """Fund the account only if it is empty, in one transaction; False if it was not.

        Two processes started together on a new journal would otherwise both
        find it empty and both deposit (or one would crash on the other's rows).
        """
        try:
            with self.journal.session() as session:
                if session.scalars(select(PaperBalanceRow.id).where(
                        PaperBalanceRow.account == self.name).limit(1)).first() is not None:
                    return False
                self._deposit(session, amounts)
        except IntegrityError:
            return False  # another process funded it first (PostgreSQL's unique constraint)
        return True

    def transfer(self, asset: str, amount: float, reference: str) -> float | None:
        """Move `amount` of `asset` in (positive) or out (negative) once per `reference`.

        The paper exchange's stand-in for a real deposit or withdrawal: a contribution's
        date, a plan's withdrawal. The transfer and its reference are one transaction, so
        asking again after a crash moves nothing (None). A payout takes at most what the
        account holds free, never more; the units moved.
        """
        if amount < 0:
            amount = -min(-amount, self.fetch_balances().free.get(asset, 0.0))
        units = Decimal(repr(float(amount)))
        try:
            with self.journal.session() as session:
                self._transfer(session, asset, units, reference)
        except IntegrityError:
            return None  # moved before, under this reference
        return float(units)

    def credit_with(self, session: Session, asset: str, amount: float, reference: str
                    ) -> None:
        """Credit `amount` of `asset` once per `reference` inside the caller's transaction
        (the one that journals a plan): the credit commits, or rolls back, with what it
        belongs to, so that no crash leaves one without the other. IntegrityError (the
        whole transaction refused) when `reference` was moved before."""
        self._transfer(session, asset, Decimal(repr(float(amount))), reference)

    def _transfer(self, session: Session, asset: str, units: Decimal, reference: str) -> None:
        session.add(PaperTransferRow(account=self.name, reference=reference[:300],
                                     asset=asset, amount=str(units)))
        session.flush()  # the reference's unique key refuses a second move here
        adjust(session, self.name, asset, units)

    def _deposit(self, session: Session, amounts: Mapping[str, float]) -> None:
        for asset, amount in amounts.items():
            units = Decimal(repr(float(amount)))
            if ":" not in asset:
                adjust(session, self.name, asset, units)
                continue
            market = self._market(asset)
            row = position(session, self.name, asset)
            row.contracts = str(Decimal(row.contracts) + units)
            row.entry_price = repr(self._mark(market["base"]))

    def advance(self) -> None:
        """Let time act: resting orders the price reached fill, funding settles, margin calls.

        Called before every answer, so the account is always as the venue
        would have it at `now()`.
        """
        with self.journal.session() as session:
            fill_resting(session, self.name, self.exchange.markets.get, self._book_or_none,
                         self._maker_rate)
            settle_funding(session, self.name, self.now(), self.exchange.markets.get,
                           self._mark_or_none, self.funding)
            liquidate(session, self.name, self.rules.margin, self.exchange.markets.get,
                      self._mark_or_none)

    def fetch_balances(self) -> Balances:
        """Totals; free leaves out what open orders lock and the positions' margin."""
        self.advance()
        with self.journal.session() as session:
            rows = session.scalars(select(PaperBalanceRow).where(
                PaperBalanceRow.account == self.name))
            total = {r.asset: Decimal(r.amount) for r in rows if Decimal(r.amount) > 0}
            held = locked(session, self.name, self.exchange.markets.get)
        for p in self._positions():
            margin = Decimal(repr(p.initial_margin or 0.0))
            held[p.settle] = held.get(p.settle, Decimal(0)) + margin
        free = {a: float(max(Decimal(0), v - held.get(a, Decimal(0)))) for a, v in total.items()}
        return Balances(total={a: float(v) for a, v in total.items()}, free=free)

    def fetch_tickers(self, symbols: list[str]) -> Mapping[str, Ticker]:
        """The paper price as last trade, and the book's touch as bid and ask."""
        out = {}
        for symbol in symbols:
            quoted = self.prices.price(symbol.split("/", 1)[0])
            market = self.exchange.markets.get(symbol)
            if quoted is None:
                continue
            bid = ask = None
            if market is not None:
                book = self._book(market)
                bid, ask = float(book.touch("sell")), float(book.touch("buy"))
            out[symbol] = Ticker(symbol, quoted[0], quoted[1], bid=bid, ask=ask)
        return out

    def fetch_positions(self) -> PositionsRead:
        self.advance()
        return PositionsRead(tuple(self._positions()))

    def _positions(self) -> list[Position]:
        with self.journal.session() as session:
            rows = list(session.scalars(select(PaperPositionRow).where(
                PaperPositionRow.account == self.name)))
            held = [(r.symbol, float(r.contracts), float(r.entry_price)) for r in rows]
        out = []
        for symbol, contracts, entry in held:
            market = self.exchange.markets.get(symbol)
            mark = self._mark_or_none(market["base"]) if market else None
            if contracts == 0 or market is None or mark is None:
                continue
            out.append(self.rules.margin.position(
                self.name, symbol, contracts, float(market.get("contractSize") or 1),
                entry or mark, mark))
        return out

    def fetch_funding_rates(self, symbols: list[str]) -> Mapping[str, FundingRate]:
        """The last settlement's rate of each perpetual (history, else the configured rate)."""
        out = {}
        for symbol in symbols:
            market = self.exchange.markets.get(symbol)
            rate = self.funding.latest(market["base"], self.now()) if market else None
            if rate is not None:
                out[symbol] = FundingRate(rate=rate, interval_hours=8)
        return out

    def create_order(self, symbol: str, side: Side, amount: str, client_order_id: str, *,
                     reduce_only: bool = False, price: float | None = None,
                     limit: str | None = None, post_only: bool = False,
                     hedged: bool = False, margin_mode: str | None = None) -> VenueOrder:
        """A market order walks the book; a limit order takes what crosses, the rest rests.

        A post-only order that would cross is rejected; a market order that
        exhausts the book's levels is closed with what it got (ccxt: canceled).
        `price` (what the caller sized the amount at), `hedged` and `margin_mode`
        are not needed here: paper positions are one-way and isolated.
        """
        self.advance()
        market = self._market(symbol)
        units = Decimal(amount)
        book = self._book(market)
        limit_price = None if limit is None else Decimal(limit)
        if limit_price is not None and limit_price <= 0:
            raise Rejected(self.name, "create_order", f"{symbol}: limit price {limit}")
        if limit_price is not None and post_only and book.crosses(side, limit_price):
            raise Rejected(self.name, "create_order", f"{symbol}: post-only {side} at {limit} "
                           f"would cross the book (touch {book.touch(side)})")
        size = Decimal(repr(float(market.get("contractSize") or 1)))
        at = limit_price or book.touch(side)
        self._check_limits(symbol, amount, units, units * at * (size if market["contract"] else 1))
        taking = limit_price is None or book.crosses(side, limit_price)
        filled, cost = (Decimal(0), Decimal(0))
        if taking:
            filled, cost = book.walk(side, units, limit_price)
        if Decimal(0) < filled < units:  # a part fill is still a whole number of lots
            lots = Decimal(self.amount_to_precision(symbol, float(filled)))
            filled, cost = lots, cost * lots / filled
        with self.journal.session() as session:
            self._refuse_duplicate(session, client_order_id)
            self._refuse_unfunded(session, market, side, units, limit_price)
            row = PaperOrderRow(account=self.name, client_order_id=client_order_id,
                                symbol=symbol, side=side, amount=amount, filled="0",
                                average=None, fee="0", fee_currency=self.quote, status="open")
            session.add(row)
            session.flush()
            if filled > 0:
                record_fill(session, self.name, market, row, filled, cost,
                            Decimal(repr(self.costs.fee_rate)), reduce_only)
            if limit_price is None:
                row.status = "closed" if filled >= units else "canceled"
            elif filled >= units:
                row.status = "closed"
            else:
                session.add(PaperLimitRow(order_id=row.id, price=str(limit_price),
                                          placed_mid=repr(book.mid), post_only=post_only,
                                          reduce_only=reduce_only))
            session.flush()
            return report(row, limit_price)

    def fetch_order(self, symbol: str, *, order_id: str | None = None,
                    client_order_id: str | None = None) -> VenueOrder | None:
        self.advance()
        query = select(PaperOrderRow).where(PaperOrderRow.account == self.name)
        if order_id is not None:
            query = query.where(PaperOrderRow.id == int(order_id))
        else:
            query = query.where(PaperOrderRow.client_order_id == client_order_id)
        with self.journal.session() as session:
            row = session.scalars(query).first()
            return self._report(session, row) if row else None

    def fetch_open_orders(self, symbol: str | None = None, known: Collection[str] = ()
                          ) -> list[VenueOrder]:
        """The paper book keeps trimtab's ids as they were sent: `known` is not needed."""
        return [o for o in self._orders(symbol) if o.status == "open"]

    def fetch_closed_orders(self, symbol: str | None = None, known: Collection[str] = ()
                            ) -> list[VenueOrder]:
        return [o for o in self._orders(symbol) if o.status != "open"]

    def scan_open_orders(self, known: Collection[str] = ()) -> OpenOrdersRead:
        """The paper book is one family."""
        return OpenOrdersRead(tuple(self.fetch_open_orders(known=known)))

    def cancel_order(self, order_id: str, symbol: str) -> VenueOrder | None:
        """Cancel what rests; a fill the price path brought first stays filled."""
        self.advance()
        with self.journal.session() as session:
            row = session.get(PaperOrderRow, int(order_id))
            if row is None or row.account != self.name:
                return None
            if row.status == "open":
                row.status = "canceled"
            return self._report(session, row)

    def _orders(self, symbol: str | None) -> list[VenueOrder]:
        self.advance()
        query = select(PaperOrderRow).where(PaperOrderRow.account == self.name)
        if symbol is not None:
            query = query.where(PaperOrderRow.symbol == symbol)
        with self.journal.session() as session:
            return [self._report(session, r)
                    for r in session.scalars(query.order_by(PaperOrderRow.id))]

    def _report(self, session: Any, row: PaperOrderRow) -> VenueOrder:
        limit = session.scalars(select(PaperLimitRow.price).where(
            PaperLimitRow.order_id == row.id)).first()
        return report(row, None if limit is None else Decimal(limit))

    def _refuse_duplicate(self, session: Any, client_order_id: str) -> None:
        if session.scalars(select(PaperOrderRow.id).where(
                PaperOrderRow.account == self.name,
                PaperOrderRow.client_order_id == client_order_id)).first():
            raise Rejected(self.name, "create_order", f"duplicate client order id "
                           f"{client_order_id}")

    def _refuse_unfunded(self, session: Any, market: Any, side: Side, units: Decimal,
                         limit: Decimal | None) -> None:
        """A resting spot order must be covered by free funds when it is placed."""
        if limit is None or market.get("contract"):
            return
        asset, need = (market["quote"], units * limit) if side == "buy" \
            else (market["base"], units)
        row = session.scalars(select(PaperBalanceRow).where(
            PaperBalanceRow.account == self.name, PaperBalanceRow.asset == asset)).first()
        have = Decimal(row.amount) if row else Decimal(0)
        held = locked(session, self.name, self.exchange.markets.get).get(asset, Decimal(0))
        if have - held < need:
            raise InsufficientFunds(self.name, "create_order", f"needs {need} {asset}")

    def _book(self, market: Any) -> Book:
        base = market["base"]
        return Book(self._mark(base), self.costs.slippage, depth_for(base, self.rules.depths))

    def _book_or_none(self, market: Any) -> Book | None:
        return self._book(market) if self._mark_or_none(market["base"]) is not None else None

    def _maker_rate(self, market: Any) -> Decimal:
        """The policy's fee rate scaled by the market's maker/taker ratio."""
        maker, taker = market.get("maker"), market.get("taker")
        ratio = maker / taker if maker is not None and taker else 1.0
        return Decimal(repr(self.costs.fee_rate * ratio))

    def _market(self, symbol: str) -> Any:
        if symbol not in self.exchange.markets:
            raise Rejected(self.name, "create_order", f"{symbol}: the paper exchange has no "
                           "such market")
        return self.exchange.markets[symbol]

    def _mark_or_none(self, base: str) -> float | None:
        quoted = self.prices.price(base)
        return None if quoted is None else quoted[0]

    def _mark(self, base: str) -> float:
        mark = self._mark_or_none(base)
        if mark is None:
            raise Rejected(self.name, "create_order", f"no price for {base}")
        return mark

    def _check_limits(self, symbol: str, amount: str, units: Decimal, cost: Decimal) -> None:
        check_limits(self.name, markets_of(self.exchange)[symbol].rule, symbol, amount, units,
                     cost, Decimal(self.amount_to_precision(symbol, float(units))))
