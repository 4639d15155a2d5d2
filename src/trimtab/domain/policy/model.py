"""The policy as one validated model: every table, and the checks that span tables."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from trimtab.domain.policy.allocation import Bands, Sleeve
from trimtab.domain.policy.execution import Alerts, Costs, Execution, Optimiser
from trimtab.domain.policy.fields import (
    WEIGHT_SUM_TOLERANCE,
    YEAR,
    Mode,
    NonNegative,
    ProfileName,
    Scope,
    Weight,
)
from trimtab.domain.policy.futures import Futures
from trimtab.domain.tax.settings import TaxSettings
from trimtab.domain.timing import Contribution, Schedule, Strict

if TYPE_CHECKING:
    from trimtab.domain.index import PolicyIndex


class Policy(Strict):
    """A complete, validated policy (after a profile has been applied)."""

    quote: str = Field("USDT", min_length=1, description="Valuation currency and cash leg.")
    profile: ProfileName | None = Field(None, description="Preset the other keys override.")
    rebalance_to: Literal["target", "band-edge"] | Weight = Field(
        "target", description="target, band-edge, or the fraction of the band to stop at.")
    scope: Scope = Field("all", description="all: every asset back; breached: only breached ones.")
    frozen: tuple[str, ...] = Field((), description="Assets never traded (still weighed).")
    exclude: tuple[str, ...] = Field(
        (), description="Assets left out altogether (dust, delisted coins): not priced, "
        "weighed or traded, and reported as excluded.")
    mode: Mode = Field("propose", description="alert, propose (confirm first) or auto.")
    max_price_age: Annotated[float, Field(ge=0, le=YEAR, allow_inf_nan=False)] = Field(
        60.0, description="Seconds a price may lag the snapshot time before it counts as stale.")
    max_plan_age: Annotated[float, Field(gt=0, le=YEAR, allow_inf_nan=False)] = Field(
        86_400.0, description="Seconds a proposed plan may wait for its approval; an older "
        "plan expires (it was sized on old prices) and can only be planned again.")
    max_price_move: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = Field(
        0.02, description="Largest relative move of a price between plan and execution; a "
        "larger move stops execution before the order.")
    targets: dict[str, Weight] = Field(default_factory=dict, description="Asset weights.")
    sleeves: dict[str, Sleeve] = Field(default_factory=dict, description="Named asset groups.")
    bands: Bands = Field(default_factory=lambda: Bands(kind="relative", width=0.2))
    futures: Futures = Field(default_factory=Futures)
    costs: Costs = Field(default_factory=Costs)
    execution: Execution = Field(default_factory=Execution)
    tactical: dict[str, NonNegative] = Field(
        default_factory=dict, description="Units per asset kept outside the core allocation.")
    check_interval: Annotated[float, Field(gt=0, le=YEAR, allow_inf_nan=False)] = Field(
        300.0, description="Seconds between threshold checks in `trimtab watch`.")
    schedules: tuple[Schedule, ...] = Field(
        (), description="Calendar triggers ([[schedules]] tables).")
    contributions: tuple[Contribution, ...] = Field(
        (), description="Recurring deposits or withdrawals in the quote ([[contributions]] "
        "tables): `trimtab watch` plans each when due, the backtest adds it at its bars.")
    alerts: Alerts = Field(default_factory=Alerts)
    planner: Literal["rules", "optimal"] = Field(
        "rules", description="rules: the band rules (rebalance_to, scope); optimal: minimise "
        "drift² + costs + tax inside the bands (cvxpy).")
    optimiser: Optimiser = Field(default_factory=Optimiser)
    tax: TaxSettings | None = Field(
        None, description="Tax lots and rates ([tax]): plans then show the gains and the "
        "estimated tax each sell realises. An estimate, not tax advice.")

    @model_validator(mode="after")
    def _allocation_is_complete(self) -> Policy:
        if not self.targets and not self.sleeves:
            raise ValueError("targets: give [targets] or [sleeves.NAME] (or a profile)")
        owner: dict[str, str] = {}
        for name, sleeve in self.sleeves.items():
            for member in sleeve.members:
                if member in self.targets:
                    raise ValueError(f"sleeves.{name}.members.{member}: also listed in [targets]")
                if member in owner:
                    raise ValueError(f"sleeves.{name}.members.{member}: also a member of sleeve "
                                     f"{owner[member]}; an asset belongs to one sleeve")
                owner[member] = name
                if name in self.targets:
                    raise ValueError(f"sleeves.{name}: a sleeve and an asset share the name")
        known = {*self.targets, *owner, *self.sleeves}
        for name in self.bands.overrides:
            if name not in known:
                raise ValueError(f"bands.overrides.{name}: not an asset or sleeve of this "
                                 "policy; remove it or check its spelling")
        for asset in self.exclude:
            if asset in self.asset_targets() or asset == self.quote:
                raise ValueError(f"exclude.{asset}: a targeted asset or the quote cannot be "
                                 "excluded")
        total = math.fsum([*self.targets.values(), *(s.weight for s in self.sleeves.values())])
        if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
            raise ValueError(f"targets: weights and sleeve weights sum to {total:.10g}, not 1")
        return self

    @property
    def fraction(self) -> float:
        """Where inside the band a rebalance stops: 0 at the target, 1 at the edge."""
        if self.rebalance_to == "target":
            return 0.0
        if self.rebalance_to == "band-edge":
            return 1.0
        return float(self.rebalance_to)

    def asset_targets(self) -> dict[str, float]:
        """Target weight of every asset, sleeves expanded."""
        out = dict(self.targets)
        for sleeve in self.sleeves.values():
            for member, w in sleeve.members.items():
                out[member] = out.get(member, 0.0) + sleeve.weight * w
        return out

    def sleeve_of(self) -> dict[str, str]:
        """Asset → name of the sleeve it belongs to."""
        return {m: name for name, s in self.sleeves.items() for m in s.members}

    @cached_property
    def index(self) -> PolicyIndex:
        """Targets, sleeves and bands by name, built on first use and kept (see domain.index)."""
        from trimtab.domain.index import index_policy  # index imports bands, which imports us

        return index_policy(self)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with `update`, validated again as a policy file is (pydantic's own copy
        skips the validators, and would keep an `index` built for the old values)."""
        if not update:
            return super().model_copy(deep=deep)
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return self.model_validate({**fields, **update})
