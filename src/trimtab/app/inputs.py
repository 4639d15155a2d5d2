"""Reading policy and snapshot files, with one-line errors that name the field.

This is the edge where bad input becomes an `InputError`: a message that
names the file, the key and the fix, never a traceback.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from trimtab.domain.policy import Policy, build_policy
from trimtab.domain.snapshot import Snapshot


class InputError(Exception):
    """Bad input from the user: a policy, a snapshot, a data file or an argument."""


def load_policy(path: Path) -> Policy:
    """A validated policy from a TOML file."""
    text = _read(path, "policy")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    return anchored(parse_policy(raw, str(path)), path.parent)


def anchored(policy: Policy, base: Path) -> Policy:
    """The policy with its `[tax] trades` files made absolute from `base` (its folder).

    A policy names its trade files relative to itself, so that watch, the dashboard and
    an approval read the same files from whatever directory they were started in.
    """
    if policy.tax is None or not policy.tax.trades:
        return policy
    files = tuple(str((base / Path(name).expanduser()).absolute()) for name in policy.tax.trades)
    return policy.model_copy(update={"tax": policy.tax.model_copy(update={"trades": files})})


BOOLEAN_KEYS = frozenset({"avoid_short_term_gains"})  # the only true/false settings


def refuse_booleans(raw: Any, source: str, where: str = "") -> None:
    """A true/false where a number belongs is an error (pydantic would read it as 1 or 0)."""
    items = raw.items() if isinstance(raw, dict) else enumerate(raw) \
        if isinstance(raw, list) else ()
    for key, value in items:
        path = f"{where}.{key}" if where else str(key)
        if isinstance(value, bool) and key not in BOOLEAN_KEYS:
            raise InputError(f"{source}: {path}: {str(value).lower()} is not a number; "
                             "write a number")
        refuse_booleans(value, source, path)


def parse_policy(raw: dict[str, Any], source: str = "policy") -> Policy:
    refuse_booleans(raw, source)
    try:
        return build_policy(raw)
    except ValidationError as exc:
        raise InputError(f"{source}: {describe(exc, policy_keys())}") from None
    except ValueError as exc:
        raise InputError(f"{source}: {exc}") from None


def load_snapshot(path: Path) -> Snapshot:
    """A validated snapshot from a JSON file."""
    text = _read(path, "snapshot")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    return parse_snapshot(raw, str(path))


def parse_snapshot(raw: Any, source: str = "snapshot") -> Snapshot:
    refuse_booleans(raw, source)
    try:
        return Snapshot.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{source}: {describe(exc)}") from None


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: {what} file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the {what} file ({exc})") from None


HINTS = {
    "extra_forbidden": "unknown key; remove it or check its spelling",
    "missing": "required key is missing; add it",
}


def describe(exc: ValidationError, known: frozenset[str] = frozenset()) -> str:
    """The first validation error on one line: where, what, and how many more.

    An unknown key close to one in `known` gets "did you mean".
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"] if not _is_union_tag(p)) or "(top level)"
    message = HINTS.get(first["type"]) or first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden" and first["loc"]:
        close = difflib.get_close_matches(str(first["loc"][-1]), known, n=1, cutoff=0.7)
        if close:
            message = f"unknown key; did you mean '{close[0]}'?"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" \
        if len(errors) > 1 else ""
    return f"{where}: {message}{more}"


@functools.cache
def policy_keys() -> frozenset[str]:
    """Every key a policy file may hold, at any depth (from the policy's JSON schema)."""
    schema = Policy.model_json_schema()
    models = [schema, *schema.get("$defs", {}).values()]
    return frozenset(key for model in models for key in model.get("properties", {}))


def _is_union_tag(part: object) -> bool:
    # pydantic adds the tried union member ("literal['target','band-edge']", "float") to the path
    return isinstance(part, str) and (part.startswith(("literal[", "function-")) or part in {
        "float", "int", "str", "constrained-float"})


def read_amounts(path: Path | None, option: str) -> dict[str, float]:
    """A JSON object of asset → amount (`--holdings`, `--paper-start`); empty without a path."""
    if path is None:
        return {}
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{option}: {path}: cannot read a JSON object ({exc})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{option}: {path}: expected an object of asset → amount")
    for asset, amount in raw.items():
        short_allowed = ":" in str(asset)  # a perpetual: negative contracts are a short
        if not isinstance(amount, int | float) or isinstance(amount, bool) or (
                amount < 0 and not short_allowed) or not math.isfinite(amount):
            raise InputError(f"{option}: {path}: {asset}: amount must be a number ≥ 0")
    return {str(a): float(u) for a, u in raw.items()}
