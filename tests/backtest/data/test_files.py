"""Loading closes: the bundled history, wide and long files, and every refusal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trimtab.backtest.data.files import DataError, bundled_prices, load_prices


def _write(tmp_path: Path, text: str, name: str = "closes.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_history_covers_the_example_assets_daily_without_gaps() -> None:
    prices = bundled_prices()
    assert list(prices.columns) == ["BTC", "ETH", "SOL", "AVAX", "LINK"]
    assert prices.index[0] == pd.Timestamp("2020-09-22")
    assert prices.index[-1] == pd.Timestamp("2025-02-10")
    assert len(prices) == 1603
    assert (prices.index.to_series().diff().dropna() == pd.Timedelta(days=1)).all()
    assert prices.at[pd.Timestamp("2025-01-31"), "BTC"] == pytest.approx(102405.02, rel=1e-6)


def test_wide_and_long_files_give_the_same_table(tmp_path: Path) -> None:
    wide = _write(tmp_path, "date,BTC,ETH\n2024-01-01,100,10\n2024-01-02,110,11\n")
    long = _write(tmp_path, "timestamp,asset,close\n2024-01-02,ETH,11\n2024-01-01,BTC,100\n"
                  "2024-01-01,ETH,10\n2024-01-02,BTC,110\n", "long.csv")
    pd.testing.assert_frame_equal(load_prices(wide), load_prices(long)[["BTC", "ETH"]],
                                  check_freq=False)


def test_parquet_is_read_like_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame({"timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                          "BTC": [100.0, 110.0]})
    path = tmp_path / "closes.parquet"
    frame.to_parquet(path)
    assert load_prices(path)["BTC"].tolist() == [100.0, 110.0]


@pytest.mark.parametrize(("text", "message"), [
    ("date,BTC\n2024-01-01,100\n2024-01-01,101\n2024-01-02,102\n", "duplicate timestamp"),
    ("date,BTC\n2024-01-01,100\n2024-01-02,0\n", "non-positive close 0 for BTC"),
    ("date,BTC\n2024-01-01,100\n2024-01-02,-3\n", "non-positive close -3 for BTC"),
    ("date,BTC\n2024-01-01,100\n2024-01-02,abc\n", "'abc' for BTC"),
    ("date,BTC\n2024-01-01,100\n2024-01-02,101\n2024-01-04,103\n",
     "BTC has a gap of 1 bar(s) from 2024-01-03"),
    ("date,BTC,ETH\n2024-01-01,100,\n2024-01-02,101,10\n", "no close for ETH at the first bar"),
    ("date,BTC\n2024-01-01 00:00,100\n2024-01-01 01:00,101\n2024-01-01 02:30,102\n"
     "2024-01-01 03:30,103\n", "misaligned calendar"),
    ("when,BTC\n2024-01-01,100\n2024-01-02,101\n", "no time column"),
    ("timestamp,asset,close\n2024-01-01,BTC,1\n2024-01-01,BTC,2\n", "duplicate timestamp"),
])
def test_bad_files_are_refused_with_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError) as err:
        load_prices(_write(tmp_path, text))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_forward_fill_repairs_gaps_up_to_the_limit_only(tmp_path: Path) -> None:
    path = _write(tmp_path, "date,BTC,ETH\n2024-01-01,100,10\n2024-01-02,101,\n"
                  "2024-01-03,102,\n2024-01-04,103,13\n")
    with pytest.raises(DataError, match="ETH has a gap of 2 bar"):
        load_prices(path, fill_limit=1)
    filled = load_prices(path, fill_limit=2)
    assert filled["ETH"].tolist() == [10.0, 10.0, 10.0, 13.0]


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="price file not found"):
        load_prices(tmp_path / "nope.csv")
