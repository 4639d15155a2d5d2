"""`trimtab init`: a first policy and config written where every later command looks.

It writes `policy.toml` (a profile with the user's quote, or an example
shipped in the package), `config.toml` (venues, the wallet file, the paper
exchange's starting balance) and, when asked, stores API keys in the OS
keyring. Nothing secret is written to a file; an existing policy is kept
unless `force` is given, so running init twice never loses a user's edits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from trimtab.app.inputs import InputError, parse_policy
from trimtab.config.locations import POLICY_FILE
from trimtab.config.settings import CONFIG_FILE, Settings

EXAMPLES = ("conservative", "moderate", "aggressive", "custom")
WALLET_FILE = "wallet.json"
PAPER_START_FILE = "paper-start.json"
PAPER = "paper"

API_KEY_ADVICE = (
    "Create the exchange API key with trading permission only: never enable withdrawals "
    "(trimtab never needs them), restrict the key to your machine's IP address (IP "
    "allow-list), and on futures accounts allow only the markets you hold.")


@dataclass(frozen=True)
class Answers:
    """What the user chose, from prompts or flags."""

    profile: str = "moderate"
    quote: str = "USDT"
    venues: tuple[str, ...] = (PAPER,)
    wallet: dict[str, float] = field(default_factory=dict)
    paper_balance: float = 10_000.0
    example: str | None = None


@dataclass(frozen=True)
class Written:
    policy: Path
    config: Path
    files: tuple[Path, ...]


def example_text(name: str) -> str:
    """An example policy shipped in the package."""
    if name not in EXAMPLES:
        raise InputError(f"--example: '{name}' is not an example; choose one of "
                         + ", ".join(EXAMPLES))
    return (resources.files("trimtab") / "examples" / f"{name}.toml").read_text("utf-8")


def policy_text(answers: Answers) -> str:
    """The policy file for the answers: an example, or the profile with the quote."""
    if answers.example is not None:
        return example_text(answers.example)
    return (f"# Written by `trimtab init`. Every key is explained in the example\n"
            f"# `trimtab init --example custom` copies; `trimtab policy schema` lists them.\n"
            f'profile = "{answers.profile}"\nquote = "{answers.quote}"\nmode = "propose"\n')


def parse_wallet(items: list[str]) -> dict[str, float]:
    """`--wallet BTC=0.15` items as {asset: units}."""
    out: dict[str, float] = {}
    for item in items:
        asset, _, units = item.partition("=")
        try:
            amount = float(units)
        except ValueError:
            amount = -1.0
        if not asset or amount < 0:
            raise InputError(f"--wallet: '{item}' is not ASSET=UNITS (e.g. BTC=0.15)")
        out[asset.strip().upper()] = amount
    return out


def write_setup(settings: Settings, answers: Answers, force: bool = False) -> Written:
    """Validate the answers, then write the policy and config.toml to the config directory."""
    text = policy_text(answers)
    import tomllib

    parse_policy(tomllib.loads(text), "the policy init would write")
    folder = settings.config_dir
    policy = folder / POLICY_FILE
    if policy.exists() and not force:
        raise InputError(f"{policy} already exists; edit it, or pass --force to replace it")
    folder.mkdir(parents=True, exist_ok=True)
    policy.write_text(text, encoding="utf-8")
    config: dict[str, object] = {"venues": list(answers.venues)}
    files = [policy]
    if answers.wallet:
        files.append(_write_json(folder / WALLET_FILE, answers.wallet))
        config["holdings"] = str(folder / WALLET_FILE)
    if PAPER in answers.venues:
        quote = parse_policy(tomllib.loads(text)).quote
        files.append(_write_json(folder / PAPER_START_FILE, {quote: answers.paper_balance}))
        config["paper_start"] = str(folder / PAPER_START_FILE)
    config_path = folder / CONFIG_FILE
    config_path.write_text(_toml(config), encoding="utf-8")
    return Written(policy, config_path, (*files, config_path))


def _write_json(path: Path, content: dict[str, float]) -> Path:
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    return path


def _toml(values: dict[str, object]) -> str:
    lines = ["# Written by `trimtab init`; TRIMTAB_<KEY> variables override each key."]
    for key, value in values.items():
        lines.append(f"{key} = {json.dumps(value)}")  # a JSON string or list is valid TOML
    return "\n".join(lines) + "\n"
