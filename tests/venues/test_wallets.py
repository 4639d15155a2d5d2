"""Units a venue holds that are not spot: COIN-M collateral, staking/earn, a funding wallet.

Each is held and valued (it counts in weights), never sold as spot: the plan
leaves it as a residual with its reason. On recorded Binance and Kraken payloads.
"""

from __future__ import annotations

import ccxt
import pytest

from tests.venues.recorded import recorded, recorded_venue
from tests.venues.recorded_binance import FakeBinance, binance_venue
from trimtab.app.inputs import parse_policy
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import Plan, make_plan
from trimtab.domain.snapshot import Snapshot
from trimtab.venues.ccxt_venue import CcxtVenue, open_ccxt_venue
from trimtab.venues.errors import Fatal
from trimtab.venues.retry import Backoff
from trimtab.venues.snapshots import market_rules, take_snapshot

NO_WAIT = Backoff(sleep=lambda _: None)
SELL_BTC = parse_policy({"targets": {"LTC": 0.5, "ETH": 0.3, "USDT": 0.2}})
PRICES = {"LTCUSDT": 90.8, "ETHUSDT": 3_000.0, "BTCUSDT": 67_502.68519858,
          "BTCUSD_PERP": 68_234.2}


def binance(wallets: tuple[str, ...] = (), **earn: str) -> tuple[CcxtVenue, FakeBinance]:
    venue, fake = binance_venue(wallets=wallets)
    fake.live_prices.update(PRICES)
    fake.earn.update(earn)
    # ccxt's static data records no Binance funding rate: the venue refuses the read
    fake.faults["GET /fapi/v1/premiumIndex"] = [ccxt.NotSupported("binance premiumIndex")]
    return venue, fake


def planned(venue: CcxtVenue) -> tuple[Snapshot, Plan]:
    snap = take_snapshot([venue], "USDT", set(SELL_BTC.asset_targets()), NO_WAIT)
    return snap, make_plan(snap, SELL_BTC, analyse(snap, SELL_BTC), rebalance=True,
                           markets=market_rules([venue], NO_WAIT))


def held(snap: Snapshot, how: str) -> dict[str, float]:
    return {b.asset: b.amount for b in snap.balances if b.held_as == how}


def test_a_coin_m_wallets_btc_is_collateral_held_and_valued_but_never_sold_as_spot() -> None:
    """Issue 10, finding 6: a COIN-M wallet's coins were counted as spot holdings."""
    venue, _ = binance(wallets=("inverse",))
    snap, plan = planned(venue)
    assert held(snap, "collateral") == {"BTC": pytest.approx(0.05004318)}
    btc = analyse(snap, SELL_BTC).asset("BTC")
    assert btc.value == pytest.approx(0.05004318 * 67_502.68519858)  # valued, in the weights
    assert not [o for o in plan.orders if o.asset == "BTC" and not o.is_futures]
    [kept] = [s for s in plan.skipped if s.asset == "BTC" and s.side == "sell"]
    assert kept.reason == "collateral" and kept.amount == pytest.approx(0.05004318)
    assert "margin collateral" in kept.detail and "transfer" in kept.detail


def test_a_binancecoinm_account_reads_as_collateral_only_never_as_spot_balances() -> None:
    venue, fake = binance_venue(exchange_id="binancecoinm")
    read = venue.fetch_balances()
    assert read.total == {} and read.free == {}
    assert read.held == {("BTC", "collateral"): pytest.approx(0.05004318)}
    assert [p for _, p, _ in fake.requests] == ["/dapi/v1/account"]


def test_simple_earn_units_binance_reports_as_free_are_staked_held_and_not_sold() -> None:
    """Issue 10, finding 11: staked units that ccxt reports as free got through."""
    venue, _ = binance(LDBTC="0.02000000", LDO="5.00000000")  # LDO is Lido's token
    read = venue.fetch_balances()
    assert read.held == {("BTC", "staked"): pytest.approx(0.02)}
    assert read.total["LDO"] == 5.0 and "LDBTC" not in read.total | read.free


def test_kraken_earn_and_staking_codes_are_the_coin_held_as_staked() -> None:
    venue, _ = recorded_venue("kraken", {
        ("GET", "/0/public/Ticker"): recorded("kraken", "fetchTicker"),
        ("POST", "/0/private/OpenPositions"): {"error": [], "result": []},
        # Kraken's documented BalanceEx answer (ccxt records none): XBT.F is BTC in
        # Kraken's flexible earn, ETH2.S staked ether; ccxt reports both as free units
        ("POST", "/0/private/BalanceEx"): {"error": [], "result": {
            "XXBT": {"balance": "0.01", "hold_trade": "0"},
            "XBT.F": {"balance": "0.5", "hold_trade": "0"},
            "ETH2.S": {"balance": "1.5", "hold_trade": "0"},
            "USDT": {"balance": "500.0", "hold_trade": "0"}}},
    })
    read = venue.fetch_balances()
    assert read.total == {"BTC": 0.01, "USDT": 500.0}
    assert read.held == {("BTC", "staked"): 0.5, ("ETH", "staked"): 1.5}
    snap = take_snapshot([venue], "USDT", {"BTC"}, NO_WAIT)
    # the recorded ticker prices BTC only: ether is left out by the policy's own key
    plan = make_plan(snap, parse_policy({"targets": {"USDT": 1.0}, "exclude": ["ETH"]}),
                     markets=market_rules([venue], NO_WAIT))
    [sell] = [o for o in plan.orders if o.asset == "BTC"]
    assert sell.amount == pytest.approx(0.01)  # the spot units only
    [kept] = [s for s in plan.skipped if s.asset == "BTC"]
    assert kept.reason == "staked" and kept.amount == pytest.approx(0.5)


def test_a_funding_wallets_quote_is_held_and_buys_nothing() -> None:
    """Its USDT counts in the weights, but only spot USDT pays for a buy."""
    venue, _ = binance(wallets=("funding",))
    snap = take_snapshot([venue], "USDT", {"BTC", "USDT"}, NO_WAIT)
    assert held(snap, "funding") == {"USDT": 250.5}
    policy = parse_policy({"targets": {"BTC": 0.6, "USDT": 0.4}})
    plan = make_plan(snap, policy, analyse(snap, policy), markets=market_rules([venue], NO_WAIT))
    sold = sum(o.notional - o.fee - o.slippage for o in plan.orders if o.side == "sell")
    bought = sum(o.notional + o.fee + o.slippage for o in plan.orders if o.side == "buy")
    assert bought <= sold + 1e-6  # the funding wallet's 250.5 USDT paid for none of it
    assert any(s.reason == "insufficient_quote" for s in plan.skipped)


def test_a_wallet_trimtab_cannot_read_is_refused_by_name() -> None:
    env = {"TRIMTAB_BINANCE_API_KEY": "k", "TRIMTAB_BINANCE_WALLETS": "inverse,piggybank"}
    with pytest.raises(Fatal, match="TRIMTAB_BINANCE_WALLETS: 'piggybank' is not a wallet"):
        open_ccxt_venue("binance", environ=env)
    assert open_ccxt_venue("binance", environ={**env, "TRIMTAB_BINANCE_WALLETS": "inverse"}
                           ).wallets == ("inverse",)
