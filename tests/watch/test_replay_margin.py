"""A leveraged paper account replayed through `trimtab watch` in March 2024's fall.

A 10x long of 0.5 BTC opened at the replay's first price (the close of
2024-03-13, 73,083.50) has, with 0.5 % maintenance margin, its liquidation
price at 73,083.50 x 0.9 / 0.995 = 66,105.68: 9.5 % away, inside the policy's
10 % margin limit, so the margin trigger fires at once. BTC closes 65,315.12
on 2024-03-16, so the check of 2024-03-17 00:00 finds it liquidated, its
1/10 margin (3,654.175 USDT) lost. Funding is paid at every 8-hourly
settlement in between, from the bundled history, at the price of the check
that notices it. Every figure is worked out here by hand.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trimtab.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
ENTRY = 73_083.5  # close of 2024-03-13, the price of the check at 2024-03-14 00:00
CLOSES = {"2024-03-14": 71_396.59375, "2024-03-15": 69_403.7734375, "2024-03-16": 65_315.1171875}
RATES = [  # funding_8h.csv, BTC, 2024-03-14 08:00 .. 2024-03-17 00:00
    ("2024-03-14", 0.00038753), ("2024-03-14", 0.00038258), ("2024-03-14", 0.00038515),
    ("2024-03-15", 0.00014328), ("2024-03-15", 0.00015306), ("2024-03-15", 0.0001),
    ("2024-03-16", 0.00023202), ("2024-03-16", 0.00020813), ("2024-03-16", 0.00013089)]


def test_a_margin_trigger_comes_before_the_liquidation_and_funding_is_journaled(
        tmp_path: Path) -> None:
    start = tmp_path / "start.json"
    start.write_text(json.dumps({"USDT": 20_000, "BTC": 0.1, "ETH": 1.0, "SOL": 10,
                                 "AVAX": 50, "LINK": 100, "BTC/USDT:USDT": 0.5}))
    journal = tmp_path / "j.sqlite"
    result = CliRunner().invoke(app, [
        "watch", "--policy", str(ROOT / "examples" / "moderate.toml"), "--replay",
        "2024-03-14..2024-03-18", "--paper-start", str(start), "--journal",
        f"sqlite:///{journal}"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(journal) as db:
        checks = list(db.execute("SELECT at, fired FROM watch_checks ORDER BY id"))
        [liquidation] = [m for (m,) in db.execute(
            "SELECT message FROM events WHERE kind = 'liquidation'")]
        funding = list(db.execute("SELECT rate, mark, amount FROM paper_funding "
                                  "WHERE rate IS NOT NULL ORDER BY settled_at"))
        notes = [m for (m,) in db.execute("SELECT message FROM notifications ORDER BY id")]
    margin_days = [at[:10] for at, fired in checks
                   if any(t["kind"] == "margin" for t in json.loads(fired))]
    assert margin_days[0] == "2024-03-14"  # fired at the first check, days before the loss
    liquidation_price = ENTRY * 0.9 / 0.995
    assert liquidation_price == pytest.approx(66_105.678391959798, abs=1e-9)
    assert (f"liquidated at mark {CLOSES['2024-03-16']:,.2f} (liquidation price "
            f"{liquidation_price:,.2f}); margin lost {0.5 * ENTRY / 10:,.2f} USDT") \
        in liquidation
    # the check that finds the position gone tells the user, once (issue 12's leftover)
    closed_days = [at[:10] for at, fired in checks
                   if any(t["kind"] == "position" for t in json.loads(fired))]
    assert closed_days == ["2024-03-17"]
    [closed] = [m for m in notes if "closed now" in m]
    assert "BTC/USDT:USDT long on paper: 0.5 contracts at the last check" in closed
    assert [float(r) for r, _, _ in funding] == [rate for _, rate in RATES]
    for (_, mark, amount), (day, rate) in zip(funding, RATES, strict=True):
        assert float(mark) == CLOSES[day]
        assert float(amount) == pytest.approx(0.5 * CLOSES[day] * rate, abs=1e-9)
