"""API keys from the environment or the OS keyring, never from the policy file.

`TRIMTAB_<VENUE>_API_KEY`, `TRIMTAB_<VENUE>_SECRET` and `TRIMTAB_<VENUE>_PASSWORD`
(venue upper-cased, non-alphanumerics as `_`) win; otherwise the keyring
service `trimtab` with usernames `<venue>:api_key`, `<venue>:secret`,
`<venue>:password`. The values are handed to ccxt and nowhere else;
`Credentials.scrub` removes them from any text before it is shown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

KEYRING_SERVICE = "trimtab"
FIELDS = {"apiKey": "API_KEY", "secret": "SECRET", "password": "PASSWORD"}
KEYRING_NAMES = {"apiKey": "api_key", "secret": "secret", "password": "password"}


@dataclass(frozen=True, slots=True)
class Credentials:
    """ccxt credential fields; repr never shows a value."""

    values: Mapping[str, str]

    def __repr__(self) -> str:
        return f"Credentials({sorted(self.values)})"

    def scrub(self, text: str) -> str:
        """`text` with every credential value replaced by ***."""
        for value in self.values.values():
            if value:
                text = text.replace(value, "***")
        return text


def env_prefix(venue: str) -> str:
    return "TRIMTAB_" + re.sub(r"[^A-Za-z0-9]", "_", venue).upper() + "_"


def load_credentials(venue: str, environ: Mapping[str, str] | None = None,
                     use_keyring: bool = True) -> Credentials:
    """Credentials for `venue` from the environment, else the keyring (empty if none)."""
    environ = os.environ if environ is None else environ
    prefix = env_prefix(venue)
    values = {field: environ[prefix + suffix] for field, suffix in FIELDS.items()
              if environ.get(prefix + suffix)}
    if not values and use_keyring:
        values = _from_keyring(venue)
    return Credentials(values)


def _from_keyring(venue: str) -> dict[str, str]:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        return {}
    out: dict[str, str] = {}
    for field, name in KEYRING_NAMES.items():
        try:
            value = keyring.get_password(KEYRING_SERVICE, f"{venue}:{name}")
        except (KeyringError, RuntimeError):
            return {}  # no usable keyring backend on this machine: environment only
        if value:
            out[field] = value
    return out


def store_credentials(venue: str, values: Mapping[str, str]) -> None:
    """Save ccxt credential fields in the OS keyring (service trimtab, user venue:field).

    Raises RuntimeError with a one-line reason when no keyring backend works
    here (a headless server): the caller then tells the user the variables.
    """
    import keyring
    from keyring.errors import KeyringError

    for field, value in values.items():
        try:
            keyring.set_password(KEYRING_SERVICE, f"{venue}:{KEYRING_NAMES[field]}", value)
        except (KeyringError, RuntimeError) as exc:
            raise RuntimeError(f"the keyring cannot store {venue}'s keys here "
                               f"({type(exc).__name__})") from None
