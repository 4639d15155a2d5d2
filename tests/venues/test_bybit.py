"""A Bybit unified account on recorded payloads: linear USDT and inverse BTC/USD:BTC,
from snapshot to the requests ccxt sends."""

from __future__ import annotations

from pathlib import Path

import ccxt
import pytest

from tests.venues.executing import NO_WAIT, execute
from tests.venues.recorded_bybit import FakeBybit, bybit_venue
from tests.venues.strays import stray_orders
from trimtab.app.inputs import parse_policy
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.snapshot import Snapshot
from trimtab.execution.reconcile import client_order_id
from trimtab.venues.ccxt_venue import CcxtVenue
from trimtab.venues.errors import InsufficientFunds, OutcomeUnknown, Rejected
from trimtab.venues.snapshots import market_rules, take_snapshot

# the recorded market file has no USDC/USDT market: the account's USDC is left out by name
POLICY = parse_policy({"targets": {"BTC": 0.6, "ETH": 0.1, "USDT": 0.3}, "exclude": ["USDC"],
                       "futures": {"max_multiple": 0.002},
                       "execution": {"max_order_notional": 100_000}})
PRICES = {"BTCUSDT": 68_000.0, "ETHUSDT": 3_000.0, "LTCUSDT": 71.1, "XRPUSDT": 0.5,
          "ADAUSDT": 0.4, "BTCUSD": 28_224.5}


def live(fake: FakeBybit | None = None) -> tuple[CcxtVenue, FakeBybit]:
    venue, fake = bybit_venue(fake)
    fake.prices.update(PRICES)
    return venue, fake


def snapshot_of(venue: CcxtVenue) -> Snapshot:
    return take_snapshot([venue], "USDT", set(POLICY.asset_targets()), NO_WAIT)


def test_a_unified_account_reads_every_family_values_the_inverse_short_in_usd() -> None:
    """Finding 7 on Bybit: linear USDT, linear USDC and inverse positions are three reads;
    the inverse short of 300 BTCUSD contracts is 300 USD, not 300 × the BTC price."""
    venue, fake = live()
    snap = snapshot_of(venue)
    reads = [q for _, p, q in fake.requests if p == "/v5/position/list"]
    assert [(q.get("category"), q.get("settleCoin")) for q in reads] == [
        ("linear", "USDT"), ("linear", "USDC"), ("inverse", None)]
    by_symbol = {p.symbol: p for p in snap.positions}
    assert by_symbol["LTC/USDT:USDT"].side == "long" and by_symbol["BTC/USD:BTC"].side == "short"
    analysis = analyse(snap, POLICY)
    assert analysis.futures.gross_notional == pytest.approx(1.2 * 71.1 + 300)
    assert any("USDC" in n for n in analysis.notes)


def test_bybit_funding_comes_from_its_tickers_per_family_and_tickers_are_stamped() -> None:
    """Bybit's funding is read from the tickers of each contract family; its tickers
    carry no time (finding 10), so the fetch time is used and the snapshot says so."""
    venue, fake = live()
    snap = snapshot_of(venue)
    assert snap.funding_rates["LTC/USDT:USDT"].rate == pytest.approx(-0.00046295)
    assert snap.funding_rates["BTC/USD:BTC"].rate == pytest.approx(-0.00046295)
    categories = {q["category"] for _, p, q in fake.requests if p == "/v5/market/tickers"}
    assert categories == {"linear", "inverse", "spot"}
    assert any("without a time" in n and "BTC/USDT" in n for n in snap.notes)


def test_the_leverage_cut_on_bybit_sends_reduce_only_orders_of_each_family(
        tmp_path: Path) -> None:
    """Finding 1 end to end on Bybit: the cut counts BTCUSD contracts at 1 USD each."""
    venue, fake = live()
    snap = snapshot_of(venue)
    plan = make_plan(snap, POLICY, analyse(snap, POLICY), rebalance=False,
                     markets=market_rules([venue], NO_WAIT))
    cut = {o.symbol: o for o in plan.orders}
    assert set(cut) == {"LTC/USDT:USDT", "BTC/USD:BTC"}
    assert cut["BTC/USD:BTC"].side == "buy" and cut["LTC/USDT:USDT"].side == "sell"
    assert cut["BTC/USD:BTC"].notional == pytest.approx(cut["BTC/USD:BTC"].amount)
    execute(venue, POLICY, plan.orders, tmp_path)
    sent = {b["symbol"]: b for b in fake.sent()}
    inverse, linear = sent["BTCUSD"], sent["LTCUSDT"]
    assert (inverse["category"], inverse["side"], inverse["orderType"]) == (
        "inverse", "Buy", "Market")
    assert inverse["qty"] == format(cut["BTC/USD:BTC"].amount, "g")
    assert inverse["reduceOnly"] is True and "positionIdx" not in inverse
    assert (linear["category"], linear["side"], linear["reduceOnly"]) == ("linear", "Sell", True)
    assert linear["qty"] == format(cut["LTC/USDT:USDT"].amount, "g")
    assert {b["orderLinkId"] for b in sent.values()} == {
        client_order_id("p1", 1), client_order_id("p1", 2)}


def test_a_hedge_mode_short_is_reduced_on_its_own_side_by_position_idx(tmp_path: Path) -> None:
    """Finding 9 on Bybit: in both-side mode the order names positionIdx 2 (the short
    side) and carries no reduceOnly flag; the side itself reduces."""
    fake = FakeBybit()
    fake.hedge_mode = True
    venue, _ = live(fake)
    snap = snapshot_of(venue)
    short = next(p for p in snap.positions if p.symbol == "BTC/USD:BTC")
    assert short.hedged and short.side == "short"
    plan = make_plan(snap, POLICY, rebalance=False, markets=market_rules([venue], NO_WAIT))
    order = next(o for o in plan.orders if o.symbol == "BTC/USD:BTC")
    assert order.hedged
    execute(venue, POLICY, (order,), tmp_path)
    [body] = fake.sent()
    assert body["positionIdx"] == 2 and body["side"] == "Buy" and "reduceOnly" not in body


def test_a_spot_rebalance_on_bybit_sends_sells_then_buys_in_coins(tmp_path: Path) -> None:
    """Bybit answers a placement with its ids only: each order is read back (filled), not
    taken for a resting order and cancelled. XRP's units held as position margin
    ("used") are not sold."""
    venue, fake = live()
    snap = snapshot_of(venue)
    plan = make_plan(snap, POLICY, analyse(snap, POLICY),
                     markets=market_rules([venue], NO_WAIT))
    spot = [o for o in plan.orders if ":" not in o.symbol]
    assert spot and spot[0].side == "sell"
    execute(venue, POLICY, tuple(spot), tmp_path)
    bodies = [b for b in fake.sent() if b["category"] == "spot"]
    assert [b["symbol"] for b in bodies] == [o.symbol.replace("/", "") for o in spot]
    assert all(b["orderType"] == "Market" and b["marketUnit"] == "baseCoin" for b in bodies)
    xrp = next(b for b in bodies if b["symbol"] == "XRPUSDT")
    assert xrp["side"] == "Sell" and xrp["qty"] == "39.85"  # the free 39.854…, to the lot
    assert not any(p == "/v5/order/cancel" for _, p, _ in fake.requests)


def test_an_order_whose_answer_timed_out_is_found_by_its_order_link_id() -> None:
    """Bybit's fetchOrder needs the venue's order id: trimtab's client order id is its
    orderLinkId, looked up in the open and then the closed orders."""
    venue, fake = live()
    fake.after_accept.append(ccxt.RequestTimeout("bybit POST /v5/order/create timed out"))
    with pytest.raises(OutcomeUnknown):
        venue.create_order("LTC/USDT:USDT", "sell", "0.5", "ttbybit0001", reduce_only=True)
    found = venue.fetch_order("LTC/USDT:USDT", client_order_id="ttbybit0001")
    assert found is not None and found.client_order_id == "ttbybit0001"
    assert found.status == "closed" and found.filled == pytest.approx(0.5)
    assert len(fake.sent()) == 1
    assert venue.fetch_order("LTC/USDT:USDT", client_order_id="ttnever") is None


# Bybit's refusals as ccxt's own bybit.py quotes them in its error-code table
NO_FUNDS = {"retCode": 110007, "retMsg": "ab not enough for new order", "result": {},
            "retExtInfo": {}, "time": 1668838414793}
FLAT = {"retCode": 110017, "retMsg": "Reduce-only rule not satisfied", "result": {},
        "retExtInfo": {}, "time": 1668838414793}


@pytest.mark.parametrize(("refusal", "error"), [(NO_FUNDS, InsufficientFunds), (FLAT, Rejected)])
def test_a_bybit_refusal_read_by_ccxts_own_codes_stops_the_order_and_is_not_sent_again(
        refusal: dict[str, object], error: type[Exception]) -> None:
    """Bybit refuses with HTTP 200 and a retCode: ccxt's own table reads 110007 as
    insufficient funds and 110017 (a reduce-only order on a flat position) as invalid;
    each is one line naming Bybit's reason, and the order is sent once."""
    fake = FakeBybit()
    fake.refusals.append(refusal)
    venue, _ = live(fake)
    with pytest.raises(error, match=str(refusal["retMsg"])) as raised:
        venue.create_order("LTC/USDT:USDT", "sell", "0.5", "trimtabp1x009", reduce_only=True)
    assert "\n" not in str(raised.value)
    assert len(fake.sent()) == 1 and fake.orders == {}


def test_stray_trimtab_orders_on_bybit_spot_usdc_and_inverse_are_reported_at_start_up(
        tmp_path: Path) -> None:
    """Issue 10 follow-up: the scan listed Bybit's default family only (linear USDT); a
    stray order resting on spot, a USDC contract or an inverse contract was never seen.
    Each family is listed with ccxt's own params, one request each."""
    venue, fake = live()
    fake.resting = [
        {"category": "spot", "symbol": "LTCUSDT", "orderLinkId": "trimtabp0x001"},
        {"category": "linear", "settleCoin": "USDT", "symbol": "LTCUSDT",
         "orderLinkId": "trimtabp1x001"},  # the journal's own
        {"category": "inverse", "baseCoin": "BTC", "symbol": "BTCUSD",
         "orderLinkId": "trimtabp0x002"},
        {"category": "inverse", "baseCoin": "BTC", "symbol": "BTCUSD", "orderLinkId": "mine"}]
    problems = stray_orders(venue, tmp_path, {"trimtabp1x001": "LTC/USDT:USDT"})
    assert sorted(p.split(" on ")[0] for p in problems) == [
        "open order trimtabp0x001 (LTC/USDT)", "open order trimtabp0x002 (BTC/USD:BTC)"]
    listed = [q for m, p, q in fake.requests if p == "/v5/order/realtime"]
    assert listed == [{"category": "spot", "limit": "50"},
                      {"category": "linear", "settleCoin": "USDT", "limit": "50"},
                      {"category": "linear", "settleCoin": "USDC", "limit": "50"},
                      {"category": "inverse", "baseCoin": "BTC", "limit": "50"},
                      {"category": "inverse", "baseCoin": "LTC", "limit": "50"}]


def test_a_stray_trimtab_order_on_any_bybit_inverse_coin_is_reported(tmp_path: Path) -> None:
    """Bybit lists inverse orders one base coin at a time; the scan asked for BTC and ETH
    only, so a stray order on the LTC inverse perpetual (in the recorded markets) was
    never seen. One listing per base coin of the venue's inverse markets now."""
    venue, fake = live()
    fake.resting = [{"category": "inverse", "baseCoin": "LTC", "symbol": "LTCUSD",
                     "orderLinkId": "trimtabp0x003"}]
    problems = stray_orders(venue, tmp_path, {})
    assert [p.split(" on ")[0] for p in problems] == ["open order trimtabp0x003 (LTC/USD:LTC)"]


def test_a_stray_trimtab_order_on_bybits_second_page_of_open_orders_is_reported(
        tmp_path: Path) -> None:
    """Bybit lists 20 open orders a page unless asked for up to 50, with a cursor to the
    next: a stray order behind 60 of the user's own was never seen. ccxt now walks the
    pages by cursor."""
    venue, fake = live()
    fake.resting = [{"category": "linear", "settleCoin": "USDT", "symbol": "LTCUSDT",
                     "orderLinkId": f"mine{n}"} for n in range(60)]
    fake.resting.append({"category": "linear", "settleCoin": "USDT", "symbol": "LTCUSDT",
                         "orderLinkId": "trimtabp0x007"})
    problems = stray_orders(venue, tmp_path, {})
    assert [p.split(" on ")[0] for p in problems] == ["open order trimtabp0x007 (LTC/USDT:USDT)"]
    pages = [q.get("cursor") for m, p, q in fake.requests
             if p == "/v5/order/realtime" and q.get("settleCoin") == "USDT"]
    assert pages == [None, "50"]
