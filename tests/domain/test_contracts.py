"""The one notional rule: linear contracts are worth size × price, inverse ones size."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trimtab.domain.contracts import SPOT, Contract
from trimtab.domain.snapshot import Position


def test_a_spot_amount_is_worth_amount_times_price() -> None:
    assert SPOT.notional(0.5, 90_000.0) == 45_000.0


def test_an_okx_ada_swap_of_4_9_contracts_of_100_ada_is_worth_366_usdt() -> None:
    assert Contract(100.0).notional(4.9, 0.747) == pytest.approx(366.03)


def test_an_inverse_contract_is_worth_its_size_whatever_the_price() -> None:
    btc_usd_swap = Contract(100.0, inverse=True)
    assert btc_usd_swap.notional(1, 92_200.0) == btc_usd_swap.notional(1, 50_000.0) == 100.0


def test_a_position_is_valued_by_the_same_rule() -> None:
    short = Position.model_validate({"venue": "binance", "symbol": "BTC/USD:BTC", "side": "short",
                                     "contracts": 3, "contractSize": 100, "markPrice": 68234.2})
    assert short.notional == 300.0 and short.signed_notional == -300.0


@given(size=st.floats(0.001, 1000), inverse=st.booleans(), price=st.floats(0.0001, 1e6),
       notional=st.floats(1.0, 1e7))
def test_amount_for_is_the_inverse_of_notional(size: float, inverse: bool, price: float,
                                               notional: float) -> None:
    contract = Contract(size, inverse)
    assert contract.notional(contract.amount_for(notional, price), price) == pytest.approx(
        notional, rel=1e-9)


def test_an_inverse_contracts_usd_value_is_converted_to_the_usdt_quote() -> None:
    """The contract's own currency (USD) at its price in the quote, where the snapshot
    has one; 1:1 otherwise."""
    from trimtab.domain.snapshot import Snapshot

    short = {"venue": "binance", "symbol": "BTC/USD:BTC", "side": "short", "contracts": 3,
             "contractSize": 100, "markPrice": 68234.2}
    priced = Snapshot.model_validate({"as_of": "2025-01-01T00:00:00Z", "positions": [short],
                                      "prices": {"USD": 0.998}})
    [position] = priced.positions
    assert priced.position_notional(position) == pytest.approx(299.4)
    unpriced = priced.model_copy(update={"prices": {}})
    assert unpriced.position_notional(position) == 300.0
