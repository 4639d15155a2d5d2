"""The presets (conservative, moderate, aggressive) and how a file's keys override them."""

from __future__ import annotations

from typing import Any

from trimtab.domain.policy.model import Policy

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
