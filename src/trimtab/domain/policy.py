"""The policy file: what the user wants, validated strictly.

Every model is frozen and rejects unknown keys so that a typo in a policy
file is an error instead of a silently ignored setting. A profile is a
preset that the file's own keys override (see `resolve_profile`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from trimtab.domain.tax.settings import TaxSettings
from trimtab.domain.timing import WORD_SCHEDULES, Contribution, Schedule, Strict

__all__ = ["WORD_SCHEDULES", "Contribution", "Policy", "Schedule"]

if TYPE_CHECKING:
    from trimtab.domain.index import PolicyIndex

WEIGHT_SUM_TOLERANCE = 1e-9

Weight = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
YEAR = 365 * 86_400.0  # the longest duration a policy may name, in seconds
BandKind = Literal["absolute", "relative", "either"]
ProfileName = Literal["conservative", "moderate", "aggressive"]
Mode = Literal["alert", "propose", "auto"]
Scope = Literal["all", "breached"]


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


PROFILES: dict[str, dict[str, Any]] = {
    "conservative": {
        "targets": {"USDT": 0.20},
        "sleeves": {"core": {"weight": 0.70, "members": {"BTC": 0.6, "ETH": 0.4}},
                    "alts": {"weight": 0.10, "members": {"SOL": 0.5, "AVAX": 0.25, "LINK": 0.25}}},
        "bands": {"kind": "either", "absolute_width": 0.05, "relative_width": 0.25},
        "futures": {"max_multiple": 1.5},
    },
    "moderate": {
        "targets": {"USDT": 0.30},
        "sleeves": {"core": {"weight": 0.50, "members": {"BTC": 0.6, "ETH": 0.4}},
                    "alts": {"weight": 0.20, "members": {"SOL": 0.5, "AVAX": 0.25, "LINK": 0.25}}},
        "bands": {"kind": "relative", "width": 0.20},
        "futures": {"max_multiple": 2.5},
    },
    "aggressive": {
        "targets": {"USDT": 0.10},
        "sleeves": {"core": {"weight": 0.30, "members": {"BTC": 0.6, "ETH": 0.4}},
                    "alts": {"weight": 0.60, "members": {"SOL": 0.5, "AVAX": 0.25, "LINK": 0.25}}},
        "bands": {"kind": "relative", "width": 0.30},
        "futures": {"max_multiple": 4.0},
    },
}

ALLOCATION_KEYS = ("targets", "sleeves")


def resolve_profile(raw: dict[str, Any]) -> dict[str, Any]:
    """Merge a policy mapping over its profile preset.

    Tables merge key by key, except the allocation: a file that gives
    `targets` or `sleeves` replaces the preset's allocation as a whole,
    because mixing two allocations would not sum to 1.
    """
    name = raw.get("profile")
    if name is None:
        return raw
    if name not in PROFILES:
        choices = ", ".join(PROFILES)
        raise ValueError(f"profile: unknown profile '{name}' (choose one of {choices})")
    base = dict(PROFILES[name])
    if any(key in raw for key in ALLOCATION_KEYS):
        for key in ALLOCATION_KEYS:
            base.pop(key, None)
    return _deep_merge(base, raw)


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        replaces = key == "overrides" or (key == "bands" and isinstance(value, dict)
                                           and "kind" in value)
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not replaces:
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def build_policy(raw: dict[str, Any]) -> Policy:
    """Validate a raw policy mapping (profile applied) into a Policy."""
    return Policy.model_validate(resolve_profile(raw))
