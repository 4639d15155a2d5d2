"""API keys come from the environment (or keyring) and never show."""

from __future__ import annotations

from trimtab.venues.ccxt_venue import open_ccxt_venue
from trimtab.venues.credentials import env_prefix, load_credentials

ENV = {"TRIMTAB_BINANCE_API_KEY": "key-123456", "TRIMTAB_BINANCE_SECRET": "sec-abcdef"}


def test_keys_are_read_from_the_venue_environment_variables() -> None:
    creds = load_credentials("binance", ENV, use_keyring=False)
    assert dict(creds.values) == {"apiKey": "key-123456", "secret": "sec-abcdef"}


def test_a_venue_name_becomes_an_environment_prefix() -> None:
    assert env_prefix("binanceusdm") == "TRIMTAB_BINANCEUSDM_"
    assert env_prefix("my-okx") == "TRIMTAB_MY_OKX_"


def test_credentials_never_print_their_values() -> None:
    creds = load_credentials("binance", ENV, use_keyring=False)
    assert "key-123456" not in repr(creds) and "sec-abcdef" not in repr(creds)
    assert creds.scrub("signed sec-abcdef with key-123456") == "signed *** with ***"


def test_an_unconfigured_venue_has_no_credentials() -> None:
    assert not load_credentials("kraken", {}, use_keyring=False).values


def test_the_adapter_gets_the_keys_and_keeps_ccxt_retries_off() -> None:
    venue = open_ccxt_venue("binance", environ=ENV)
    assert venue.exchange.apiKey == "key-123456"
    assert venue.exchange.options["maxRetriesOnFailure"] == 0
    assert "key-123456" not in repr(venue.credentials)
