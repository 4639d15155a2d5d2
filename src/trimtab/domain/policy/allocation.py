"""What the portfolio should hold and how far it may drift: sleeves and band rules."""

from __future__ import annotations

import math

from pydantic import Field, field_validator, model_validator

from trimtab.domain.policy.fields import WEIGHT_SUM_TOLERANCE, BandKind, NonNegative, Weight
from trimtab.domain.timing import Strict


class BandSpec(Strict):
    """One band rule; `either` needs both widths, the others need `width`."""

    kind: BandKind = Field(description="absolute: ± points of portfolio; relative: ± fraction "
                           "of the target; either: breached when outside either band.")
    width: NonNegative | None = Field(None, description="Band width for absolute or relative.")
    absolute_width: NonNegative | None = Field(None, description="Absolute width for `either`.")
    relative_width: NonNegative | None = Field(None, description="Relative width for `either`.")

    @model_validator(mode="after")
    def _widths_match_kind(self) -> BandSpec:
        if self.kind == "either":
            if self.absolute_width is None or self.relative_width is None:
                raise ValueError("kind 'either' needs absolute_width and relative_width")
            if self.width is not None:
                raise ValueError("kind 'either' takes absolute_width and relative_width, not width")
        elif self.width is None:
            raise ValueError(f"kind '{self.kind}' needs width")
        elif self.absolute_width is not None or self.relative_width is not None:
            raise ValueError(f"kind '{self.kind}' takes width, not absolute_width/relative_width")
        return self


class Bands(BandSpec):
    """The default band, with per-asset or per-sleeve overrides."""

    overrides: dict[str, BandSpec] = Field(
        default_factory=dict, description="Band rules for named assets or sleeves.")

    def for_subject(self, subject: str) -> BandSpec:
        """The band rule that applies to an asset or sleeve."""
        return self.overrides.get(subject, self)


class Sleeve(Strict):
    """A named group of assets with a weight of its own."""

    weight: Weight = Field(description="The sleeve's weight of spot value.")
    members: dict[str, Weight] = Field(description="Weights within the sleeve; they sum to 1.")

    @field_validator("members")
    @classmethod
    def _members_sum_to_one(cls, members: dict[str, float]) -> dict[str, float]:
        if not members:
            raise ValueError("a sleeve needs at least one member")
        total = math.fsum(members.values())
        if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
            raise ValueError(f"member weights sum to {total:.10g}, not 1")
        return members
