"""The futures layer's limits ([futures]): exposure cap, hedges, margin and funding."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from trimtab.domain.policy.fields import NonNegative, Weight
from trimtab.domain.timing import Strict


class Futures(Strict):
    """Limits on the futures layer and how hedges are proposed."""

    max_multiple: NonNegative = Field(
        2.5, description="Cap on gross futures notional / spot value.")
    hedge_ratio: Weight = Field(
        0.5, description="Share of an overweight the hedge alternative shorts.")
    funding_horizon_days: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(
        30.0, description="Horizon over which a hedge's funding cost is shown.")
    max_margin_ratio: Weight = Field(
        0.8, description="Margin trigger: maintenance margin / margin balance above this.")
    min_liquidation_distance: Weight = Field(
        0.10, description="Margin trigger: a position's liquidation price closer than this "
        "fraction of its mark price.")
    max_funding_apr: NonNegative = Field(
        0.20, description="Funding trigger: annualised funding cost of a hedge (a short on "
        "an asset held spot) above this fraction of its notional.")
