"""Exchange quirks as data: what the ccxt adapter asks differently of each venue.

Nothing here is an `if exchange == ...` branch: the adapter looks a venue
up in these tables by its ccxt id and falls back to ccxt's unified call.
Each entry is backed by a test on the venue's recorded payloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Exchanges whose fetchOrder accepts ccxt's `clientOrderId` param; others are
# resolved by scanning open and recent closed orders for the client order id.
CLIENT_ID_LOOKUP = frozenset({"binance", "binanceusdm", "binancecoinm", "okx",
                              "bitget", "kucoin", "gate"})

# Exchanges whose fetchOrder cannot serve trimtab (Bybit's unified account answers only
# for its last 500 orders, and ccxt refuses the call without `acknowledged`): an order is
# looked up among the open, then the closed orders, which the venue filters by the
# params named here for (the venue's order id, trimtab's client order id).
ORDER_FILTERS: Mapping[str, tuple[str, str]] = {"bybit": ("orderId", "orderLinkId")}

# ccxt passes `clientOrderId` on to most venues; these read their own param name
# instead (ccxt's coinbase drops `clientOrderId` and would send a uuid of its own,
# and the order could then not be found again by trimtab's id after a restart).
CLIENT_ID_PARAMS: Mapping[str, str] = {"coinbase": "client_order_id"}

# Venues that read the margin mode on every contract order (OKX's tdMode): an order
# sent as cross against an isolated position is refused there.
MARGIN_MODE_PER_ORDER = frozenset({"okx", "bitget"})

# fetchPositions answers for one contract family per call on these venues: each
# tuple lists ccxt's own params for every family an account may hold. Elsewhere
# one unified call returns them all.
POSITION_QUERIES: Mapping[str, tuple[Mapping[str, Any], ...]] = {
    "binance": ({"subType": "linear"}, {"subType": "inverse"}),
    "bybit": ({"subType": "linear", "settleCoin": "USDT"},
              {"subType": "linear", "settleCoin": "USDC"}, {"subType": "inverse"}),
}
ONE_QUERY: tuple[Mapping[str, Any], ...] = ({},)


def position_queries(exchange_id: str) -> tuple[Mapping[str, Any], ...]:
    """The fetchPositions params that together cover every contract family."""
    return POSITION_QUERIES.get(exchange_id, ONE_QUERY)


def order_filters(exchange_id: str) -> tuple[str, str] | None:
    """The (order id, client order id) filter params of a venue looked up by listing."""
    return ORDER_FILTERS.get(exchange_id)


def buys_by_cost(exchange: Any) -> bool:
    """Whether a spot market buy must state the cost to spend (ccxt's own option says so)."""
    return bool(exchange.options.get("createMarketBuyOrderRequiresPrice"))


def client_id_param(exchange_id: str) -> str:
    """The createOrder param that carries trimtab's client order id on this venue."""
    return CLIENT_ID_PARAMS.get(exchange_id, "clientOrderId")


def takes_margin_mode(exchange_id: str) -> bool:
    """Whether a contract order names the margin mode of the position it trades."""
    return exchange_id in MARGIN_MODE_PER_ORDER
