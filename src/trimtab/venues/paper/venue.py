"""The paper exchange: a dry-run venue that behaves like the real market it imitates.

Balances and orders live in the journal database, so a paper account
survives restarts and a crash can be reconciled exactly as on a real venue.
Market orders fill at once at the source's price ± slippage and pay the
policy's fee in the quote currency. Precision and minimums are ccxt's own,
from the bundled market file of the imitated exchange; an asset that file
lacks (SOL, AVAX, LINK in the Binance file) gets a market with eight
decimals and the minimum notional of the file's BTC market, stated here so
that nothing about it is hidden. The file's linear perpetuals trade too:
positions are kept per symbol and reduce-only orders may only shrink them
(see `paper_book.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trimtab.domain.planning.orders import Side
from trimtab.domain.snapshot import FundingRate, Position
from trimtab.journal.models import PaperBalanceRow, PaperOrderRow, PaperPositionRow
from trimtab.journal.store import Journal
from trimtab.venues.errors import Rejected
from trimtab.venues.markets import BUNDLED_MARKETS, markets_of, offline_exchange, read_market_file
from trimtab.venues.paper.book import adjust, position, settle_contract, settle_spot
from trimtab.venues.port import Balances, Market, PositionsRead, Ticker, VenueOrder
from trimtab.venues.prices import PriceSource

SYNTHETIC_DECIMALS = 8


@dataclass(frozen=True, slots=True)
class PaperCosts:
    """Fee rate and slippage (fractions of notional) the paper fills apply."""

    fee_rate: float
    slippage: float


class PaperVenue:
    """A paper account named `name`, implementing `Venue` over the journal database."""

    def __init__(self, journal: Journal, prices: PriceSource, costs: PaperCosts, *,
                 name: str = "paper", quote: str = "USDT", imitates: str = "binance",
                 assets: tuple[str, ...] = ()) -> None:
        self.journal = journal
        self.prices = prices
        self.costs = costs
        self.name = name
        self.quote = quote
        recorded = read_market_file(BUNDLED_MARKETS / f"{imitates}.json")
        spot = {s: m for s, m in recorded.items() if m.get("type") == "spot"}
        perps = {s: m for s, m in recorded.items() if m.get("swap") and m.get("linear")}
        self.exchange = offline_exchange(imitates, {**spot, **perps,
                                                    **_synthetic(spot, assets, quote)})

    def now(self) -> datetime:
        return self.prices.now()

    def load_markets(self) -> Mapping[str, Market]:
        return markets_of(self.exchange)

    def amount_to_precision(self, symbol: str, amount: float) -> str:
        return str(self.exchange.amount_to_precision(symbol, amount))

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

    def _deposit(self, session: Session, amounts: Mapping[str, float]) -> None:
        for asset, amount in amounts.items():
            units = Decimal(repr(float(amount)))
            if ":" not in asset:
                adjust(session, self.name, asset, units)
                continue
            market = self._market(asset)
            row = position(session, self.name, asset)
            row.contracts = str(Decimal(row.contracts) + units)
            row.entry_price = str(self._fill_price(market["base"], "buy", 0.0))

    def fetch_balances(self) -> Balances:
        with self.journal.session() as session:
            rows = session.scalars(select(PaperBalanceRow).where(
                PaperBalanceRow.account == self.name))
            total = {r.asset: float(r.amount) for r in rows if Decimal(r.amount) > 0}
        return Balances(total=total, free=dict(total))

    def fetch_tickers(self, symbols: list[str]) -> Mapping[str, Ticker]:
        out = {}
        for symbol in symbols:
            quoted = self.prices.price(symbol.split("/", 1)[0])
            if quoted is not None:
                out[symbol] = Ticker(symbol, quoted[0], quoted[1])
        return out

    def fetch_positions(self) -> PositionsRead:
        with self.journal.session() as session:
            rows = list(session.scalars(select(PaperPositionRow).where(
                PaperPositionRow.account == self.name)))
            held = [(r.symbol, float(r.contracts), float(r.entry_price)) for r in rows]
        out = []
        for symbol, contracts, entry in held:
            market = self.exchange.markets.get(symbol)
            quoted = self.prices.price(market["base"]) if market else None
            if contracts == 0 or market is None or quoted is None:
                continue
            out.append(Position.model_validate({
                "venue": self.name, "symbol": symbol, "side": "long" if contracts > 0
                else "short", "contracts": abs(contracts),
                "contractSize": float(market.get("contractSize") or 1),
                "markPrice": quoted[0], "entryPrice": entry or None}))
        return PositionsRead(tuple(out))

    def fetch_funding_rates(self, symbols: list[str]) -> Mapping[str, FundingRate]:
        return {}  # no funding history is bundled: hedges show an unknown funding cost

    def create_order(self, symbol: str, side: Side, amount: str, client_order_id: str, *,
                     reduce_only: bool = False, price: float | None = None,
                     hedged: bool = False, margin_mode: str | None = None) -> VenueOrder:
        """A fill at the source's price ± slippage (`price` is the caller's; unused here)."""
        market = self._market(symbol)
        units = Decimal(amount)
        fill = self._fill_price(market["base"], side, self.costs.slippage)
        size = Decimal(repr(float(market.get("contractSize") or 1)))
        cost = units * fill * (size if market.get("contract") else 1)
        self._check_limits(symbol, amount, units, cost)
        fee = cost * Decimal(repr(self.costs.fee_rate))
        with self.journal.session() as session:
            if session.scalars(select(PaperOrderRow).where(
                    PaperOrderRow.account == self.name,
                    PaperOrderRow.client_order_id == client_order_id)).first():
                raise Rejected(self.name, "create_order", f"duplicate client order id "
                               f"{client_order_id}")
            if market.get("contract"):
                settle_contract(session, self.name, market, side, units, fill, fee,
                                reduce_only)
            else:
                settle_spot(session, self.name, market, side, units, cost, fee)
            row = PaperOrderRow(account=self.name, client_order_id=client_order_id,
                                symbol=symbol, side=side, amount=amount, filled=amount,
                                average=str(fill), fee=str(fee), fee_currency=self.quote,
                                status="closed")
            session.add(row)
            session.flush()
            return _order(row)

    def fetch_order(self, symbol: str, *, order_id: str | None = None,
                    client_order_id: str | None = None) -> VenueOrder | None:
        query = select(PaperOrderRow).where(PaperOrderRow.account == self.name)
        if order_id is not None:
            query = query.where(PaperOrderRow.id == int(order_id))
        else:
            query = query.where(PaperOrderRow.client_order_id == client_order_id)
        with self.journal.session() as session:
            row = session.scalars(query).first()
            return _order(row) if row else None

    def fetch_open_orders(self, symbol: str | None = None) -> list[VenueOrder]:
        return []  # market orders fill at once

    def fetch_closed_orders(self, symbol: str | None = None) -> list[VenueOrder]:
        query = select(PaperOrderRow).where(PaperOrderRow.account == self.name)
        if symbol is not None:
            query = query.where(PaperOrderRow.symbol == symbol)
        with self.journal.session() as session:
            return [_order(r) for r in session.scalars(query.order_by(PaperOrderRow.id))]

    def cancel_order(self, order_id: str, symbol: str) -> VenueOrder | None:
        return self.fetch_order(symbol, order_id=order_id)  # nothing stays open to cancel

    def _market(self, symbol: str) -> Any:
        if symbol not in self.exchange.markets:
            raise Rejected(self.name, "create_order", f"{symbol}: the paper exchange has no "
                           "such market")
        return self.exchange.markets[symbol]

    def _fill_price(self, base: str, side: Side, slippage: float) -> Decimal:
        quoted = self.prices.price(base)
        if quoted is None:
            raise Rejected(self.name, "create_order", f"no price for {base}")
        slip = slippage if side == "buy" else -slippage
        return Decimal(repr(quoted[0] * (1.0 + slip)))

    def _check_limits(self, symbol: str, amount: str, units: Decimal, cost: Decimal) -> None:
        rule = markets_of(self.exchange)[symbol].rule
        if units <= 0 or Decimal(self.amount_to_precision(symbol, float(units))) != units:
            raise Rejected(self.name, "create_order", f"{symbol}: amount {amount} is not a "
                           "multiple of the lot size")
        if rule.min_amount is not None and units < Decimal(repr(rule.min_amount)):
            raise Rejected(self.name, "create_order", f"{symbol}: amount {amount} under the "
                           f"minimum {rule.min_amount:g}")
        if rule.min_cost is not None and cost < Decimal(repr(rule.min_cost)):
            raise Rejected(self.name, "create_order", f"{symbol}: notional {cost:.2f} under "
                           f"the minimum {rule.min_cost:g}")


def _synthetic(spot: Mapping[str, Any], assets: tuple[str, ...], quote: str
               ) -> dict[str, dict[str, Any]]:
    """Markets for assets the recorded file lacks: 8 decimals, the BTC market's minimums."""
    model = spot.get(f"BTC/{quote}") or next(iter(spot.values()))
    out = {}
    for asset in assets:
        symbol = f"{asset}/{quote}"
        if symbol in spot or asset == quote:
            continue
        out[symbol] = {"id": f"{asset}{quote}", "symbol": symbol, "base": asset, "quote": quote,
                       "baseId": asset, "quoteId": quote, "active": True, "type": "spot",
                       "spot": True, "precision": {"amount": SYNTHETIC_DECIMALS,
                                                   "price": SYNTHETIC_DECIMALS},
                       "limits": {"amount": {"min": 10.0 ** -SYNTHETIC_DECIMALS},
                                  "cost": dict(model["limits"]["cost"])},
                       "taker": model.get("taker"), "maker": model.get("maker")}
    return out


def _order(row: PaperOrderRow) -> VenueOrder:
    return VenueOrder(id=str(row.id), client_order_id=row.client_order_id, symbol=row.symbol,
                      side="buy" if row.side == "buy" else "sell", amount=float(row.amount),
                      filled=float(row.filled),
                      average=float(row.average) if row.average else None,
                      status="closed", fee=float(row.fee), fee_currency=row.fee_currency)
