"""Closes from an exchange through ccxt's `fetch_ohlcv`, cached on disk.

`--data ccxt:EXCHANGE:SYMBOLS:TIMEFRAME:SINCE[..UNTIL]`, for example
`ccxt:binance:BTC/USDT,ETH/USDT:1d:2023-01-01..2024-12-31`, fetches each
symbol's candles page by page (ccxt returns at most `limit` candles per call,
oldest first, as `[ms, open, high, low, close, volume]`), keeps only closed
candles, and names each column by the symbol's base (`BTC/USDT` → `BTC`),
as policies name assets. Without UNTIL the range ends at the last closed
candle.

The cache holds one CSV per exchange, symbol and timeframe (under
$TRIMTAB_CACHE_DIR, default the user cache folder), and grows: a second
call over a range the cache already covers makes no request, and a later
UNTIL fetches only the candles after the cached ones. The result goes
through data.validate like any file, so gaps and bad prices get the same
one-line refusals. ccxt's errors become one `DataError` here, once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from trimtab.backtest.data.files import DataError, validate

PREFIX = "ccxt:"
PAGE_LIMIT = 1000
UNITS_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
COLUMNS = ["ms", "open", "high", "low", "close", "volume"]


class OhlcvSource(Protocol):
    """What the loader needs of a ccxt exchange (a fake in the tests)."""

    id: str

    def fetch_ohlcv(self, symbol: str, timeframe: str = ..., since: int | None = ...,
                    limit: int | None = ...) -> list[list[float]]: ...


@dataclass(frozen=True, slots=True)
class CcxtSpec:
    """The parsed `ccxt:` data argument; times in ms since the epoch (UTC)."""

    exchange: str
    symbols: tuple[str, ...]
    timeframe: str
    since: int
    until: int | None

    @property
    def step(self) -> int:
        return timeframe_ms(self.timeframe)

    @classmethod
    def parse(cls, text: str) -> CcxtSpec:
        """ccxt:EXCHANGE:SYMBOLS:TIMEFRAME:SINCE[..UNTIL] (symbols may contain ':')."""
        usage = "use ccxt:EXCHANGE:SYM/QUOTE,...:TIMEFRAME:SINCE[..UNTIL]"
        exchange, _, rest = text.removeprefix(PREFIX).partition(":")
        parts = rest.rsplit(":", 2)
        if not exchange or len(parts) != 3 or not parts[0]:
            raise DataError(f"{text}: {usage}")
        symbols = tuple(s.strip() for s in parts[0].split(",") if s.strip())
        start, _, end = parts[2].partition("..")
        timeframe_ms(parts[1])
        return cls(exchange, symbols, parts[1], _ms(start, text),
                   _ms(end, text) if end else None)


def timeframe_ms(timeframe: str) -> int:
    """ccxt's timeframe ('1m', '4h', '1d', '1w') in ms; months are refused (not regular)."""
    number, unit = timeframe[:-1], timeframe[-1:]
    if unit not in UNITS_MS or not number.isdigit() or int(number) == 0:
        raise DataError(f"timeframe '{timeframe}': use N followed by m, h, d or w (e.g. 1d)")
    return int(number) * UNITS_MS[unit]


def _ms(text: str, source: str) -> int:
    try:
        return int(pd.Timestamp(text, tz="UTC").value // 1_000_000)
    except (ValueError, TypeError):
        raise DataError(f"{source}: '{text}' is not a date (e.g. 2023-01-01)") from None


def cache_dir() -> Path:
    """$TRIMTAB_CACHE_DIR, or the user's cache folder."""
    from trimtab.config.settings import load_settings

    folder = load_settings().cache_dir
    if folder is not None:
        return folder
    import platformdirs

    return Path(platformdirs.user_cache_dir("trimtab", appauthor=False)) / "ohlcv"


def cache_file(folder: Path, exchange: str, symbol: str, timeframe: str) -> Path:
    safe = symbol.replace("/", "-").replace(":", "_")
    return folder / exchange / f"{safe}-{timeframe}.csv"


def read_cache(path: Path) -> tuple[pd.DataFrame, int | None]:
    """The cached candles and the SINCE they were fetched from (None: no cache).

    The SINCE is kept beside the candles because an exchange's history may
    start after it: the first candle alone cannot say the start is covered.
    """
    meta = path.with_suffix(".since")
    if not path.exists() or not meta.exists():
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS}), None
    return pd.read_csv(path).astype({"ms": "int64"}), int(meta.read_text().strip())


def write_cache(path: Path, candles: pd.DataFrame, fetched_from: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    candles.to_csv(path, index=False)
    path.with_suffix(".since").write_text(f"{fetched_from}\n")


def fetch_pages(exchange: OhlcvSource, symbol: str, timeframe: str, since: int, until: int,
                limit: int = PAGE_LIMIT) -> list[list[float]]:
    """Candles with open time in [since, until], page after page; ccxt errors → DataError."""
    import ccxt

    out: list[list[float]] = []
    cursor = since
    while cursor <= until:
        try:
            page = exchange.fetch_ohlcv(symbol, timeframe, since=cursor, limit=limit)
        except ccxt.BaseError as exc:
            first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise DataError(f"ccxt {exchange.id}: fetch_ohlcv {symbol} {timeframe} failed "
                            f"({type(exc).__name__}: {first})") from None
        fresh = [c for c in page if cursor <= c[0] <= until]
        if not fresh:
            break  # nothing newer: the exchange has no more candles in the range
        out.extend(fresh)
        cursor = int(fresh[-1][0]) + 1
    return out


def symbol_candles(exchange: OhlcvSource, spec: CcxtSpec, symbol: str, until: int,
                   folder: Path) -> pd.DataFrame:
    """One symbol's candles over [since, until] from the cache, fetching only what it lacks."""
    path = cache_file(folder, exchange.id, symbol, spec.timeframe)
    cached, fetched_from = read_cache(path)
    if fetched_from is None or fetched_from > spec.since:
        cached, fetched_from = cached.iloc[0:0], spec.since  # starts too late: from SINCE
    start = int(cached["ms"].iloc[-1]) + spec.step if len(cached) else fetched_from
    if start <= until:
        rows = fetch_pages(exchange, symbol, spec.timeframe, start, until)
        if rows:
            cached = _merge(cached, pd.DataFrame([r[:6] for r in rows], columns=COLUMNS))
        write_cache(path, cached, fetched_from)
    return cached[(cached["ms"] >= spec.since) & (cached["ms"] <= until)]


def _merge(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in (old, new.astype({"ms": "int64"})) if len(f)]
    both = pd.concat(frames, ignore_index=True)
    return both.drop_duplicates("ms", keep="last").sort_values("ms").reset_index(drop=True)


def load_ccxt(text: str, fill_limit: int = 0, exchange: OhlcvSource | None = None,
              folder: Path | None = None, now: Callable[[], float] = time.time
              ) -> pd.DataFrame:
    """Closes (bars × bases) for a `ccxt:` argument; `exchange` replaces the real one."""
    spec = CcxtSpec.parse(text)
    source = exchange or make_exchange(spec.exchange)
    last_closed = (int(now() * 1000) // spec.step - 1) * spec.step
    until = min(spec.until, last_closed) if spec.until is not None else last_closed
    folder = folder or cache_dir()
    closes = {}
    for symbol in spec.symbols:
        candles = symbol_candles(source, spec, symbol, until, folder)
        if candles.empty:
            raise DataError(f"{text}: no {spec.timeframe} candles for {symbol} in the range")
        closes[symbol.split("/")[0]] = pd.Series(
            candles["close"].to_numpy(), index=pd.to_datetime(candles["ms"], unit="ms"))
    return validate(_wide(closes, spec.symbols, text), text, fill_limit)


def _wide(closes: dict[str, pd.Series], symbols: Sequence[str], text: str) -> pd.DataFrame:
    if len(closes) != len(symbols):
        raise DataError(f"{text}: two symbols share a base; give one symbol per asset")
    frame: pd.DataFrame = pd.concat(closes, axis=1)
    return frame


def make_exchange(exchange_id: str) -> Any:
    """A public (no credentials) ccxt exchange with its rate limit on."""
    import ccxt

    if exchange_id not in ccxt.exchanges:
        raise DataError(f"ccxt: unknown exchange '{exchange_id}' (see ccxt.exchanges)")
    return getattr(ccxt, exchange_id)({"enableRateLimit": True})
