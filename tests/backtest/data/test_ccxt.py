"""The ccxt loader against a hand-written fake exchange: pages, cache, close matrix."""

from __future__ import annotations

from pathlib import Path

import ccxt
import pandas as pd
import pytest
from typer.testing import CliRunner

from trimtab.backtest.data import ccxt as ccxt_data
from trimtab.backtest.data.ccxt import CcxtSpec, load_ccxt
from trimtab.backtest.data.files import DataError
from trimtab.cli.main import app

DAY = 86_400_000
START = int(pd.Timestamp("2024-01-01", tz="UTC").value // 1_000_000)
NOW = (START + 40 * DAY + 3_600_000) / 1000  # 2024-02-10 01:00 UTC: that day's candle is open


class FakeExchange:
    """Serves daily candles as ccxt does: oldest first, at most `limit` from `since`.

    BTC closes at 100 + day, ETH at 10 + day; ETH is listed from day 2. The
    current (open) candle is served too, as exchanges do.
    """

    id = "fakex"

    def __init__(self, page: int = 7, fail: bool = False) -> None:
        self.page = page
        self.fail = fail
        self.calls: list[tuple[str, int | None]] = []

    def fetch_ohlcv(self, symbol: str, timeframe: str = "1m", since: int | None = None,
                    limit: int | None = None) -> list[list[float]]:
        self.calls.append((symbol, since))
        if self.fail:
            raise ccxt.NetworkError("fakex GET /klines 503 Service Unavailable")
        assert timeframe == "1d"
        first = 2 if symbol.startswith("ETH") else 0
        base = 100.0 if symbol.startswith("BTC") else 10.0
        days = [d for d in range(first, 41) if START + d * DAY >= (since or 0)]
        return [[START + d * DAY, base, base + 1, base - 1, base + d, 5.0]
                for d in days[: min(limit or 500, self.page)]]


def test_pages_are_followed_and_the_close_matrix_is_named_by_base(tmp_path: Path) -> None:
    fake = FakeExchange(page=7)
    closes = load_ccxt("ccxt:fakex:BTC/USDT,ETH/USDT:1d:2024-01-03..2024-01-31",
                       exchange=fake, folder=tmp_path, now=lambda: NOW)
    assert list(closes.columns) == ["BTC", "ETH"]
    assert closes.index[0] == pd.Timestamp("2024-01-03")
    assert closes.index[-1] == pd.Timestamp("2024-01-31")
    assert closes["BTC"].tolist() == [100.0 + d for d in range(2, 31)]
    assert closes["ETH"].tolist() == [10.0 + d for d in range(2, 31)]
    btc_calls = [since for symbol, since in fake.calls if symbol == "BTC/USDT"]
    # 29 days in pages of 7; each page asks from just after the last candle, as ccxt users do
    assert btc_calls == [START + 2 * DAY] + [START + d * DAY + 1 for d in (8, 15, 22, 29)]


def test_a_second_call_over_the_cached_range_makes_no_request(tmp_path: Path) -> None:
    spec = "ccxt:fakex:BTC/USDT,ETH/USDT:1d:2024-01-03..2024-01-20"
    first = load_ccxt(spec, exchange=FakeExchange(), folder=tmp_path, now=lambda: NOW)
    again = FakeExchange()
    second = load_ccxt(spec, exchange=again, folder=tmp_path, now=lambda: NOW)
    assert again.calls == []
    pd.testing.assert_frame_equal(first, second)
    narrower = load_ccxt("ccxt:fakex:BTC/USDT:1d:2024-01-05..2024-01-10", exchange=again,
                         folder=tmp_path, now=lambda: NOW)
    assert again.calls == [] and len(narrower) == 6


def test_a_later_until_fetches_only_the_new_candles(tmp_path: Path) -> None:
    load_ccxt("ccxt:fakex:BTC/USDT:1d:2024-01-01..2024-01-20", exchange=FakeExchange(),
              folder=tmp_path, now=lambda: NOW)
    later = FakeExchange()
    closes = load_ccxt("ccxt:fakex:BTC/USDT:1d:2024-01-01", exchange=later, folder=tmp_path,
                       now=lambda: NOW)
    assert later.calls[0] == ("BTC/USDT", START + 20 * DAY)  # the day after the cached 01-20
    # without UNTIL the range ends at the last closed candle: 2024-02-09, not the open 02-10
    assert closes.index[-1] == pd.Timestamp("2024-02-09")
    assert len(closes) == 40


def test_an_exchange_listing_after_since_is_cached_too(tmp_path: Path) -> None:
    spec = "ccxt:fakex:ETH/USDT:1d:2024-01-01..2024-01-10"
    load_ccxt(spec, exchange=FakeExchange(), folder=tmp_path, now=lambda: NOW)
    again = FakeExchange()
    closes = load_ccxt(spec, exchange=again, folder=tmp_path, now=lambda: NOW)
    assert again.calls == [] and closes.index[0] == pd.Timestamp("2024-01-03")


def test_assets_with_different_listings_are_refused_like_a_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no close for ETH at the first bar"):
        load_ccxt("ccxt:fakex:BTC/USDT,ETH/USDT:1d:2024-01-01..2024-01-10",
                  exchange=FakeExchange(), folder=tmp_path, now=lambda: NOW)


def test_ccxt_errors_become_one_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"ccxt fakex: fetch_ohlcv BTC/USDT 1d failed "
                                        r"\(NetworkError: fakex GET /klines 503"):
        load_ccxt("ccxt:fakex:BTC/USDT:1d:2024-01-01", exchange=FakeExchange(fail=True),
                  folder=tmp_path, now=lambda: NOW)


@pytest.mark.parametrize(("text", "message"), [
    ("ccxt:binance", "use ccxt:EXCHANGE"),
    ("ccxt:binance:BTC/USDT:1mo:2024-01-01", "timeframe '1mo'"),
    ("ccxt:binance:BTC/USDT:1d:soon", "'soon' is not a date"),
])
def test_bad_ccxt_arguments_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        CcxtSpec.parse(text)


def test_symbols_may_carry_a_settle_currency() -> None:
    spec = CcxtSpec.parse("ccxt:binance:BTC/USDT:USDT,ETH/USDT:USDT:4h:2024-01-01..2024-02-01")
    assert spec.symbols == ("BTC/USDT:USDT", "ETH/USDT:USDT")
    assert spec.timeframe == "4h" and spec.step == 4 * 3_600_000


POLICY = """
quote = "USDT"
[targets]
BTC = 0.5
ETH = 0.3
USDT = 0.2
[bands]
kind = "relative"
width = 0.05
"""


def test_trimtab_backtest_reads_ccxt_data_through_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeExchange()
    monkeypatch.setattr(ccxt_data, "make_exchange", lambda exchange_id: fake)
    monkeypatch.setenv("TRIMTAB_CACHE_DIR", str(tmp_path / "cache"))
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    args = ["backtest", "-p", str(policy), "--data",
            "ccxt:fakex:BTC/USDT,ETH/USDT:1d:2024-01-03..2024-02-01", "--json"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.stderr
    calls = len(fake.calls)
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0 and len(fake.calls) == calls
    assert '"bars": 30' in second.stdout
    assert list((tmp_path / "cache" / "fakex").iterdir())


def test_an_unknown_exchange_is_a_one_line_error(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    result = CliRunner().invoke(app, ["backtest", "-p", str(policy), "--data",
                                      "ccxt:nosuchexchange:BTC/USDT:1d:2024-01-01"])
    assert result.exit_code == 2
    assert "unknown exchange 'nosuchexchange'" in result.stderr
