"""Orders, skipped orders and the cost model every estimate uses.

Cost model (one implementation, used by the planner, the paper exchange's
estimates and the tests): an order's notional is amount × price at the
snapshot price; its fee is notional × fee_rate and its slippage notional ×
slippage_bps / 10,000. A sell adds notional − fee − slippage to the quote
balance of its venue, a buy takes notional + fee + slippage from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_UP, Decimal
from typing import Literal

from trimtab.domain.contracts import SPOT, Contract

# `floor` trusts the float quotient amount / step below FLOAT_TICKS lots when it lies
# farther than TICK_MARGIN from a whole lot: its error there is under 1e9 × 4e-16
FLOAT_TICKS = 1e9
TICK_MARGIN = 1e-6
EXACT_INTEGERS = 2**53  # every whole number below this is an exact float
EXACT_POWERS = 22  # 10^k is an exact float up to k = 22

Side = Literal["buy", "sell"]
SkipReason = Literal[
    "below_min_trade", "below_min_notional", "below_min_amount", "missing_price",
    "stale_price", "frozen_asset", "wallet_only", "insufficient_quote", "no_spot_market",
    "locked", "collateral", "staked", "funding",
]


@dataclass(frozen=True, slots=True)
class CostModel:
    """Fee and slippage as fractions of notional."""

    fee_rate: float
    slippage: float

    @property
    def rate(self) -> float:
        return self.fee_rate + self.slippage

    def fee(self, notional: float) -> float:
        return notional * self.fee_rate

    def slip(self, notional: float) -> float:
        return notional * self.slippage


@dataclass(frozen=True, slots=True)
class MarketRule:
    """A market's lot size, minimums and contract (ccxt `precision.amount`, `limits`,
    `contractSize`, `inverse`): what an amount of it is worth comes from `contract`."""

    amount_step: float | None = None
    min_amount: float | None = None
    min_cost: float | None = None
    contract: Contract = SPOT
    significant_digits: int | None = None  # ccxt's SIGNIFICANT_DIGITS mode (Bitfinex)
    maker: float | None = None  # fee rates from ccxt's market data, when it has them
    taker: float | None = None

    def notional(self, amount: float, price: float, quote_rate: float = 1.0) -> float:
        """The quote value of `amount` of this market at `price` (the one notional rule);
        `quote_rate` prices the contract's quote currency (USD of an inverse contract)."""
        return self.contract.notional(amount, price, quote_rate)

    # the step's decimal text as a whole number of 10^-k units, for `_lots`
    _step: tuple[Decimal, int, float] | None = field(
        init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self.amount_step:
            object.__setattr__(self, "_step", _decimal_step(self.amount_step))

    def floor(self, amount: float) -> float:
        """Truncate to the lot size exactly as ccxt's amount_to_precision does.

        ccxt truncates the decimal text of the amount (`repr`), so decimal
        arithmetic on that text gives the same lot count: 0.3 with a 0.1 step
        is 3 lots, and 1.99999999998 with a step of 1 is one lot, not two.
        A market counted in significant digits keeps that many, truncated.
        """
        if self.significant_digits:
            return _significant(amount, self.significant_digits, ROUND_DOWN)
        step = self._step
        if not self.amount_step or step is None:
            return amount
        ticks = amount / self.amount_step
        if 0.0 <= ticks < FLOAT_TICKS and abs(ticks - round(ticks)) > TICK_MARGIN:
            # far from a tick, the float quotient floors to the decimal one's lot count
            # (they differ by a few 1e-16 relative)
            return _lots(math.floor(ticks), step)
        lots = (Decimal(repr(amount)) / step[0]).to_integral_value(rounding=ROUND_FLOOR)
        return float(lots * step[0])

    def ceil(self, amount: float) -> float:
        """Round up to the lot size; within a billionth of a tick counts as that tick.

        The lot count is multiplied out in decimal, so that what comes back
        is exactly a whole number of lots and `floor` keeps every one of them
        (5 × 1e-6 in floats is a hair under 5e-6, and truncates to 4 lots).
        """
        if self.significant_digits:
            return _significant(amount, self.significant_digits, ROUND_UP)
        if not self.amount_step:
            return amount
        step = Decimal(repr(self.amount_step))
        ticks = Decimal(repr(amount)) / step
        nearest = ticks.to_integral_value()
        # 0.3 / 0.1 is 2.9999999999999996: a value that close to a tick is that tick
        lots = nearest if abs(ticks - nearest) < Decimal("1e-9") else ticks.to_integral_value(
            rounding=ROUND_CEILING)
        return float(lots * step)


def _decimal_step(step: float) -> tuple[Decimal, int, float]:
    """The step's decimal text, and that text as `units` / `scale` (scale = 10^k); a scale
    of 0 where no exact float division exists (k > 22, a negative or infinite step)."""
    text = Decimal(repr(step))
    sign, digits, exponent = text.as_tuple()
    if sign or not isinstance(exponent, int):
        return text, 0, 0.0
    units = int("".join(map(str, digits)))
    if exponent >= 0:
        return text, units * 10**exponent, 1.0
    return text, units, 10.0**-exponent if -exponent <= EXACT_POWERS else 0.0


def _lots(count: int, step: tuple[Decimal, int, float]) -> float:
    """`count` lots as a float, the value float(count × the step's decimal text) has.

    count × units is a whole number and 10^k an exact float (k ≤ 22): below 2^53 the
    one division is correctly rounded, as the decimal product's conversion is, to the
    same float; a tenth of the cost of multiplying Decimals.
    """
    text, units, scale = step
    whole = count * units
    if scale and whole < EXACT_INTEGERS:
        return whole / scale
    return float(count * text)


def _significant(amount: float, digits: int, rounding: str) -> float:
    """`amount` cut (or raised) to `digits` significant digits of its decimal text."""
    value = Decimal(repr(amount))
    if value <= 0:
        return 0.0
    quantum = Decimal(1).scaleb(value.adjusted() - digits + 1)
    return float(value.quantize(quantum, rounding=rounding))


@dataclass(frozen=True, slots=True)
class Order:
    """One order of a plan, with its estimated costs."""

    venue: str
    symbol: str
    asset: str
    side: Side
    amount: float
    price: float
    notional: float
    fee: float
    slippage: float
    reduce_only: bool = False
    hedged: bool = False  # reduces one side of a hedge-mode position: the venue needs the side
    margin_mode: Literal["cross", "isolated"] | None = None  # the reduced position's
    # the price of the contract's quote currency (USD of BTC/USD:BTC) in the policy's quote,
    # from the snapshot: the executor values the order with it as the planner did
    quote_rate: float = 1.0

    @property
    def is_futures(self) -> bool:
        return ":" in self.symbol

    @property
    def quote_delta(self) -> float:
        """Change of the venue's spot quote balance when the order fills as estimated.

        A futures order's costs are charged to the venue's quote balance, as
        on a unified account (and the paper exchange): the conservative
        reading, since costs paid from a separate margin wallet only leave
        more spot value. Where the spot quote cannot cover them, `apply`
        takes the rest from margin.
        """
        if self.is_futures:
            return -(self.fee + self.slippage)
        if self.side == "sell":
            return self.notional - self.fee - self.slippage
        return -(self.notional + self.fee + self.slippage)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An order the plan would have placed and did not, with the reason."""

    asset: str
    side: Side
    notional: float
    reason: SkipReason
    detail: str
    venue: str | None = None
    symbol: str | None = None
    amount: float | None = None
