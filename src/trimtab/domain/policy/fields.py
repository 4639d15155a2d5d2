"""The constrained values the policy's tables share (weights, amounts, durations, names)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

WEIGHT_SUM_TOLERANCE = 1e-9

Weight = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
YEAR = 365 * 86_400.0  # the longest duration a policy may name, in seconds
BandKind = Literal["absolute", "relative", "either"]
ProfileName = Literal["conservative", "moderate", "aggressive"]
Mode = Literal["alert", "propose", "auto"]
Scope = Literal["all", "breached"]
