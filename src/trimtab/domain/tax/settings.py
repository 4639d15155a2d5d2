"""The policy's `[tax]` table: how lots are chosen and what a realised gain costs.

Kept apart from `policy.py` so that the rest of the tax model can import it
without importing the whole policy.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Method = Literal["fifo", "lifo", "hifo", "min_tax"]
Pool = Literal["venue", "asset"]
Rate = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class TaxSettings(BaseModel):
    """Lot selection, holding period and rates per holding class."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Method = Field(
        "fifo", description="Which lots a sale consumes: fifo (oldest first), lifo (newest "
        "first), hifo (highest unit cost first) or min_tax (the least tax first: losses, then "
        "the smallest taxed gain per unit). Specific lots can be named per disposal.")
    long_term_days: Annotated[int, Field(ge=0)] = Field(
        365, description="A lot held longer than this many days is long-term.")
    short_term_rate: Rate = Field(
        0.0, description="Tax rate on short-term gains (a fraction; losses count as negative "
        "tax at the same rate). Set your own: 0 estimates no tax.")
    long_term_rate: Rate = Field(
        0.0, description="Tax rate on long-term gains (0 where they are tax-free after the "
        "holding period).")
    avoid_short_term_gains: bool = Field(
        False, description="min_tax: consume lots with a short-term gain only after every "
        "other lot, whatever the rates.")
    pool: Pool = Field(
        "venue", description="venue: a sale consumes the lots held on its own venue (per "
        "wallet); asset: it may consume any lot of the asset.")
    budget: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = Field(
        None, description="Largest estimated tax (quote units) one plan may realise; a rule "
        "plan above it is flagged, the optimal planner keeps under it.")

    trades: tuple[Annotated[str, Field(min_length=1)], ...] = Field(
        (), description="Trade history files (CSV exports of Binance, Kraken or Coinbase, or "
        "trimtab's lot file), relative to the policy file: every command that plans reads "
        "its lots from them (plus `--trades` and the journal's own fills).")

    pay_date: Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")] = Field(
        "04-15", description="Backtests: MM-DD on which a year's tax falls due, the "
        "following year.")

    @field_validator("pay_date")
    @classmethod
    def _a_day_of_every_year(cls, value: str) -> str:
        month, day = (int(x) for x in value.split("-"))
        try:
            datetime(2001, month, day)  # not a leap year: 02-29 does not come every year
        except ValueError:
            raise ValueError(f"{value} is not a day of every year; use MM-DD such as "
                             "04-15") from None
        return value

    def rate(self, long_term: bool) -> float:
        """The rate for a holding class."""
        return self.long_term_rate if long_term else self.short_term_rate

    def is_long_term(self, acquired: datetime, at: datetime) -> bool:
        """Held strictly longer than `long_term_days` at `at`."""
        return at - acquired > timedelta(days=self.long_term_days)
