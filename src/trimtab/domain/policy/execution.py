"""How the policy trades and tells: alerts, cost assumptions, order execution, optimiser."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from trimtab.domain.policy.fields import NonNegative, Weight
from trimtab.domain.timing import Strict


class Alerts(Strict):
    """When a trigger that stays fired is notified again."""

    cooldown: Annotated[float, Field(ge=0, allow_inf_nan=False)] = Field(
        86_400.0, description="Seconds before a trigger that stays fired is notified again.")
    worse_by: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(
        0.5, description="Notify again before the cooldown when the trigger's severity grows "
        "by this fraction (0.5: half as bad again).")
    rearm: Weight = Field(
        0.25, description="A cleared band trigger notifies again only once the weight has come "
        "back inside the band by this fraction of its half-width (no storms at an edge).")


class Costs(Strict):
    """Trading cost assumptions used to estimate every order."""

    fee_rate: Annotated[float, Field(ge=0, lt=0.1, allow_inf_nan=False)] = Field(
        0.001, description="Fee as a fraction of traded notional.")
    slippage_bps: Annotated[float, Field(ge=0, lt=1000, allow_inf_nan=False)] = Field(
        5.0, description="Estimated slippage in basis points of traded notional.")
    min_trade: NonNegative = Field(
        10.0, description="Orders below this quote notional are skipped.")


class Execution(Strict):
    """How orders are sent (style, slicing), caps on a run, and how reads are retried."""

    max_order_notional: NonNegative | None = Field(
        None, description="Largest notional (quote units) of one order; a larger one stops "
        "the run before it is sent. None: no cap.")
    max_turnover: NonNegative | None = Field(
        None, description="Largest total notional one run may trade; the run stops before "
        "an order that would pass it. None: no cap.")
    read_attempts: Annotated[int, Field(ge=1, le=20)] = Field(
        5, description="Tries of a failing read (exponential backoff with jitter) before the "
        "run stops. Orders are never re-sent.")
    style: Literal["market", "limit", "post-only"] = Field(
        "market", description="market: take the book; limit: a limit order that may cross; "
        "post-only: a limit order the venue rejects rather than let it cross (maker only).")
    limit_price: Literal["touch", "mid", "offset"] = Field(
        "touch", description="Where a limit or post-only order is priced: at the touch (the "
        "bid for a buy, the ask for a sell), at the mid, or offset_bps from the mid.")
    offset_bps: Annotated[float, Field(gt=-1000, lt=1000, allow_inf_nan=False)] = Field(
        0.0, description="With limit_price = offset: basis points from the mid, positive "
        "away from the book (a buy below the mid), negative into it (an accepted slippage).")
    timeout: Annotated[float, Field(gt=0, le=86_400, allow_inf_nan=False)] = Field(
        60.0, description="Seconds a limit or post-only child may rest before the rest of it "
        "is cancelled.")
    fallback: Literal["market", "none"] = Field(
        "market", description="After a timeout (or a post-only rejection): send what is left "
        "as a market order, or leave it for the next run.")
    max_slice: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, description="Largest notional (quote units) of one child order: a larger leg is "
        "split into children. None: one child per leg.")
    twap_window: NonNegative = Field(
        0.0, description="Seconds over which a leg's children are spread (a TWAP): the pause "
        "between two children is the window / (children - 1). 0: back to back.")
    poll_interval: Annotated[float, Field(gt=0, le=600, allow_inf_nan=False)] = Field(
        2.0, description="Seconds between two looks at a resting child order.")


class Optimiser(Strict):
    """Weights of the optimising planner's objective (planner = "optimal")."""

    cost_weight: NonNegative = Field(
        1.0, description="Weight of fees + slippage (as a fraction of portfolio value) "
        "against the squared drift from the targets.")
    tax_weight: NonNegative = Field(
        1.0, description="Weight of the estimated tax (a fraction of portfolio value) "
        "against the squared drift; 0 ignores tax.")
    bands: Literal["hard", "soft"] = Field(
        "hard", description="hard: every tradable asset ends inside its band (or the plan is "
        "refused); soft: leaving a band costs band_weight × the distance outside it.")
    band_weight: NonNegative = Field(
        10.0, description="soft bands: penalty per unit of weight outside a band.")
