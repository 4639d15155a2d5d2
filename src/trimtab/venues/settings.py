"""Per-venue ccxt settings from the environment: the sandbox switch and ccxt options.

`TRIMTAB_<VENUE>_SANDBOX` (1, true, yes), or a command's `--sandbox` for every
venue it opens, opens the venue on its testnet through ccxt's own
`set_sandbox_mode`; `TRIMTAB_<VENUE>_OPTIONS` is a JSON object merged
into the exchange's ccxt options (`{"defaultType": "swap"}`); `TRIMTAB_<VENUE>_WALLETS`
names further wallets ccxt reads (`inverse,funding,savings`: see `capabilities.WALLETS`),
whose units are counted as held and never sold. All are
configuration of the machine, like the keys, and never come from the policy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trimtab.venues.capabilities import WALLETS
from trimtab.venues.credentials import env_prefix
from trimtab.venues.errors import Fatal

TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True, slots=True)
class VenueSettings:
    """How one ccxt venue is opened, beyond its keys."""

    sandbox: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    # how to turn the sandbox off again, for the refusal of a venue that has none
    sandbox_off: str = ""
    wallets: tuple[str, ...] = ()  # further wallets read (capabilities.WALLETS)


def venue_settings(venue: str, environ: Mapping[str, str], sandbox: bool = False
                   ) -> VenueSettings:
    """The venue's settings (`sandbox`: the command's `--sandbox`); a bad value is a
    one-line error naming the variable."""
    prefix = env_prefix(venue)
    from_env = environ.get(prefix + "SANDBOX", "").strip().lower() in TRUE
    off = ("drop --sandbox" + (f" and unset {prefix}SANDBOX" if from_env else "") if sandbox
           else f"unset {prefix}SANDBOX")
    wallets = _wallets(prefix, environ.get(prefix + "WALLETS", ""), venue)
    raw = environ.get(prefix + "OPTIONS")
    if not raw:
        return VenueSettings(sandbox or from_env, sandbox_off=off, wallets=wallets)
    try:
        options = json.loads(raw)
    except ValueError as exc:
        raise Fatal(venue, "open", f"{prefix}OPTIONS is not JSON ({exc})") from None
    if not isinstance(options, dict):
        raise Fatal(venue, "open", f"{prefix}OPTIONS must be a JSON object of ccxt options")
    return VenueSettings(sandbox or from_env, options, off, wallets)


def _wallets(prefix: str, text: str, venue: str) -> tuple[str, ...]:
    """The wallet types named, each one ccxt's fetchBalance reads and trimtab classifies."""
    names = tuple(w.strip().lower() for w in text.split(",") if w.strip())
    unknown = [w for w in names if w not in WALLETS]
    if unknown:
        raise Fatal(venue, "open", f"{prefix}WALLETS: '{unknown[0]}' is not a wallet trimtab "
                    f"reads; use {', '.join(WALLETS)} (comma-separated)")
    return names


def apply_settings(exchange: Any, venue: str, settings: VenueSettings) -> None:
    """ccxt options first, then the sandbox (which swaps the exchange's URLs)."""
    exchange.options.update(settings.options)
    if not settings.sandbox:
        return
    if not (exchange.urls or {}).get("test"):
        raise Fatal(venue, "open", f"{exchange.id} has no sandbox in ccxt; "
                    f"{settings.sandbox_off}")
    exchange.set_sandbox_mode(True)
