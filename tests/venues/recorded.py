"""A hand-written fake of any exchange's REST server, answering with ccxt's recorded payloads.

Like `recorded_binance`, it replaces ccxt's `fetch` (the HTTP call) only:
ccxt builds and signs each request and parses each recorded response, so
what the adapter sees is what ccxt really produces. Routes are (method,
path) → payload; every request is kept for the test to check.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from trimtab.venues.ccxt_venue import CcxtVenue
from trimtab.venues.credentials import Credentials
from trimtab.venues.markets import offline_exchange, read_market_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ccxt"
KEY, SECRET = "fake-key-7f3a", "ZmFrZS1zZWNyZXQtOTFjMg=="  # base64, as Kraken's secrets are
Answer = Any | Callable[[dict[str, list[str]]], Any]


def recorded(exchange_id: str, method: str, index: int = 0) -> Any:
    """The raw HTTP answer of one recorded case of ccxt's static test data."""
    cases = json.loads((FIXTURES / "response" / f"{exchange_id}.json").read_text())["methods"]
    return copy.deepcopy(cases[method][index]["httpResponse"])


def recorded_options(exchange_id: str) -> Any:
    """The exchange options a response file says its cases were recorded with."""
    return json.loads((FIXTURES / "response" / f"{exchange_id}.json").read_text())["options"]


def parsed_request(url: str, body: Any) -> tuple[str, dict[str, Any]]:
    """A request's path and params: its JSON body's, else its query string's (first values)."""
    parsed = urlparse(url)
    if isinstance(body, str) and body.startswith("{"):
        return parsed.path, json.loads(body)
    return parsed.path, {k: v[0] for k, v in parse_qs(parsed.query).items()}


class RecordedServer:
    """Answers (method, path) with a recorded payload; an unknown route fails the test."""

    def __init__(self, routes: Mapping[tuple[str, str], Answer]) -> None:
        self.routes = dict(routes)
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self.bodies: list[Any] = []  # each request's JSON body, parsed (None when not JSON)

    def __call__(self, url: str, method: str = "GET", headers: Any = None,
                 body: Any = None) -> Any:
        parsed = urlparse(url)
        query = parse_qs(parsed.query or (body if isinstance(body, str) else "") or "")
        is_json = isinstance(body, str) and body[:1] in ("{", "[")
        self.bodies.append(json.loads(body) if is_json else None)
        self.requests.append((method, parsed.path, query))
        answer = self.routes.get((method, parsed.path))
        if answer is None:
            raise AssertionError(f"the fake server has no route {method} {parsed.path}")
        return copy.deepcopy(answer(query) if callable(answer) else answer)


def recorded_venue(exchange_id: str, routes: Mapping[tuple[str, str], Answer],
                   config: Mapping[str, Any] | None = None) -> tuple[CcxtVenue, RecordedServer]:
    """A CcxtVenue on ccxt's `exchange_id` with its recorded markets and a fake server."""
    markets = read_market_file(FIXTURES / "markets" / f"{exchange_id}.json")
    keys = {"apiKey": KEY, "secret": SECRET, **(config or {})}
    exchange = offline_exchange(exchange_id, markets, keys)
    server = RecordedServer(routes)
    exchange.fetch = server
    return CcxtVenue(exchange, exchange_id, Credentials({"apiKey": KEY, "secret": SECRET})), server
