"""Which policy file a command uses when `--policy` is not given, and why that one.

`--policy FILE`, else `TRIMTAB_POLICY` (or `policy` in config.toml), else
`./trimtab.toml`, else `policy.toml` in the config directory (where
`trimtab init` writes it). The first that is named wins; a named file that
does not exist is an error rather than a silent fall-through, so a typo in
TRIMTAB_POLICY is never hidden by an older policy elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trimtab.config.settings import Settings

LOCAL_POLICY = "trimtab.toml"
POLICY_FILE = "policy.toml"


class PolicyNotFound(LookupError):
    """No policy anywhere trimtab looks; the message says how to make one."""


@dataclass(frozen=True, slots=True)
class FoundPolicy:
    path: Path
    source: str  # "--policy", "TRIMTAB_POLICY", "./trimtab.toml" or "the config directory"


def find_policy(given: Path | None, settings: Settings, cwd: Path | None = None
                ) -> FoundPolicy:
    """The policy in effect and where it was named."""
    if given is not None:
        return FoundPolicy(given, "--policy")
    if settings.policy is not None:
        return FoundPolicy(settings.policy, "TRIMTAB_POLICY")
    local = (cwd or Path.cwd()) / LOCAL_POLICY
    if local.is_file():
        return FoundPolicy(local, f"./{LOCAL_POLICY}")
    stored = settings.config_dir / POLICY_FILE
    if stored.is_file():
        return FoundPolicy(stored, "the config directory")
    raise PolicyNotFound(f"--policy: no policy given and none found (TRIMTAB_POLICY, "
                         f"./{LOCAL_POLICY}, {stored}); run `trimtab init` or pass "
                         "--policy FILE")
