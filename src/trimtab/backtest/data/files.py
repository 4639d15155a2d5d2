"""Price histories: the bundled daily closes and user files (CSV or Parquet, wide or long).

Every loader returns the same thing: a float64 DataFrame of closes, one row
per bar (a sorted, tz-naive UTC DatetimeIndex), one column per asset. Bad
data is refused with a one-line `DataError` that names the file, the asset
and the date, because a backtest on silently repaired prices is worse than
no backtest:

- duplicate timestamps: refused (which close is right cannot be known);
- non-positive or non-numeric prices: refused;
- missing values and calendar gaps (a day missing from a daily series, or
  assets with different calendars): refused unless `fill_limit` > 0, in
  which case each gap of at most `fill_limit` bars is forward-filled with the
  last close (no trading happened, the price stood still) and a longer gap
  is still refused. A gap before an asset's first price is never filled.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

BUNDLED = "prices_daily.csv"
LONG_COLUMNS = ("timestamp", "asset", "close")
TIME_NAMES = ("timestamp", "date", "datetime", "time")


class DataError(ValueError):
    """A price file cannot be used as is; the message names the place and the fix."""


def bundled_prices() -> pd.DataFrame:
    """Daily closes of BTC, ETH, SOL, AVAX and LINK shipped with trimtab (see data/SOURCES.md)."""
    with resources.as_file(resources.files("trimtab") / "data" / BUNDLED) as path:
        return load_prices(path)


def load_prices(path: Path, fill_limit: int = 0) -> pd.DataFrame:
    """Closes from a CSV or Parquet file, wide or long, validated (see the module doc)."""
    raw = _read(path)
    frame = _to_wide(raw, path)
    return validate(frame, str(path), fill_limit)


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"{path}: price file not found")
    try:
        if path.suffix.lower() in {".parquet", ".pq"}:
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (OSError, ValueError, ImportError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: cannot read the price file ({first})") from None


def _to_wide(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Pivot a long file (timestamp, asset, close) or index a wide one by its time column."""
    columns = {str(c).lower(): c for c in raw.columns}
    if all(c in columns for c in LONG_COLUMNS):
        ts, asset, close = (columns[c] for c in LONG_COLUMNS)
        dup = raw.duplicated([ts, asset])
        if dup.any():
            row = raw[dup].iloc[0]
            raise DataError(f"{path}: duplicate timestamp {row[ts]} for {row[asset]}; "
                            "keep one close per asset and timestamp")
        raw = raw.pivot(index=ts, columns=asset, values=close)
        raw.columns = [str(c) for c in raw.columns]
        return raw
    time_col = next((columns[n] for n in TIME_NAMES if n in columns), None)
    if time_col is None:
        raise DataError(f"{path}: no time column; name the first column one of "
                        f"{', '.join(TIME_NAMES)} (wide) or give timestamp, asset, close (long)")
    return raw.set_index(time_col)


def validate(frame: pd.DataFrame, source: str, fill_limit: int = 0) -> pd.DataFrame:
    """Sorted, unique, positive float closes on a regular calendar, or a DataError."""
    frame = frame.copy()
    frame.index = _parse_index(frame.index, source)
    if frame.index.has_duplicates:
        when = frame.index[frame.index.duplicated()][0]
        raise DataError(f"{source}: duplicate timestamp {when}; keep one row per bar")
    frame = frame.sort_index()
    if len(frame) < 2:
        raise DataError(f"{source}: needs at least two bars, found {len(frame)}")
    frame = _numeric(frame, source)
    frame = _regular(frame, source)
    frame = _fill(frame, source, fill_limit)
    bad = frame.le(0.0)
    if bad.any().any():
        asset = bad.any().idxmax()
        when = bad[asset].idxmax()
        raise DataError(f"{source}: non-positive close {frame.at[when, asset]:g} for {asset} "
                        f"at {when}; prices must be > 0")
    return frame


def _parse_index(index: pd.Index, source: str) -> pd.DatetimeIndex:
    try:
        parsed = pd.to_datetime(index, utc=True)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{source}: cannot parse timestamps ({exc})") from None
    return pd.DatetimeIndex(parsed).tz_localize(None)


def _numeric(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    for col in frame.columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        text = frame[col][values.isna() & frame[col].notna()]
        if len(text):
            raise DataError(f"{source}: close {text.iloc[0]!r} for {col} at {text.index[0]} "
                            "is not a number")
        frame[col] = values.astype(np.float64)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _regular(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Reindex on the file's own bar length so that a skipped bar becomes a visible gap."""
    steps = frame.index.to_series().diff().dropna()
    step = steps.mode().iloc[0]
    if (steps % step != pd.Timedelta(0)).any():
        when = steps[steps % step != pd.Timedelta(0)].index[0]
        raise DataError(f"{source}: misaligned calendar at {when}; bars are {step} apart "
                        "elsewhere; resample the file to one bar length")
    full = pd.date_range(frame.index[0], frame.index[-1], freq=step)
    return frame.reindex(full)


def _fill(frame: pd.DataFrame, source: str, fill_limit: int) -> pd.DataFrame:
    """Forward-fill gaps of at most `fill_limit` bars; refuse longer ones and leading gaps."""
    for col in frame.columns:
        missing = frame[col].isna()
        if not missing.any():
            continue
        runs = (missing != missing.shift()).cumsum()[missing]
        lengths = runs.map(runs.value_counts())
        longest = int(lengths.max())
        first = missing.idxmax()
        start = lengths.idxmax()
        if first == frame.index[0]:
            raise DataError(f"{source}: no close for {col} at the first bar {first}; "
                            "cut the file to the dates every asset covers")
        if longest > fill_limit:
            raise DataError(f"{source}: {col} has a gap of {longest} bar(s) from {start}; "
                            f"fill it or allow forward-fill with --fill-limit {longest}")
    return frame.ffill(limit=fill_limit) if fill_limit else frame
