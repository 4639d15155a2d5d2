"""Trade history files → lot events: Binance, Kraken and Coinbase exports, and trimtab's own.

The format is recognised by its header row. Costs include the fee where the
fee is paid in the quote (a buy costs more, a sale yields less); a fee taken in
the bought asset reduces the units received; a fee in a third asset (BNB) is
left out of the basis, which can only overstate the gain. Prices must be in
the policy's quote or, for a USD stablecoin quote, in USD or any USD
stablecoin (treated as equal). Bad rows end in one line naming the file,
the row and the fix.

Column layouts (see tests/fixtures/trades/SOURCES.md):
- Binance spot "Trade History": Date(UTC),Pair,Side,Price,Executed,Amount,Fee
  with amounts suffixed by their asset ("0.5BTC").
- Kraken trades.csv: txid,ordertxid,pair,time,type,ordertype,price,cost,fee,vol,
  margin,misc,ledgers (cost = price × vol, without the fee, in the quote).
- Coinbase transaction statement: a few title lines, then ID,Timestamp,
  Transaction Type,Asset,Quantity Transacted,Price Currency,Price at
  Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or
  Spread,Notes (older files say "Spot Price ..." and have no ID).
- trimtab: time,type,asset,units,venue,to_venue,cost,proceeds,lot_id with type
  buy, sell or transfer (how to record moves to a wallet and lots bought elsewhere).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from trimtab.app.inputs import InputError
from trimtab.domain.tax.lots import Acquire, Dispose, Event, Transfer

USD_LIKE = frozenset({"USD", "ZUSD", "USDT", "USDC", "BUSD", "FDUSD", "TUSD", "DAI"})
KRAKEN_ASSETS = {"XXBT": "BTC", "XBT": "BTC", "XETH": "ETH", "XXDG": "DOGE", "XDG": "DOGE",
                 "ZUSD": "USD", "ZEUR": "EUR", "XLTC": "LTC", "XXRP": "XRP"}
AMOUNT = re.compile(
    r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z][A-Za-z0-9]*)\s*$")


class RowError(ValueError):
    """A malformed row: the message names the column and the fix."""


Row = dict[str, str]
Parser = Callable[[Row, int, str], Event | None]


def read_trades(path: Path, quote: str) -> list[Event]:
    """Lot events from one export file, in file order."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: trade file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the trade file ({exc})") from None
    start, parser = _detect(path, lines)
    events: list[Event] = []
    for number, row in _rows(lines, start):
        try:
            event = parser(row, number, quote)
        except RowError as exc:
            raise InputError(f"{path} row {number}: {exc}") from None
        if event is not None:
            events.append(event)
    return events


def _detect(path: Path, lines: list[str]) -> tuple[int, Parser]:
    for index, line in enumerate(lines[:12]):
        head = next(csv.reader([line]), [])
        for columns, parser in FORMATS:
            if columns <= set(head):
                return index, parser
    raise InputError(f"{path}: not a known trade export (Binance, Kraken, Coinbase or trimtab "
                     "CSV); check the header row against tests/fixtures/trades/SOURCES.md")


def _rows(lines: list[str], start: int) -> Iterator[tuple[int, Row]]:
    reader = csv.DictReader(lines[start:])
    for row in reader:
        if any((v or "").strip() for v in row.values()):
            yield start + reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def number(row: Row, column: str) -> float:
    text = row.get(column, "").replace("$", "").replace(",", "").strip()
    try:
        value = float(text)
    except ValueError:
        raise RowError(f"column '{column}': '{row.get(column, '')}' is not a number; "
                       "fix or remove the row") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise RowError(f"column '{column}': '{text}' is not a finite number")
    return value


def when(row: Row, column: str) -> datetime:
    text = row.get(column, "").replace(" UTC", "").replace("Z", "+00:00").strip()
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(f"column '{column}': '{row.get(column, '')}' is not a date and time "
                       "(YYYY-MM-DD HH:MM:SS, UTC)") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _check_quote(found: str, quote: str, where: str) -> None:
    if found == quote or (found in USD_LIKE and quote in USD_LIKE):
        return
    raise RowError(f"{where} is priced in {found}, not {quote}; trimtab's lots need costs in the "
                   "policy's quote: convert the row or remove it")


def _amount(row: Row, column: str) -> tuple[float, str]:
    match = AMOUNT.match(row.get(column, ""))
    if not match:
        raise RowError(f"column '{column}': '{row.get(column, '')}' is not an amount followed "
                       "by its asset (like 0.5BTC)")
    return float(match.group(1).replace(",", "")), match.group(2).upper()


def _binance(row: Row, line: int, quote: str) -> Event | None:
    at = when(row, "Date(UTC)")
    units, base = _amount(row, "Executed")
    total, paid_in = _amount(row, "Amount")
    fee, fee_asset = _amount(row, "Fee")
    _check_quote(paid_in, quote, f"pair {row.get('Pair')}")
    side = row.get("Side", "").upper()
    if side == "BUY":
        got = units - fee if fee_asset == base else units
        cost = total + fee if fee_asset == paid_in else total
        return Acquire(at, base, "binance", got, cost, f"binance:{line}")
    if side == "SELL":
        proceeds = total - fee if fee_asset == paid_in else total
        return Dispose(at, base, "binance", units + (fee if fee_asset == base else 0.0),
                       proceeds)
    raise RowError(f"column 'Side': '{row.get('Side')}' is neither BUY nor SELL")


def _kraken(row: Row, line: int, quote: str) -> Event | None:
    at = when(row, "time")
    base, paid_in = _kraken_pair(row.get("pair", ""))
    _check_quote(paid_in, quote, f"pair {row.get('pair')}")
    if number(row, "margin") != 0.0:
        raise RowError("a margin trade; trimtab's lots are spot holdings only: remove the row")
    units, cost, fee = number(row, "vol"), number(row, "cost"), number(row, "fee")
    kind = row.get("type", "").lower()
    lot = f"kraken:{row.get('txid') or line}"
    if kind == "buy":
        return Acquire(at, base, "kraken", units, cost + fee, lot)
    if kind == "sell":
        return Dispose(at, base, "kraken", units, cost - fee)
    raise RowError(f"column 'type': '{row.get('type')}' is neither buy nor sell")


def _kraken_pair(pair: str) -> tuple[str, str]:
    for suffix in ("ZUSD", "ZEUR", "USDT", "USDC", "USD", "EUR", "GBP"):
        if pair.endswith(suffix) and len(pair) > len(suffix):
            base = pair[: -len(suffix)]
            return KRAKEN_ASSETS.get(base, base), KRAKEN_ASSETS.get(suffix, suffix)
    raise RowError(f"column 'pair': cannot split '{pair}' into base and quote")


COINBASE_BUYS = {"buy", "advanced trade buy", "rewards income", "staking income",
                 "learning reward", "inflation reward"}
COINBASE_SELLS = {"sell", "advanced trade sell", "convert"}


def _coinbase(row: Row, line: int, quote: str) -> Event | None:
    kind = row.get("Transaction Type", "").lower()
    if kind not in COINBASE_BUYS | COINBASE_SELLS:
        return None  # sends, receives, deposits: no cost basis to record
    at = when(row, "Timestamp")
    currency = row.get("Price Currency") or row.get("Spot Price Currency") or ""
    _check_quote(currency.upper(), quote, f"asset {row.get('Asset')}")
    asset = row.get("Asset", "").upper()
    units = abs(number(row, "Quantity Transacted"))
    total = abs(number(row, "Total (inclusive of fees and/or spread)"))
    if kind in COINBASE_BUYS:
        return Acquire(at, asset, "coinbase", units, total, f"coinbase:{row.get('ID') or line}")
    return Dispose(at, asset, "coinbase", units, total)


def _trimtab(row: Row, line: int, quote: str) -> Event | None:
    at, asset, venue = when(row, "time"), row.get("asset", "").upper(), row.get("venue", "")
    if not asset or not venue:
        raise RowError("columns 'asset' and 'venue' are required")
    units, kind = number(row, "units"), row.get("type", "").lower()
    if units <= 0:
        raise RowError(f"column 'units': {units:g} must be positive")
    if kind == "buy":
        return Acquire(at, asset, venue, units, number(row, "cost"),
                       row.get("lot_id") or f"{venue}:{line}")
    if kind == "sell":
        lots = tuple(i for i in row.get("lot_id", "").split(";") if i)
        return Dispose(at, asset, venue, units, number(row, "proceeds"), lots)
    if kind == "transfer":
        if not row.get("to_venue"):
            raise RowError("column 'to_venue': a transfer needs the venue it goes to")
        return Transfer(at, asset, venue, row["to_venue"], units)
    raise RowError(f"column 'type': '{row.get('type')}' is not buy, sell or transfer")


FORMATS: tuple[tuple[frozenset[str], Parser], ...] = (
    (frozenset({"Date(UTC)", "Pair", "Side", "Executed", "Amount", "Fee"}), _binance),
    (frozenset({"txid", "pair", "time", "type", "cost", "fee", "vol"}), _kraken),
    (frozenset({"Timestamp", "Transaction Type", "Asset", "Quantity Transacted"}), _coinbase),
    (frozenset({"time", "type", "asset", "units", "venue"}), _trimtab),
)
