from __future__ import annotations

import pytest

from tests.builders import policy, snapshot
from trimtab.domain.analysis.drift import SnapshotError, analyse
from trimtab.domain.snapshot import Snapshot

PRICES = {"BTC": 50_000.0, "ETH": 2_500.0, "SOL": 100.0, "USDT": 1.0}


def test_wallet_holdings_count_in_weights():
    snap = snapshot(PRICES, [("binance", "BTC", 0.1), ("wallet", "BTC", 0.1),
                             ("kraken", "USDT", 10_000.0)])
    analysis = analyse(snap, policy({"BTC": 0.5, "USDT": 0.5}))
    btc = analysis.asset("BTC")
    assert btc.weight == pytest.approx(0.5)
    assert btc.wallet_units == pytest.approx(0.1)
    assert btc.tradable_units == pytest.approx(0.1)


def test_an_asset_held_but_not_targeted_counts_as_target_zero_and_is_reported():
    snap = snapshot(PRICES, {"BTC": 0.1, "SOL": 10.0, "USDT": 4_000.0})
    analysis = analyse(snap, policy({"BTC": 0.5, "USDT": 0.5}))
    sol = analysis.asset("SOL")
    assert sol.target == 0.0 and sol.breached
    assert analysis.untargeted == ("SOL",)


def test_tactical_units_are_left_out_of_weights_and_reported_apart():
    snap = snapshot(PRICES, {"BTC": 0.1, "SOL": 60.0, "USDT": 5_000.0})
    pol = policy({"BTC": 0.5, "USDT": 0.5}, tactical={"SOL": 60.0, "ETH": 5.0})
    analysis = analyse(snap, pol)
    assert analysis.spot_value == pytest.approx(10_000.0)
    assert [(t.asset, t.units, t.value) for t in analysis.tactical] == [("SOL", 60.0, 6_000.0)]
    assert "SOL" not in {a.asset for a in analysis.assets}
    assert not analysis.triggered


def test_tactical_takes_at_most_what_is_held():
    snap = snapshot(PRICES, {"BTC": 0.1, "SOL": 5.0, "USDT": 5_000.0})
    analysis = analyse(snap, policy({"BTC": 0.5, "USDT": 0.5}, tactical={"SOL": 50.0}))
    assert analysis.tactical[0].units == 5.0


def test_a_held_asset_without_a_price_is_an_error_naming_it():
    snap = snapshot({"BTC": 50_000.0}, {"BTC": 0.1, "DOGE": 1000.0})
    with pytest.raises(SnapshotError, match=r"prices\.DOGE"):
        analyse(snap, policy({"BTC": 1.0}))


def test_sleeve_weight_and_breach():
    pol = policy({"USDT": 0.5}, sleeves={"core": {"weight": 0.5,
                                                  "members": {"BTC": 0.5, "ETH": 0.5}}})
    snap = snapshot(PRICES, {"BTC": 0.1, "ETH": 2.0, "USDT": 0.0})  # core is 100 %
    analysis = analyse(snap, pol)
    core = analysis.sleeves[0]
    assert core.weight == pytest.approx(1.0) and core.breached
    assert analysis.asset("BTC").target == pytest.approx(0.25)
    assert ("threshold", "core") in {(t.kind, t.subject) for t in analysis.triggers}


def test_alert_prices_hand_calculation():
    # BTC 0.1 × 50,000 = 5,000 of 10,000; band 45–55 %: the rest is 5,000.
    # high: 0.1 p / (0.1 p + 5,000) = 0.55 → p = 0.55·5000 / (0.1·0.45) = 61,111.11
    snap = snapshot(PRICES, {"BTC": 0.1, "USDT": 5_000.0})
    btc = analyse(snap, policy({"BTC": 0.5, "USDT": 0.5})).asset("BTC")
    assert btc.alert_high == pytest.approx(0.55 * 5_000 / (0.1 * 0.45))
    assert btc.alert_low == pytest.approx(0.45 * 5_000 / (0.1 * 0.55))


def test_quote_has_no_alert_prices_and_is_priced_at_one():
    snap = snapshot({"BTC": 50_000.0, "USDT": 0.98}, {"BTC": 0.1, "USDT": 5_000.0})
    usdt = analyse(snap, policy({"BTC": 0.5, "USDT": 0.5})).asset("USDT")
    assert usdt.value == 5_000.0
    assert usdt.alert_low is None and usdt.alert_high is None


def test_futures_gross_net_multiple_and_funding():
    positions = [
        {"venue": "binance", "symbol": "BTC/USDT:USDT", "side": "long", "contracts": 0.3,
         "contractSize": 1.0, "markPrice": 50_000.0},
        {"venue": "binance", "symbol": "ETH/USDT:USDT", "side": "short", "contracts": 4,
         "contractSize": 1.0, "markPrice": 2_500.0},
        {"venue": "bybit", "symbol": "BTC/USD:BTC", "side": "short", "contracts": 100,
         "contractSize": 100.0, "markPrice": 50_000.0},
    ]
    snap = snapshot(PRICES, {"BTC": 0.1, "USDT": 5_000.0}, positions=positions,
                    funding_rates={"BTC/USDT:USDT": 0.0001,
                                   "ETH/USDT:USDT": {"rate": 0.0002, "interval_hours": 4}})
    f = analyse(snap, policy({"BTC": 0.5, "USDT": 0.5},
                             futures={"max_multiple": 3.0})).futures
    assert f.gross_notional == pytest.approx(15_000 + 10_000 + 10_000)  # inverse: 100 × 100 USD
    assert f.multiple == pytest.approx(3.5) and f.breached
    assert f.net_by_asset == pytest.approx({"BTC": 15_000 - 10_000, "ETH": -10_000})
    assert f.net_exposure["BTC"] == pytest.approx(5_000 + 5_000)
    # long BTC pays 3 × 0.01 % of 15,000; short ETH receives 6 × 0.02 % of 10,000
    assert f.funding_per_day == pytest.approx(15_000 * 0.0003 - 10_000 * 0.0012)


def test_stale_prices_are_flagged():
    snap = snapshot({"BTC": {"price": 50_000.0, "timestamp": "2026-01-30T23:58:00Z"},
                     "ETH": {"price": 2_500.0, "timestamp": "2026-01-30T23:59:30Z"}},
                    {"BTC": 0.1, "ETH": 1.0, "USDT": 5_000.0})
    analysis = analyse(snap, policy({"BTC": 0.4, "ETH": 0.2, "USDT": 0.4}, max_price_age=60))
    assert analysis.stale_prices == ("BTC",)


def test_every_unpriced_asset_is_named_in_one_message():
    """Finding 8: an OKX account with seven unpriced coins was told about the first only."""
    held = {"BTC": 0.1, "USDT": 100.0, "JFI": 100.0, "TUSD": 3000.0, "OKB": 2.0}
    with pytest.raises(SnapshotError) as info:
        analyse(snapshot({"BTC": 50_000.0}, held), policy({"BTC": 0.5, "USDT": 0.5}))
    assert str(info.value).startswith("prices.JFI, prices.OKB, prices.TUSD: no price for held "
                                      "assets JFI, OKB, TUSD")


def test_excluded_assets_are_left_out_of_the_weights_and_reported_as_excluded():
    held = {"BTC": 0.1, "USDT": 5_000.0, "JFI": 100.0, "TUSD": 3000.0}
    analysis = analyse(snapshot({"BTC": 50_000.0}, held),
                       policy({"BTC": 0.5, "USDT": 0.5}, exclude=["JFI", "TUSD"]))
    assert analysis.spot_value == pytest.approx(10_000.0)
    assert [a.asset for a in analysis.assets] == ["BTC", "USDT"]
    assert analysis.notes == ("excluded by the policy (not weighed or traded): JFI, TUSD",)


def test_a_targeted_asset_cannot_be_excluded():
    with pytest.raises(ValueError, match=r"exclude\.BTC"):
        policy({"BTC": 0.5, "USDT": 0.5}, exclude=["BTC"])


def test_units_held_back_per_asset_are_summed_by_venue_and_reason_in_one_pass() -> None:
    """`Snapshot.held_back` replaced one scan of every balance per asset (quadratic)."""
    snap = Snapshot.model_validate({"as_of": "2025-01-31T00:00:00Z", "balances": [
        {"venue": "binance", "asset": "BTC", "amount": 1.0, "free": 0.25},
        {"venue": "binance", "asset": "BTC", "amount": 0.5, "free": 0.5},
        {"venue": "kraken", "asset": "BTC", "amount": 2.0, "free": 1.5},
        {"venue": "kraken", "asset": "ETH", "amount": 3.0},
        {"venue": "binance", "asset": "ETH", "amount": 3.0, "free": 1.0},
        {"venue": "binance", "asset": "ETH", "amount": 0.5, "held_as": "staked"}]})
    assert snap.held_back() == {"BTC": {"binance": {"locked": 0.75}, "kraken": {"locked": 0.5}},
                                "ETH": {"binance": {"locked": 2.0, "staked": 0.5}}}
