"""What stops execution before an order: the kill switch, caps, stale or jumping prices.

Each guard returns a reason (a short code and a sentence) or None; the
executor journals the reason and stops. The kill switch is the environment
variable `TRIMTAB_KILL_SWITCH` (any non-empty value) or a file: the path in
`TRIMTAB_KILL_FILE`, else `KILL` in trimtab's data directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from trimtab.config.settings import SettingsError, load_settings
from trimtab.domain.policy import Policy
from trimtab.domain.refusal import Refusal
from trimtab.venues.port import Ticker

ENV_KILL = "TRIMTAB_KILL_SWITCH"
ENV_KILL_FILE = "TRIMTAB_KILL_FILE"


def kill_file(environ: Mapping[str, str] | None = None) -> Path:
    return load_settings(environ).kill_path


def kill_switch(environ: Mapping[str, str] | None = None) -> Refusal | None:
    """A refusal when the kill switch is on (or its settings cannot be read: fail safe)."""
    try:
        settings = load_settings(environ)
    except SettingsError as exc:
        return Refusal("kill_switch", f"cannot tell whether the kill switch is on ({exc})")
    if settings.kill_switch:
        return Refusal("kill_switch", f"the kill switch is on ({ENV_KILL} is set)")
    path = settings.kill_path
    if path.exists():
        return Refusal("kill_switch", f"the kill switch is on (the file {path} exists)")
    return None


def price_guard(ticker: Ticker | None, plan_price: float, now: datetime, policy: Policy,
                asset: str) -> Refusal | None:
    """A refusal when the venue's price is missing, older than max_price_age or moved too far."""
    if ticker is None or ticker.last <= 0:
        return Refusal("missing_price", f"no price for {asset} on the venue; nothing sent")
    if ticker.timestamp is not None:
        age = (now - ticker.timestamp).total_seconds()
        if age > policy.max_price_age:
            return Refusal("stale_price", f"the price of {asset} is {age:.0f} s old "
                        f"(max_price_age {policy.max_price_age:g} s)")
    move = abs(ticker.last / plan_price - 1.0)
    if move > policy.max_price_move:
        return Refusal("price_moved", f"{asset} moved {move:.2%} since the plan "
                    f"({plan_price:,.2f} → {ticker.last:,.2f}; max_price_move "
                    f"{policy.max_price_move:.2%})")
    return None


def cap_guard(notional: float, turnover: float, policy: Policy, quote: str) -> Refusal | None:
    """A refusal when an order or the run's total would pass the policy's caps."""
    caps = policy.execution
    if caps.max_order_notional is not None and notional > caps.max_order_notional:
        return Refusal("order_cap", f"an order of {notional:,.2f} {quote} is over "
                    f"execution.max_order_notional {caps.max_order_notional:,.2f}")
    if caps.max_turnover is not None and turnover + notional > caps.max_turnover:
        return Refusal("turnover_cap", f"{turnover + notional:,.2f} {quote} traded would pass "
                    f"execution.max_turnover {caps.max_turnover:,.2f}")
    return None
