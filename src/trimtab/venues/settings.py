"""Per-venue ccxt settings from the environment: the sandbox switch and ccxt options.

`TRIMTAB_<VENUE>_SANDBOX` (1, true, yes) opens the venue on its testnet through
ccxt's own `set_sandbox_mode`; `TRIMTAB_<VENUE>_OPTIONS` is a JSON object merged
into the exchange's ccxt options (`{"defaultType": "swap"}`). Both are
configuration of the machine, like the keys, and never come from the policy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trimtab.venues.credentials import env_prefix
from trimtab.venues.errors import Fatal

TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True, slots=True)
class VenueSettings:
    """How one ccxt venue is opened, beyond its keys."""

    sandbox: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)


def venue_settings(venue: str, environ: Mapping[str, str]) -> VenueSettings:
    """The venue's settings; a bad value is a one-line error naming the variable."""
    prefix = env_prefix(venue)
    sandbox = environ.get(prefix + "SANDBOX", "").strip().lower() in TRUE
    raw = environ.get(prefix + "OPTIONS")
    if not raw:
        return VenueSettings(sandbox)
    try:
        options = json.loads(raw)
    except ValueError as exc:
        raise Fatal(venue, "open", f"{prefix}OPTIONS is not JSON ({exc})") from None
    if not isinstance(options, dict):
        raise Fatal(venue, "open", f"{prefix}OPTIONS must be a JSON object of ccxt options")
    return VenueSettings(sandbox, options)


def apply_settings(exchange: Any, venue: str, settings: VenueSettings) -> None:
    """ccxt options first, then the sandbox (which swaps the exchange's URLs)."""
    exchange.options.update(settings.options)
    if not settings.sandbox:
        return
    if not (exchange.urls or {}).get("test"):
        raise Fatal(venue, "open", f"{exchange.id} has no sandbox in ccxt; unset "
                    f"{env_prefix(venue)}SANDBOX")
    exchange.set_sandbox_mode(True)
