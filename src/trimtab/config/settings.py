"""Every TRIMTAB_ environment variable in one typed object, with the config file under it.

Order of precedence: the environment, then `config.toml` in the config
directory (what `trimtab init` writes), then the defaults. Secrets (the web
token, the notification URLs, the Telegram token) come from the environment
only: the config file may not hold them. API keys are per venue
(`TRIMTAB_<VENUE>_API_KEY`, `_SECRET`, `_PASSWORD`) and live in
`trimtab.venues.credentials`, which also reads the keyring.

The model is a plain pydantic model fed by `load_settings`: the variables are
plain strings named after the fields, which needs no settings library: the one this
replaced (with the asyncio, dotenv and cloud-provider modules it imported) cost every
command 0.015-0.03 s of its start (issue 16), and is no longer a dependency.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

PREFIX = "TRIMTAB_"
CONFIG_FILE = "config.toml"
DEFAULT_PAPER_PRICES = "history:2025-02-10"
SECRETS = frozenset({"notify", "web_token", "telegram_token"})


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable and the fix."""


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir("trimtab", appauthor=False))


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("trimtab", appauthor=False))


class Settings(BaseModel):
    """What the environment (TRIMTAB_…) and the config file say; frozen once read.

    Built by `load_settings` only: constructed directly, it holds the defaults.
    """

    # defaults validated too, as a settings model does: a default is a setting like another
    model_config = ConfigDict(extra="ignore", frozen=True, validate_default=True)

    config_dir: Path = Field(default_factory=default_config_dir, description=(
        "Folder of config.toml and the policy `trimtab init` writes."))
    data_dir: Path = Field(default_factory=default_data_dir, description=(
        "Folder of the default journal and the KILL file."))
    policy: Path | None = Field(None, description=(
        "Policy file used when --policy is not given (before ./trimtab.toml and "
        "the config directory's policy.toml)."))
    journal: str | None = Field(None, description=(
        "Journal database URL (SQLAlchemy); default a SQLite file in the data directory."))
    venues: tuple[str, ...] = Field(("paper",), description=(
        "Venues used when --venue is not given, comma-separated (paper or ccxt ids)."))
    paper_prices: str = Field(DEFAULT_PAPER_PRICES, description=(
        "The paper exchange's prices: history:YYYY-MM-DD, live:EXCHANGE or a JSON file."))
    paper_start: Path | None = Field(None, description=(
        "JSON {asset: amount} that funds an empty paper account."))
    holdings: Path | None = Field(None, description=(
        "JSON {asset: amount} held off-exchange (wallet): weighed, never traded."))
    notify: SecretStr | None = Field(None, description=(
        "apprise URLs for notifications, space- or comma-separated (environment only)."))
    notify_config: Path | None = Field(None, description="An apprise config file.")
    web_token: SecretStr | None = Field(None, description=(
        "The dashboard's access token (environment only)."))
    kill_switch: str | None = Field(None, description=(
        "Any value stops execution before the next order."))
    kill_file: Path | None = Field(None, description=(
        "A file whose existence stops execution (default KILL in the data directory)."))
    cache_dir: Path | None = Field(None, description=(
        "Cache of fetched candles (default the user cache folder)."))
    log_format: Literal["auto", "rich", "plain", "json"] = Field("auto", description=(
        "Log lines: rich on a terminal, plain otherwise (auto), or JSON lines."))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description=(
        "Lowest level logged."))
    telegram_token: SecretStr | None = Field(None, description=(
        "The Telegram bot's token (environment only)."))
    telegram_chats: tuple[int, ...] = Field((), description=(
        "Telegram chat ids the bot answers, comma-separated; any other chat is ignored."))

    @field_validator("venues", "telegram_chats", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part for part in value.replace(",", " ").split() if part)
        return value

    @property
    def config_file(self) -> Path:
        return self.config_dir / CONFIG_FILE

    @property
    def journal_url(self) -> str:
        """The journal URL in effect (the default SQLite file is not created here)."""
        return self.journal or f"sqlite:///{self.data_dir / 'journal.sqlite'}"

    @property
    def kill_path(self) -> Path:
        return self.kill_file or self.data_dir / "KILL"


def mask_url(url: str) -> str:
    """A URL with everything between the scheme and the host hidden (users, passwords)."""
    return re.sub(r"(://)[^/@]*@", r"\1****@", url)


def environment_variables() -> list[tuple[str, str]]:
    """(name, description) of every variable, for --help and `trimtab config`."""
    return [(PREFIX + name.upper(), field.description or "")
            for name, field in Settings.model_fields.items()]


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in effect: `environ` (default os.environ), then the config file."""
    import os

    environ = os.environ if environ is None else environ
    from_environment = _read_environment(environ)
    config_dir = Path(from_environment.get("config_dir") or default_config_dir())
    from_file = _read_config_file(config_dir / CONFIG_FILE)
    try:
        return Settings.model_validate({**from_file, **from_environment})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        name = PREFIX + ".".join(str(p) for p in first["loc"]).upper()
        raise SettingsError(f"{name}: {first['msg']} (from the environment or "
                            f"{config_dir / CONFIG_FILE})") from None


def _read_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The TRIMTAB_<FIELD> variables by field name: a name in any case (as the settings
    library this replaced read them), an empty value as unset; other TRIMTAB_ names (a
    venue's keys) are not settings."""
    prefix = PREFIX.lower()
    found: dict[str, str] = {}
    for key, value in environ.items():
        name = key.lower()
        if value != "" and name.startswith(prefix) and name[len(prefix):] in Settings.model_fields:
            found[name[len(prefix):]] = value
    return found


def _read_config_file(path: Path) -> dict[str, Any]:
    """config.toml's keys (unknown or secret keys refused with the fix)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read the config file ({exc})") from None
    for key in raw:
        if key in SECRETS:
            raise SettingsError(f"{path}: {key}: a secret belongs in the environment "
                                f"({PREFIX}{key.upper()}), never in a file")
        if key not in Settings.model_fields or key == "config_dir":
            raise SettingsError(f"{path}: {key}: unknown key; known keys: "
                                + ", ".join(k for k in Settings.model_fields
                                            if k not in SECRETS and k != "config_dir"))
    return raw
