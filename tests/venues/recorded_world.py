"""Any venue with recorded payloads, answered by method as ccxt's own static tests answer it.

`tests/fixtures/ccxt/markets/<id>.json` (a ccxt markets object) and
`response/<id>.json` (ccxt's recorded cases: method, input, httpResponse)
make a venue. ccxt signs each request and parses each recorded answer; only
the HTTP call is replaced, by one that answers with the recorded case of the
unified method being run (the case whose params match the call's, else the
first). A method with no recorded case is one the venue lacks: `has` says
so, and a call is ccxt's own NotSupported. New files are picked up with no
code: `recorded_venues()` lists them.

A `Variant` degrades the answers as a venue that omits a field would
(a position without a mark price, no funding API, an asset nothing prices, a
ticker without a time); the unified structure ccxt parsed is changed, so the
variants hold for every venue whatever its wire format.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import ccxt
import pytest

from trimtab.venues.markets import load_recorded_markets, read_market_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ccxt"
# the unified methods trimtab's adapter calls; each is answered from its recorded cases
CALLED = ("fetchBalance", "fetchTicker", "fetchTickers", "fetchPositions", "fetchFundingRates",
          "fetchFundingRate", "createOrder", "fetchOrder", "fetchOpenOrders",
          "fetchClosedOrders", "cancelOrder")
CAPABILITIES = ("fetchTickers", "fetchFundingRates", "fetchFundingRate", "fetchPositions")
UNLISTED = "ZZUNLISTED"  # a coin no recorded market prices


class Variant(StrEnum):
    """How the recorded answers are degraded."""

    AS_RECORDED = "as_recorded"
    NO_MARK_PRICE = "no_mark_price"
    NO_FUNDING = "no_funding"  # the venue lists a funding API and refuses every call
    UNPRICED_ASSET = "unpriced_asset"
    TICKER_WITHOUT_TIME = "ticker_without_time"
    NO_BALANCE = "no_balance"  # the venue refuses the balance read (a key without that right)


def recorded_venues() -> list[str]:
    """Every ccxt id with a recorded market file (responses are optional)."""
    return sorted(p.stem for p in (FIXTURES / "markets").glob("*.json"))


def recorded_cases(exchange_id: str) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """(method -> recorded cases, the exchange options the recording ran with)."""
    path = FIXTURES / "response" / f"{exchange_id}.json"
    if not path.is_file():
        return {}, {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data.get("methods", {}), data.get("options", {})


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


@dataclass
class RecordedWorld:
    """The answers of one venue, and every request ccxt sent (URL, method)."""

    exchange_id: str
    variant: Variant = Variant.AS_RECORDED
    requests: list[tuple[str, str]] = field(default_factory=list)
    _answers: list[Any] = field(default_factory=list)  # a stack: unified calls nest

    def attach(self, exchange: Any) -> None:
        """Load the recorded markets into `exchange` and answer its calls from the cases."""
        cases, options = recorded_cases(self.exchange_id)
        load_recorded_markets(exchange, read_market_file(
            FIXTURES / "markets" / f"{self.exchange_id}.json"))
        exchange.options.update(copy.deepcopy(options))
        # ccxt's throttle spaces requests out for a server that is not there: a recorded
        # answer costs the venue nothing, and the waits were most of the sweep's wall time
        exchange.enableRateLimit = False
        exchange.fetch = self._fetch
        for name in CALLED:
            if hasattr(exchange, snake(name)):
                setattr(exchange, snake(name), self._method(exchange, name, cases.get(name)))
        for name in CAPABILITIES:
            exchange.has[name] = bool(cases.get(name)) or (
                self.variant is Variant.NO_FUNDING and "Funding" in name)

    def _fetch(self, url: str, method: str = "GET", headers: Any = None,
               body: Any = None) -> Any:
        self.requests.append((method, url))
        if not self._answers:
            raise AssertionError(f"{self.exchange_id}: a request outside a unified call: {url}")
        return copy.deepcopy(self._answers[-1])

    def _method(self, exchange: Any, name: str, cases: list[dict[str, Any]] | None
                ) -> Callable[..., Any]:
        real = getattr(exchange, snake(name))

        def call(*args: Any) -> Any:
            refused = ((self.variant is Variant.NO_FUNDING and "Funding" in name)
                       or (self.variant is Variant.NO_BALANCE and name == "fetchBalance"))
            if name == "fetchBalance" and not cases and not refused:
                return self._degrade(name, args, unrecorded_balance(exchange))
            if not cases or refused:
                raise ccxt.NotSupported(f"{exchange.id} {name}: not recorded")
            self._answers.append(_case(cases, args)["httpResponse"])
            try:
                return self._degrade(name, args, real(*args))
            finally:
                self._answers.pop()
        return call

    def _degrade(self, name: str, args: tuple[Any, ...], parsed: Any) -> Any:
        """The parsed answer as a live venue would give it now, then as the variant says."""
        if name == "fetchTicker":
            parsed = self._ticker(args[0], parsed)
        elif name == "fetchTickers":
            parsed = {s: self._ticker(s, t) for s, t in parsed.items()}
        elif name == "fetchPositions" and self.variant is Variant.NO_MARK_PRICE:
            parsed = [{**p, "markPrice": None} for p in parsed]
        elif name == "fetchBalance" and self.variant is Variant.UNPRICED_ASSET:
            for part in ("free", "total"):
                parsed.setdefault(part, {})[UNLISTED] = 12.0
        return parsed

    def _ticker(self, symbol: str, ticker: dict[str, Any]) -> dict[str, Any]:
        """The recorded ticker answers for the symbol asked, stamped now (a live answer);
        without a time in that variant, as Kraken and Bybit send it."""
        untimed = self.variant is Variant.TICKER_WITHOUT_TIME or not ticker.get("timestamp")
        now = int(time.time() * 1000)
        return {**ticker, "symbol": symbol, "timestamp": None if untimed else now,
                "datetime": None}


def unrecorded_balance(exchange: Any) -> dict[str, Any]:
    """ccxt's balance structure for a venue whose balance ccxt's static data does not record:
    a little of a spot market's base and quote (BTC/USDT where listed), so that the venue's
    recorded positions, tickers and orders are swept all the same."""
    spot = [m for m in exchange.markets.values() if m.get("spot")]
    market = next((m for m in spot if m["symbol"] == "BTC/USDT"), spot[0] if spot else None)
    units = {} if market is None else {market["base"]: 0.01, market["quote"]: 500.0}
    return {"info": {}, "free": dict(units), "used": {a: 0.0 for a in units},
            "total": dict(units),
            **{a: {"free": u, "used": 0.0, "total": u} for a, u in units.items()}}


def _case(cases: list[dict[str, Any]], args: tuple[Any, ...]) -> dict[str, Any]:
    """The case recorded with the same params as the call, else the first one."""
    params = args[-1] if args and isinstance(args[-1], dict) else {}
    for case in cases:
        recorded = case.get("input") or []
        if recorded and isinstance(recorded[-1], dict) and recorded[-1] == params:
            return case
    return cases[0]


def install(monkeypatch: pytest.MonkeyPatch, world: RecordedWorld) -> None:
    """Make `ccxt.<id>(config)` open the recorded venue: trimtab opens it as it opens any."""
    base = getattr(ccxt, world.exchange_id)

    class Recorded(base):  # type: ignore[misc, valid-type]
        def __init__(self, config: Mapping[str, Any] | None = None) -> None:
            super().__init__(dict(config or {}))
            world.attach(self)

    monkeypatch.setattr(ccxt, world.exchange_id, Recorded)


def hosts(world: RecordedWorld) -> set[str]:
    """The hosts every request went to."""
    return {urlparse(url).hostname or "" for _, url in world.requests}
