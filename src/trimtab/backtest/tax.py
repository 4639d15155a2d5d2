"""The backtest's tax model: lots through a run, tax on each year's gains, after-tax value.

Every change of a holding between two bars is a trade at that bar's close
(the kernel trades at the close): a buy opens a lot costing notional × (1 +
fee + slippage), a sale realises notional × (1 − fee − slippage) against the
lots the policy's `[tax]` method picks — the same ledger (`domain.tax.lots`)
as a live plan. Each calendar year's net realised gains are taxed at the
short and long rates; a year with a net tax credit (losses) carries it into
the next years. Each year's tax is due on `pay_date` of the following year.

Taxes are paid from outside the portfolio: the trade path is the pre-tax one
(paying from the portfolio would shrink later trades; the kernel does not
model that). `after_tax_final_value` is the final value less every year's
tax, the last ones accrued if their date falls after the run;
`after_tax_liquidation_value` also takes off the tax of selling everything
at the last close.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trimtab.backtest.inputs import KernelInputs
from trimtab.backtest.kernel.layout import P_FEE, P_QUOTE, P_SLIP
from trimtab.domain.tax.lots import Acquire, Dispose, Event, Ledger, apply, dispose
from trimtab.domain.tax.settings import TaxSettings

VENUE = "backtest"
TINY = 1e-12  # units changes below this (relative) are rounding, not trades


@dataclass(frozen=True, slots=True)
class YearTax:
    """One tax year's realised gains and the tax due for it (after carried credit)."""

    year: int
    gain_short: float
    gain_long: float
    tax: float
    due: pd.Timestamp
    paid: bool  # whether the due date falls inside the run


def trade_events(units: pd.DataFrame, inputs: KernelInputs) -> list[Event]:
    """Lot events from a run's holdings path (rows: bars, columns: assets)."""
    close = inputs.full_close()
    rate = float(inputs.params[P_FEE] + inputs.params[P_SLIP])
    quote = int(inputs.params[P_QUOTE])
    path = units.to_numpy()
    change = np.diff(path, axis=0, prepend=np.zeros((1, path.shape[1])))
    events: list[Event] = []
    for bar, col in zip(*np.nonzero(np.abs(change) > TINY * np.maximum(np.abs(path), 1.0)),
                        strict=True):
        if col == quote:
            continue
        at = units.index[bar].to_pydatetime()
        asset, amount, price = units.columns[col], float(change[bar, col]), close[bar, col]
        if amount > 0:
            events.append(Acquire(at, asset, VENUE, amount, amount * price * (1 + rate),
                                  f"{asset}@{bar}"))
        else:
            events.append(Dispose(at, asset, VENUE, -amount, -amount * price * (1 - rate)))
    return events


def yearly_tax(ledger: Ledger, settings: TaxSettings, end: pd.Timestamp) -> list[YearTax]:
    """Each year's tax on its disposals, a credit carried forward until used."""
    by_year: dict[int, list[float]] = {}
    for d in ledger.disposals:
        gains = by_year.setdefault(d.at.year, [0.0, 0.0])
        gains[0] += d.gain_short
        gains[1] += d.gain_long
    out, credit = [], 0.0
    month, day = (int(x) for x in settings.pay_date.split("-"))
    for year in sorted(by_year):
        short, long = by_year[year]
        owed = short * settings.short_term_rate + long * settings.long_term_rate + credit
        credit = min(owed, 0.0)
        due = pd.Timestamp(year=year + 1, month=month, day=day, tz=end.tz)
        out.append(YearTax(year, short, long, max(owed, 0.0), due, due <= end))
    return out


def tax_figures(units: pd.DataFrame | None, inputs: KernelInputs, final_value: float,
                settings: TaxSettings) -> dict[str, Any] | None:
    """The run's tax figures for `trimtab backtest --json` (None without a holdings path)."""
    if units is None or units.empty:
        return None
    ledger = Ledger()
    for event in trade_events(units, inputs):
        ledger = apply(ledger, event, settings)
    end = pd.Timestamp(units.index[-1])
    years = yearly_tax(ledger, settings, end)
    tax = sum(y.tax for y in years)
    liquidation = _liquidation_tax(ledger, units, inputs, settings)
    return {
        "realised_short": sum(y.gain_short for y in years),
        "realised_long": sum(y.gain_long for y in years),
        "tax": tax,
        "tax_paid": sum(y.tax for y in years if y.paid),
        "tax_accrued": sum(y.tax for y in years if not y.paid),
        "years": [{"year": y.year, "gain_short": y.gain_short, "gain_long": y.gain_long,
                   "tax": y.tax, "due": y.due.date().isoformat(), "paid": y.paid}
                  for y in years],
        "after_tax_final_value": final_value - tax,
        "tax_if_liquidated": liquidation,
        "after_tax_liquidation_value": final_value - tax - liquidation,
    }


def _liquidation_tax(ledger: Ledger, units: pd.DataFrame, inputs: KernelInputs,
                     settings: TaxSettings) -> float:
    """Tax of selling every open lot at the last close (no credit carried: conservative)."""
    close = inputs.full_close()[-1]
    rate = float(inputs.params[P_FEE] + inputs.params[P_SLIP])
    at = units.index[-1].to_pydatetime()
    total = 0.0
    for col, asset in enumerate(units.columns):
        held = sum(lot.units for lot in ledger.open_lots(asset))
        if held <= 0:
            continue
        sale = Dispose(at, asset, VENUE, held, held * close[col] * (1 - rate))
        _, d = dispose(ledger, sale, settings)
        total += d.gain_short * settings.short_term_rate + d.gain_long * settings.long_term_rate
    return total
