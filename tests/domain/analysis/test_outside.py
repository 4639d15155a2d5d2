"""Positions that fell between two checks with no order of trimtab's on their market."""

from __future__ import annotations

from tests.builders import snapshot
from trimtab.domain.analysis.outside import held, shrunk_outside

PERP = "BTC/USDT:USDT"


def positions(*rows: tuple[str, str, float]) -> dict[tuple[str, str, str], float]:
    """held() of a snapshot with these (symbol, side, contracts) on binance."""
    snap = snapshot({"BTC": 50_000.0, "ETH": 3_000.0}, {"USDT": 1_000.0}, positions=[
        {"venue": "binance", "symbol": s, "side": side, "contracts": c, "markPrice": 50_000.0}
        for s, side, c in rows])
    return held(snap.positions)


def test_a_closed_and_a_cut_position_fire_with_their_contracts_and_a_grown_one_does_not():
    before = positions((PERP, "long", 0.5), ("ETH/USDT:USDT", "short", 2.0),
                       ("BTC/USD:BTC", "long", 10.0))
    after = positions(("ETH/USDT:USDT", "short", 1.5), ("BTC/USD:BTC", "long", 12.0))
    fired = shrunk_outside(before, after, traded=())
    assert [(t.kind, t.subject, t.figures) for t in fired] == [
        ("position", f"binance {PERP} long", {"before": 0.5, "after": 0.0}),
        ("position", "binance ETH/USDT:USDT short", {"before": 2.0, "after": 1.5})]
    assert "0.5 contracts at the last check, closed now" in fired[0].message
    assert "cut to 1.5 contracts now" in fired[1].message


def test_a_market_trimtab_traded_is_left_to_its_own_journal():
    before = positions((PERP, "long", 0.5))
    assert shrunk_outside(before, {}, traded={("binance", PERP)}) == ()
    assert len(shrunk_outside(before, {}, traded={("okx", PERP)})) == 1  # another venue


def test_hedge_mode_sides_are_told_apart_and_rounding_is_no_closing():
    before = positions((PERP, "long", 0.5), (PERP, "short", 0.3))
    after = positions((PERP, "long", 0.5 * (1 - 1e-12)))
    [fired] = shrunk_outside(before, after, traded=())
    assert fired.subject == f"binance {PERP} short"


def test_flat_positions_are_not_held():
    assert positions((PERP, "long", 0.0)) == {}
