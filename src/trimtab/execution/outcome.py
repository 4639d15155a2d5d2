"""What an execution did: every leg as sent and filled, and why the run stopped early.

These are the results front ends render (tables, `--json`, the dashboard);
they hold no journal rows and no venue objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trimtab.domain.refusal import Refusal
from trimtab.execution.states import OrderState

SKIPPED = "skipped"  # a leg not sent (below a minimum): not an order state, a result


@dataclass(frozen=True, slots=True)
class OrderResult:
    """One leg as executed (or why not)."""

    client_order_id: str | None
    venue: str
    symbol: str
    side: str
    amount: str
    status: OrderState | str  # an OrderState, or SKIPPED
    filled: float = 0.0
    average: float | None = None
    fee: float | None = None
    reason: str | None = None
    children: tuple[OrderResult, ...] = ()  # the child orders a leg was sent as


@dataclass
class Execution:
    """The outcome of a run: every leg, and the refusal that ended it early, if any."""

    plan_id: str
    orders: list[OrderResult] = field(default_factory=list)
    stop: Refusal | None = None

    @property
    def filled(self) -> int:
        return sum(1 for o in self.orders if o.status == OrderState.FILLED)

    def summary(self, planned: int) -> str:
        """The outcome in a few words, for a notification or a page."""
        if self.stop is not None:
            return f"stopped after {self.filled} of {planned} orders: {self.stop}"
        return f"{self.filled} of {planned} orders filled"
