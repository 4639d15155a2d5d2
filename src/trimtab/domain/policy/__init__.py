"""The policy file: what the user wants, validated strictly.

Every model is frozen and rejects unknown keys so that a typo in a policy
file is an error instead of a silently ignored setting. A profile is a
preset that the file's own keys override (see `resolve_profile`). One idea
a module: `fields` (shared constrained values), `allocation` (sleeves and
bands), `futures`, `execution` (alerts, costs, orders, optimiser), `model`
(the Policy) and `profiles`; every name is imported from here.
"""

from trimtab.domain.policy.allocation import Bands, BandSpec, Sleeve
from trimtab.domain.policy.execution import Alerts, Costs, Execution, Optimiser
from trimtab.domain.policy.fields import (
    WEIGHT_SUM_TOLERANCE,
    YEAR,
    BandKind,
    Mode,
    NonNegative,
    ProfileName,
    Scope,
    Weight,
)
from trimtab.domain.policy.futures import Futures
from trimtab.domain.policy.model import Policy
from trimtab.domain.policy.profiles import PROFILES, build_policy, resolve_profile
from trimtab.domain.timing import WORD_SCHEDULES, Contribution, Schedule

__all__ = ["PROFILES", "WEIGHT_SUM_TOLERANCE", "WORD_SCHEDULES", "YEAR", "Alerts", "BandKind",
           "BandSpec", "Bands", "Contribution", "Costs", "Execution", "Futures", "Mode",
           "NonNegative", "Optimiser", "Policy", "ProfileName", "Schedule", "Scope", "Sleeve",
           "Weight", "build_policy", "resolve_profile"]
