"""Exchange quirks as data: what the ccxt adapter asks differently of each venue.

Nothing here is an `if exchange == ...` branch: the adapter looks a venue
up in these tables by its ccxt id and falls back to ccxt's unified call.
Each entry is backed by a test on the venue's recorded payloads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from trimtab.domain.snapshot import Holding
from trimtab.venues.port import is_trimtab_id

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

# Venues whose client order id is a number (Bitfinex's `cid` is an integer below 2**45):
# trimtab's id is sent as a number derived from it, the same after a restart. trimtab's
# numbers are the 14-digit ones that start with 34 (under 2**45, far above the clock-based
# numbers, 13 digits of milliseconds, that Bitfinex gives an order sent without one), so an
# order is known to be trimtab's even where the journal that wrote it is not at hand.
NUMERIC_CLIENT_IDS = frozenset({"bitfinex"})
NUMERIC_ID_MARKER = 34 * 10**12
NUMERIC_ID_SPAN = 10**12

# Venues whose client order id must start with a prefix: Gate refuses a `text` that does
# not start with "t-", and ccxt adds it only to ids that do not start with "t" (every
# trimtab id starts with "trimtab").
CLIENT_ID_PREFIXES: Mapping[str, str] = {"gate": "t-"}

# Position fields where ccxt keeps the size when it leaves `contracts` empty: ccxt's
# bitfinex puts the position's signed amount (base units, contract size 1) in `notional`.
SIZE_FIELDS: Mapping[str, str] = {"bitfinex": "notional"}

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
    "gate": ({"settle": "usdt"}, {"settle": "btc"}),  # USDT-margined, then BTC-margined
}
ONE_QUERY: tuple[Mapping[str, Any], ...] = ({},)

# fetchOpenOrders without a symbol lists one family per call on these venues (Gate's
# default type is spot): ccxt's own params for each family the account may trade, the
# main one first. Elsewhere one unified call lists them all.
OPEN_ORDER_QUERIES: Mapping[str, tuple[Mapping[str, Any], ...]] = {
    # Binance's default is spot (/api/v3); USDⓈ-M is /fapi, COIN-M /dapi.
    "binance": ({"type": "spot"}, {"type": "swap", "subType": "linear"},
                {"type": "swap", "subType": "inverse"}),
    "gate": ({"type": "spot"}, {"type": "swap", "settle": "usdt"},
             {"type": "swap", "settle": "btc"}),
    # Bybit's default is linear USDT. Inverse orders are listed by base coin: ccxt adds
    # settleCoin USDT to an inverse listing that names neither, and Bybit then lists none;
    # so one listing per base coin of the venue's inverse markets (EACH_INVERSE_BASE).
    "bybit": ({"type": "spot"},
              {"type": "swap", "subType": "linear", "settleCoin": "USDT"},
              {"type": "swap", "subType": "linear", "settleCoin": "USDC"},
              {"type": "swap", "subType": "inverse", "baseCoin": "{inverse base}"}),
}
EACH_INVERSE_BASE = "{inverse base}"

# How many open orders one listing returns, and the params that make ccxt walk the pages.
# Bybit answers 20 a page unless asked (50 at most) with a cursor to the next, which ccxt
# follows with `paginate` (up to 10 pages); OKX answers one page of 100, Gate 100 (per
# pair on spot). A listing that comes back this full may hide a stray order behind it:
# the scan says so instead of calling the account clean. Binance, Kraken and Bitfinex
# list every open order in one answer.
LISTING_PAGES: Mapping[str, tuple[Mapping[str, Any], int]] = {
    "bybit": ({"paginate": True}, 500),
    "okx": ({}, 100),
    "gate": ({}, 100),
}

# Contract accounts that two ccxt ids read: `binance` reads Binance's USDⓈ-M and COIN-M
# positions (subType linear, inverse), which `binanceusdm` and `binancecoinm` read too.
# Opened with the same keys they are one account, whose positions count once.
SHARED_POSITION_ACCOUNTS: Mapping[tuple[str, str], str] = {
    ("binance", "linear"): "binance-usdm", ("binanceusdm", ""): "binance-usdm",
    ("binance", "inverse"): "binance-coinm", ("binancecoinm", ""): "binance-coinm"}

# ccxt ids whose plain fetchBalance reads a contract account's margin wallet (Binance
# COIN-M, USDⓈ-M, Kraken Futures): its coins back the contracts and are not spot.
COLLATERAL_ACCOUNTS = frozenset({"binancecoinm", "binanceusdm", "krakenfutures"})

# Other wallets ccxt reads with fetchBalance(params) (TRIMTAB_<VENUE>_WALLETS names them),
# and how their units are held: counted in weights, never sold as spot.
WALLETS: Mapping[str, tuple[Mapping[str, str], Holding]] = {
    "inverse": ({"type": "swap", "subType": "inverse"}, "collateral"),  # Binance COIN-M
    "linear": ({"type": "swap", "subType": "linear"}, "collateral"),  # Binance USDⓈ-M
    "margin": ({"type": "margin"}, "collateral"),
    "funding": ({"type": "funding"}, "funding"),
    "savings": ({"type": "savings"}, "staked"),
}

# Staking and earn units that ccxt reports as free spot balances under a code of their own
# (Kraken's BTC.F, DOT.S; Binance Simple Earn's LDBTC): the pattern names the asset.
STAKED_CODES: Mapping[str, re.Pattern[str]] = {
    "kraken": re.compile(r"^(?P<asset>[A-Z0-9]+)\.(?:S|M|B|F|P)$"),
    "binance": re.compile(r"^LD(?P<asset>[A-Z0-9]{2,})$"),
}
STAKED_ALIASES: Mapping[str, str] = {"ETH2": "ETH"}  # Kraken's staked ether


def position_queries(exchange_id: str) -> tuple[Mapping[str, Any], ...]:
    """The fetchPositions params that together cover every contract family."""
    return POSITION_QUERIES.get(exchange_id, ONE_QUERY)


def open_order_queries(exchange_id: str, markets: Mapping[str, Mapping[str, Any]] | None
                       ) -> tuple[Mapping[str, Any], ...]:
    """The fetchOpenOrders params that together cover every family an account trades; a
    query naming EACH_INVERSE_BASE stands for one per base coin of the inverse markets."""
    bases = sorted({m["base"] for m in (markets or {}).values() if m.get("inverse")})
    out: list[Mapping[str, Any]] = []
    for query in OPEN_ORDER_QUERIES.get(exchange_id, ONE_QUERY):
        each = [k for k, v in query.items() if v == EACH_INVERSE_BASE]
        out += [{**query, **{k: base for k in each}} for base in bases] if each else [query]
    return tuple(out)


def listing_page(exchange_id: str) -> tuple[Mapping[str, Any], int | None]:
    """The params that page an open-order listing, and how many orders fill it (None:
    the venue lists every open order in one answer)."""
    return LISTING_PAGES.get(exchange_id, ({}, None))


def position_account(exchange_id: str, venue: str, params: Mapping[str, Any],
                     api_key: str | None) -> str:
    """The contract account a position query reads: one name for every venue that reads
    that account with the same key (a digest of it, never the key), else the venue's own."""
    shared = SHARED_POSITION_ACCOUNTS.get((exchange_id, str(params.get("subType", ""))))
    if shared is None or not api_key:
        return f"{venue} {sorted(params.items())}"
    return f"{shared} {hashlib.sha256(api_key.encode()).hexdigest()[:16]}"


def order_filters(exchange_id: str) -> tuple[str, str] | None:
    """The (order id, client order id) filter params of a venue looked up by listing."""
    return ORDER_FILTERS.get(exchange_id)


def buys_by_cost(exchange: Any) -> bool:
    """Whether a spot market buy must state the cost to spend (ccxt's own option says so)."""
    return bool(exchange.options.get("createMarketBuyOrderRequiresPrice"))


def client_id_param(exchange_id: str) -> str:
    """The createOrder param that carries trimtab's client order id on this venue."""
    return CLIENT_ID_PARAMS.get(exchange_id, "clientOrderId")


def venue_client_id(exchange_id: str, client_order_id: str) -> str | int:
    """trimtab's client order id as this venue takes it (prefixed, or a number, where it
    must be); the same id always gives the same answer, so lookups after a restart work."""
    if exchange_id not in NUMERIC_CLIENT_IDS:
        return CLIENT_ID_PREFIXES.get(exchange_id, "") + client_order_id
    digest = hashlib.sha256(client_order_id.encode()).digest()
    return NUMERIC_ID_MARKER + int.from_bytes(digest[:8], "big") % NUMERIC_ID_SPAN


def sent_forms(exchange_id: str, client_order_ids: Iterable[str]) -> dict[str, str]:
    """trimtab's ids by the form this venue reports them in (a number, as text)."""
    return {str(venue_client_id(exchange_id, cid)): cid for cid in client_order_ids}


def trimtab_client_id(exchange_id: str, reported: str | None,
                      sent_as: Mapping[str, str]) -> tuple[str | None, bool]:
    """(the client id a venue reports, in trimtab's form where it is trimtab's; whether it is).

    The venue's prefix is stripped; a number cannot be read back, so it is mapped through
    `sent_as` (see `sent_forms`) and otherwise told to be trimtab's by its range alone.
    """
    if reported is None:
        return None, False
    if reported in sent_as:
        return sent_as[reported], True
    if exchange_id in NUMERIC_CLIENT_IDS:
        number = int(reported) if reported.isdigit() else -1
        return reported, NUMERIC_ID_MARKER <= number < NUMERIC_ID_MARKER + NUMERIC_ID_SPAN
    own = reported.removeprefix(CLIENT_ID_PREFIXES.get(exchange_id, ""))
    return (own, True) if is_trimtab_id(own) else (reported, False)


def position_size(exchange_id: str, raw: Mapping[str, Any]) -> Any:
    """A raw position's contracts, from the field ccxt keeps them in on this venue."""
    contracts = raw.get("contracts")
    field = SIZE_FIELDS.get(exchange_id)
    if contracts is None and field is not None and raw.get(field) is not None:
        return abs(float(raw[field]))
    return contracts


def takes_margin_mode(exchange_id: str) -> bool:
    """Whether a contract order names the margin mode of the position it trades."""
    return exchange_id in MARGIN_MODE_PER_ORDER


def collateral_account(exchange_id: str) -> bool:
    """Whether the venue's own balance is a contract account's margin (not spot)."""
    return exchange_id in COLLATERAL_ACCOUNTS


def staked_asset(exchange_id: str, code: str, currencies: set[str]) -> str | None:
    """The asset a staking/earn code stands for on this venue (None: a plain code).

    Only a code whose asset the venue lists is read so (Binance's LDO is Lido, not
    an earn unit of O).
    """
    pattern = STAKED_CODES.get(exchange_id)
    found = pattern.match(code) if pattern is not None else None
    if found is None:
        return None
    asset = STAKED_ALIASES.get(found["asset"], found["asset"])
    return asset if asset in currencies else None
