"""Gate on its recorded payloads: spot bought by cost, USDT contracts of 0.1 LTC, BTC-margined
inverse contracts, funding, and the `t-…` client order id Gate requires."""

from __future__ import annotations

from pathlib import Path

import ccxt
import pytest

from tests.venues.executing import NO_WAIT, execute
from tests.venues.recorded_gate import FakeGate, gate_venue
from tests.venues.strays import stray_orders
from trimtab.app.inputs import parse_policy
from trimtab.domain.analysis.drift import analyse
from trimtab.domain.planning.planner import make_plan
from trimtab.domain.snapshot import Snapshot
from trimtab.venues.ccxt_venue import CcxtVenue
from trimtab.venues.errors import OutcomeUnknown
from trimtab.venues.snapshots import market_rules, take_snapshot

POLICY = parse_policy({"targets": {"BTC": 0.5, "ETH": 0.2, "USDT": 0.3},
                       "futures": {"max_multiple": 0.05},
                       "execution": {"max_order_notional": 10_000}})


def snapshot_of(venue: CcxtVenue) -> Snapshot:
    return take_snapshot([venue], "USDT", set(POLICY.asset_targets()), NO_WAIT)


def test_a_gate_account_reads_both_margin_families_and_values_each_contract_by_its_size() -> None:
    """Finding 7 on Gate: positions are read per settle currency; USDT alone missed the
    BTC-margined ones. One LTC_USDT contract is 0.1 LTC; one BTC_USD contract is 1 USD."""
    venue, fake = gate_venue()
    snap = snapshot_of(venue)
    reads = [p for _, p, _ in fake.requests if p.endswith("/positions")]
    assert reads == ["/futures/usdt/positions", "/futures/btc/positions"]
    analysis = analyse(snap, POLICY)
    assert analysis.futures.gross_notional == pytest.approx(1 * 0.1 * 74.43 + 300)
    assert snap.prices["BTC"].price == pytest.approx(73373.9)
    assert any("without a time" in n for n in snap.notes)  # Gate's tickers carry none


def test_gate_funding_is_read_per_margin_family_from_the_contracts() -> None:
    venue, fake = gate_venue()
    rates = venue.fetch_funding_rates(["LTC/USDT:USDT", "BTC/USD:BTC"])
    assert rates["LTC/USDT:USDT"].rate == pytest.approx(0.000096)
    assert rates["BTC/USD:BTC"].rate == pytest.approx(0.0001)
    assert {p for _, p, _ in fake.requests} == {"/futures/usdt/contracts",
                                                "/futures/btc/contracts"}


def test_the_leverage_cut_on_gate_sends_signed_reduce_only_sizes_in_whole_contracts(
        tmp_path: Path) -> None:
    """Gate's contract orders carry a signed size and reduce_only; the inverse short is
    bought back in whole 1-USD contracts on the BTC-margined book, and the LTC cut, a
    fraction of one 0.1-LTC contract, is skipped with its reason, not rounded up."""
    venue, fake = gate_venue()
    snap = snapshot_of(venue)
    plan = make_plan(snap, POLICY, analyse(snap, POLICY), rebalance=False,
                     markets=market_rules([venue], NO_WAIT))
    cut = {o.symbol: o for o in plan.orders}
    assert cut["BTC/USD:BTC"].side == "buy" and cut["BTC/USD:BTC"].reduce_only
    execute(venue, POLICY, plan.orders, tmp_path)
    sent = dict(fake.sent())
    inverse = sent["/futures/btc/orders"]
    assert inverse["contract"] == "BTC_USD" and inverse["reduce_only"] is True
    assert inverse["size"] == int(cut["BTC/USD:BTC"].amount) == 131
    [ltc] = [s for s in plan.skipped if s.symbol == "LTC/USDT:USDT"]
    assert ltc.reason == "below_min_trade" and "/futures/usdt/orders" not in sent


def test_a_dual_mode_short_on_gate_is_reduced_reduce_only_on_its_contract(
        tmp_path: Path) -> None:
    """In Gate's dual (hedge) mode a side is reduced by a reduce-only order of the opposite
    sign; ccxt reads no side from Gate's `mode`, and none is needed."""
    fake = FakeGate()
    fake.dual_mode = True
    venue, _ = gate_venue(fake)
    snap = snapshot_of(venue)
    short = next(p for p in snap.positions if p.symbol == "BTC/USD:BTC")
    assert short.side == "short"
    plan = make_plan(snap, POLICY, rebalance=False, markets=market_rules([venue], NO_WAIT))
    order = next(o for o in plan.orders if o.symbol == "BTC/USD:BTC")
    execute(venue, POLICY, (order,), tmp_path)
    [(path, body)] = fake.sent()
    assert path == "/futures/btc/orders" and body["reduce_only"] is True and body["size"] > 0


def test_a_gate_spot_rebalance_buys_by_the_cost_to_spend(tmp_path: Path) -> None:
    """Gate takes a market buy's amount as the quote to spend (ccxt's own option says
    so): the buy is sent as amount × price, cut to the quote's precision."""
    venue, fake = gate_venue()
    snap = snapshot_of(venue)
    plan = make_plan(snap, POLICY, analyse(snap, POLICY), markets=market_rules([venue], NO_WAIT))
    spot = tuple(o for o in plan.orders if ":" not in o.symbol)
    assert [o.side for o in spot] == sorted(o.side for o in spot)[::-1]  # sells first
    execute(venue, POLICY, spot, tmp_path)
    buys = [b for p, b in fake.sent() if p == "/spot/orders" and b["side"] == "buy"]
    assert buys
    for body in buys:
        order = next(o for o in spot if o.symbol.replace("/", "_") == body["currency_pair"])
        assert float(body["amount"]) == pytest.approx(order.amount * order.price, rel=0.01)
        assert body["text"].startswith("t-trimtab")


def test_a_gate_client_order_id_carries_the_t_prefix_gate_requires_and_finds_the_order() -> None:
    """Gate refuses a `text` that does not start with "t-"; ccxt adds the prefix only to
    ids that do not start with "t", and every trimtab id starts with "trimtab". The
    buy whose answer was lost is found again by the same text, and reported under
    trimtab's own id."""
    fake = FakeGate()
    fake.lost.append(ccxt.RequestTimeout("gate POST /api/v4/spot/orders timed out"))
    venue, _ = gate_venue(fake)
    with pytest.raises(OutcomeUnknown):
        venue.create_order("BTC/USDT", "buy", "0.0001", "trimtabp1x001", price=30_000.0)
    [(path, body)] = fake.sent()
    assert path == "/spot/orders" and body["text"] == "t-trimtabp1x001"
    assert body["amount"] == "3"  # a market buy states the cost to spend: 0.0001 × 30,000
    found = venue.fetch_order("BTC/USDT", client_order_id="trimtabp1x001")
    assert found is not None and found.client_order_id == "trimtabp1x001"
    assert found.status == "closed"
    assert venue.fetch_order("BTC/USDT", client_order_id="trimtabp1x002") is None


def test_a_gate_order_looked_up_by_its_order_id_is_reported_under_trimtabs_id() -> None:
    """Issue 10 follow-up: only client id lookups mapped Gate's `t-…` text back; a lookup
    by Gate's order id (the executor's read-back, reconciliation once the id is known)
    reported `t-trimtab…`, which the journal never wrote."""
    venue, _ = gate_venue()
    placed = venue.create_order("BTC/USDT", "buy", "0.0001", "trimtabp1x001", price=30_000.0)
    found = venue.fetch_order("BTC/USDT", order_id=placed.id)
    assert found is not None and found.id == placed.id
    assert found.client_order_id == "trimtabp1x001" and found.by_trimtab


def test_a_stray_trimtab_order_on_gate_is_reported_at_start_up_and_no_other(
        tmp_path: Path) -> None:
    """The start-up scan compared Gate's `t-trimtab…` text with trimtab's prefix and
    could never find a stray order (another process's, a lost journal's) there. Of four
    open orders only the stray one is reported: the journal's own is known, and the
    user's own (Gate's `apiv4`, a `t-` text of their own) are left alone."""
    fake = FakeGate()
    fake.resting = ["t-trimtabp0x001", "t-trimtabp1x001", "apiv4", "t-mine"]
    venue, _ = gate_venue(fake)
    [problem] = stray_orders(venue, tmp_path, {"trimtabp1x001": "BTC/USDT"})
    assert "open order trimtabp0x001 (BTC/USDT) on gate" in problem


def test_a_stray_trimtab_order_on_a_gate_usdt_swap_is_reported_at_start_up(
        tmp_path: Path) -> None:
    """Issue 10 follow-up: the scan listed open orders with no params, which on Gate lists
    spot only: a stray order resting on a USDT swap was never seen. Each family is now
    listed with ccxt's own params, one request each: spot, USDT and BTC swaps."""
    fake = FakeGate()
    fake.resting = ["t-trimtabp1x001"]
    fake.resting_swap = ["t-trimtabp0x002", "t-mine"]
    venue, _ = gate_venue(fake)
    [problem] = stray_orders(venue, tmp_path, {"trimtabp1x001": "BTC/USDT"})
    assert "open order trimtabp0x002 (LTC/USDT:USDT) on gate" in problem
    listed = [(p, q) for m, p, q in fake.requests if m == "GET" and p.endswith("orders")]
    assert listed == [("/spot/open_orders", {"account": "spot", "status": "open"}),
                      ("/futures/usdt/orders", {"status": "open"}),
                      ("/futures/btc/orders", {"status": "open"})]


def test_a_gate_family_that_cannot_be_listed_is_reported_and_the_others_still_scanned(
        tmp_path: Path) -> None:
    """One family refused (no futures permission on the key) is journaled as a scan
    problem; the stray order on the USDT swap is still reported."""
    fake = FakeGate()
    fake.resting_swap = ["t-trimtabp0x002"]
    fake.refused["/futures/btc/orders"] = ccxt.PermissionDenied(
        'gate {"label":"FORBIDDEN","message":"Not authorized"}')
    venue, _ = gate_venue(fake)
    read = venue.scan_open_orders()
    assert [o.client_order_id for o in read.orders] == ["trimtabp0x002"]
    [note] = read.notes
    assert "{'type': 'swap', 'settle': 'btc'}" in note and "Not authorized" in note
    [problem] = stray_orders(venue, tmp_path, {})
    assert "trimtabp0x002" in problem


def test_a_gate_market_buy_is_reported_in_the_coins_bought_not_the_quote_spent() -> None:
    """Gate's market-buy amount is the cost spent; ccxt's order reports base units from the
    cost over the average price, which the journal keeps (and the fill guard checks against
    the amount sent). The fake answered with a recorded order's average price before, and
    ccxt's 3.93 "filled" for a 0.0036 BTC buy tripped the guard."""
    venue, _ = gate_venue()
    order = venue.create_order("BTC/USDT", "buy", "0.0001", "trimtabp1x001", price=73_373.9)
    # the cost sent is cut to the quote's precision (7.3 USDT), so a hair under 0.0001 BTC
    assert order.filled == pytest.approx(0.0001, rel=0.01)
    assert order.amount == pytest.approx(order.filled)
