"""When things recur: the policy's calendar rules (`[[schedules]]`, `[[contributions]]`).

A schedule and a contribution say "when" the same way (a plain word or a
five-field cron in UTC), so they share one model of it, `CalendarRule`, and
`domain.calendar` turns either into fire times, bar masks and next dates.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WORD_SCHEDULES = {"daily": "0 0 * * *", "weekly": "0 0 * * mon", "monthly": "0 0 1 * *",
                  "quarterly": "0 0 1 1,4,7,10 *"}


class Strict(BaseModel):
    """Base for policy models: frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarRule(Strict):
    """When something recurs: a plain word or a cron expression, in UTC."""

    every: Literal["daily", "weekly", "monthly", "quarterly"] | None = Field(
        None, description="Plain-word schedule (at 00:00 UTC; weekly on Monday, monthly on "
        "the 1st, quarterly on Jan/Apr/Jul/Oct 1st).")
    cron: str | None = Field(None, description="Five-field cron expression in UTC, e.g. "
                             "'0 8 * * 1' for Mondays at 08:00.")

    @model_validator(mode="after")
    def _one_of_every_or_cron(self) -> CalendarRule:
        if (self.every is None) == (self.cron is None):
            raise ValueError("give either every or cron")
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ValueError(f"cron '{self.cron}' needs five fields: minute hour day month "
                             "weekday")
        if self.cron is not None:
            from trimtab.domain.calendar import cron_trigger  # calendar imports this module

            cron_trigger(self)  # '99 99 * * *' is refused here, not in the watch loop
        return self

    @property
    def cron_expression(self) -> str:
        """The rule as a five-field cron expression."""
        return self.cron or WORD_SCHEDULES[self.every or "daily"]

    @property
    def label(self) -> str:
        """How the user wrote it: the word, else the cron expression."""
        return self.every or self.cron_expression


class Schedule(CalendarRule):
    """A calendar trigger: when to look, and what to do then."""

    action: Literal["review", "rebalance"] = Field(
        "review", description="review: analyse, report and notify; rebalance: plan, then act "
        "according to mode.")


class Contribution(CalendarRule):
    """A recurring deposit (or, negative, withdrawal) of quote cash: dollar-cost averaging."""

    amount: float = Field(description="Quote units deposited at each date (already on a "
                          "venue: trimtab never moves money); negative to withdraw.")

    @field_validator("amount")
    @classmethod
    def _a_real_amount(cls, amount: float) -> float:
        if not math.isfinite(amount) or amount == 0:
            raise ValueError("give a non-zero amount in the quote currency (negative to "
                             "withdraw), e.g. amount = 500")
        return amount

    @property
    def key(self) -> str:
        """Names the contribution in the journal: its timing and its amount."""
        return f"{self.cron_expression}|{self.amount:+.10g}"
