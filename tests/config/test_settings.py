"""One settings object: the environment over config.toml over defaults, secrets never in files."""

from __future__ import annotations

from pathlib import Path

import pytest

from trimtab.config.locations import PolicyNotFound, find_policy
from trimtab.config.settings import SettingsError, load_settings, mask_url


def test_the_environment_wins_over_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('venues = ["paper"]\npaper_prices = "live:kraken"\n')
    env = {"TRIMTAB_CONFIG_DIR": str(tmp_path), "TRIMTAB_VENUES": "binance, kraken"}
    settings = load_settings(env)
    assert settings.venues == ("binance", "kraken")
    assert settings.paper_prices == "live:kraken"


def test_a_variable_is_read_in_any_case_and_an_empty_one_is_unset(tmp_path: Path) -> None:
    """The names the former settings library accepted are still read (`load_settings` reads the
    environment itself since issue 16); a venue's keys are not settings."""
    (tmp_path / "config.toml").write_text('paper_prices = "live:kraken"\nvenues = ["okx"]\n')
    settings = load_settings({"TRIMTAB_CONFIG_DIR": str(tmp_path), "Trimtab_Log_Level": "DEBUG",
                              "TRIMTAB_VENUES": "", "TRIMTAB_PAPER_PRICES": "live:binance",
                              "TRIMTAB_BINANCE_API_KEY": "key", "TRIMTAB_TELEGRAM_CHATS": "1, 2"})
    assert settings.config_dir == tmp_path and settings.log_level == "DEBUG"
    assert settings.venues == ("okx",) and settings.paper_prices == "live:binance"
    assert settings.telegram_chats == (1, 2)


def test_a_secret_in_the_config_file_is_refused_with_the_variable_to_use(tmp_path: Path
                                                                         ) -> None:
    (tmp_path / "config.toml").write_text('web_token = "hunter2"\n')
    with pytest.raises(SettingsError, match="TRIMTAB_WEB_TOKEN") as raised:
        load_settings({"TRIMTAB_CONFIG_DIR": str(tmp_path)})
    assert "hunter2" not in str(raised.value)


def test_an_unknown_config_key_names_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('venue = "paper"\n')
    with pytest.raises(SettingsError, match=r"venue: unknown key.*venues"):
        load_settings({"TRIMTAB_CONFIG_DIR": str(tmp_path)})


def test_a_bad_variable_names_itself() -> None:
    with pytest.raises(SettingsError, match="TRIMTAB_LOG_FORMAT"):
        load_settings({"TRIMTAB_LOG_FORMAT": "xml"})


def test_secrets_never_show_in_the_settings_repr() -> None:
    settings = load_settings({"TRIMTAB_WEB_TOKEN": "hunter2",
                              "TRIMTAB_NOTIFY": "tgram://bot:secret@chat"})
    assert "hunter2" not in repr(settings) and "secret" not in repr(settings)
    assert mask_url("tgram://bot:secret@chat") == "tgram://****@chat"


def test_policy_discovery_order(tmp_path: Path) -> None:
    config, cwd = tmp_path / "config", tmp_path / "cwd"
    config.mkdir()
    cwd.mkdir()
    settings = load_settings({"TRIMTAB_CONFIG_DIR": str(config)})
    with pytest.raises(PolicyNotFound, match="trimtab init"):
        find_policy(None, settings, cwd)
    (config / "policy.toml").write_text("")
    assert find_policy(None, settings, cwd).path == config / "policy.toml"
    (cwd / "trimtab.toml").write_text("")
    assert find_policy(None, settings, cwd).path == cwd / "trimtab.toml"
    named = load_settings({"TRIMTAB_CONFIG_DIR": str(config), "TRIMTAB_POLICY": "/x.toml"})
    assert find_policy(None, named, cwd).path == Path("/x.toml")
    assert find_policy(Path("given.toml"), named, cwd).source == "--policy"
