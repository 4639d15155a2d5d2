"""What the user holds at one instant: balances, positions, prices, funding.

Field names follow ccxt (`contracts`, `contractSize`, `markPrice`, unified
symbols such as `BTC/USDT:USDT`) so that the ccxt adapter fills the same
model that a hand-written JSON snapshot does.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from trimtab.domain.contracts import Contract

WALLET = "wallet"
DEFAULT_FUNDING_INTERVAL_HOURS = 8.0
EARLIEST = datetime(2009, 1, 1, tzinfo=UTC)  # no crypto price is older
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(minutes=5)  # venue clocks run a little ahead

PositivePrice = Annotated[float, Field(gt=0, allow_inf_nan=False)]
# how units are held: only `spot` units can be sold on the venue's spot market; the others
# are held and valued, and a plan leaves them as a residual with this name as the reason
Holding = Literal["spot", "collateral", "staked", "funding"]
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Frozen(BaseModel):
    """Base for snapshot models: frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PriceQuote(Frozen):
    """A price and the time it was observed (the snapshot's time if absent)."""

    price: PositivePrice
    timestamp: AwareDatetime | None = None


class Balance(Frozen):
    """Units of one asset on one venue (`wallet` for off-exchange holdings)."""

    venue: str = Field(min_length=1)
    asset: str = Field(min_length=1)
    amount: Amount
    free: Amount | None = Field(
        None, description="Units free to trade (the rest is locked in open orders); "
        "absent: all of them.")
    held_as: Holding = Field(
        "spot", description="spot: tradable; collateral: margin in a contract wallet (a "
        "Binance COIN-M account); staked: staking or earn units; funding: a funding wallet. "
        "All count in weights; only spot units are ever sold.")


class Position(Frozen):
    """A futures position as ccxt reports it."""

    venue: str = Field(min_length=1)
    symbol: str = Field(min_length=1, description="Unified symbol, e.g. BTC/USDT:USDT.")
    side: Literal["long", "short"]
    contracts: Amount
    contract_size: PositivePrice = Field(1.0, alias="contractSize")
    mark_price: PositivePrice = Field(alias="markPrice")
    mark_estimated: bool = Field(
        False, alias="markEstimated",
        description="The venue gave no mark price: the market's last price stands in for it.")
    entry_price: PositivePrice | None = Field(None, alias="entryPrice")
    leverage: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    margin_mode: Literal["cross", "isolated"] | None = Field(None, alias="marginMode")
    hedged: bool = Field(False, description="Held in hedge mode (a long and a short side per "
                         "symbol): orders reducing it must name its side.")
    collateral: Amount | None = Field(None, description="Margin balance backing the position.")
    initial_margin: Amount | None = Field(None, alias="initialMargin")
    maintenance_margin: Amount | None = Field(None, alias="maintenanceMargin")
    maintenance_margin_rate: Annotated[float, Field(ge=0, lt=1)] | None = Field(
        None, alias="maintenanceMarginPercentage")
    liquidation_price: Amount | None = Field(None, alias="liquidationPrice")
    margin_ratio: Amount | None = Field(None, alias="marginRatio")

    @field_validator("symbol")
    @classmethod
    def _is_derivative_symbol(cls, symbol: str) -> str:
        if ":" not in symbol or "/" not in symbol:
            raise ValueError(f"'{symbol}' is not a ccxt derivative symbol like BTC/USDT:USDT")
        return symbol

    @property
    def base(self) -> str:
        return self.symbol.split("/", 1)[0]

    @property
    def settle(self) -> str:
        return self.symbol.split(":", 1)[1].split("-", 1)[0]

    @property
    def inverse(self) -> bool:
        """Inverse contracts settle in the base coin and have a fixed quote value."""
        return self.settle == self.base

    @property
    def quote(self) -> str:
        """The contract's quote currency: USD for BTC/USD:BTC, USDC for ADA/USDC:USDC."""
        return self.symbol.split("/", 1)[1].split(":", 1)[0]

    @property
    def contract(self) -> Contract:
        return Contract(self.contract_size, self.inverse)

    @property
    def notional(self) -> float:
        """Unsigned notional in quote currency: the one rule, `Contract.notional`."""
        return self.contract.notional(self.contracts, self.mark_price)

    @property
    def signed_notional(self) -> float:
        return self.notional if self.side == "long" else -self.notional


class DatedFuture(Frozen):
    """A dated future a hedge could move to (quoted with its expiry)."""

    venue: str = Field(min_length=1)
    symbol: str = Field(min_length=1, description="Unified symbol, e.g. BTC/USDT:USDT-250328.")
    mark_price: PositivePrice = Field(alias="markPrice")
    expiry: AwareDatetime

    @property
    def base(self) -> str:
        return self.symbol.split("/", 1)[0]


class FundingRate(Frozen):
    """A perpetual's funding rate per interval (positive: longs pay shorts)."""

    rate: Annotated[float, Field(allow_inf_nan=False, ge=-1, le=1)]
    interval_hours: Annotated[float, Field(gt=0, allow_inf_nan=False)] = (
        DEFAULT_FUNDING_INTERVAL_HOURS)

    @property
    def per_day(self) -> float:
        return self.rate * 24.0 / self.interval_hours


class Snapshot(Frozen):
    """Holdings, positions and market data at `as_of`."""

    as_of: AwareDatetime
    prices: dict[str, PriceQuote] = Field(default_factory=dict)
    balances: tuple[Balance, ...] = ()
    positions: tuple[Position, ...] = ()
    funding_rates: dict[str, FundingRate] = Field(default_factory=dict)
    dated_futures: tuple[DatedFuture, ...] = ()
    notes: tuple[str, ...] = Field(
        (), description="What the venues could not tell (funding, a mark price, a ticker's "
        "time) and what was left out, each a sentence the reports show.")

    @field_validator("prices", mode="before")
    @classmethod
    def _bare_prices(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"price": v} if isinstance(v, int | float) else v for k, v in value.items()}
        return value

    @field_validator("funding_rates", mode="before")
    @classmethod
    def _bare_rates(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"rate": v} if isinstance(v, int | float) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _dates_in_range(self) -> Snapshot:
        """A snapshot dated year 1 overflowed date arithmetic; a price from the future is a typo."""
        if not EARLIEST <= self.as_of <= LATEST:
            raise ValueError(f"as_of: {self.as_of:%Y-%m-%d} is outside 2009-01-01…2100-01-01")
        for asset, quote in self.prices.items():
            if quote.timestamp is not None and not (
                    EARLIEST <= quote.timestamp <= self.as_of + FUTURE_SLACK):
                raise ValueError(f"prices.{asset}.timestamp: {quote.timestamp:%Y-%m-%d %H:%M} "
                                 "is after the snapshot's as_of (or before 2009)")
        return self

    def quote_rate(self, currency: str) -> float:
        """The price of a contract's quote currency (USD, USDC) in the snapshot's quote.

        Taken 1:1 when the snapshot has no price for it: those currencies are the
        quote itself or a dollar stablecoin, and the venue snapshot prices them
        whenever a route exists.
        """
        quote = self.prices.get(currency)
        return quote.price if quote is not None else 1.0

    def position_notional(self, position: Position) -> float:
        """The position's notional converted to the snapshot's quote (the one rule)."""
        return position.contract.notional(position.contracts, position.mark_price,
                                          self.quote_rate(position.quote))

    def price_time(self, asset: str) -> datetime:
        quote = self.prices[asset]
        return quote.timestamp if quote.timestamp is not None else self.as_of

    def holdings(self) -> dict[str, float]:
        """Total units per asset over every venue and the wallet."""
        out: dict[str, float] = defaultdict(float)
        for b in self.balances:
            out[b.asset] += b.amount
        return dict(out)

    def held_back(self) -> dict[str, dict[str, dict[str, float]]]:
        """Units per asset and venue that are held but cannot be sold now, by reason:
        `locked` (in open orders), or how they are held (collateral, staked, funding).
        One pass for every asset (a pass per asset made a 200-asset check quadratic)."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for b in self.balances:
            reason: str
            if b.held_as != "spot":
                reason, units = b.held_as, b.amount
            elif b.free is not None and b.free < b.amount:
                reason, units = "locked", b.amount - b.free
            else:
                continue
            reasons = out.setdefault(b.asset, {}).setdefault(b.venue, {})
            reasons[reason] = reasons.get(reason, 0.0) + units
        return out
