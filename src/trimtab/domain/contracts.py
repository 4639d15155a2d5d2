"""The one notional rule: what an amount of a market is worth in the quote currency.

Every place that values an order or a position calls `Contract.notional`:
the futures analysis, the planner's orders and minimums, the executor's
limit checks, its caps and turnover, and the reports that show them. Units
follow ccxt: a spot amount is coins; a contract amount is contracts, each
worth `contractSize` coins (linear) or `contractSize` units of the
contract's quote currency (inverse: 100 USD for OKX BTC-USD-SWAP, Binance
COIN-M BTCUSD_PERP).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Contract:
    """How one unit of amount is valued: spot is a linear contract of size 1."""

    size: float = 1.0
    inverse: bool = False

    def notional(self, amount: float, price: float, quote_rate: float = 1.0) -> float:
        """Unsigned value in the quote currency.

        Linear: amount × size × price. Inverse: amount × size, a value already
        in the contract's quote currency, so the price does not enter. Both
        are converted to the policy's quote with `quote_rate` (the price of the
        contract's quote currency, 1 when it is the policy's quote).
        """
        per_unit = self.size if self.inverse else self.size * price
        return abs(amount) * per_unit * quote_rate

    def amount_for(self, notional: float, price: float, quote_rate: float = 1.0) -> float:
        """The amount worth `notional`: the inverse of `notional` at the same price."""
        per_unit = self.notional(1.0, price, quote_rate)
        return notional / per_unit if per_unit > 0 else 0.0


SPOT = Contract()
