"""Per-venue ccxt settings from the environment: the sandbox switch and ccxt options."""

from __future__ import annotations

import ccxt
import pytest

from trimtab.venues.ccxt_venue import open_ccxt_venue
from trimtab.venues.errors import Fatal


@pytest.mark.parametrize("exchange_id", ["binance", "okx", "bybit", "gate"])
def test_the_sandbox_switch_opens_the_venue_on_its_testnet(exchange_id: str) -> None:
    prefix = f"TRIMTAB_{exchange_id.upper()}_"
    env = {prefix + "SANDBOX": "1", prefix + "API_KEY": "k", prefix + "SECRET": "s"}
    venue = open_ccxt_venue(exchange_id, environ=env)
    assert venue.exchange.isSandboxModeEnabled
    assert venue.exchange.urls["api"] == getattr(ccxt, exchange_id)().urls["test"]
    plain = open_ccxt_venue(exchange_id, environ={prefix + "API_KEY": "k"})
    assert not plain.exchange.isSandboxModeEnabled


def test_a_venue_without_a_sandbox_in_ccxt_is_refused_by_name() -> None:
    env = {"TRIMTAB_KRAKEN_SANDBOX": "yes", "TRIMTAB_KRAKEN_API_KEY": "k",
           "TRIMTAB_KRAKEN_SECRET": "s"}
    with pytest.raises(Fatal, match="kraken has no sandbox in ccxt; unset TRIMTAB_KRAKEN_SANDBOX"):
        open_ccxt_venue("kraken", environ=env)


def test_ccxt_options_come_from_the_environment_and_bad_json_names_the_variable() -> None:
    env = {"TRIMTAB_OKX_OPTIONS": '{"defaultType": "swap"}', "TRIMTAB_OKX_API_KEY": "k"}
    assert open_ccxt_venue("okx", environ=env).exchange.options["defaultType"] == "swap"
    with pytest.raises(Fatal, match="TRIMTAB_OKX_OPTIONS is not JSON"):
        open_ccxt_venue("okx", environ={**env, "TRIMTAB_OKX_OPTIONS": "{defaultType"})
