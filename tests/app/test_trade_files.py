"""Exchange trade exports become lot events; a malformed row is named in one line.

Hand-worked figures (fees in the quote add to a buy's cost and come off a
sale's proceeds; a fee in the bought asset reduces the units received):
- Binance: 0.1 BTC for 3,500 with a 0.0001 BTC fee → 0.0999 BTC costing 3,500;
  0.05 BTC for 3,400 + 3.40 USDT → cost 3,403.40; 4 ETH for 14,400 with a BNB
  fee → cost 14,400; a sale of 0.02 BTC for 1,940 − 1.94 → proceeds 1,938.06.
- Kraken: 0.07 BTC, cost 3,010 + fee 7.826 = 3,017.826; a sale of 0.0396 ETH for
  99 − 0.2574 = 98.7426.
- Coinbase: 20 SOL for a total of 1,929.45; the Send is not a trade; a sale of
  2 SOL for a total of 298.80.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trimtab.app.inputs import InputError
from trimtab.app.trade_files import read_trades
from trimtab.domain.tax.lots import Acquire, Dispose, Transfer, replay
from trimtab.domain.tax.settings import TaxSettings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "trades"


def test_binance_export_fees_in_base_quote_and_a_third_asset() -> None:
    events = read_trades(FIXTURES / "binance.csv", "USDT")
    buys = [(e.asset, e.units, e.cost) for e in events if isinstance(e, Acquire)]
    assert buys == [("BTC", pytest.approx(0.0999), 3500.0), ("BTC", 0.05, pytest.approx(3403.4)),
                    ("ETH", 4.0, 14400.0)]
    (sale,) = [e for e in events if isinstance(e, Dispose)]
    assert (sale.units, sale.proceeds, sale.venue) == (0.02, pytest.approx(1938.06), "binance")
    # FIFO: 0.02 of the first lot costs 0.02 × 3,500 / 0.0999 = 700.7007; held 414 days
    (d,) = replay(events, TaxSettings()).disposals
    assert d.gain_long == pytest.approx(1938.06 - 700.7007007, abs=1e-6) and d.gain_short == 0


def test_kraken_export_adds_the_fee_to_the_cost() -> None:
    events = read_trades(FIXTURES / "kraken.csv", "USDT")
    first = events[0]
    assert isinstance(first, Acquire)
    assert (first.asset, first.units, first.cost, first.lot_id) == (
        "BTC", 0.07, pytest.approx(3017.826), "kraken:TQX7AB-1")
    (d,) = replay(events, TaxSettings()).disposals
    # 0.0396 of 1.8 ETH costing 4,150.764 → 91.316808; short-term (213 days)
    assert d.gain_short == pytest.approx(98.7426 - 91.316808)


def test_coinbase_statement_skips_its_title_lines_and_transfers() -> None:
    events = read_trades(FIXTURES / "coinbase.csv", "USDT")
    assert [type(e).__name__ for e in events] == ["Acquire", "Dispose"]
    buy, sale = events
    assert isinstance(buy, Acquire) and isinstance(sale, Dispose)
    assert (buy.units, buy.cost, buy.lot_id) == (20.0, 1929.45, "coinbase:65a5f0c1e2d3")
    assert (sale.units, sale.proceeds) == (2.0, 298.80)
    (d,) = replay(events, TaxSettings()).disposals
    assert d.gain_short == pytest.approx(298.80 - 192.945)


def test_trimtab_file_records_lots_bought_elsewhere_and_transfers() -> None:
    events = read_trades(FIXTURES / "trimtab.csv", "USDT")
    assert isinstance(events[0], Acquire) and events[0].lot_id == "cold-2022"
    assert events[1] == Transfer(events[1].at, "BTC", "binance", "wallet", 0.05)


@pytest.mark.parametrize(("name", "row", "message"), [
    ("binance.csv", "2024-12-21 08:00:00,BTCUSDT,SELL,97000,0.02,1940USDT,1USDT",
     "row 6: column 'Executed': '0.02' is not an amount followed by its asset"),
    ("kraken.csv", '"T9","O9","XXBTZUSD","2024-13-01 10:00:00","buy","limit","1","1","0","1",'
     '"0","",""', "row 5: column 'time': '2024-13-01 10:00:00' is not a date and time"),
    ("coinbase.csv", "x1,2024-08-02 10:00:00 UTC,Buy,SOL,two,USD,$1,$1,$1,$0,",
     "row 8: column 'Quantity Transacted': 'two' is not a number"),
    ("binance.csv", "2024-12-21 08:00:00,ETHEUR,BUY,3000,1ETH,3000EUR,3EUR",
     "row 6: pair ETHEUR is priced in EUR, not USDT"),
])
def test_a_malformed_row_is_named_with_its_column(tmp_path: Path, name: str, row: str,
                                                  message: str) -> None:
    bad = tmp_path / name
    bad.write_text((FIXTURES / name).read_text() + row + "\n")
    with pytest.raises(InputError) as caught:
        read_trades(bad, "USDT")
    assert str(caught.value).startswith(f"{bad} {message}")
    assert "\n" not in str(caught.value)


def test_an_unknown_file_says_which_formats_it_reads(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(InputError, match="not a known trade export"):
        read_trades(other, "USDT")
