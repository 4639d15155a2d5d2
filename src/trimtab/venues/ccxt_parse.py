"""ccxt's unified structures (ticker, position, funding rate) read into trimtab's values.

A structure trimtab cannot use is not an exception here: the reader returns
the sentence that says why it was left out, and the snapshot carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from trimtab.domain.snapshot import FundingRate, Position
from trimtab.venues.port import Ticker

MARGIN_MODES = ("cross", "isolated")
MARGIN_FIELDS = ("collateral", "initialMargin", "maintenanceMargin",
                 "maintenanceMarginPercentage", "liquidationPrice", "marginRatio")


def number(value: Any) -> float | None:
    return None if value is None else float(value)


def ticker_of(raw: Mapping[str, Any], fetched: datetime) -> Ticker:
    """A ticker; one the venue sent without a time is stamped with the fetch time."""
    ts = raw.get("timestamp")
    bid, ask = number(raw.get("bid")), number(raw.get("ask"))
    if not ts:
        return Ticker(symbol=raw["symbol"], last=float(raw["last"]), timestamp=fetched,
                      time_estimated=True, bid=bid, ask=ask)
    return Ticker(symbol=raw["symbol"], last=float(raw["last"]),
                  timestamp=datetime.fromtimestamp(ts / 1000, UTC), bid=bid, ask=ask)


def position_of(venue: str, raw: Mapping[str, Any], marks: Mapping[str, Ticker]
                ) -> Position | str:
    """A contract position, or why it is left out of futures exposure.

    A missing mark price is replaced by the market's last price, and the
    position says it is an estimate; a spot-margin position (no settle
    currency in its symbol: Kraken's) is not a contract and is left out.
    """
    symbol = str(raw.get("symbol") or "")
    if ":" not in symbol:
        return (f"{venue}: the margin position on {symbol or '?'} is not a contract; it is "
                "left out of futures exposure")
    mark, estimated = number(raw.get("markPrice")), False
    if not mark:
        ticker = marks.get(symbol)
        if ticker is None:
            return f"{venue}: {symbol} has no mark price and no ticker; left out of exposure"
        mark, estimated = ticker.last, True
    try:
        return Position.model_validate({
            "venue": venue, "symbol": symbol, "side": raw.get("side"),
            "contracts": float(raw["contracts"]),
            "contractSize": float(raw.get("contractSize") or 1),
            "markPrice": mark, "markEstimated": estimated,
            "entryPrice": number(raw.get("entryPrice")) or None,
            "leverage": number(raw.get("leverage")) or None,
            "hedged": bool(raw.get("hedged")),
            # the margin fields the margin trigger reads; a missing liquidation price is
            # estimated by the domain (and labelled an estimate)
            "marginMode": raw.get("marginMode") if raw.get("marginMode") in MARGIN_MODES
            else None,
            **{key: value for key in MARGIN_FIELDS
               if (value := number(raw.get(key))) is not None and value >= 0}})
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
        return f"{venue}: the position on {symbol} cannot be read ({fields}); left out"


def funding_of(raw: Mapping[str, Any]) -> FundingRate:
    interval = str(raw.get("interval") or "8h")
    hours = float(interval[:-1]) if interval.endswith("h") and interval[:-1].isdigit() else 8.0
    return FundingRate(rate=float(raw["fundingRate"]), interval_hours=hours)
